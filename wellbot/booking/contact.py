"""Checking the name and phone number a patient types (pure functions)."""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, datetime

from babel.dates import get_month_names

from wellbot.core.phones import parse_phone
from wellbot.language.accents import without_accents

NAME_MIN, NAME_MAX = 2, 80
NAME_PUNCTUATION = set(" '’-.,")  # O'Neill, Smith-Jones, Jr.
WORD = re.compile(r"[^\W\d_]+")
SOMEONE_ELSE, NOT_A_NAME = "someone_else", "not_a_name"
# Words that say the patient is booking for another person ("for my mother").
RELATIONS = frozenset({"mother", "mom", "mum", "mommy", "father", "dad", "daddy", "son", "daughter", "child",
                       "children", "kid", "kids", "baby", "wife", "husband", "partner", "parent", "parents",
                       "grandmother", "grandfather", "grandma", "grandpa", "granny", "brother", "sister",
                       "family", "someone", "somebody", "friend", "aunt", "uncle"})
POSSESSIVE = frozenset({"my", "for", "else", "our", "his", "her"})
# Words that make a sentence, not a name: typed requests and commands are never stored as a name.
SENTENCE_WORDS = frozenset({"i", "im", "want", "wants", "book", "booking", "appointment", "please", "need",
                            "cancel", "back", "help", "my", "me", "myself", "visit", "would", "like", "the"})
MAX_MARKS = 2  # combining marks on one letter: Vietnamese needs two; "Zalgo" text stacks dozens


def clean_name(text: str) -> str | None:
    """A tidy full name, or None if it cannot be one (too short, digits, symbols, stacked marks).

    NFKC first: fullwidth letters (U+FF2A "J" and so on) become plain ones and letters with accents are
    composed, so only marks that no letter absorbs are left to count.
    """
    name = " ".join(unicodedata.normalize("NFKC", text).split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        return None
    if not all(ch.isalpha() or _is_mark(ch) or ch in NAME_PUNCTUATION for ch in name):
        return None  # digits, symbols, control and invisible characters are not part of a name
    if sum(ch.isalpha() for ch in name) < NAME_MIN or _stacked_marks(name) > MAX_MARKS:
        return None
    return name


def name_problem(text: str) -> str | None:
    """Why typed text is not a name even if it is all letters: SOMEONE_ELSE ("for my mother"), NOT_A_NAME, or None."""
    words = {w.lower() for w in WORD.findall(text.replace("'", ""))}
    if words & RELATIONS and words & POSSESSIVE:
        return SOMEONE_ELSE
    if words & SENTENCE_WORDS:
        return NOT_A_NAME
    return None


BIRTH_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y")
# Languages whose speakers write the day first with slashes (3/5/2015 is 3 May): only there are slashes read.
DAY_FIRST_SLASHES = ("es",)
# Languages whose month names are read from CLDR (English uses strptime's own %B/%b).
NUMERIC_BIRTH_FORMATS = ("%d %m %Y",)
MAX_AGE_YEARS = 120


def parse_birth_date(text: str, today: date, lang: str | None = None) -> date | None:
    """A date of birth typed as 2015-05-03, 03.05.2015, 3 May 2015 or May 3, 2015; None if unclear or impossible.

    Slashed forms (05/03/2015) are refused in English: day and month order differ between countries.
    In Spanish (`lang` "es") "3 de mayo de 2015" and the day-first 3/5/2015 are read too.
    """
    cleaned = " ".join(text.replace(",", " ").split())
    candidates: list[tuple[str, tuple[str, ...]]] = [(cleaned, BIRTH_FORMATS)]
    if lang and lang != "en":
        candidates.append((_months_as_numbers(cleaned, lang), NUMERIC_BIRTH_FORMATS))
    for typed, formats in candidates:
        for fmt in formats:
            try:
                born = datetime.strptime(typed, fmt).date()
            except ValueError:
                continue
            return born if today.year - MAX_AGE_YEARS <= born.year and born <= today else None
    return None


def _months_as_numbers(text: str, lang: str) -> str:
    """'3 de mayo de 2015' -> '3 5 2015' with `lang`'s month names; day-first slashes and dashes as spaces."""
    folded = without_accents(text.lower())
    if lang in DAY_FIRST_SLASHES:
        folded = re.sub(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$", r"\1 \2 \3", folded)
    words = [w for w in folded.replace(".", " ").split() if w != "de"]
    return " ".join(str(_month_numbers(lang).get(w, w)) for w in words)


@functools.cache
def _month_numbers(lang: str) -> dict[str, int]:
    """Month name (wide or abbreviated, no accents, no dot) -> number, in `lang`, from CLDR."""
    names: dict[str, int] = {}
    try:
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=lang.replace("-", "_")).items():
                names[without_accents(str(name).lower()).rstrip(".")] = number
    except (LookupError, ValueError):
        return {}
    if lang == "es":
        names["setiembre"] = names["set"] = 9  # the spelling some countries use
    return names


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


def _stacked_marks(name: str) -> int:
    """The most combining marks in a row anywhere in the name."""
    longest = run = 0
    for ch in name:
        run = run + 1 if _is_mark(ch) else 0
        longest = max(longest, run)
    return longest


def clean_phone(text: str, region: str | None) -> str | None:
    """The number as E.164 (+15551234567) read with the clinic's region, or None if it cannot be one."""
    return parse_phone(text, region)
