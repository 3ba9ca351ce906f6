"""Finding the FAQ entry a patient means, in their own words. No Telegram imports.

A question goes through four small steps: red flags are spotted first (the
handler answers those before anything else); misspelt words are repaired
towards the FAQ's own vocabulary (words one edit away come from an index of
one-letter deletions; failing that, words of the same first letter and a
similar length; difflib picks); the clinic's everyday-word
synonyms add the words the answers use ("needles" -> acupuncture); SQLite
FTS5 ranks the entries with bm25, weighting the question above alternative
phrasings, tags and the answer, and a coverage bonus lifts questions made of
the patient's own words. The gap between the scores decides between one
answer, a few choices, or none.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import Enum

from sqlite_utils import Database

from wellbot.faq.content import normalize, words
from wellbot.faq.store import one_deletion_keys

# bm25 column weights: entry_id (not indexed), question, phrasings, tags, answer.
WEIGHTS = (0.0, 10.0, 8.0, 5.0, 1.0)
SEARCH_LIMIT = 5
RERANK_POOL = 12  # bm25's best entries that the coverage bonus re-orders
COVERAGE_WEIGHT = 2.0  # an entry whose question the patient's words cover fully scores 3x
STEM_PREFIX = 5  # words sharing their first letters (up to this many) count as the same word
MAX_CHOICES = 3
CLEAR_RATIO = 1.4  # the best must score this many times the runner-up to be answered outright
CLOSE_FRACTION = 0.55  # runners-up within this fraction of the best are offered as choices
MIN_TYPO_WORD = 4
TYPO_CUTOFF = 0.75  # difflib ratio a repaired word must reach
MAX_LENGTH_CHANGE = 2  # letters a typo may add or drop
MAX_QUERY_WORDS = 30  # a pasted essay is searched by its first words only

STOPWORDS = frozenset(
    """
    a about after again all am an and any are as at be been before being both but by can can't could couldn't
    did do does doing don't for from get got had has have having he her here hers him his how i i'd i'll i'm
    i've if in into is it it's its just let me might more most must my myself no nor not now of off on once
    only or other our ours out over own please same she should so some such tell than that that's the their
    them then there these they this those through to too under until up us very was we were what what's when
    where which while who whom why will with would you you're your yours know want need like really ok okay
    hi hello help take thanks thank anything something someone there's still also way kind sort bit lot
    """.split()  # noqa: SIM905 - a word list reads and diffs better as text than as 150 quoted items
)


class Kind(Enum):
    """What a search found."""

    ANSWER = "answer"  # one clear best match
    CHOICES = "choices"  # a few close candidates
    NONE = "none"  # nothing relevant


@dataclass(frozen=True)
class Hit:
    """A ranked entry: higher score is better."""

    entry_id: str
    score: float


@dataclass(frozen=True)
class Outcome:
    """The decision for one query and the entries behind it."""

    kind: Kind
    hits: tuple[Hit, ...] = ()


def find_red_flag(text: str, phrases: tuple[str, ...] | list[str]) -> str | None:
    """The first red-flag phrase the text contains (word starts must match; endings may vary)."""
    flat = " ".join(words(text)) if text else ""
    spaced = normalize(text or "")
    for phrase in phrases:
        target = normalize(phrase)
        pattern = r"(?<![^\W_])" + re.escape(target)
        if re.search(pattern, spaced) or re.search(pattern, flat):
            return phrase
    return None


def search(db: Database, text: str, limit: int = SEARCH_LIMIT) -> list[Hit]:
    """Entries matching the text, best first."""
    terms = query_terms(db, text)
    if not terms:
        return []
    match = " OR ".join(_quote(term) for term in terms)
    rows = db.execute(
        f"select entry_id, -bm25(faq_fts, {', '.join(map(str, WEIGHTS))}) as score, question, phrasings, tags"
        " from faq_fts where faq_fts match ? order by score desc limit ?",
        [match, RERANK_POOL],
    ).fetchall()
    stems = {_stem(term) for term in terms}
    hits = []
    for entry_id, score, question, phrasings, tags in rows:
        asked = [_content_stems(text) for text in (question, *phrasings.splitlines())]
        if not stems & set().union(*asked, _content_stems(tags)):
            continue  # a word found only deep in an answer ("feel", "last") is not what was asked
        hits.append(Hit(entry_id, score * (1 + COVERAGE_WEIGHT * coverage(stems, asked))))
    return sorted(hits, key=lambda hit: -hit.score)[:limit]


def coverage(stems: set[str], questions: list[set[str]]) -> float:
    """How much of the entry's best-fitting question the patient's words cover (0 to 1).

    bm25 favours long questions that repeat a word; a patient who typed
    "what is pain management" means the short question made of exactly those
    words, not the comparison that mentions them twice.
    """
    return max((len(question & stems) / len(question) for question in questions if question), default=0.0)


def _content_stems(text: str) -> set[str]:
    """The stems of a text's words, stopwords left out."""
    return {_stem(word) for word in words(text) if word not in STOPWORDS}


def _stem(word: str) -> str:
    """A crude stem (the first letters): enough to equate "injection" and "injections"."""
    return word[:STEM_PREFIX]


def decide(hits: list[Hit]) -> Outcome:
    """One answer if the best clearly leads, else up to three close choices, else none."""
    if not hits or hits[0].score <= 0:
        return Outcome(Kind.NONE)
    best = hits[0]
    if len(hits) == 1 or best.score >= hits[1].score * CLEAR_RATIO:
        return Outcome(Kind.ANSWER, (best,))
    close = tuple(h for h in hits[:MAX_CHOICES] if h.score >= best.score * CLOSE_FRACTION)
    return Outcome(Kind.CHOICES, close)


def find(db: Database, text: str) -> Outcome:
    """Search and decide in one call."""
    return decide(search(db, text))


def query_terms(db: Database, text: str) -> list[str]:
    """The words to search for: repaired, expanded with synonyms, without stopwords, de-duplicated."""
    tokens = [repair(db, token) for token in words(text)[:MAX_QUERY_WORDS]]
    terms = [t for t in tokens if t not in STOPWORDS]
    terms.extend(w for w in expand(db, tokens) if w not in STOPWORDS)
    return list(dict.fromkeys(terms))


def expand(db: Database, tokens: list[str]) -> list[str]:
    """Words the clinic's synonyms add for everyday phrases found in the tokens."""
    padded = f" {' '.join(tokens)} "
    added: list[str] = []
    for phrase, meaning in db.execute("select phrase, meaning from faq_synonyms").fetchall():
        if f" {phrase} " in padded:
            added.extend(meaning.split())
    return added


def repair(db: Database, token: str) -> str:
    """The vocabulary word a misspelt token most likely meant, or the token itself."""
    if len(token) < MIN_TYPO_WORD or not token.isalpha() or token in STOPWORDS or _indexed(db, token):
        return token
    candidates = _one_edit_away(db, token) or _same_shape(db, token)
    # Typos rarely touch the first letter; the rule keeps "weather" from becoming "rather".
    candidates = [word for word in candidates if word[0] == token[0]]
    matches = difflib.get_close_matches(token, candidates, n=1, cutoff=TYPO_CUTOFF)
    return matches[0] if matches else token


def _one_edit_away(db: Database, token: str) -> list[str]:
    """Vocabulary words one edit from the token, through their shared deletion keys (fast, indexed)."""
    keys = sorted(one_deletion_keys(token))
    rows = db.execute(
        f"select distinct word from faq_vocab_edits where variant in ({', '.join('?' * len(keys))})", keys
    ).fetchall()
    return [word for (word,) in rows]


def _same_shape(db: Database, token: str) -> list[str]:
    """Words with the same first letter and a similar length: the slower path for worse typos."""
    rows = db.execute(
        "select word from faq_vocab where first = ? and length between ? and ?",
        [token[0], len(token) - MAX_LENGTH_CHANGE, len(token) + MAX_LENGTH_CHANGE],
    ).fetchall()
    return [word for (word,) in rows]


def _indexed(db: Database, token: str) -> bool:
    """Whether the word (after stemming) occurs in any entry, so needs no repair."""
    hit = db.execute("select 1 from faq_fts where faq_fts match ? limit 1", [_quote(token)]).fetchone()
    return hit is not None


def _quote(term: str) -> str:
    """An FTS5 string literal: user words never reach FTS5's query syntax."""
    return '"' + term.replace('"', '""') + '"'
