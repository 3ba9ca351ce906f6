"""The staff desk: the two-way inbox between patients and the front desk, and staff calendar feeds.

A thread is one conversation with one patient; its messages keep who wrote
(the patient or a staff member) and when. A feed is a secret token that
serves one staff member the schedule as iCalendar until it is revoked.
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.desk")


@migrations()
def create_inbox(db):
    """Threads (one open per patient at most) and their messages."""
    db.execute(
        """
        create table desk_threads (
            id integer primary key,
            user_id integer not null,
            patient_name text,
            status text not null default 'open' check (status in ('open', 'closed')),
            opened_at text not null,
            updated_at text not null,
            closed_at text,
            closed_by integer
        )
        """
    )
    # The database, not the handler, keeps a patient to one open thread.
    db.execute("create unique index desk_threads_one_open on desk_threads (user_id) where status = 'open'")
    db.execute(
        """
        create table desk_messages (
            id integer primary key,
            thread_id integer not null references desk_threads (id) on delete cascade,
            sender text not null check (sender in ('patient', 'staff')),
            staff_id integer,
            body text not null,
            sent_at text not null
        )
        """
    )
    db.execute("create index desk_messages_thread on desk_messages (thread_id, id)")


@migrations()
def create_feeds(db):
    """Secret calendar-feed tokens, one live per staff member; revoked ones stay refused."""
    db.execute(
        """
        create table desk_feeds (
            id integer primary key,
            staff_id integer not null,
            token text not null unique,
            created_at text not null,
            revoked_at text
        )
        """
    )
