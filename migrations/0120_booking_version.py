"""Booking screens (issue 22): a version of the time visits and blocks hold, kept by the database.

The booking screens keep what they read of busy time in memory
(wellbot.booking.busy_cache) and ask this one row whether it still holds:
the triggers count every change that can move busy time, whichever
connection or process makes it, so SQLite stays the one source of truth.
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.booking_version")

# Changes to these columns can free or hold time; others (confirmed_at, late_minutes...) cannot.
VISIT_COLUMNS = "start_utc, end_utc, status, practitioner_key"
BLOCK_COLUMNS = "start_utc, end_utc"
BUMP = "begin update booking_version set n = n + 1; end"


@migrations()
def add_booking_version(db):
    """One row counting changes to visits' and blocks' held time; bumped by triggers on every such change."""
    db.execute("create table booking_version (id integer primary key check (id = 1), n integer not null)")
    db.execute("insert into booking_version (id, n) values (1, 0)")
    for table, columns in (("visits", VISIT_COLUMNS), ("booking_blocks", BLOCK_COLUMNS)):
        db.execute(f"create trigger {table}_version_insert after insert on {table} {BUMP}")
        db.execute(f"create trigger {table}_version_update after update of {columns} on {table} {BUMP}")
        db.execute(f"create trigger {table}_version_delete after delete on {table} {BUMP}")
