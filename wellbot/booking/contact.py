"""Checking the name and phone number a patient types (pure functions)."""

from __future__ import annotations

import re
import unicodedata

NAME_MIN, NAME_MAX = 2, 80
NAME_PUNCTUATION = set(" '’-.,")  # O'Neill, Smith-Jones, Jr.
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 7, 15  # E.164 allows at most 15 digits
PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
PHONE_SHAPE = re.compile(r"^\+?\d+$")


def clean_name(text: str) -> str | None:
    """A tidy full name, or None if it cannot be one (too short, digits, symbols, control characters)."""
    name = " ".join(text.split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        return None
    if not all(ch.isalpha() or unicodedata.category(ch).startswith("M") or ch in NAME_PUNCTUATION for ch in name):
        return None  # digits, symbols, control and invisible characters are not part of a name
    if sum(ch.isalpha() for ch in name) < NAME_MIN:
        return None
    return name


def clean_phone(text: str) -> str | None:
    """The number as `+digits` or `digits`, or None if it cannot be a phone number."""
    compact = PHONE_PUNCTUATION.sub("", text.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not PHONE_SHAPE.match(compact):
        return None
    digits = compact.lstrip("+")
    if not PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS or set(digits) == {"0"}:
        return None
    return compact
