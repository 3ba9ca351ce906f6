"""Real `wellbot run` processes against the local Bot API server, for failover tests and benchmarks.

The server runs in the test's own process (so the test can count what each
patient received); every worker is a child process started exactly as an
operator starts one, and can be stopped with SIGTERM or killed with SIGKILL.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from tests.harness import STAFF_ID, TOKEN
from wellbot.core.clock import to_db
from wellbot.core.db import open_database
from wellbot.core.resources import example_clinic_file
from wellbot.sim.devserver import BotAPIServer

REPO = Path(__file__).resolve().parent.parent
EXIT_WAIT = 15.0  # seconds a stopped worker may take to exit


def worker_env(server: BotAPIServer, database: Path, **extra: str) -> dict[str, str]:
    """The environment of one worker: the test token, the local server, this database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WELLBOT_", "TELEGRAM_"))}
    env.update({
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "WELLBOT_DATABASE": str(database),
        "WELLBOT_STAFF_IDS": str(STAFF_ID),
        "WELLBOT_API_URL": server.base_url if server else "http://127.0.0.1:9/bot",
        "WELLBOT_CLINIC": str(example_clinic_file()),
        "PYTHONUNBUFFERED": "1",
        **extra,
    })
    return env


class Worker:
    """One `python -m wellbot run` child process, its log kept in a file."""

    def __init__(self, name: str, env: Mapping[str, str], folder: Path) -> None:
        self.name = name
        self.env = dict(env)
        self.log_path = folder / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None
        self.started_at = 0.0

    async def start(self) -> Worker:
        """Start the child; its stderr (the log) goes to the log file."""
        log = self.log_path.open("wb")
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "wellbot", "run", env=self.env, cwd=str(REPO),
                stdout=log, stderr=asyncio.subprocess.STDOUT)
        finally:
            log.close()
        self.started_at = time.monotonic()
        return self

    @property
    def pid(self) -> int:
        """The child's pid."""
        return self.process.pid

    def log(self) -> str:
        """Everything the worker logged so far."""
        return self.log_path.read_text(errors="replace")

    def running(self) -> bool:
        """True while the child has not exited."""
        return self.process is not None and self.process.returncode is None

    async def wait_log(self, text: str, timeout: float = 20.0) -> float:
        """Wait until the log contains `text`; return the monotonic time it was seen."""
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if not self.running():
                raise AssertionError(f"{self.name} exited ({self.process.returncode}) before logging "
                                     f"{text!r}:\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} did not log {text!r} in {timeout}s:\n{self.log()[-3000:]}")
            await asyncio.sleep(0.02)
        return time.monotonic()

    def kill(self) -> float:
        """SIGKILL, as a power cut would (nothing is flushed or released); the monotonic time of the kill."""
        self.process.send_signal(signal.SIGKILL)
        return time.monotonic()

    async def stop(self) -> int:
        """SIGTERM and wait for the exit code (SIGKILL if it hangs)."""
        if self.running():
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), EXIT_WAIT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(f"{self.name} did not stop within {EXIT_WAIT}s:\n{self.log()[-3000:]}") from None


def prepare_database(database: Path, subscribers: Iterable[int]) -> None:
    """A migrated database with these subscribed, active patients (chat id = user id)."""
    db = open_database(database)
    now = to_db(datetime.now(UTC))
    with db.atomic():
        for user_id in subscribers:
            db.execute("insert into patients (user_id, chat_id, status, created_at, last_seen_at) "
                       "values (?, ?, 'active', ?, ?)", [user_id, user_id, now, now])
            db.execute("insert into subscriptions (user_id, status, topics, updated_at) "
                       "values (?, 'subscribed', ?, ?)", [user_id, json.dumps(["pain"]), now])
    db.close()


def queue_broadcast(database: Path, body: str = "Closed on Monday") -> int:
    """Queue a broadcast to everyone, as staff pressing Send now would; return its id."""
    db = open_database(database, migrate=False)
    try:
        return db.execute("insert into campaigns (kind, status, audience, body, created_by, created_at) "
                          "values ('broadcast', 'queued', 'all', ?, ?, ?)",
                          [body, STAFF_ID, to_db(datetime.now(UTC))]).lastrowid
    finally:
        db.close()


def delivery_counts(database: Path, campaign_id: int) -> dict[str, int]:
    """Deliveries of a campaign by status."""
    db = open_database(database, migrate=False)
    try:
        return {row["status"]: row["n"] for row in db.query(
            "select status, count(*) as n from deliveries where campaign_id = ? group by status", [campaign_id])}
    finally:
        db.close()


def campaign_status(database: Path, campaign_id: int) -> str:
    """The campaign's status column."""
    db = open_database(database, migrate=False)
    try:
        return db.execute("select status from campaigns where id = ?", [campaign_id]).fetchone()[0]
    finally:
        db.close()


async def wait_campaign(database: Path, campaign_id: int, status: str = "done", timeout: float = 60.0) -> None:
    """Wait until the campaign reaches `status`."""
    deadline = time.monotonic() + timeout
    while (current := campaign_status(database, campaign_id)) != status:
        if time.monotonic() > deadline:
            raise AssertionError(f"campaign {campaign_id} is {current!r}, not {status!r}, after {timeout}s")
        await asyncio.sleep(0.1)


def copies(server: BotAPIServer, users: Iterable[int], text: str) -> Counter:
    """How many messages containing `text` each user received."""
    wanted = set(users)
    return Counter(m.chat_id for m in server.sent if m.chat_id in wanted and text in (m.text or ""))
