"""The worker's pulse in `worker_state`: heartbeat, last successful poll, start and stop.

`wellbot status` reads these rows from another process, so a worker that is
running but stuck (its event loop blocked, its network gone) shows up as a
stale heartbeat or an old last poll rather than as silence. Recording never
stops the worker: a failed write (disk full, read-only file) is logged.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from datetime import datetime
from typing import Any

from sqlite_utils import Database
from telegram.ext import Application
from telegram.request import HTTPXRequest

from wellbot.clock import Clock, to_db
from wellbot.deps import Deps, WellbotContext
from wellbot.features import Feature

log = logging.getLogger(__name__)

HEARTBEAT = "heartbeat"
LAST_POLL = "last_poll"
STARTED = "worker_started"
STOPPED = "worker_stopped"
MODE = "worker_mode"  # "polling" or "webhook"; cli's run sets deps.services[MODE]
POLLING = "polling"
HEARTBEAT_SECONDS = 30
POLL_RECORD_SECONDS = 5  # a busy bot polls many times a second; one write per few seconds is enough
JOB_NAME = "wellbot-heartbeat"


def record(db: Database, key: str, value: str, now: datetime) -> bool:
    """Upsert one worker_state fact; False (and a warning) if the database refused the write."""
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


class PollRecordingRequest(HTTPXRequest):
    """The getUpdates connection, noting each successful poll in worker_state.

    A successful poll (HTTP 2xx) is the proof that Telegram and the network
    are reachable, which the heartbeat alone cannot show.
    """

    def __init__(self, db: Database, clock: Clock, **kwargs: Any) -> None:
        kwargs.setdefault("connection_pool_size", 1)  # what PTB uses for getUpdates
        super().__init__(**kwargs)
        self._db = db
        self._clock = clock
        self._last_recorded = float("-inf")

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Send the request; after a successful getUpdates, record the time (at most every few seconds)."""
        code, payload = await super().do_request(url, method, *args, **kwargs)
        if 200 <= code < 300 and url.endswith("/getUpdates"):
            self._note_poll()
        return code, payload

    def _note_poll(self) -> None:
        moment = time.monotonic()  # throttling is about real seconds, not the clinic's clock
        if moment - self._last_recorded >= POLL_RECORD_SECONDS:
            if record(self._db, LAST_POLL, "ok", self._clock.now()):
                self._last_recorded = moment


async def beat(context: WellbotContext) -> None:
    """Write the heartbeat (a JobQueue job: it runs only while the event loop is healthy)."""
    deps = context.deps
    record(deps.db, HEARTBEAT, str(os.getpid()), deps.clock.now())


async def start_heartbeat(application: Application) -> None:
    """Record the start and schedule the repeating heartbeat."""
    deps: Deps = application.bot_data["deps"]
    now = deps.clock.now()
    record(deps.db, STARTED, str(os.getpid()), now)
    record(deps.db, MODE, deps.services.get(MODE, POLLING), now)
    record(deps.db, HEARTBEAT, str(os.getpid()), now)
    if application.job_queue is None:
        log.warning("no job queue: heartbeat disabled (install python-telegram-bot[job-queue])")
        return
    application.job_queue.run_repeating(beat, interval=HEARTBEAT_SECONDS, first=HEARTBEAT_SECONDS, name=JOB_NAME)


async def stop_heartbeat(application: Application) -> None:
    """Record a clean stop, so status tells a stopped worker from a stalled one."""
    deps: Deps = application.bot_data["deps"]
    record(deps.db, STOPPED, str(os.getpid()), deps.clock.now())


FEATURE = Feature(name="heartbeat", startup=[start_heartbeat], shutdown=[stop_heartbeat])
