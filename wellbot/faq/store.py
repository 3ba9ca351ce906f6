"""The FAQ in SQLite: swap in validated content at once, read it for browsing.

SQLite is the source of truth while the bot runs: every search and every
screen reads these tables, so a reload by another process (the CLI) takes
effect with the next message. No Telegram imports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from wellbot.core.i18n import SOURCE_LANGUAGE
from wellbot.faq.content import Content, words

MIN_TYPO_WORD = 4  # shorter words are too ambiguous to repair
TABLES = ("faq_vocab_edits", "faq_vocab", "faq_entries", "faq_synonyms", "faq_topics")  # rows per language
FTS_COLUMNS = "entry_id unindexed, question, phrasings, tags, answer, tokenize = 'porter unicode61 remove_diacritics 2'"


def fts_table(language: str = SOURCE_LANGUAGE) -> str:
    """The full-text index of one language's entries: its own table, so its bm25 statistics are its own."""
    if language == SOURCE_LANGUAGE:
        return "faq_fts"
    if not language.replace("-", "").isalnum():
        raise ValueError(f"not a language code: {language!r}")
    return "faq_fts_" + language.replace("-", "_")


@dataclass(frozen=True)
class StoredEntry:
    """An entry as the screens need it."""

    id: str
    topic: str
    question: str
    answer_html: str
    service_key: str | None
    clinical: bool


def replace_content(db: Database, content: Content, language: str = SOURCE_LANGUAGE) -> None:
    """Swap one language's FAQ for `content` in one transaction (readers see old or new, never half)."""
    replace_all(db, {language: content})


def replace_all(db: Database, contents: dict[str, Content]) -> None:
    """Swap the FAQ of every language given, together in one transaction; languages not given are emptied."""
    with db.atomic():
        for table in TABLES:
            db.execute(f"delete from {table}")
        for language, content in contents.items():
            _insert(db, content, language)
        for table in _fts_tables(db):
            if table not in {fts_table(language) for language in contents}:
                db.execute(f"delete from {table}")


def _fts_tables(db: Database) -> list[str]:
    """Every language's full-text index present in the database (FTS5's own shadow tables aside)."""
    return [row[0] for row in db.execute(
        "select name from sqlite_master where type = 'table' and name like 'faq_fts%'"
        " and sql like 'create virtual table%'").fetchall()]


def _insert(db: Database, content: Content, language: str) -> None:
    """One language's rows (inside the caller's transaction)."""
    vocabulary = _vocabulary(content)
    fts = fts_table(language)
    # Derived index data, rebuilt from the files at every load: made here for each language the clinic adds.
    db.execute(f"create virtual table if not exists {fts} using fts5({FTS_COLUMNS})")
    db.execute(f"delete from {fts}")
    db.conn.executemany("insert into faq_topics (language, key, label, position) values (?, ?, ?, ?)",
                        [(language, t.key, t.label, i) for i, t in enumerate(content.topics)])
    db.conn.executemany(
        "insert into faq_entries (language, id, topic, question, phrasings, tags, answer_html, service_key, clinical,"
        " position) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(language, e.id, e.topic, e.question, json.dumps(e.phrasings), json.dumps(e.tags), e.answer_html,
          e.service, int(e.clinical), i) for i, e in enumerate(content.entries)],
    )
    db.conn.executemany(
        f"insert into {fts} (entry_id, question, phrasings, tags, answer) values (?, ?, ?, ?, ?)",
        [(e.id, e.question, "\n".join(e.phrasings), " ".join(e.tags), e.answer_text) for e in content.entries],
    )
    db.conn.executemany("insert into faq_synonyms (language, phrase, meaning) values (?, ?, ?)",
                        [(language, phrase, meaning) for phrase, meaning in content.synonyms.items()])
    db.conn.executemany("insert into faq_vocab (language, word, first, length) values (?, ?, ?, ?)",
                        [(language, w, w[0], len(w)) for w in sorted(vocabulary)])
    db.conn.executemany("insert or ignore into faq_vocab_edits (language, variant, word) values (?, ?, ?)",
                        [(language, variant, w) for w in sorted(vocabulary) for variant in one_deletion_keys(w)])


def languages(db: Database) -> set[str]:
    """The languages that have FAQ entries loaded."""
    return {row[0] for row in db.execute("select distinct language from faq_entries").fetchall()}


def one_deletion_keys(word: str) -> set[str]:
    """The word itself and every string made by deleting one of its letters."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


def _vocabulary(content: Content) -> set[str]:
    """Every word worth repairing a typo towards: the entries' words and the synonyms' phrases."""
    found: set[str] = set()
    texts = [text for e in content.entries for text in (e.question, *e.phrasings, *e.tags, e.answer_text)]
    texts.extend(content.synonyms)
    for text in texts:
        found.update(w for w in words(text) if len(w) >= MIN_TYPO_WORD and w.isalpha())
    return found


def topics(db: Database, language: str = SOURCE_LANGUAGE) -> list[tuple[str, str]]:
    """(key, label) of every topic that has questions, in the clinic's order."""
    rows = db.execute(
        "select key, label from faq_topics t where language = ? and exists"
        " (select 1 from faq_entries e where e.language = t.language and e.topic = t.key) order by position",
        [language],
    ).fetchall()
    return [(key, label) for key, label in rows]


def topic_label(db: Database, key: str, language: str = SOURCE_LANGUAGE) -> str | None:
    """A topic's label, or None if there is no such topic now."""
    row = db.execute("select label from faq_topics where language = ? and key = ?", [language, key]).fetchone()
    return row[0] if row else None


def questions(db: Database, topic: str, language: str = SOURCE_LANGUAGE) -> list[tuple[str, str]]:
    """(entry id, question) of a topic's entries, in order."""
    rows = db.execute("select id, question from faq_entries where language = ? and topic = ? order by position",
                      [language, topic]).fetchall()
    return [(entry_id, question) for entry_id, question in rows]


def entry(db: Database, entry_id: str, language: str = SOURCE_LANGUAGE) -> StoredEntry | None:
    """One entry, or None if it is no longer in the FAQ."""
    row = db.execute(
        "select id, topic, question, answer_html, service_key, clinical from faq_entries where language = ? and id = ?",
        [language, entry_id],
    ).fetchone()
    return StoredEntry(row[0], row[1], row[2], row[3], row[4], bool(row[5])) if row else None


def entry_count(db: Database, language: str | None = SOURCE_LANGUAGE) -> int:
    """How many entries are loaded in `language` (None: in every language)."""
    count: int = db.execute("select count(*) from faq_entries where ? is null or language = ?",
                            [language, language]).fetchone()[0]
    return count


def entry_page(db: Database, entry_id: str, page_size: int, language: str = SOURCE_LANGUAGE) -> int:
    """The page of its topic's question list where an entry appears (0 if gone)."""
    row = db.execute(
        "select count(*) from faq_entries e join faq_entries me on me.language = ? and me.id = ?"
        " where e.language = me.language and e.topic = me.topic and e.position < me.position", [language, entry_id]
    ).fetchone()
    before: int = row[0]
    return before // page_size
