"""The inbox and the calendar feeds in SQLite: rows in, rows out. No Telegram here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from wellbot.core.clock import from_db, to_db
from wellbot.core.db import inserted_id

OPEN, CLOSED = "open", "closed"
PATIENT, STAFF = "patient", "staff"


@dataclass(frozen=True)
class Thread:
    """One conversation between a patient and the front desk."""

    id: int
    user_id: int
    status: str
    opened_at: datetime
    updated_at: datetime
    patient_name: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Thread:
        """Parse a desk_threads row."""
        return cls(row["id"], row["user_id"], row["status"], from_db(row["opened_at"]), from_db(row["updated_at"]),
                   row["patient_name"])


@dataclass(frozen=True)
class Message:
    """One message of a thread."""

    id: int
    thread_id: int
    sender: str
    staff_id: int | None
    body: str
    sent_at: datetime


def get_thread(db: Database, thread_id: int) -> Thread | None:
    """The thread with this id, or None."""
    row = next(db.query("select * from desk_threads where id = ?", [thread_id]), None)
    return Thread.from_row(row) if row else None


def open_thread_of(db: Database, user_id: int) -> Thread | None:
    """The patient's open thread, or None."""
    row = next(db.query("select * from desk_threads where user_id = ? and status = 'open'", [user_id]), None)
    return Thread.from_row(row) if row else None


def add_patient_message(db: Database, user_id: int, body: str, now: datetime,
                        name: str | None = None) -> tuple[Thread, bool]:
    """Append to the patient's open thread, opening one if needed; (thread, opened now)."""
    return _append(db, user_id, PATIENT, None, body, now, name)


def add_staff_message_to(db: Database, user_id: int, staff_id: int, body: str, now: datetime) -> tuple[Thread, bool]:
    """A staff message to a patient: into their open thread, or a new one; (thread, opened now)."""
    return _append(db, user_id, STAFF, staff_id, body, now)


def _append(db: Database, user_id: int, sender: str, staff_id: int | None, body: str,
            now: datetime, name: str | None = None) -> tuple[Thread, bool]:
    """Append to the patient's open thread (opened if there is none) in one transaction."""
    with db.atomic():
        thread = open_thread_of(db, user_id)
        opened = thread is None
        if thread is None:
            thread_id = inserted_id(db.execute(
                "insert into desk_threads (user_id, opened_at, updated_at) values (?, ?, ?)",
                [user_id, to_db(now), to_db(now)]))
        else:
            thread_id = thread.id
        if name:  # the Telegram first name, so staff know who wrote
            db.execute("update desk_threads set patient_name = ? where id = ?", [name, thread_id])
        _add(db, thread_id, sender, staff_id, body, now)
    found = get_thread(db, thread_id)
    assert found is not None  # written above
    return found, opened


def _add(db: Database, thread_id: int, sender: str, staff_id: int | None, body: str, now: datetime) -> int:
    """Insert a message and touch its thread."""
    message_id = inserted_id(db.execute(
        "insert into desk_messages (thread_id, sender, staff_id, body, sent_at) values (?, ?, ?, ?, ?)",
        [thread_id, sender, staff_id, body, to_db(now)]))
    db.execute("update desk_threads set updated_at = ? where id = ?", [to_db(now), thread_id])
    return message_id


def add_staff_message(db: Database, thread_id: int, staff_id: int, body: str, now: datetime) -> bool:
    """Append a staff reply to an open thread; False if the thread is closed or gone."""
    with db.atomic():
        thread = get_thread(db, thread_id)
        if thread is None or thread.status != OPEN:
            return False
        _add(db, thread_id, STAFF, staff_id, body, now)
    return True


def close_thread(db: Database, thread_id: int, staff_id: int, now: datetime) -> bool:
    """Close an open thread; False if it was not open."""
    cursor = db.execute("update desk_threads set status = 'closed', closed_at = ?, closed_by = ?, updated_at = ? "
                        "where id = ? and status = 'open'", [to_db(now), staff_id, to_db(now), thread_id])
    return cursor.rowcount == 1


def messages(db: Database, thread_id: int) -> list[Message]:
    """A thread's messages, oldest first."""
    return [Message(r["id"], r["thread_id"], r["sender"], r["staff_id"], r["body"], from_db(r["sent_at"]))
            for r in db.query("select * from desk_messages where thread_id = ? order by id", [thread_id])]


def threads(db: Database, *, status: str | None = OPEN, limit: int = 50) -> list[Thread]:
    """Threads, most recently active first (open ones only by default)."""
    where, params = ("where status = ?", [status]) if status else ("", [])
    return [Thread.from_row(r) for r in db.query(
        f"select * from desk_threads {where} order by updated_at desc, id desc limit ?", [*params, limit])]


def export_data(db: Database, user_id: int) -> dict[str, Any]:
    """The patient's conversations with the front desk, for /mydata."""
    out = []
    for row in db.query("select * from desk_threads where user_id = ? order by id", [user_id]):
        out.append({"opened_at": row["opened_at"], "status": row["status"], "closed_at": row["closed_at"],
                    "messages": [{"from": "you" if m.sender == PATIENT else "clinic", "text": m.body,
                                  "sent_at": to_db(m.sent_at)} for m in messages(db, row["id"])]})
    return {"front_desk_threads": out}


def erase_data(db: Database, user_id: int, now: datetime) -> None:
    """Delete the patient's threads and every message in them (for /forget)."""
    ids = "select id from desk_threads where user_id = ?"
    db.execute(f"delete from desk_messages where thread_id in ({ids})", [user_id])
    db.execute("delete from desk_threads where user_id = ?", [user_id])


def purge(db: Database, cutoff: datetime) -> int:
    """Delete closed threads whose last message is older than the cutoff; return messages removed."""
    old = "select id from desk_threads where status = 'closed' and updated_at < ?"
    with db.atomic():
        removed = db.execute(f"delete from desk_messages where thread_id in ({old})", [to_db(cutoff)]).rowcount
        db.execute("delete from desk_threads where status = 'closed' and updated_at < ?", [to_db(cutoff)])
    return removed


# ---- calendar feeds -------------------------------------------------------------------------------

def new_feed(db: Database, staff_id: int, token: str, now: datetime) -> None:
    """Revoke the staff member's live feed and record a new one."""
    with db.atomic():
        revoke_feeds(db, staff_id, now)
        db.execute("insert into desk_feeds (staff_id, token, created_at) values (?, ?, ?)",
                   [staff_id, token, to_db(now)])


def revoke_feeds(db: Database, staff_id: int, now: datetime) -> int:
    """Revoke every live feed of a staff member; return how many."""
    return db.execute("update desk_feeds set revoked_at = ? where staff_id = ? and revoked_at is null",
                      [to_db(now), staff_id]).rowcount


def feed_owner(db: Database, token: str) -> int | None:
    """The staff member a live feed token belongs to, or None."""
    row = next(db.query("select staff_id from desk_feeds where token = ? and revoked_at is null", [token]), None)
    return row["staff_id"] if row else None
