"""One worker at a time: the worker lease, and which worker owns a claimed row.

Two `wellbot run` on one database and token once sent a broadcast twice; a
row in `worker_lease` now names the one worker that may poll, dispatch
reminders and send campaigns (wellbot.core.lease). Claimed reminders and
deliveries being sent carry their owner, so a status change is a
compare-and-set on (status, owner) and no two processes can own one row.
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.lease")


@migrations()
def create_worker_lease(db):
    """One row per lease name ('worker'): the holder, where it runs, and until when it holds.

    `expires` is in Unix seconds: workers compare it across processes.
    """
    db.execute(
        """
        create table worker_lease (
            name text primary key,
            holder text not null,
            host text not null,
            pid integer not null,
            acquired_at text not null,
            renewed_at text not null,
            expires real not null
        )
        """
    )


@migrations()
def add_row_owners(db):
    """The worker holding a claimed reminder or a delivery marked 'sending' ('' before this migration)."""
    db.execute("alter table reminders add column claimed_by text not null default ''")
    db.execute("alter table deliveries add column sent_by text not null default ''")
