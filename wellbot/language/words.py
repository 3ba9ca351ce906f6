"""Normalising what patients type, and repairing typos without bending real words. No Telegram imports.

Typo repair is only allowed for tokens that are NOT English words. Which
words are English comes from the `wordfreq` package (its word list ships
inside the wheel; nothing is downloaded): a word at least as common as
KNOWN_WORD_ZIPF is never changed, so "weather" can never become "feather"
or an FAQ word, while "pian", "managment" or "epideral" can be repaired.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable

# Zipf frequency (log10 of uses per billion words) from which a word counts
# as correctly spelt English. Measured on wordfreq's "large" English list:
# common misspellings sit below it ("managment" 2.15, "blok" 2.24, "pian"
# 1.95), real words patients use mostly sit above it ("clammy" 2.47, "droopy"
# 2.5, "rfa" 2.69, "neuropathy" 2.83, "weather" 4.87). A rare real word
# below it is only changed if an FAQ or triage word is one edit away.
KNOWN_WORD_ZIPF = 2.4
MIN_REPAIR_LENGTH = 4  # shorter tokens are too ambiguous to repair
MAX_REPAIR_LENGTH = 30  # no real word is longer; the edits of a 4,000-letter "word" would take seconds and memory
LONG_WORD = 8  # from this length a typo may be more than one edit away ...
LONG_WORD_CUTOFF = 0.8  # ... if difflib finds the words this similar
MAX_LENGTH_CHANGE = 2  # letters a long typo may add or drop
TOKEN = re.compile(r"[a-z0-9]+")
APOSTROPHES = re.compile("['\u2019\u2018`\u00b4]")  # straight, curly (right and left), backtick, acute accent
# Spelt-out negations, folded into the forms people type without apostrophes.
CONTRACTIONS = (
    (re.compile(r"\bcan ?not\b"), "cant"), (re.compile(r"\bwill not\b"), "wont"),
    (re.compile(r"\bdo not\b"), "dont"), (re.compile(r"\bdoes not\b"), "doesnt"),
    (re.compile(r"\bdid not\b"), "didnt"), (re.compile(r"\bi am\b"), "im"),
    (re.compile(r"\bis not\b"), "isnt"), (re.compile(r"\bi have\b"), "ive"),
    (re.compile(r"\bwas not\b"), "wasnt"), (re.compile(r"\bwould not\b"), "wouldnt"),
)


def fold(text: str) -> str:
    """Lower case, apostrophes dropped ("can't" -> "cant"), spelt-out negations contracted."""
    folded = APOSTROPHES.sub("", (text or "").lower())
    for pattern, short in CONTRACTIONS:
        folded = pattern.sub(short, folded)
    return folded


def tokens(text: str) -> list[str]:
    """The words of already folded text."""
    return TOKEN.findall(text)


@functools.cache
def _zipf_table(language: str = "en") -> dict[str, float]:
    """Zipf frequency of every word of `language` at least as common as KNOWN_WORD_ZIPF (loaded once, ~0.3 s)."""
    import math

    import wordfreq  # imported here: loading the list is the slow part, and only needed once

    threshold = 10 ** (KNOWN_WORD_ZIPF - 9)
    try:
        frequencies = wordfreq.get_frequency_dict(language, wordlist="large")
    except LookupError:  # a language wordfreq has no large list for: its best one
        frequencies = wordfreq.get_frequency_dict(language, wordlist="best")
    return {word: round(math.log10(freq) + 9, 2) for word, freq in frequencies.items()
            if freq >= threshold and word.isalnum()}


def release_word_lists() -> None:
    """Drop wordfreq's cached copies of whole word lists once the tables here are built from them.

    wordfreq keeps every list it loaded (about 70 MB for the large Spanish and
    English ones); the tables keep only the words they need. `wellbot run`
    started at 177 MB with them (benchmarks/README.md, paid broadcast). A
    later lookup in another list loads it again.
    """
    import wordfreq

    wordfreq.get_frequency_dict.cache_clear()
    wordfreq.get_frequency_list.cache_clear()


def english_words() -> frozenset[str]:
    """Every English word at least as common as KNOWN_WORD_ZIPF (about 58,000)."""
    return _english()


@functools.cache
def _english() -> frozenset[str]:
    return frozenset(_zipf_table())


def is_english(word: str) -> bool:
    """Whether a (folded) word is a correctly spelt, reasonably common English word."""
    return word in _zipf_table()


def zipf(word: str, language: str = "en") -> float:
    """How common a word is in English, or `language` (Zipf scale: 7 for "the", about 3 for "acupuncture")."""
    return _zipf_table(language).get(word, 0.0)


def is_word(word: str, language: str = "en") -> bool:
    """Whether a (folded) word is a correctly spelt, reasonably common word of `language` (wordfreq's list)."""
    return word in _zipf_table(language)


def repairable(word: str) -> bool:
    """A token worth repairing: long enough, letters only, and not a real English word."""
    return MIN_REPAIR_LENGTH <= len(word) <= MAX_REPAIR_LENGTH and word.isalpha() and not is_english(word)


def edits1(word: str) -> set[str]:
    """Strings one deletion, transposition, substitution or insertion away (Norvig's set)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return deletes | transposes | replaces | inserts


def closest(word: str, vocabulary: frozenset[str] | set[str]) -> str | None:
    """The vocabulary word one edit away, or for long words a close one; ties go to the alphabetically first."""
    near = sorted(edits1(word) & vocabulary)
    if near:
        return near[0]
    if len(word) >= LONG_WORD:
        # Typos rarely touch the first letter; the length rule keeps the candidates few.
        shaped = [v for v in vocabulary if v[:1] == word[:1] and abs(len(v) - len(word)) <= MAX_LENGTH_CHANGE]
        match = difflib.get_close_matches(word, shaped, n=1, cutoff=LONG_WORD_CUTOFF)
        return match[0] if match else None
    return None


def repair_tokens(words: Iterable[str], vocabulary: frozenset[str]) -> list[str]:
    """Each token, or the vocabulary word it is a typo of (real English words are left alone)."""
    return [(closest(w, vocabulary) or w) if w not in vocabulary and repairable(w) else w for w in words]
