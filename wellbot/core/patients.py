"""Who has talked to the bot, and whether they can still be messaged."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlite_utils import Database

from wellbot.core.clock import Clock, to_db
from wellbot.core.hooks import BlockedListener

log = logging.getLogger(__name__)

ACTIVE = "active"
BLOCKED = "blocked"



def touch(db: Database, clock: Clock, user_id: int, chat_id: int) -> None:
    """Record that a user wrote to the bot (creating their row on first contact)."""
    now = to_db(clock.now())
    db.execute(
        """
        insert into patients (user_id, chat_id, status, created_at, last_seen_at)
        values (?, ?, 'active', ?, ?)
        on conflict(user_id) do update set chat_id = excluded.chat_id, last_seen_at = excluded.last_seen_at
        """,
        [user_id, chat_id, now, now],
    )


def is_known(db: Database, user_id: int) -> bool:
    """True if the user has a patient row (wrote to the bot before)."""
    return db.execute("select 1 from patients where user_id = ?", [user_id]).fetchone() is not None


def is_blocked(db: Database, user_id: int) -> bool:
    """True if the user has blocked the bot."""
    row = next(db.query("select status from patients where user_id = ?", [user_id]), None)
    return row is not None and row["status"] == BLOCKED


def mark_blocked(db: Database, clock: Clock, user_id: int, source: str,
                 listeners: Sequence[BlockedListener] = ()) -> bool:
    """Mark a patient as having blocked the bot, telling `listeners` in the same transaction.

    Returns False if already marked. Callers pass `deps.hooks.patient_blocked`, the
    features' declared `on_patient_blocked` hooks (subscriptions pause the news).
    """
    with db.atomic():
        changed = db.execute(
            "update patients set status = 'blocked', blocked_at = ? where user_id = ? and status != 'blocked'",
            [to_db(clock.now()), user_id],
        ).rowcount
        if changed:
            for listener in listeners:
                listener(db, user_id, source)
    if changed:
        log.info("patient marked blocked user_id=%s source=%s", user_id, source)
    return bool(changed)


def mark_active(db: Database, user_id: int) -> bool:
    """Mark a patient reachable again (they came back); return True if they were blocked."""
    if not is_blocked(db, user_id):  # a read, not a write: no write lock for the common case (wellbot.bot.busy)
        return False
    return bool(
        db.execute("update patients set status = 'active', blocked_at = null where user_id = ? and status = 'blocked'",
                   [user_id]).rowcount
    )
