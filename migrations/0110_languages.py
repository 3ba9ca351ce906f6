"""Languages (issue 17): each patient's language, the language of consent wording, texts per language.

A patient's `language` is null until known (then Telegram's `language_code`
mapped to a configured language, or what they chose with /language); null is
read as the clinic's default language. News items and broadcasts keep their
default-language text where they always did and add one row per other
language a staff member wrote.
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.languages")


@migrations()
def add_patient_language(db):
    """The language a patient reads; null: the clinic's default."""
    db.execute("alter table patients add column language text")


@migrations()
def add_consent_language(db):
    """The language of the wording a patient saw when deciding, kept append-only with the event."""
    db.execute("alter table consent_texts add column language text")
    db.execute("alter table consent_events add column language text")
    db.execute("drop trigger consent_events_append_only")
    db.execute(
        """
        create trigger consent_events_append_only before update on consent_events
        when new.id is not old.id or new.purpose is not old.purpose or new.action is not old.action
          or new.status is not old.status or new.topics is not old.topics
          or new.text_hash is not old.text_hash or new.source is not old.source
          or new.created_at is not old.created_at or new.language is not old.language
          or (new.user_id is not old.user_id and new.user_id is not null)
          or (new.chat_id is not old.chat_id and new.chat_id is not null)
          or (new.message_id is not old.message_id and new.message_id is not null)
        begin
            select raise(abort, 'consent events are append-only');
        end
        """
    )


@migrations()
def create_texts_per_language(db):
    """A news item's or a broadcast's text in a language other than the clinic's default."""
    db.execute(
        """
        create table news_item_texts (
            item_id integer not null references news_items(id) on delete cascade,
            language text not null,
            title text not null,
            body text not null,
            primary key (item_id, language)
        )
        """
    )
    db.execute(
        """
        create table campaign_texts (
            campaign_id integer not null references campaigns(id) on delete cascade,
            language text not null,
            body text not null,
            primary key (campaign_id, language)
        )
        """
    )


@migrations()
def faq_rows_per_language(db):
    """The FAQ tables keep one set of rows per language (the files are reloaded into them at every start).

    The default language's full-text index stays `faq_fts`; each other language gets its own
    (`faq_fts_<lang>`, made by the loader), so one language's entries never change another's
    bm25 statistics.
    """
    for table in ("faq_vocab_edits", "faq_vocab", "faq_entries", "faq_synonyms", "faq_topics"):
        db.execute(f"drop table {table}")
    db.execute("delete from faq_fts")
    db.execute(
        """
        create table faq_topics (
            language text not null default 'en',
            key text not null,
            label text not null,
            position integer not null,
            primary key (language, key)
        )
        """
    )
    db.execute(
        """
        create table faq_entries (
            language text not null default 'en',
            id text not null,
            topic text not null,
            question text not null,
            phrasings text not null default '[]',
            tags text not null default '[]',
            answer_html text not null,
            service_key text,
            clinical integer not null default 1,
            position integer not null,
            primary key (language, id),
            foreign key (language, topic) references faq_topics(language, key)
        )
        """
    )
    db.execute("create index faq_entries_by_topic on faq_entries(language, topic, position)")
    db.execute(
        """
        create table faq_synonyms (
            language text not null default 'en',
            phrase text not null,
            meaning text not null,
            primary key (language, phrase)
        )
        """
    )
    db.execute(
        """
        create table faq_vocab (
            language text not null default 'en',
            word text not null,
            first text not null,
            length integer not null,
            primary key (language, word)
        )
        """
    )
    db.execute("create index faq_vocab_by_shape on faq_vocab(language, first, length)")
    db.execute(
        """
        create table faq_vocab_edits (
            language text not null default 'en',
            variant text not null,
            word text not null,
            primary key (language, variant, word)
        ) without rowid
        """
    )
