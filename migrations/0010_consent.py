"""Health-news consent: an append-only event log and the wording patients saw.

`subscriptions` (core) stays the current state the newsletter reads; every
change to it is written together with one row here, in one transaction.
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.consent")


@migrations()
def create_consent_texts(db):
    """The exact wording shown when a patient decided, keyed by its versioned hash."""
    db.execute(
        """
        create table consent_texts (
            hash text primary key,
            template text not null,
            text text not null,
            first_shown_at text not null
        )
        """
    )


@migrations()
def create_consent_events(db):
    """Every opt-in, topic change, pause, resume, opt-out and block, never overwritten.

    No foreign key to patients: the trail outlives a deleted patient row. On
    /forget only the personal link (user, chat, message) is cleared; the
    triggers refuse any other change and any delete.
    """
    db.execute(
        """
        create table consent_events (
            id integer primary key,
            user_id integer,
            purpose text not null,
            action text not null
                check (action in ('subscribe', 'topics', 'pause', 'resume', 'unsubscribe', 'blocked')),
            status text not null check (status in ('subscribed', 'paused', 'unsubscribed')),
            topics text not null,
            text_hash text references consent_texts(hash),
            source text not null,
            chat_id integer,
            message_id integer,
            created_at text not null
        )
        """
    )
    db.execute("create index consent_events_by_user on consent_events(user_id, id)")
    db.execute(
        """
        create trigger consent_events_append_only before update on consent_events
        when new.id is not old.id or new.purpose is not old.purpose or new.action is not old.action
          or new.status is not old.status or new.topics is not old.topics
          or new.text_hash is not old.text_hash or new.source is not old.source
          or new.created_at is not old.created_at
          or (new.user_id is not old.user_id and new.user_id is not null)
          or (new.chat_id is not old.chat_id and new.chat_id is not null)
          or (new.message_id is not old.message_id and new.message_id is not null)
        begin
            select raise(abort, 'consent events are append-only');
        end
        """
    )
    db.execute(
        """
        create trigger consent_events_no_delete before delete on consent_events
        begin
            select raise(abort, 'consent events are append-only');
        end
        """
    )
