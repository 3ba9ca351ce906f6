"""Who holds the worker lease, read the one way /healthz, the metrics and `wellbot status` read it.

The lease itself (taking, renewing, releasing) belongs to wellbot.core.lease
(issue 15): one row in `worker_lease` named "worker", with the holder's id
and its expiry in Unix seconds. This module only reads that row, so the
observers have one small function to change if the lease table changes. A
database without the table (a version before the lease) has no lease to hold:
a single worker is assumed and `enforced` is False.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from sqlite_utils import Database

LEASE_TABLE = "worker_lease"
LEASE_NAME = "worker"


@dataclass(frozen=True)
class LeaseView:
    """The lease as an observer sees it at one moment."""

    enforced: bool  # False: this database has no lease table (one worker, nothing to hold)
    holder: str | None = None  # the holding worker's id, None when free
    expires: float | None = None  # Unix seconds
    live: bool = False  # held and not expired

    def held_by(self, worker_id: str | None) -> bool:
        """True if `worker_id` holds a live lease, or when there is no lease to hold."""
        if not self.enforced:
            return True
        return self.live and worker_id is not None and self.holder == worker_id


def read_lease(db: Database, now: float) -> LeaseView:
    """The lease row as a LeaseView (`now` in Unix seconds, the clock the lease uses)."""
    try:
        row = db.execute(f"select holder, expires from {LEASE_TABLE} where name = ?", [LEASE_NAME]).fetchone()
    except sqlite3.OperationalError:  # no such table: a database from before the lease
        return LeaseView(enforced=False)
    if row is None:
        return LeaseView(enforced=True)
    holder, expires = str(row[0]), float(row[1])
    return LeaseView(enforced=True, holder=holder, expires=expires, live=expires >= now)
