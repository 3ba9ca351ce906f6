"""Reminders: planned rows per visit (the source of truth), and check-in answers.

The scheduler only wakes the dispatcher at the earliest pending `due_at`;
everything it needs after a restart is here.
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.reminders")


@migrations()
def create_reminders(db):
    """One row per message to send for a visit: reminder, staff confirm alert or check-in."""
    db.execute(
        """
        create table reminders (
            id integer primary key,
            visit_id integer not null references visits(id) on delete cascade,
            kind text not null check (kind in ('reminder', 'confirm_alert', 'checkin')),
            offset_minutes integer not null,
            due_at text not null,
            status text not null default 'pending'
                check (status in ('pending', 'claimed', 'sent', 'skipped', 'cancelled', 'failed', 'blocked')),
            idempotency_key text not null unique,
            claims integer not null default 0,
            attempts integer not null default 0,
            outcome text,
            message_id integer,
            claimed_at text,
            sent_at text,
            created_at text not null,
            updated_at text not null
        )
        """
    )
    # The dispatcher's only queries: the next due pending rows, and claimed rows at start.
    db.execute("create index reminders_due on reminders(status, due_at)")
    db.execute("create index reminders_by_visit on reminders(visit_id)")


@migrations()
def create_checkins(db):
    """A patient's 0-10 pain score answering a post-visit check-in; one per check-in."""
    db.execute(
        """
        create table checkins (
            id integer primary key,
            reminder_id integer not null unique references reminders(id) on delete cascade,
            visit_id integer not null references visits(id) on delete cascade,
            user_id integer not null,
            score integer not null check (score between 0 and 10),
            answered_at text not null
        )
        """
    )
    db.execute("create index checkins_by_user on checkins(user_id, answered_at)")


@migrations()
def add_last_error(db):
    """The error of the latest failed send attempt (e.g. a 429 and its retry_after), kept after a later success."""
    db.execute("alter table reminders add column last_error text")
