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
    """Subscriptions counted by (status, topics, patient blocked?), kept by triggers: /subscribers reads a few rows.

    One pass over subscriptions_by_status still walked every patient's entry, and
    the blocked patients' subscriptions were looked up one by one: 25-33 ms and
    9-30 ms at 100,000 patients on a loaded machine (benchmarks/README.md, big
    clinic). Triggers fire for every change: the consent upsert's update path, a
    patient blocking or unblocking the bot, and an erased patient (whose
    subscription goes first, while the patient's status can still be read).
    Rows that reach 0 are removed.
    """
    db.execute("create table subscription_counts (status text not null, topics text not null, "
               "blocked integer not null, n integer not null, primary key (status, topics, blocked)) without rowid")
    db.execute("insert into subscription_counts (status, topics, blocked, n) "
               "select s.status, s.topics, coalesce(p.status = 'blocked', 0), count(*) "
               "from subscriptions s left join patients p on p.user_id = s.user_id group by 1, 2, 3")

    def blocked(row: str) -> str:
        return f"coalesce((select status = 'blocked' from patients where user_id = {row}.user_id), 0)"

    def add(row: str, blocked_sql: str) -> str:
        return (f"insert into subscription_counts (status, topics, blocked, n) "
                f"select {row}.status, {row}.topics, {blocked_sql}, 1 where true "
                "on conflict (status, topics, blocked) do update set n = n + 1;")

    def take(row: str, blocked_sql: str) -> str:
        return (f"update subscription_counts set n = n - 1 where status = {row}.status and topics = {row}.topics "
                f"and blocked = {blocked_sql}; delete from subscription_counts where n = 0;")

    db.execute(f"create trigger subscription_counts_insert after insert on subscriptions "
               f"begin {add('new', blocked('new'))} end")
    db.execute(f"create trigger subscription_counts_delete after delete on subscriptions "
               f"begin {take('old', blocked('old'))} end")
    db.execute("create trigger subscription_counts_update after update of status, topics on subscriptions "
               f"begin {take('old', blocked('old'))} {add('new', blocked('new'))} end")
    # A patient who blocks or unblocks moves their subscription between the counts.
    moved = "(old.status = 'blocked') != (new.status = 'blocked')"
    db.execute(f"create trigger subscription_counts_blocked after update of status on patients when {moved} "
               "begin "
               "update subscription_counts set n = n - 1 where (status, topics) = "
               "(select status, topics from subscriptions where user_id = new.user_id) "
               "and blocked = (old.status = 'blocked'); "
               "delete from subscription_counts where n = 0; "
               "insert into subscription_counts (status, topics, blocked, n) "
               "select status, topics, new.status = 'blocked', 1 from subscriptions where user_id = new.user_id "
               "on conflict (status, topics, blocked) do update set n = n + 1; "
               "end")
    # Before an erased patient's row goes (the cascade would come after it): their subscription first.
    db.execute("create trigger subscription_counts_erased before delete on patients "
               "begin delete from subscriptions where user_id = old.user_id; end")
