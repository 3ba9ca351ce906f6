"""The outbox: side effects promised by a committed change (a confirmation, a calendar file, a notice).

Written in the same transaction as the change itself, so a crash between
the commit and the sends loses nothing: the worker delivers what is still
pending when it starts again. Rows hold ids, template names and times, never
names or phone numbers (those are read from the visit when sending).
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.outbox")


@migrations()
def create_outbox(db):
    """One row per side effect; `key` makes enqueueing the same effect twice a no-op."""
    db.execute(
        """
        create table outbox (
            id integer primary key,
            kind text not null,
            key text not null unique,
            user_id integer,
            visit_id integer,
            payload text not null default '{}',
            status text not null default 'pending'
                check (status in ('pending', 'sending', 'done', 'failed', 'uncertain')),
            attempts integer not null default 0,
            restarts integer not null default 0,
            error text not null default '',
            created_at text not null,
            updated_at text not null
        )
        """
    )
    db.execute("create index outbox_open on outbox(status) where status in ('pending', 'sending')")
