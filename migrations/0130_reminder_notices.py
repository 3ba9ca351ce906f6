"""Uncertain reminders told to staff as one notice per staff chat, not one message each.

A reminder whose send timed out (it may have arrived) waits with a null
`notice_id` until the next notice gathers it; the notice's row is written
before any staff chat is sent to, and each chat that got it is recorded, so a
restart sends a half-sent notice only to the chats still missing it (a chat
gets it twice only if the worker died between its send and its record), and a
reminder in a notice is never gathered into another.
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.reminder_notices")


@migrations()
def create_reminder_notices(db):
    """A notice (which reminders it covers points back to it), and the staff chats that received it."""
    db.execute(
        """
        create table reminder_notices (
            id integer primary key,
            reminders integer not null,
            created_at text not null,
            sent_at text  -- null while being sent: a restart finishes sending it
        )
        """
    )
    db.execute(
        """
        create table reminder_notice_chats (
            notice_id integer not null references reminder_notices(id) on delete cascade,
            chat_id integer not null,
            message_id integer,
            sent_at text not null,
            primary key (notice_id, chat_id)
        )
        """
    )
    db.execute("alter table reminders add column notice_id integer references reminder_notices(id)")
    # The dispatcher asks on every wake whether an uncertain reminder still waits for a notice.
    db.execute("create index reminders_unnoticed on reminders(outcome, updated_at) "
               "where status = 'failed' and notice_id is null")
    db.execute("create index reminders_by_notice on reminders(notice_id) where notice_id is not null")


@migrations()
def mark_earlier_uncertain_as_told(db):
    """Uncertain reminders from before notices were each told to staff in a message of their own: not again."""
    count = db.execute("select count(*) from reminders where status = 'failed' "
                       "and outcome = 'uncertain_not_resent'").fetchone()[0]
    if not count:
        return
    # Now, in wellbot.core.clock's stored format (a migration has no clock to ask).
    stamp = db.execute("select strftime('%Y-%m-%dT%H:%M:%SZ', 'now')").fetchone()[0]
    notice = db.execute("insert into reminder_notices (reminders, created_at, sent_at) values (?, ?, ?)",
                        [count, stamp, stamp]).lastrowid
    db.execute("update reminders set notice_id = ? where status = 'failed' and outcome = 'uncertain_not_resent'",
               [notice])
