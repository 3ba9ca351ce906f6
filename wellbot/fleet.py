"""Many clinics on one host, and Telegram's own view of each bot: `wellbot status --json` and `--all`.

Each clinic is one worker (a `wellbot@<clinic>` systemd instance) with its own
environment file, database and bot token. `wellbot status --all
/etc/wellbot/clinics/*.env` reads each file the way systemd's
EnvironmentFile= does and reports on every clinic in one go; the exit code
is the worst of them (2 a file or setting is wrong, 1 a worker is unhealthy).

Telegram's view comes from getWebhookInfo, a read-only call that is safe
while the worker runs: how many updates wait for the bot and the last error
Telegram met delivering them. A webhook that Telegram cannot reach (a broken
proxy) makes the clinic unhealthy even while its worker's heartbeat is fine.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from wellbot.core.db import open_existing
from wellbot.core.errors import ConfigError
from wellbot.core.lease_view import read_lease
from wellbot.core.settings import Settings
from wellbot.ops import EXIT_UNHEALTHY, StatusReport, clinic_report, format_status

EXIT_CONFIG = 2
TELEGRAM_TIMEOUT = 10.0  # seconds for getWebhookInfo: a health check must not hang
WEBHOOK_ERROR_RECENT = 600  # seconds: a delivery error this recent means updates are not arriving
ENV_LINE = re.compile(r"(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.*)")


# --- Telegram's view ---------------------------------------------------------------------------------------------


def telegram_view(settings: Settings) -> dict[str, Any]:
    """getWebhookInfo for the configured token, or why it was not asked (never the token itself)."""
    if not settings.token:
        return {"checked": False, "reason": "TELEGRAM_BOT_TOKEN is not set"}
    url = f"{settings.api_url}{settings.token}/getWebhookInfo"
    try:
        answer = httpx.post(url, timeout=TELEGRAM_TIMEOUT)
        body = answer.json()
    except (httpx.HTTPError, ValueError) as exc:  # the URL holds the token: name the error's kind only
        return {"checked": True, "ok": False, "error": f"Telegram unreachable ({type(exc).__name__})"}
    if not body.get("ok"):
        return {"checked": True, "ok": False, "error": f"Telegram answered {answer.status_code}: "
                                                       f"{body.get('description', 'no description')}"}
    info = body["result"]
    error_date = info.get("last_error_date")
    return {"checked": True, "ok": True, "mode": "webhook" if info.get("url") else "polling",
            "webhook_url": info.get("url") or None, "pending_update_count": info.get("pending_update_count", 0),
            "last_error_date": _iso(error_date) if error_date else None,
            "last_error_age_seconds": int(time.time() - error_date) if error_date else None,
            "last_error_message": info.get("last_error_message")}


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def judge_telegram(report: StatusReport, telegram: dict[str, Any]) -> None:
    """Add Telegram's view to the report's lines; a refused token or a failing webhook is unhealthy."""
    if not telegram["checked"]:
        report.lines.append(("telegram", f"not asked: {telegram['reason']}"))
        return
    if not telegram["ok"]:
        report.lines.append(("telegram", telegram["error"]))
        if "answered 401" in telegram["error"] or "answered 404" in telegram["error"]:
            report.healthy = False  # the token was revoked: the worker cannot work
        return
    where = f"webhook {telegram['webhook_url']}" if telegram["webhook_url"] else "polling (no webhook set)"
    report.lines.append(("telegram", f"{where}, {telegram['pending_update_count']} updates waiting"))
    age = telegram["last_error_age_seconds"]
    if age is not None:
        recent = age <= WEBHOOK_ERROR_RECENT
        report.lines.append(("telegram error", f"{'FAILING: ' if recent else ''}{telegram['last_error_message']} "
                                               f"at {telegram['last_error_date']} ({age}s ago)"))
        report.healthy = report.healthy and not recent


def report_json(settings: Settings, report: StatusReport, telegram: dict[str, Any]) -> dict[str, Any]:
    """One clinic's status as a JSON-ready object."""
    db = open_existing(settings.database)
    try:
        lease = read_lease(db, time.time())
    finally:
        db.close()
    return {
        "healthy": report.healthy,
        "database": str(settings.database),
        "clinic_file": str(settings.clinic_path),
        "status": dict(report.lines),
        "lease": {"enforced": lease.enforced, "holder": lease.holder if lease.live else None,
                  "expires": _iso(lease.expires) if lease.expires else None},
        "telegram": telegram,
    }


# --- many clinics ------------------------------------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (# and ; comments, optional quotes)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc.strerror or exc}") from None
    env = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        match = ENV_LINE.fullmatch(line)
        if match is None:
            raise ConfigError(str(path), f"line {number} is not KEY=VALUE")
        value = match["value"].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        env[match["key"]] = value
    return env


def clinic_entry(path: Path) -> tuple[dict[str, Any], StatusReport | None]:
    """One clinic's JSON entry and report (None when its file or settings are wrong)."""
    entry: dict[str, Any] = {"name": path.stem, "env_file": str(path)}
    try:
        settings = Settings.from_env(read_env_file(path))
        report = clinic_report(settings)
        telegram = telegram_view(settings)
        judge_telegram(report, telegram)
        entry.update(report_json(settings, report, telegram))
    except ConfigError as exc:
        entry.update({"healthy": False, "error": str(exc)})
        return entry, None
    return entry, report


def status_all(paths: Sequence[Path], *, as_json: bool = False) -> int:
    """Report on every clinic; exit 2 if any file or setting is wrong, else 1 if any worker is unhealthy."""
    entries, blocks, code = [], [], 0
    for path in paths:
        entry, report = clinic_entry(path)
        entries.append(entry)
        if report is None:
            code = EXIT_CONFIG
            blocks.append(f"== {entry['name']} ({path})\nERROR: {entry['error']}")
            continue
        if not report.healthy and code == 0:
            code = EXIT_UNHEALTHY
        verdict = "healthy" if report.healthy else "UNHEALTHY"
        blocks.append(f"== {entry['name']} ({path}): {verdict}\n{format_status(report)}")
    if as_json:
        print(json.dumps({"healthy": code == 0, "clinics": entries}, indent=2))
    else:
        print("\n\n".join(blocks))
        print(f"\n{sum(1 for e in entries if e['healthy'])} of {len(entries)} clinics healthy", file=sys.stderr)
    return code
