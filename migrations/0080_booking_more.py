"""Booking, issue 16: waitlist preferences.

Appended rather than folded into 0030, so databases already in use gain the
columns in place.
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.booking_more")


@migrations()
def add_waitlist_preferences(db):
    """Preferred weekdays ("0,3": Monday and Thursday) and parts of day ("am,pm"); empty means any."""
    db.execute("alter table booking_waitlist add column weekdays text not null default ''")
    db.execute("alter table booking_waitlist add column day_parts text not null default ''")
