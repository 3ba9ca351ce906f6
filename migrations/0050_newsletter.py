"""Newsletter: news items, campaigns (broadcasts and digests) and their deliveries.

A delivery row exists for every (campaign, recipient) before anything is sent
to that recipient; its UNIQUE key is what makes a resumed campaign unable to
send anyone the same campaign twice.
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.newsletter")


@migrations()
def create_news_items(db):
    """Health news staff publish; digests pick the published ones a subscriber has not had."""
    db.execute(
        """
        create table news_items (
            id integer primary key,
            title text not null,
            body text not null,
            link text not null default '',
            topics text not null default '[]',
            publish_at text not null,
            author text not null default '',
            created_at text not null,
            updated_at text not null
        )
        """
    )
    db.execute("create index news_items_by_publish on news_items(publish_at)")


@migrations()
def create_campaigns(db):
    """One bulk send: a broadcast or a digest run, queued and sent one at a time."""
    db.execute(
        """
        create table campaigns (
            id integer primary key,
            kind text not null check (kind in ('broadcast', 'digest')),
            status text not null
                check (status in ('draft', 'queued', 'running', 'paused', 'done', 'cancelled')),
            audience text not null default 'all',
            body text not null default '',
            created_by integer,
            created_at text not null,
            started_at text,
            finished_at text,
            pause_reason text not null default '',
            progress_chat_id integer,
            progress_message_id integer
        )
        """
    )
    db.execute("create index campaigns_by_status on campaigns(status, id)")


@migrations()
def create_deliveries(db):
    """One row per (campaign, recipient), written before the send; the outcome is recorded on it."""
    db.execute(
        """
        create table deliveries (
            id integer primary key,
            campaign_id integer not null references campaigns(id) on delete cascade,
            user_id integer not null,
            chat_id integer not null,
            status text not null default 'pending'
                check (status in ('pending', 'sending', 'sent', 'failed', 'blocked', 'skipped', 'uncertain')),
            attempts integer not null default 0,
            payload text not null default '',
            item_ids text not null default '[]',
            error text not null default '',
            message_id integer,
            updated_at text not null,
            unique (campaign_id, user_id)
        )
        """
    )
    db.execute("create index deliveries_by_status on deliveries(campaign_id, status, id)")
    db.execute("create index deliveries_by_user on deliveries(user_id)")
    db.execute("create index deliveries_by_time on deliveries(updated_at)")


@migrations()
def create_news_received(db):
    """Which items each subscriber has been sent, so no digest repeats an item."""
    db.execute(
        """
        create table news_received (
            user_id integer not null,
            item_id integer not null references news_items(id) on delete cascade,
            campaign_id integer,
            received_at text not null,
            primary key (user_id, item_id)
        )
        """
    )
