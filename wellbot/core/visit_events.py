"""Listeners for changes to a visit, called inside the booking transaction.

Booking records a change; reminders (and anything else that derives rows
from visits) re-plan in the same transaction, so a visit and its reminders
can never disagree, whatever crashes when.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlite_utils import Database

BOOKED = "booked"
RESCHEDULED = "rescheduled"
CANCELLED = "cancelled"
ATTENDED = "attended"
NO_SHOW = "no_show"

# listener(db, visit_id, change, now_utc); must not await and must not commit.
VisitListener = Callable[[Database, int, str, datetime], None]
listeners: list[VisitListener] = []


def visit_changed(db: Database, visit_id: int, change: str, now: datetime) -> None:
    """Tell every listener about a change; call inside the caller's `db.atomic()`."""
    if not db.conn.in_transaction:
        raise RuntimeError("visit_changed must run inside the booking transaction")
    for listener in listeners:
        listener(db, visit_id, change, now)
