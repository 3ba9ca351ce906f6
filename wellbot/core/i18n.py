"""Languages: which one a patient speaks, and the catalogue of words written in Python code.

Templates are translated by folder (`templates/<lang>/`, see wellbot.bot.render);
the few words that live in Python (button labels, command descriptions) are
gettext messages: marked with `N_()` where they are declared, translated with
`_()` where they are shown, from `wellbot/locale/<lang>/LC_MESSAGES/wellbot.po`
(Babel's `read_po` at start, so a wheel needs no compile step).

The language of the message being written is a context variable, like a web
framework's request locale: the router sets it for each update (the patient's
stored language), and every bulk or scheduled sender sets it for each recipient
with `speaking(lang)`. asyncio gives each update's task its own copy, so one
patient's language never leaks into another's reply.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any, Self

from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"  # the language the Python strings and the top-level templates are written in
DOMAIN = "wellbot"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_current: ContextVar[str | None] = ContextVar("wellbot_language", default=None)


def current_language() -> str | None:
    """The language of the message being written, or None outside any patient's context."""
    return _current.get()


def set_language(lang: str | None) -> None:
    """Make `lang` the language of everything the current task writes from now on."""
    _current.set(lang)


@contextmanager
def speaking(lang: str | None) -> Iterator[None]:
    """Write in `lang` inside the block (a sender looping over recipients)."""
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


def match_language(code: str | None, languages: Iterable[str], default: str) -> str:
    """The configured language closest to Telegram's `language_code`: "es-MX" -> "es", "fr" -> default."""
    offered = list(languages)
    if not code:
        return default
    tag = code.strip().lower().replace("_", "-")
    if tag in offered:
        return tag
    primary = tag.split("-", 1)[0]
    return primary if primary in offered else default


@cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid -> translation for `lang` (empty for the source language or a language with no .po)."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == SOURCE_LANGUAGE or not path.is_file():
        return {}
    with path.open("rb") as file:
        catalog = read_po(file, locale=lang, domain=DOMAIN)
    return {str(m.id): str(m.string) for m in catalog
            if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy}


def translate(message: str, lang: str | None = None) -> str:
    """`message` in `lang` (default: the current language); unchanged when there is no translation."""
    lang = lang or current_language()
    if not lang or lang == SOURCE_LANGUAGE:
        return message
    return catalogue(lang).get(message, message)


def _(message: str) -> str:
    """gettext: `message` in the current language."""
    return translate(message)


def N_(message: str) -> str:
    """Mark a string for the catalogue where it is declared; it is translated where it is shown."""
    return message


class Reason(ValueError):
    """A refusal whose reason is a catalogue message: `str()` in the source language (logs, the CLI), `shown()`
    in the language being written (the staff member's screen).

    `message` is marked with `N_()` and may hold `{name}` fields; `words` fill fields with catalogue messages
    too (translated when shown: "the {noun} is empty" with noun "text"); `values` fill the rest as they are.
    A message given with no fields at all is shown as it is (it may hold braces of its own).
    """

    def __init__(self, message: str, /, words: Mapping[str, str] | None = None, **values: Any) -> None:
        self.message, self.words, self.values = message, dict(words or {}), values
        super().__init__(self._fill(message, self.words))

    @classmethod
    def like(cls, other: Reason) -> Self:
        """The same reason as another kind of refusal."""
        return cls(other.message, other.words, **other.values)

    def shown(self) -> str:
        """The reason in the language being written."""
        return self._fill(_(self.message), {name: _(word) for name, word in self.words.items()})

    def _fill(self, message: str, words: Mapping[str, str]) -> str:
        return message.format(**words, **self.values) if words or self.values else message


def shown(error: Exception) -> str:
    """An exception's reason as a reader sees it: translated if it is a Reason, else as it was raised."""
    return error.shown() if isinstance(error, Reason) else str(error)


def catalogue_ids() -> list[str]:
    """Every message the code marks for translation, as `pybabel extract` last wrote them to wellbot.pot."""
    path = LOCALE_DIR / f"{DOMAIN}.pot"
    if not path.is_file():
        return []
    with path.open("rb") as file:
        return [str(m.id) for m in read_po(file) if m.id and isinstance(m.id, str)]


def missing_messages(lang: str) -> list[str]:
    """Messages with no translation in `lang`'s catalogue (shown in the source language until there is one)."""
    if lang == SOURCE_LANGUAGE:
        return []
    have = catalogue(lang)
    return [message for message in catalogue_ids() if message not in have]


def shipped_catalogues() -> list[str]:
    """The languages that have a .po file in this installation."""
    return sorted(p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()) \
        if LOCALE_DIR.is_dir() else []
