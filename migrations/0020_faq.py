"""FAQ tables: entries and topics as loaded from the clinic's FAQ folder, a
full-text index over them, and their vocabulary for repairing typos.

The files are the clinic's copy; these tables are what the worker searches.
`wellbot faq reload` (or SIGHUP) replaces all of them in one transaction.
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.faq")


@migrations()
def create_faq_tables(db):
    """Topics, entries and the everyday-word synonyms, as plain tables."""
    db.execute(
        """
        create table faq_topics (
            key text primary key,
            label text not null,
            position integer not null
        )
        """
    )
    db.execute(
        """
        create table faq_entries (
            id text primary key,
            topic text not null references faq_topics(key),
            question text not null,
            phrasings text not null default '[]',
            tags text not null default '[]',
            answer_html text not null,
            service_key text,
            clinical integer not null default 1,
            position integer not null
        )
        """
    )
    db.execute("create index faq_entries_by_topic on faq_entries(topic, position)")
    db.execute(
        """
        create table faq_synonyms (
            phrase text primary key,
            meaning text not null
        )
        """
    )


@migrations()
def create_faq_search_indexes(db):
    """FTS5 with Porter stemming over the entries, and their words by first letter and length for typo repair."""
    db.execute(
        """
        create virtual table faq_fts using fts5(
            entry_id unindexed, question, phrasings, tags, answer,
            tokenize = 'porter unicode61 remove_diacritics 2'
        )
        """
    )
    db.execute(
        """
        create table faq_vocab (
            word text primary key,
            first text not null,
            length integer not null
        )
        """
    )
    db.execute("create index faq_vocab_by_shape on faq_vocab(first, length)")
    # Each word under itself and every one-letter deletion of it: a misspelt word
    # one edit away (a letter dropped, added, changed or two swapped) shares a key
    # with its word, so most typos are repaired with one indexed look-up.
    db.execute(
        """
        create table faq_vocab_edits (
            variant text not null,
            word text not null,
            primary key (variant, word)
        ) without rowid
        """
    )
