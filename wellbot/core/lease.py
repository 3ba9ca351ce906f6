"""The worker lease: one row names the one worker that may poll, dispatch reminders and send campaigns.

A worker takes the lease when it is free or expired, and renews it every
third of its length while it runs; a clean stop releases it. A second worker
on the same database stands by and takes the lease over once the holder has
stopped renewing (killed, frozen, powered off): after the lease's length at
most. Taking and renewing are single compare-and-set statements, so two
workers started at the same moment cannot both win.

Times are Unix seconds from the wall clock (`time.time`), not the clinic's
injected clock: the lease is between processes, possibly on two hosts whose
clocks NTP keeps in step. No Telegram imports.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

from wellbot.core.errors import ConfigError

NAME = "worker"
SETTING = "WELLBOT_LEASE_SECONDS"
DEFAULT_SECONDS = 30.0  # a killed worker is replaced within this time (plus a third of it)
MIN_SECONDS = 1.0  # below this, a busy disk or a GC pause could cost the lease
MAX_SECONDS = 3600.0
RENEWALS_PER_LEASE = 3  # renew every third of the lease: two renewals may fail before it lapses

Now = Callable[[], float]


@dataclass(frozen=True)
class Worker:
    """Who this process is, as the lease row names it."""

    id: str
    host: str
    pid: int

    @classmethod
    def this_process(cls) -> Worker:
        """This process: host and pid, plus a random tag (pids are reused after a restart)."""
        host, pid = socket.gethostname(), os.getpid()
        return cls(f"{host}:{pid}:{secrets.token_hex(3)}", host, pid)


@dataclass(frozen=True)
class Holder:
    """The lease row as read back."""

    worker: str
    host: str
    pid: int
    acquired_at: str
    renewed_at: str
    expires: float

    def describe(self) -> str:
        """`worker X (host H, pid P), lease until T` for one log or status line."""
        return f"worker {self.worker} (host {self.host}, pid {self.pid}), lease until {stamp(self.expires)}"


def stamp(seconds: float) -> str:
    """Unix seconds as UTC text with milliseconds."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def lease_seconds(extra: Mapping[str, str]) -> float:
    """WELLBOT_LEASE_SECONDS from the settings' WELLBOT_* mapping; ConfigError if malformed."""
    text = (extra.get(SETTING) or "").strip()
    if not text:
        return DEFAULT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        raise ConfigError(SETTING, f"{text!r} is not a number of seconds") from None
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise ConfigError(SETTING, f"must be between {MIN_SECONDS:g} and {MAX_SECONDS:g} seconds")
    return seconds


def renew_interval(seconds: float) -> float:
    """How often the holder renews, and how often a standby looks."""
    return seconds / RENEWALS_PER_LEASE


def acquire(db: Database, me: Worker, seconds: float, now: Now = time.time) -> Holder:
    """Take the lease if it is free, expired or already ours; return whoever holds it afterwards."""
    moment = now()
    text = stamp(moment)
    db.execute(
        """
        insert into worker_lease (name, holder, host, pid, acquired_at, renewed_at, expires)
        values (:name, :holder, :host, :pid, :now_text, :now_text, :expires)
        on conflict(name) do update set
            holder = excluded.holder, host = excluded.host, pid = excluded.pid,
            acquired_at = case when worker_lease.holder = excluded.holder then worker_lease.acquired_at
                               else excluded.acquired_at end,
            renewed_at = excluded.renewed_at, expires = excluded.expires
        where worker_lease.holder = excluded.holder or worker_lease.expires < :now
        """,
        {"name": NAME, "holder": me.id, "host": me.host, "pid": me.pid, "now_text": text,
         "expires": moment + seconds, "now": moment},
    )
    holder = current(db)
    assert holder is not None  # the insert either wrote a row or found one
    return holder


def renew(db: Database, me: Worker, seconds: float, now: Now = time.time) -> bool:
    """Push our lease's expiry forward; False if another worker holds it now (ours was lost)."""
    moment = now()
    return bool(db.execute(
        "update worker_lease set renewed_at = ?, expires = ? where name = ? and holder = ?",
        [stamp(moment), moment + seconds, NAME, me.id]).rowcount)


def release(db: Database, me: Worker) -> bool:
    """Give the lease up (a clean stop), so a standby takes over at its next look; False if not ours."""
    return bool(db.execute("delete from worker_lease where name = ? and holder = ?", [NAME, me.id]).rowcount)


def current(db: Database) -> Holder | None:
    """The lease row, or None when no worker holds it."""
    row = next(db.query("select * from worker_lease where name = ?", [NAME]), None)
    if row is None:
        return None
    return Holder(row["holder"], row["host"], row["pid"], row["acquired_at"], row["renewed_at"], row["expires"])


def status_lines(db: Database, now: float | None = None) -> list[tuple[str, str]]:
    """`wellbot status`: who holds the lease, and whether it is still being renewed."""
    if not db["worker_lease"].exists():
        return []
    holder = current(db)
    if holder is None:
        return [("lease", "free: no worker is sending")]
    moment = time.time() if now is None else now
    state = "held" if holder.expires >= moment else "EXPIRED (a standby takes over at its next look)"
    return [("lease", f"{state} by {holder.describe()}, since {holder.acquired_at}")]
