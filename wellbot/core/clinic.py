"""The clinic file: who the clinic is, what it offers, and its rules.

A TOML file a clinic manager can edit. This module validates the sections
every feature needs (identity, services, news topics); feature modules read
their own sections through `Clinic.section()` and validate them in their
`check` hooks, so `wellbot check` and start-up catch every mistake once.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wellbot.core import phones
from wellbot.core.errors import ConfigError

KEY_PATTERN = re.compile(r"^[a-z0-9_]{1,24}$")  # short: keys travel inside callback_data
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")  # "en", "es", "pt-br": Telegram's language_code form
DEFAULT_LANGUAGE = "en"
KEYED_ARRAYS = ("services", "practitioners")  # arrays of tables an overlay matches entry by entry on `key`


@dataclass(frozen=True)
class Service:
    """Something the clinic offers, as listed in `[[services]]`."""

    key: str
    name: str
    duration_minutes: int
    description: str
    preparation: str = ""
    bookable: bool = True  # False: the bot says "call us" instead of booking


@dataclass(frozen=True)
class Topic:
    """A health-news topic patients can subscribe to."""

    key: str
    label: str


@dataclass(frozen=True)
class Clinic:
    """The validated clinic file."""

    path: Path
    name: str
    address: str
    phone: str
    emergency_number: str
    region: str  # two-letter region code: patients' phone numbers without a country code are read as local
    timezone: ZoneInfo
    website: str
    services: tuple[Service, ...]
    topics: tuple[Topic, ...]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    languages: tuple[str, ...] = (DEFAULT_LANGUAGE,)  # `[clinic] languages`, the default first
    default_language: str = DEFAULT_LANGUAGE
    language: str = DEFAULT_LANGUAGE  # the language of this clinic's texts (an overlay's, or the default)
    # lang -> this clinic with `clinic.<lang>.toml`'s texts merged in (the default language is the clinic itself)
    translations: dict[str, Clinic] = field(repr=False, compare=False, default_factory=dict)
    overlays: dict[str, dict[str, Any]] = field(repr=False, compare=False, default_factory=dict)  # as read

    def localized(self, lang: str | None) -> Clinic:
        """This clinic in `lang`: its overlay's texts where given, the clinic file's elsewhere."""
        if lang is None or lang == self.default_language:
            return self
        return self.translations.get(lang, self)

    @property
    def directory(self) -> Path:
        """Folder of the clinic file: relative paths inside it resolve from here."""
        return self.path.parent

    def section(self, name: str) -> dict[str, Any]:
        """A feature's own table from the file, or an empty one."""
        value = self.raw.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(self._where(name), "must be a table")
        return value

    def service(self, key: str) -> Service | None:
        """The service with this key, or None if the clinic no longer offers it."""
        return next((s for s in self.services if s.key == key), None)

    def topic(self, key: str) -> Topic | None:
        """The news topic with this key, or None."""
        return next((t for t in self.topics if t.key == key), None)

    def _where(self, name: str) -> str:
        return f"{self.path} [{name}]"


def load_clinic(path: Path) -> Clinic:
    """Read and validate a clinic file; raise ConfigError naming the problem."""
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("WELLBOT_CLINIC", f"no clinic file at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(where, f"is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(where, f"cannot be read: {exc}") from None
    base = _build(path, raw, where)
    translations = {}
    overlays = {}
    for lang in base.languages[1:]:  # the default language is the clinic file itself
        overlay = _read_overlay(path, lang)
        overlays[lang] = overlay
        merged = _build(path, merge_overlay(raw, overlay), f"{overlay_path(path, lang)} over {where}")
        translations[lang] = replace(merged, language=lang)
    return replace(base, translations=translations, overlays=overlays, language=base.default_language)


def overlay_path(path: Path, lang: str) -> Path:
    """`clinic.<lang>.toml` beside the clinic file (`<stem>.<lang>.toml` for any stem)."""
    return path.with_name(f"{path.stem}.{lang}{path.suffix}")


def _read_overlay(path: Path, lang: str) -> dict[str, Any]:
    """The overlay's tables, or {} when there is none (every text then falls back to the clinic file)."""
    file = overlay_path(path, lang)
    if not file.is_file():
        return {}
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(file), f"is not valid TOML: {exc}") from None


# Keys whose values are words patients read: the only ones an overlay may change. Everything else
# (keys, kinds, hours, time zones, phone numbers, folders) stays the clinic file's in every language.
# Tables and arrays of tables are always merged into; a string (or list of strings) only under these keys.
TEXT_KEYS = frozenset({"name", "address", "description", "preparation", "text", "options", "label",
                       "crisis_line", "disclaimer", "frequency", "parking", "transit", "prices", "insurance",
                       "red_flags"})


def merge_overlay(base: Any, overlay: Any, text: bool = False) -> Any:
    """The clinic file with a language overlay's texts merged in, key by key.

    Tables merge recursively; arrays of tables carrying a `key` (services,
    practitioners, intake questions, news topics) merge entry by entry on it;
    any other array (choice options) is taken position by position, the base's
    value standing in where the overlay's list is shorter. Values under keys that
    are not words (TEXT_KEYS), and tables or entries the base lacks, are ignored:
    an overlay translates, it never configures. A text the base leaves to its
    default (no `crisis_line`) may still be given.
    """
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = {key: merge_overlay(value, overlay[key], key in TEXT_KEYS) if key in overlay else value
                  for key, value in base.items()}
        # A text the clinic file leaves to its default (crisis_line, disclaimer...) may still be translated.
        merged.update({key: value for key, value in overlay.items()
                       if key not in base and key in TEXT_KEYS and _is_text(value)})
        return merged
    if isinstance(base, list) and isinstance(overlay, list):
        if base and all(isinstance(e, dict) and "key" in e for e in base):
            by_key = {e.get("key"): e for e in overlay if isinstance(e, dict)}
            return [merge_overlay(e, by_key[e["key"]], text) if e["key"] in by_key else e for e in base]
        return [merge_overlay(b, overlay[i], text) if i < len(overlay) else b for i, b in enumerate(base)]
    if text and isinstance(base, str) and isinstance(overlay, str) and overlay.strip():
        return overlay
    return base


def _is_text(value: Any) -> bool:
    """Words: non-empty text, or a list of it (choice options)."""
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, str) and v.strip() for v in value)
    return isinstance(value, str) and bool(value.strip())


def _languages(info: dict[str, Any], where: str) -> tuple[tuple[str, ...], str]:
    """`languages` and `default_language` from [clinic]: the default is always offered, listed first."""
    default = info.get("default_language", DEFAULT_LANGUAGE)
    if not isinstance(default, str) or not LANGUAGE_PATTERN.match(default):
        raise ConfigError(where, f"`default_language` {default!r} must be a language code such as \"en\" or \"es\"")
    listed = info.get("languages", [default])
    if not isinstance(listed, list) or not all(isinstance(x, str) and LANGUAGE_PATTERN.match(x) for x in listed):
        raise ConfigError(where, "`languages` must be a list of language codes such as [\"en\", \"es\"]")
    ordered = [default, *(x for x in listed if x != default)]
    return tuple(dict.fromkeys(ordered)), default


def _build(path: Path, raw: dict[str, Any], where: str) -> Clinic:
    """Validate the tables of a clinic file (or of a clinic file with an overlay merged in)."""
    info = _table(raw, "clinic", where)
    languages, default = _languages(info, f"{where} [clinic]")
    return Clinic(
        languages=languages,
        default_language=default,
        path=path,
        name=_text(info, "name", f"{where} [clinic]"),
        address=_text(info, "address", f"{where} [clinic]"),
        phone=_text(info, "phone", f"{where} [clinic]"),
        emergency_number=_text(info, "emergency_number", f"{where} [clinic]"),
        region=_region(info, f"{where} [clinic]"),
        timezone=_zone(info, f"{where} [clinic]"),
        website=str(info.get("website", "")),
        services=_services(raw, where),
        topics=_topics(raw, where),
        raw=raw,
    )


def _region(info: dict[str, Any], where: str) -> str:
    """`region` (US, GB, DE...), else the region of the clinic phone's country code."""
    value = info.get("region")
    if value is None:
        region = phones.default_region(str(info.get("phone", "")))
        if region is None:
            raise ConfigError(where, "`region` is required (a two-letter code such as US or GB) when `phone` "
                                     "has no country code")
        return region
    if not isinstance(value, str) or not phones.valid_region(value.strip().upper()):
        raise ConfigError(where, f"`region` {value!r} is not a two-letter region code such as US, GB or DE")
    return value.strip().upper()


def _table(raw: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    value = raw.get(name)
    if not isinstance(value, dict):
        raise ConfigError(where, f"needs a [{name}] table")
    return value


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(where, f"`{key}` is required and must be non-empty text")
    return value.strip()


def _zone(info: dict[str, Any], where: str) -> ZoneInfo:
    name = _text(info, "timezone", where)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(where, f"timezone {name!r} is not an IANA time zone such as 'Europe/Berlin'") from None


def _key(value: Any, where: str) -> str:
    if not isinstance(value, str) or not KEY_PATTERN.match(value):
        raise ConfigError(where, f"key {value!r} must be 1-24 characters of a-z, 0-9 or _")
    return value


def _keyed_entries(entries: Any, where: str, shape: str) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Yield (where, entry, key) for a list of tables that each carry a unique `key`."""
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        here = f"{where} #{index}"
        if not isinstance(entry, dict):
            raise ConfigError(here, f"must be {shape}")
        key = _key(entry.get("key"), here)
        if key in seen:
            raise ConfigError(here, f"duplicate key {key!r}")
        seen.add(key)
        yield here, entry, key


def _services(raw: dict[str, Any], where: str) -> tuple[Service, ...]:
    entries = raw.get("services", [])
    if not isinstance(entries, list) or not entries:
        raise ConfigError(where, "needs at least one [[services]] entry")
    services: list[Service] = []
    for here, entry, key in _keyed_entries(entries, f"{where} [[services]]", "a table"):
        duration = entry.get("duration_minutes")
        if not isinstance(duration, int) or isinstance(duration, bool) or not 5 <= duration <= 480:
            raise ConfigError(here, "`duration_minutes` must be a whole number from 5 to 480")
        bookable = entry.get("bookable", True)
        if not isinstance(bookable, bool):
            raise ConfigError(here, "`bookable` must be true or false")
        services.append(
            Service(
                key=key,
                name=_text(entry, "name", here),
                duration_minutes=duration,
                description=_text(entry, "description", here),
                preparation=str(entry.get("preparation", "")).strip(),
                bookable=bookable,
            )
        )
    return tuple(services)


def _topics(raw: dict[str, Any], where: str) -> tuple[Topic, ...]:
    news = raw.get("news", {})
    entries = news.get("topics", []) if isinstance(news, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(where, "needs [news] topics = [...] with at least one topic")
    shape = "an inline table like {key = \"...\", label = \"...\"}"
    return tuple(Topic(key=key, label=_text(entry, "label", here))
                 for here, entry, key in _keyed_entries(entries, f"{where} [news] topics", shape))


# The clinic file's texts patients read, which a language overlay should carry (README, "Languages"):
# table -> keys, or (array of keyed tables) -> keys of each entry. Names of people and numbers stay as they are.
OVERLAY_TEXTS: dict[str, tuple[str, ...]] = {
    "clinic": ("crisis_line",),
    "services[]": ("name", "description", "preparation"),
    "intake.questions[]": ("text", "options"),
    "news.topics[]": ("label",),
    "news": ("frequency",),
    "info": ("parking", "transit", "prices", "insurance"),
    "faq": ("disclaimer",),
}


def missing_overlay_texts(clinic: Clinic, lang: str) -> list[str]:
    """The texts the clinic file has that `clinic.<lang>.toml` does not translate, as `table.key` paths."""
    overlay = clinic.overlays.get(lang, {})
    missing: list[str] = []
    for place, keys in OVERLAY_TEXTS.items():
        path = place.removesuffix("[]").split(".")
        base_value, overlay_value = _dig(clinic.raw, path), _dig(overlay, path)
        if place.endswith("[]"):
            translated = {e.get("key"): e for e in overlay_value or [] if isinstance(e, dict)}
            for entry in base_value or []:
                if isinstance(entry, dict):
                    missing += [f"{'.'.join(path)}[{entry.get('key')}].{key}" for key in keys
                                if entry.get(key) and not (translated.get(entry.get("key")) or {}).get(key)]
        elif isinstance(base_value, dict):
            missing += [f"{'.'.join(path)}.{key}" for key in keys
                        if base_value.get(key) and not (overlay_value or {}).get(key)]
    return missing


def _dig(table: Any, path: list[str]) -> Any:
    """The value at a dotted path of nested tables, or None."""
    for part in path:
        if not isinstance(table, dict):
            return None
        table = table.get(part)
    return table
