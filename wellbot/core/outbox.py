"""The outbox's rows: side effects a committed change promised, delivered after the commit (no Telegram here).

`add` runs inside the caller's transaction, so the promise and the change
commit together. A row is claimed ('sending', committed) before its push and
finished ('done', 'failed' or 'uncertain') after; a row found 'sending' at
start was cut off by a crash and is tried again once (like a reminder: a
rare second copy beats a visit the patient never heard about), then left
'uncertain'.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from wellbot.core.clock import to_db

PENDING, SENDING, DONE, FAILED, UNCERTAIN = "pending", "sending", "done", "failed", "uncertain"
MAX_RESTARTS = 1  # tries again after a crash cut a send off: then 'uncertain', never a third copy


@dataclass(frozen=True)
class Effect:
    """One outbox row as the deliverer sees it."""

    id: int
    kind: str
    user_id: int | None
    visit_id: int | None
    payload: dict[str, Any]
    attempts: int


def add(db: Database, kind: str, key: str, now: datetime, *, user_id: int | None = None,
        visit_id: int | None = None, **payload: Any) -> int | None:
    """Promise an effect inside the caller's transaction; its id (None if `key` was promised before)."""
    if not db.conn.in_transaction:
        raise RuntimeError("outbox.add must run inside the transaction of the change it follows")
    stamp = to_db(now)
    cursor = db.execute(
        "insert or ignore into outbox (kind, key, user_id, visit_id, payload, created_at, updated_at) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        [kind, key, user_id, visit_id, json.dumps(payload, sort_keys=True, default=str), stamp, stamp])
    return cursor.lastrowid if cursor.rowcount else None


def claim(db: Database, effect_id: int, now: datetime) -> Effect | None:
    """Mark a pending row 'sending' (committed before the push); None if it is not pending (someone else has it)."""
    with db.atomic():
        if not db.execute("update outbox set status = ?, attempts = attempts + 1, updated_at = ? "
                          "where id = ? and status = ?", [SENDING, to_db(now), effect_id, PENDING]).rowcount:
            return None
        row = next(db.query("select * from outbox where id = ?", [effect_id]))
    return Effect(row["id"], row["kind"], row["user_id"], row["visit_id"], json.loads(row["payload"]),
                  row["attempts"])


def finish(db: Database, effect_id: int, status: str, now: datetime, error: str = "") -> None:
    """Record how a push ended: done, failed, uncertain, or pending again (to retry)."""
    db.execute("update outbox set status = ?, error = ?, updated_at = ? where id = ?",
               [status, error[:200], to_db(now), effect_id])


def recover(db: Database, now: datetime) -> tuple[int, int]:
    """At start: rows a crash left 'sending' are pending again once, then 'uncertain'; (retried, given up)."""
    with db.atomic():
        given_up = db.execute("update outbox set status = ?, error = 'cut off by a crash twice', updated_at = ? "
                              "where status = ? and restarts >= ?",
                              [UNCERTAIN, to_db(now), SENDING, MAX_RESTARTS]).rowcount
        retried = db.execute("update outbox set status = ?, restarts = restarts + 1, updated_at = ? "
                             "where status = ?", [PENDING, to_db(now), SENDING]).rowcount
    return retried, given_up


def pending_ids(db: Database, limit: int = 100) -> list[int]:
    """Pending rows, oldest first."""
    return [row["id"] for row in db.query("select id from outbox where status = ? order by id limit ?",
                                          [PENDING, limit])]


def counts(db: Database) -> dict[str, int]:
    """Rows by status (for `wellbot status`)."""
    found = {row["status"]: row["n"] for row in db.query("select status, count(*) as n from outbox group by status")}
    return {status: found.get(status, 0) for status in (PENDING, SENDING, DONE, FAILED, UNCERTAIN)}


def purge(db: Database, cutoff: datetime) -> int:
    """Delete finished rows last touched before `cutoff`."""
    return db.execute("delete from outbox where status not in (?, ?) and updated_at < ?",
                      [PENDING, SENDING, to_db(cutoff)]).rowcount


def erase(db: Database, user_id: int, now: datetime) -> None:
    """Forget a patient's effects (nothing more is sent to them, nor about them)."""
    db.execute("delete from outbox where user_id = ?", [user_id])
