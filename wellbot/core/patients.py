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



def touch(db: Database, clock: Clock, user_id: int, chat_id: int, language: str | None = None) -> str | None:
    """Record that a user wrote to the bot (creating their row on first contact).

    `language` (Telegram's language_code already matched to a configured
    language) is kept only while the patient has none: first contact, or a
    patient from before languages; after that only /language changes it.
    Returns the patient's stored language.
    """
    now = to_db(clock.now())
    # Inside atomic(): sqlite-utils leaves a statement that returns rows uncommitted on its own.
    with db.atomic():
        row = db.execute(
            """
            insert into patients (user_id, chat_id, status, created_at, last_seen_at, language)
            values (?, ?, 'active', ?, ?, ?)
            on conflict(user_id) do update set chat_id = excluded.chat_id, last_seen_at = excluded.last_seen_at,
                language = coalesce(patients.language, excluded.language)
            returning language
            """,
            [user_id, chat_id, now, now, language],
        ).fetchall()  # read to the end before the commit: a half-read RETURNING statement is still running
    return row[0][0] if row else language


def language_of(db: Database, user_id: int | None, languages: Sequence[str], default: str) -> str:
    """The patient's language if it is still offered, else `default`."""
    if user_id is None:
        return default
    row = next(db.query("select language from patients where user_id = ?", [user_id]), None)
    stored = row["language"] if row else None
    return str(stored) if stored in languages else default


def stored_language(db: Database, user_id: int) -> str | None:
    """The language stored on a user, or None; a plain read (no savepoint), so a damaged table leaves no
    transaction open behind the sqlite3.Error it raises."""
    row = db.execute("select language from patients where user_id = ?", [user_id]).fetchone()
    return str(row[0]) if row and row[0] else None


def set_language(db: Database, user_id: int, language: str) -> None:
    """Store the language a patient chose."""
    db.execute("update patients set language = ? where user_id = ?", [language, user_id])


def is_known(db: Database, user_id: int) -> bool:
    """True if the user has a patient row (wrote to the bot before)."""
    return db.execute("select 1 from patients where user_id = ?", [user_id]).fetchone() is not None


def chat_of(db: Database, user_id: int | None) -> int | None:
    """The private chat of a patient, or None if unknown or erased."""
    if user_id is None:
        return None
    row = next(db.query("select chat_id from patients where user_id = ?", [user_id]), None)
    return row["chat_id"] if row else None


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
