"""The worker's pulse: heartbeat, last successful poll, start and stop, one log line per update.

`wellbot status` reads these rows from another process, so a worker that is
running but stuck (its event loop blocked, its network gone) shows up as a
stale heartbeat or an old last poll rather than as silence. Recording never
stops the worker: a failed write (disk full, read-only file) is logged.

Each update gets one INFO line with ids and its kind only (the command name
only if the bot knows it: anything a patient types stays out of the log).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from telegram import Update
from telegram.ext import Application, TypeHandler
from telegram.request import HTTPXRequest

from wellbot.bot import callbacks, intake
from wellbot.bot.deps import Deps, WellbotContext
from wellbot.bot.features import Feature, all_commands
from wellbot.bot.lanes import BotApiJson
from wellbot.bot.router import OpenMenuItem
from wellbot.core import deps as deps_module
from wellbot.core.busy import locked
from wellbot.core.clock import Clock, to_db
from wellbot.core.db import quick_check
from wellbot.core.errors import ConfigError

log = logging.getLogger(__name__)

HEARTBEAT = "heartbeat"
LAST_POLL = "last_poll"
STARTED = "worker_started"
STOPPED = "worker_stopped"
SKIPPED = "updates_skipped"  # value "<count> <last update_id>": updates the library could not read
STUCK = "polling_stuck"  # value "<count>": polls that fetched updates already fetched (no progress)
STUCK_AFTER = 3  # that many re-fetches in a row: the worker is not making progress
INTEGRITY = "database_integrity"  # present only while the worker has found the database damaged
DAMAGE_SUFFIX = "-damaged"  # beside the database: damage noted when the database refused to record it
MODE = "worker_mode"  # the key under which the worker records deps.worker_mode
POLLING = deps_module.POLLING
HEARTBEAT_SECONDS = 30
POLL_RECORD_SECONDS = 5  # a busy bot polls many times a second; one write per few seconds is enough
JOB_NAME = "wellbot-heartbeat"
LOG_GROUP = -20  # before the guards (-10), so even an update a guard stops is logged
LOOP_LAG = "loop_lag"  # worker_state: the worst event-loop lag (ms) seen between two heartbeats
LAG_SETTING = "WELLBOT_LOOP_LAG_WARN_MS"
LAG_WARN_MS = 100  # default: twice the 50 ms any handler may hold the loop, so a warning is never noise
LAG_TICK_SECONDS = 0.05  # how often the monitor wakes; lag is how late it wakes


def record(db: Database, key: str, value: str, now: datetime) -> bool:
    """Upsert one worker_state fact; False (and a warning) if the database refused the write."""
    if locked(db):  # another process holds the write lock: skip this note rather than wait on the loop
        return False
    try:
        db.execute(
            """
            insert into worker_state (key, value, updated_at) values (?, ?, ?)
            on conflict(key) do update set value = excluded.value, updated_at = excluded.updated_at
            """,
            [key, value, to_db(now)],
        )
    except sqlite3.Error as exc:
        log.warning("worker state not recorded key=%s error=%s", key, exc)
        return False
    return True


def read_state(db: Database) -> dict[str, dict[str, str]]:
    """Every worker_state row, by key."""
    return {row["key"]: row for row in db.query("select key, value, updated_at from worker_state")}


class PollRecordingRequest(BotApiJson, HTTPXRequest):
    """The getUpdates connection: screens each batch, notes each successful poll and any lack of progress.

    A successful poll (HTTP 2xx) is the proof that Telegram and the network
    are reachable, which the heartbeat alone cannot show. Updates the library
    cannot read are skipped here (wellbot.bot.intake), and a poll that asks
    for updates it was already given means the worker is not moving on.
    """

    def __init__(self, db: Database, clock: Clock, **kwargs: Any) -> None:
        kwargs.setdefault("connection_pool_size", 1)  # what PTB uses for getUpdates
        super().__init__(**kwargs)
        self._db = db
        self._clock = clock
        self._last_recorded = float("-inf")
        self._next_offset: int | None = None  # what the next poll should ask for, after a batch
        self._refetches = 0
        self.polling = asyncio.Event()  # set while a getUpdates request is out (wellbot.app.PerUserUpdateProcessor)

    async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any,
                         **kwargs: Any) -> tuple[int, bytes]:
        """Send the request; screen and note a successful getUpdates."""
        is_poll = url.endswith("/getUpdates")
        if is_poll:
            self._check_progress(request_data)
            self.polling.set()
        try:
            code, payload = await super().do_request(url, method, request_data, *args, **kwargs)
        finally:
            if is_poll:
                self.polling.clear()
        if 200 <= code < 300 and is_poll:
            screened = intake.screen(payload)
            if screened.skipped:
                note_skipped(self._db, self._clock, screened.skipped)
            if screened.highest_id is not None:
                self._next_offset = screened.highest_id + 1
            self._note_poll()
            payload = screened.payload
        return code, payload

    def _check_progress(self, request_data: Any) -> None:
        """Count polls that ask again for a batch already handed over; record when it persists."""
        parameters = getattr(request_data, "parameters", None) or {}
        offset = parameters.get("offset")
        if self._next_offset is None or not isinstance(offset, int):
            return
        if offset < self._next_offset:
            self._refetches += 1
            if self._refetches >= STUCK_AFTER:
                log.error("polling is not making progress offset=%s refetches=%s", offset, self._refetches)
                record(self._db, STUCK, str(self._refetches), self._clock.now())
        elif self._refetches:
            self._refetches = 0
            clear(self._db, STUCK)

    def _note_poll(self) -> None:
        moment = time.monotonic()  # throttling is about real seconds, not the clinic's clock
        if moment - self._last_recorded >= POLL_RECORD_SECONDS and record(self._db, LAST_POLL, "ok", self._clock.now()):
            self._last_recorded = moment


class LoopLagMonitor:
    """Wakes every tick and measures how late: the time the event loop was held by something else.

    Every patient's reply waits while one handler computes on the loop, so
    this is the lag a patient feels. Past the threshold it logs a WARNING
    (once per spell, with the worst lag), and it keeps the worst lag since
    the last heartbeat for `wellbot status`.
    """

    def __init__(self, warn_ms: float, tick: float = LAG_TICK_SECONDS,
                 now: Callable[[], float] = time.perf_counter,
                 observe: Callable[[float], None] | None = None) -> None:
        self.warn_ms = warn_ms
        self.observe = observe  # each tick's lag in seconds, for the metrics (wellbot_event_loop_lag_seconds)
        self.tick = tick
        self.now = now
        self.worst_ms = 0.0  # since the last take_worst()
        self.warnings = 0
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        """Begin measuring on the running loop."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="loop-lag-monitor")

    async def stop(self) -> None:
        """Stop measuring."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def note(self, lag_ms: float) -> None:
        """Account for one tick that came `lag_ms` late."""
        self.worst_ms = max(self.worst_ms, lag_ms)
        if self.observe is not None:
            self.observe(lag_ms / 1000)
        if lag_ms >= self.warn_ms:
            self.warnings += 1
            log.warning("event loop held lag_ms=%.0f threshold_ms=%.0f (a handler or job computed without "
                        "awaiting; patients' replies waited)", lag_ms, self.warn_ms)

    def take_worst(self) -> float:
        """The worst lag since the last call, in ms; starts a new period."""
        worst, self.worst_ms = self.worst_ms, 0.0
        return worst

    async def _run(self) -> None:
        while True:
            before = self.now()
            await asyncio.sleep(self.tick)
            self.note(max(0.0, (self.now() - before - self.tick) * 1000))


def lag_threshold(extra: dict[str, str] | Any) -> float:
    """WELLBOT_LOOP_LAG_WARN_MS as milliseconds (default LAG_WARN_MS); ConfigError if malformed."""
    text = (extra.get(LAG_SETTING) or "").strip()
    if not text:
        return float(LAG_WARN_MS)
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(LAG_SETTING, f"{text!r} is not a number of milliseconds") from None
    if not 1 <= value <= 60_000:
        raise ConfigError(LAG_SETTING, "must be from 1 to 60000 milliseconds")
    return value


def check_lag_setting(deps: Deps) -> None:
    """The loop-lag threshold must parse at start."""
    lag_threshold(deps.settings.extra)


def note_skipped(db: Database, clock: Clock, skipped: list[tuple[int, str, str]]) -> None:
    """Log each unreadable update once, by id and kind only (its body may hold personal data); count it."""
    for update_id, kind, error in skipped:
        log.warning("update skipped: the library cannot read it update_id=%s kind=%s error=%s", update_id, kind, error)
    try:
        state = read_state(db).get(SKIPPED)
    except sqlite3.Error:
        state = None
    count = int(state["value"].split()[0]) + len(skipped) if state else len(skipped)
    record(db, SKIPPED, f"{count} {skipped[-1][0]}", clock.now())


def check_integrity(deps: Deps, now: datetime) -> bool:
    """PRAGMA quick_check at start: record what is damaged for `wellbot status` (or clear it); True if sound."""
    problems = quick_check(deps.db)
    if problems:
        log.error("database damaged problems=%s: run wellbot check and restore a backup", len(problems))
        note_damage(deps, "; ".join(problems), now)
        return False
    clear(deps.db, INTEGRITY)
    marker = damage_marker(deps.settings.database)
    if marker.exists():
        marker.unlink()
    return True


def damage_marker(database: Path) -> Path:
    """Where damage is noted when the database itself refuses the write: a file beside it."""
    return database.with_name(database.name + DAMAGE_SUFFIX)


def note_damage(deps: Deps, problem: str, now: datetime) -> None:
    """Record that the database is damaged, in it if it still takes writes, else in the marker file."""
    text = problem[:300]
    if record(deps.db, INTEGRITY, text, now) or str(deps.settings.database) == ":memory:":
        return
    try:
        fd = os.open(damage_marker(deps.settings.database), os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as marker:
            marker.write(f"{to_db(now)} {text}\n")
    except OSError as exc:
        log.error("database damage could not be recorded anywhere error=%s", type(exc).__name__)


def clear(db: Database, key: str) -> None:
    """Remove one worker_state fact (a problem that has gone away)."""
    try:
        db.execute("delete from worker_state where key = ?", [key])
    except sqlite3.Error as exc:
        log.warning("worker state not cleared key=%s error=%s", key, type(exc).__name__)


async def beat(context: WellbotContext) -> None:
    """Write the heartbeat (a JobQueue job: it runs only while the event loop is healthy), and the worst lag."""
    deps = context.deps
    now = deps.clock.now()
    record(deps.db, HEARTBEAT, str(os.getpid()), now)
    monitor = deps.loop_lag
    if monitor is not None:
        record(deps.db, LOOP_LAG, f"{monitor.take_worst():.0f}", now)


async def start_heartbeat(application: Application) -> None:
    """Record the start and schedule the repeating heartbeat."""
    deps: Deps = application.bot_data["deps"]
    now = deps.clock.now()
    check_integrity(deps, now)
    record(deps.db, STARTED, str(os.getpid()), now)
    record(deps.db, MODE, deps.worker_mode, now)
    record(deps.db, HEARTBEAT, str(os.getpid()), now)
    deps.loop_lag = LoopLagMonitor(lag_threshold(deps.settings.extra), observe=deps.monitor.loop_lag.observe)
    deps.loop_lag.start()
    if application.job_queue is None:
        log.warning("no job queue: heartbeat disabled (install python-telegram-bot[job-queue])")
        return
    application.job_queue.run_repeating(beat, interval=HEARTBEAT_SECONDS, first=HEARTBEAT_SECONDS, name=JOB_NAME)


async def stop_heartbeat(application: Application) -> None:
    """Record a clean stop, so status tells a stopped worker from a stalled one."""
    deps: Deps = application.bot_data["deps"]
    monitor, deps.loop_lag = deps.loop_lag, None
    if monitor is not None:
        await monitor.stop()
    record(deps.db, STOPPED, str(os.getpid()), deps.clock.now())


def status_lines(db: Database, now: datetime) -> list[tuple[str, str]]:
    """`wellbot status`: the worst event-loop lag over the last heartbeat interval."""
    row = read_state(db).get(LOOP_LAG)
    if row is None:
        return []
    return [("loop lag", f"worst {row['value']} ms in the {HEARTBEAT_SECONDS} s before {row['updated_at']}")]


def describe_update(update: Update, known_commands: set[str], known_prefixes: set[str]) -> str:
    """`kind=... [command=...|button=...]` for an update, with nothing the user typed or forged."""
    if update.callback_query is not None:
        prefix = (update.callback_query.data or "").split(callbacks.SEPARATOR, 1)[0]
        return f"kind=button button={prefix if prefix in known_prefixes else 'unknown'}"
    message = update.message
    if message is not None and message.text and message.text.startswith("/"):
        name = message.text[1:].split(maxsplit=1)[0].split("@", 1)[0] if len(message.text) > 1 else ""
        return f"kind=command command={name if name in known_commands else 'unknown'}"
    if message is not None:
        return "kind=" + ("contact" if message.contact else "text" if message.text else "message")
    return "kind=" + next((name for name in ("edited_message", "my_chat_member", "chat_member")
                           if getattr(update, name, None) is not None), "other")


async def log_update(update: Update, context: WellbotContext) -> None:
    """One INFO line per update: ids and kind, never its text."""
    features = context.deps.features
    commands = {command.name for command in all_commands(features)}
    # The first segment of each route's tag: what a log line may name without echoing forged data.
    tags = [route.prefix for feature in features for route in feature.buttons] + [OpenMenuItem.TAG]
    prefixes = {tag.split(callbacks.SEPARATOR, 1)[0] for tag in tags}
    user = update.effective_user
    log.info("update received update_id=%s user_id=%s %s", update.update_id, user.id if user else None,
             describe_update(update, commands, prefixes))


FEATURE = Feature(name="heartbeat", startup=[start_heartbeat], shutdown=[stop_heartbeat],
                  handlers=[(TypeHandler(Update, log_update), LOG_GROUP)], checks=[check_lag_setting],
                  status=[status_lines])
