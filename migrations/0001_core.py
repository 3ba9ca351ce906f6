"""Core schema: patients, conversation state, visits and news subscriptions.

Feature migrations (0010_*, 0020_*, ...) build on these tables. Times are UTC
text (`YYYY-MM-DDTHH:MM:SSZ`).
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.core")


@migrations()
def create_patients(db):
    """One row per Telegram user who has talked to the bot."""
    db.execute(
        """
        create table patients (
            user_id integer primary key,
            chat_id integer not null,
            status text not null default 'active' check (status in ('active', 'blocked')),
            created_at text not null,
            last_seen_at text not null,
            blocked_at text
        )
        """
    )


@migrations()
def create_flows(db):
    """Where each user is in a multi-step flow, so a restart loses no conversation."""
    db.execute(
        """
        create table flows (
            user_id integer primary key references patients(user_id) on delete cascade,
            flow text not null,
            step text not null,
            token text not null,
            data text not null default '{}',
            updated_at text not null
        )
        """
    )


@migrations()
def create_visits(db):
    """Booked visits; booking and reminders add their own tables around it."""
    db.execute(
        """
        create table visits (
            id integer primary key,
            user_id integer references patients(user_id) on delete set null,
            service_key text not null,
            start_utc text not null,
            end_utc text not null,
            status text not null default 'booked'
                check (status in ('booked', 'cancelled', 'attended', 'no_show')),
            patient_name text,
            patient_phone text,
            created_at text not null,
            updated_at text not null,
            confirmed_at text,
            cancelled_at text,
            cancelled_by text
        )
        """
    )
    db.execute("create index visits_by_start on visits(start_utc)")
    db.execute("create index visits_by_user on visits(user_id, start_utc)")


@migrations()
def create_subscriptions(db):
    """Current health-news state per patient, kept consistent with consent events."""
    db.execute(
        """
        create table subscriptions (
            user_id integer primary key references patients(user_id) on delete cascade,
            status text not null check (status in ('subscribed', 'paused', 'unsubscribed')),
            topics text not null default '[]',
            updated_at text not null
        )
        """
    )


@migrations()
def create_worker_state(db):
    """Small facts the worker records for `wellbot status` (heartbeat, last poll)."""
    db.execute(
        """
        create table worker_state (
            key text primary key,
            value text not null,
            updated_at text not null
        )
        """
    )


@migrations()
def index_statuses(db):
    """Staff counts by status read an index, not every row (benchmarks/README.md, big clinic).

    `subscriptions(status, topics)` covers /subscribers' one pass; `patients(status)`
    finds the few blocked patients without reading the others.
    """
    db.execute("create index subscriptions_by_status on subscriptions(status, topics)")
    db.execute("create index patients_by_status on patients(status)")


@migrations()
def count_subscriptions(db):
    """Subscriptions counted by (status, topics), kept by triggers, so /subscribers reads a few rows.

    One pass over subscriptions_by_status still walked every patient's row:
    25-33 ms at 100,000 on a loaded machine (benchmarks/README.md, big clinic).
    Triggers fire for every change, the consent upsert's update path and the
    cascade from an erased patient included; rows that reach 0 are removed.
    """
    db.execute("create table subscription_counts (status text not null, topics text not null, "
               "n integer not null, primary key (status, topics)) without rowid")
    db.execute("insert into subscription_counts (status, topics, n) "
               "select status, topics, count(*) from subscriptions group by status, topics")
    add = ("insert into subscription_counts (status, topics, n) values (new.status, new.topics, 1) "
           "on conflict (status, topics) do update set n = n + 1;")
    take = ("update subscription_counts set n = n - 1 where status = old.status and topics = old.topics; "
            "delete from subscription_counts where status = old.status and topics = old.topics and n = 0;")
    db.execute(f"create trigger subscription_counts_insert after insert on subscriptions begin {add} end")
    db.execute(f"create trigger subscription_counts_delete after delete on subscriptions begin {take} end")
    db.execute("create trigger subscription_counts_update after update of status, topics on subscriptions "
               f"begin {take} {add} end")
