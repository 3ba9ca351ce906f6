"""Operating the bot for years: backups, staff exports and `wellbot status`.

Plain functions over a database (no Telegram imports), each wrapped by a
thin subcommand registered at the bottom of this module. None of them needs
the worker to stop: SQLite's WAL lets them read while it writes.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from wellbot.bot import heartbeat
from wellbot.bot.features import CliCommand, Feature
from wellbot.core import lease
from wellbot.core.clock import from_db
from wellbot.core.db import open_database, pending_migrations, schema_version
from wellbot.core.errors import ConfigError
from wellbot.core.settings import Settings

OWNER_ONLY = 0o600
STALE_AFTER = timedelta(seconds=3 * heartbeat.HEARTBEAT_SECONDS)  # three missed beats
POLL_STALE_AFTER = timedelta(minutes=2)  # a long poll returns at least every ~10 s when healthy
EXIT_UNHEALTHY = 1
PERSONAL_DATA_WARNING = ("warning: this export contains personal data ({what}). Keep it on an encrypted disk, "
                         "share it only with staff who need it, and delete it when done.")
# Spreadsheets run cells that start with these as formulas; patients type names.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PHONE_LIKE = re.compile(r"^[+-]?[\d\s().-]+$")

VISIT_COLUMNS = ("id", "service_key", "start_local", "end_local", "start_utc", "end_utc", "status", "patient_name",
                 "patient_phone", "user_id", "created_at", "confirmed_at", "cancelled_at", "cancelled_by")
SUBSCRIBER_COLUMNS = ("user_id", "status", "topics", "updated_at", "reachable")
EXPORTS = {"visits": "names and phone numbers", "subscribers": "Telegram user ids and their news choices"}


class OpsError(ConfigError):
    """An operator-fixable problem with a backup, export or status run (one line, exit 2)."""


# --- backup -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    """What a backup wrote."""

    path: Path
    size: int
    schema: str


def backup_database(source: Path, target: Path, *, force: bool = False) -> BackupResult:
    """Copy a live database with SQLite's online backup into one self-contained, owner-only file.

    The copy is one snapshot (a single backup step inside one read
    transaction), so it is consistent even while the worker writes. It is
    written beside the target and renamed into place only when complete and
    checked: an interrupted backup (disk full) never leaves a half file.
    """
    if not source.is_file():
        raise OpsError("backup", f"no database at {source} (check WELLBOT_DATABASE)")
    if target.exists() and not force:
        raise OpsError("backup", f"{target} already exists; choose another name or add --force to replace it")
    if target.exists() and target.resolve() == source.resolve():
        raise OpsError("backup", "the backup cannot replace the database itself")
    if not target.parent.is_dir():
        raise OpsError("backup", f"folder {target.parent} does not exist")
    with _staged(target) as partial:
        try:
            _copy_snapshot(source, partial)
        except sqlite3.Error as exc:
            raise OpsError("backup", f"could not copy {source}: {exc}") from None
        copy = Database(sqlite3.connect(str(partial)))
        try:
            schema = schema_version(copy)
        finally:
            copy.close()
    return BackupResult(target, target.stat().st_size, schema)


def _copy_snapshot(source: Path, partial: Path) -> None:
    """One-step online backup, then make the copy a plain rollback-journal file and verify it."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)  # never writes the live file
    dst = sqlite3.connect(str(partial))
    try:
        src.backup(dst)  # pages=-1: the whole database in one step, so one consistent snapshot
        dst.execute("pragma journal_mode = delete")  # one self-contained file, no -wal companion
        result = dst.execute("pragma integrity_check").fetchone()[0]
        if result != "ok":
            raise sqlite3.DatabaseError(f"integrity check of the copy failed: {result}")
    finally:
        dst.close()
        src.close()


@contextlib.contextmanager
def _staged(target: Path) -> Iterator[Path]:
    """A fresh owner-only file beside `target`, renamed onto it on success and removed on failure."""
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    try:
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY))
        yield partial
        os.replace(partial, target)
    except OSError as exc:
        raise OpsError(str(target), f"could not write: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


# --- exports ----------------------------------------------------------------------------------------------------


def spreadsheet_safe(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula (phone numbers stay as they are)."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not PHONE_LIKE.match(value):
        return "'" + value
    return value


def visit_rows(db: Database, tz: ZoneInfo) -> Iterator[dict[str, object]]:
    """Every visit, oldest first, with local times for the clinic's staff."""
    for row in db.query("select * from visits order by start_utc, id"):
        row["start_local"] = from_db(row["start_utc"]).astimezone(tz).strftime("%Y-%m-%d %H:%M")
        row["end_local"] = from_db(row["end_utc"]).astimezone(tz).strftime("%Y-%m-%d %H:%M")
        yield {column: row.get(column) for column in VISIT_COLUMNS}


def subscriber_rows(db: Database) -> Iterator[dict[str, object]]:
    """Every news subscription, with whether the patient can still be messaged."""
    sql = """
        select s.user_id, s.status, s.topics, s.updated_at, coalesce(p.status, 'unknown') as reachable
        from subscriptions s left join patients p on p.user_id = s.user_id order by s.user_id
    """
    for row in db.query(sql):
        row["topics"] = ";".join(json.loads(row["topics"] or "[]"))
        row["reachable"] = "yes" if row["reachable"] == "active" else "no"
        yield row


def write_csv(rows: Iterator[dict[str, object]], columns: tuple[str, ...], out: TextIO) -> int:
    """Write rows as CSV with a header; return how many rows."""
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
        count += 1
    return count


def export_csv(db: Database, kind: str, out: TextIO, tz: ZoneInfo) -> int:
    """Write the `visits` or `subscribers` export to `out`; return the row count."""
    if kind == "visits":
        return write_csv(visit_rows(db, tz), VISIT_COLUMNS, out)
    if kind == "subscribers":
        return write_csv(subscriber_rows(db), SUBSCRIBER_COLUMNS, out)
    raise OpsError("export", f"unknown export {kind!r}; choose one of {', '.join(EXPORTS)}")


# --- status -----------------------------------------------------------------------------------------------------


@dataclass
class StatusReport:
    """`wellbot status` lines, and whether the worker looks alive."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    healthy: bool = False


def age(then: datetime, now: datetime) -> str:
    """A short human age such as `42s`, `5m 3s`, `2h 10m` or `3d 4h`."""
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size, sub, sub_size in (("d", 86400, "h", 3600), ("h", 3600, "m", 60), ("m", 60, "s", 1)):
        if seconds >= size:
            return f"{seconds // size}{unit} {seconds % size // sub_size}{sub}"
    return f"{seconds}s"


def _stamp(text: str, now: datetime) -> str:
    when = from_db(text)
    return f"{text} ({age(when, now)} ago)"


def heartbeat_line(state: dict[str, dict[str, str]], now: datetime) -> tuple[str, bool]:
    """Describe the heartbeat; True if the worker is alive."""
    beat = state.get(heartbeat.HEARTBEAT)
    if beat is None:
        return "never: no worker has run on this database", False
    stopped = state.get(heartbeat.STOPPED)
    last = from_db(beat["updated_at"])
    if stopped is not None and from_db(stopped["updated_at"]) >= last:
        return f"none: worker stopped cleanly at {_stamp(stopped['updated_at'], now)}", False
    if now - last > STALE_AFTER:
        return (f"STALLED: last beat {_stamp(beat['updated_at'], now)}, pid {beat['value']}; "
                "the worker is stuck or was killed"), False
    return f"ok, {_stamp(beat['updated_at'], now)}, pid {beat['value']}", True


def poll_line(state: dict[str, dict[str, str]], now: datetime) -> str:
    """Describe the last successful getUpdates."""
    mode = state.get(heartbeat.MODE, {}).get("value", heartbeat.POLLING)
    if mode != heartbeat.POLLING:
        return f"not polling ({mode} mode)"
    poll = state.get(heartbeat.LAST_POLL)
    if poll is None:
        return "never"
    text = _stamp(poll["updated_at"], now)
    if now - from_db(poll["updated_at"]) > POLL_STALE_AFTER:
        text += "; OLD: Telegram or the network has been unreachable"
    return text


def progress_line(state: dict[str, dict[str, str]], now: datetime) -> tuple[str, bool]:
    """Skipped updates and a poller stuck on the same batch; False if the worker is not making progress."""
    parts, moving = [], True
    stuck = state.get(heartbeat.STUCK)
    if stuck is not None:
        moving = False
        parts.append(f"NOT PROGRESSING: the same updates were fetched {stuck['value']} times, last at "
                     f"{_stamp(stuck['updated_at'], now)}; see the worker's log")
    skipped = state.get(heartbeat.SKIPPED)
    if skipped is not None:
        count, last_id = ([*skipped["value"].split(), "?"])[:2]
        parts.append(f"{count} skipped (unreadable), last update_id {last_id} at {_stamp(skipped['updated_at'], now)}")
    return "; ".join(parts), moving


def counts_line(db: Database, table: str, order: tuple[str, ...]) -> str:
    """`a 3, b 0, ...` for a status column, in a fixed order."""
    counts = {row["status"]: row["n"] for row in db.query(f"select status, count(*) as n from {table} group by status")}
    return ", ".join(f"{status} {counts.get(status, 0)}" for status in order)


def status_report(db: Database, now: datetime, features: list[Feature], database: Path | None = None) -> StatusReport:
    """Everything `wellbot status` prints, from the database (and a damage note beside it, if any)."""
    report = StatusReport()
    state = heartbeat.read_state(db) if db["worker_state"].exists() else {}
    marker = heartbeat.damage_marker(database) if database is not None else None
    if marker is not None and marker.is_file() and heartbeat.INTEGRITY not in state:
        when, _, problem = marker.read_text(encoding="utf-8").strip().partition(" ")
        state[heartbeat.INTEGRITY] = {"value": problem, "updated_at": when}
    beat, report.healthy = heartbeat_line(state, now)
    report.lines.append(("last poll", poll_line(state, now)))
    report.lines.append(("heartbeat", beat))
    if heartbeat.INTEGRITY in state:
        damage = state[heartbeat.INTEGRITY]
        report.lines.append(("database", f"DAMAGED (found {_stamp(damage['updated_at'], now)}): {damage['value']}; "
                                         "stop the worker, run wellbot check and restore the last good backup"))
        report.healthy = False
    progress, moving = progress_line(state, now)
    if progress:
        report.lines.append(("updates", progress))
        report.healthy = report.healthy and moving
    if heartbeat.STARTED in state:
        report.lines.append(("worker started", state[heartbeat.STARTED]["updated_at"]))
    report.lines.extend(lease.status_lines(db))
    pending = pending_migrations(db)
    version = schema_version(db)
    report.lines.append(("schema version", version + (f" ({len(pending)} pending: run wellbot migrate)"
                                                      if pending else "")))
    for label, table, order in (("subscribers", "subscriptions", ("subscribed", "paused", "unsubscribed")),
                                ("patients", "patients", ("active", "blocked"))):
        if not db[table].exists():
            continue
        try:
            report.lines.append((label, counts_line(db, table, order)))
        except sqlite3.DatabaseError as exc:  # a damaged table: say so, never crash the health check
            report.lines.append((label, f"UNREADABLE ({exc}); run wellbot check"))
            report.healthy = False
    for feature in features:
        for hook in feature.status:
            try:
                report.lines.extend(hook(db, now))
            except sqlite3.Error as exc:  # an older schema: say so rather than crash the report
                report.lines.append((feature.name, f"unavailable ({exc})"))
    return report


def format_status(report: StatusReport) -> str:
    """Aligned `label: value` lines."""
    width = max(len(label) for label, _ in report.lines) + 1
    return "\n".join(f"{label + ':':<{width}} {value}" for label, value in report.lines)


# --- subcommands ------------------------------------------------------------------------------------------------


def open_existing(settings: Settings) -> Database:
    """Open the configured database without creating or migrating it."""
    if not settings.database.is_file():
        raise OpsError("WELLBOT_DATABASE", f"no database at {settings.database}")
    return open_database(settings.database, migrate=False)


def _configure_backup(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="file to write the backup to")
    parser.add_argument("--force", action="store_true", help="replace the file if it exists")


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """Take a consistent backup."""
    result = backup_database(settings.database, args.path, force=args.force)
    print(f"backup written: {result.path} ({result.size} bytes, schema {result.schema})")
    print("it holds personal data: store it encrypted, readable by its owner only")
    return 0


def _configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=sorted(EXPORTS), help="what to export")
    parser.add_argument("--format", choices=["csv"], default="csv", help="file format (csv)")
    parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
    parser.add_argument("--force", action="store_true", help="replace the output file if it exists")


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write an export to a file or standard output, warning on stderr."""
    from wellbot.core.clinic import load_clinic

    tz = load_clinic(settings.clinic_path).timezone
    db = open_existing(settings)
    try:
        print(PERSONAL_DATA_WARNING.format(what=EXPORTS[args.what]), file=sys.stderr)
        if args.output is None:
            count = export_csv(db, args.what, sys.stdout, tz)
        else:
            if args.output.exists() and not args.force:
                raise OpsError("export", f"{args.output} already exists; choose another name or add --force")
            with _staged(args.output) as partial, open(partial, "w", newline="", encoding="utf-8") as out:
                count = export_csv(db, args.what, out, tz)
    finally:
        db.close()
    print(f"exported {count} {args.what}", file=sys.stderr)
    return 0


def clinic_report(settings: Settings) -> StatusReport:
    """The status report of the clinic `settings` configure (ConfigError if its database does not exist)."""
    from wellbot.app import FEATURES
    from wellbot.core.clock import SystemClock

    db = open_existing(settings)
    try:
        return status_report(db, SystemClock(ZoneInfo("UTC")).now(), FEATURES, settings.database)
    finally:
        db.close()


def _configure_status(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help="one JSON object (with Telegram's own view of the bot when a token is set)")
    parser.add_argument("--all", nargs="+", metavar="ENV_FILE", type=Path,
                        help="report on every clinic, one environment file each (e.g. /etc/wellbot/clinics/*.env)")


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """Print the status report; the exit code tells monitoring whether the worker is alive."""
    from wellbot import fleet

    if args.all:
        return fleet.status_all(args.all, as_json=args.json)
    report = clinic_report(settings)
    telegram = fleet.telegram_view(settings)
    fleet.judge_telegram(report, telegram)
    if args.json:
        print(json.dumps(fleet.report_json(settings, report, telegram), indent=2))
    else:
        print(format_status(report))
    return 0 if report.healthy else EXIT_UNHEALTHY


# The subcommands this module adds to `wellbot` (composed in wellbot.cli).
COMMANDS = [
    CliCommand("backup", "Copy the database to PATH while the worker runs (SQLite online backup).",
               "wellbot backup /var/backups/wellbot-$(date +%F).db",
               run=cmd_backup, configure=_configure_backup),
    CliCommand("export", "Export visits or subscribers as CSV for staff spreadsheets (contains personal data).",
               "wellbot export visits --format csv --output visits.csv",
               run=cmd_export, configure=_configure_export),
    CliCommand("status", "Show the worker's health and the bot's state from the database (and Telegram's view "
               "when a token is set); exit 1 if stalled. --json for machines, --all ENV_FILE... for many clinics.",
               "WELLBOT_DATABASE=/var/lib/wellbot/wellbot.db wellbot status --json",
               run=cmd_status, configure=_configure_status),
]
