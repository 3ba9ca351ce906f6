"""The FAQ in SQLite: swap in validated content at once, read it for browsing.

SQLite is the source of truth while the bot runs: every search and every
screen reads these tables, so a reload by another process (the CLI) takes
effect with the next message. No Telegram imports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from wellbot.faq.content import Content, words

MIN_TYPO_WORD = 4  # shorter words are too ambiguous to repair
TABLES = ("faq_fts", "faq_vocab_edits", "faq_vocab", "faq_entries", "faq_synonyms", "faq_topics")


@dataclass(frozen=True)
class StoredEntry:
    """An entry as the screens need it."""

    id: str
    topic: str
    question: str
    answer_html: str
    service_key: str | None
    clinical: bool


def replace_content(db: Database, content: Content) -> None:
    """Swap the whole FAQ for `content` in one transaction (readers see old or new, never half)."""
    vocabulary = _vocabulary(content)
    with db.atomic():
        for table in TABLES:
            db.execute(f"delete from {table}")
        db.conn.executemany("insert into faq_topics (key, label, position) values (?, ?, ?)",
                       [(t.key, t.label, i) for i, t in enumerate(content.topics)])
        db.conn.executemany(
            "insert into faq_entries (id, topic, question, phrasings, tags, answer_html, service_key, clinical,"
            " position) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(e.id, e.topic, e.question, json.dumps(e.phrasings), json.dumps(e.tags), e.answer_html, e.service,
              int(e.clinical), i) for i, e in enumerate(content.entries)],
        )
        db.conn.executemany(
            "insert into faq_fts (entry_id, question, phrasings, tags, answer) values (?, ?, ?, ?, ?)",
            [(e.id, e.question, "\n".join(e.phrasings), " ".join(e.tags), e.answer_text) for e in content.entries],
        )
        db.conn.executemany("insert into faq_synonyms (phrase, meaning) values (?, ?)", list(content.synonyms.items()))
        db.conn.executemany("insert into faq_vocab (word, first, length) values (?, ?, ?)",
                            [(w, w[0], len(w)) for w in sorted(vocabulary)])
        db.conn.executemany("insert or ignore into faq_vocab_edits (variant, word) values (?, ?)",
                            [(variant, w) for w in sorted(vocabulary) for variant in one_deletion_keys(w)])


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


def topics(db: Database) -> list[tuple[str, str]]:
    """(key, label) of every topic that has questions, in the clinic's order."""
    rows = db.execute(
        "select key, label from faq_topics where exists (select 1 from faq_entries where topic = key)"
        " order by position"
    ).fetchall()
    return [(key, label) for key, label in rows]


def topic_label(db: Database, key: str) -> str | None:
    """A topic's label, or None if there is no such topic now."""
    row = db.execute("select label from faq_topics where key = ?", [key]).fetchone()
    return row[0] if row else None


def questions(db: Database, topic: str) -> list[tuple[str, str]]:
    """(entry id, question) of a topic's entries, in order."""
    rows = db.execute("select id, question from faq_entries where topic = ? order by position", [topic]).fetchall()
    return [(entry_id, question) for entry_id, question in rows]


def entry(db: Database, entry_id: str) -> StoredEntry | None:
    """One entry, or None if it is no longer in the FAQ."""
    row = db.execute(
        "select id, topic, question, answer_html, service_key, clinical from faq_entries where id = ?", [entry_id]
    ).fetchone()
    return StoredEntry(row[0], row[1], row[2], row[3], row[4], bool(row[5])) if row else None


def entry_count(db: Database) -> int:
    """How many entries are loaded."""
    count: int = db.execute("select count(*) from faq_entries").fetchone()[0]
    return count


def entry_page(db: Database, entry_id: str, page_size: int) -> int:
    """The page of its topic's question list where an entry appears (0 if gone)."""
    row = db.execute(
        "select count(*) from faq_entries e join faq_entries me on me.id = ?"
        " where e.topic = me.topic and e.position < me.position", [entry_id]
    ).fetchone()
    before: int = row[0]
    return before // page_size
