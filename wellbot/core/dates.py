"""Dates and times in the reader's language, with Babel's CLDR data (no strftime: it speaks English only).

English keeps the exact formats the bot always used ("Tue 08 Dec 2026, 10:30");
Spanish reads as a Spanish speaker writes it ("martes, 8 de diciembre, 10:30").
A language added later without its own patterns gets CLDR's formats for it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_date, format_datetime, format_time, get_timezone_location, get_timezone_name

from wellbot.core.i18n import SOURCE_LANGUAGE, current_language

# kind -> Babel (CLDR) pattern per language. Kinds: `day` a full date, `time`, `when` a visit's date and time,
# `short_day` a day on a button, `month` a month's name, `weekday` a short weekday.
PATTERNS: dict[str, dict[str, str]] = {
    "en": {"day": "EEEE dd MMMM yyyy", "time": "HH:mm", "when": "EEE dd MMM yyyy, HH:mm",
           "short_day": "EEE dd MMM", "short_when": "EEE dd MMM HH:mm", "month": "LLLL", "weekday": "EEE",
           "day_month": "EEEE dd MMMM", "weekday_name": "EEEE", "short_date": "dd MMM yyyy", "birth": "d MMMM yyyy"},
    "es": {"day": "EEEE, d 'de' MMMM 'de' y", "time": "HH:mm", "when": "EEEE, d 'de' MMMM, HH:mm",
           "short_day": "EEE d MMM", "short_when": "EEE d MMM, HH:mm", "month": "LLLL", "weekday": "EEE",
           "day_month": "EEEE d 'de' MMMM", "weekday_name": "EEEE", "short_date": "d MMM y",
           "birth": "d 'de' MMMM 'de' y"},
}
# A language without patterns above: CLDR's own formats for it.
FALLBACK = {"day": "full", "time": "short", "when": "medium", "short_day": "medium", "short_when": "short",
            "month": "LLLL", "weekday": "EEE", "day_month": "long", "weekday_name": "EEEE", "short_date": "medium",
            "birth": "long"}
# The strftime formats the bot used before languages, and the kind each one is now.
STRFTIME_KINDS = {"%A %d %B %Y": "day", "%H:%M": "time", "%a %d %b %Y, %H:%M": "when", "%a %d %b": "short_day",
                  "%a %d %b %H:%M": "short_when", "%B": "month", "%a": "weekday"}


def _lang(lang: str | None) -> str:
    return lang or current_language() or SOURCE_LANGUAGE


def show(when: datetime | date, kind: str, lang: str | None = None) -> str:
    """`when` (already in local time, or a date) as `kind` in `lang` (default: the language being written)."""
    lang = _lang(lang)
    pattern = PATTERNS.get(lang, {}).get(kind)
    locale = lang.replace("-", "_")
    if pattern is None:
        pattern = FALLBACK[kind]
        if kind == "time" and isinstance(when, datetime):
            return format_time(when, pattern, tzinfo=when.tzinfo, locale=locale)
    if isinstance(when, datetime) and kind in ("time", "when", "short_when"):
        return format_datetime(when, pattern, tzinfo=when.tzinfo, locale=locale)
    return format_date(when.date() if isinstance(when, datetime) else when, pattern, locale=locale)


def zone_name(when: datetime, lang: str | None = None) -> str:
    """The zone's abbreviation at that instant ("EDT"), as strftime's %Z: the same in every language."""
    del lang  # time-zone abbreviations are what clinics print on signs, in any language
    return when.strftime("%Z") or get_timezone_name(when.tzinfo)


# "today" / "tomorrow" / "on Monday 15 June" for the front desk's "we reply ..." line, per language.
# The third is a Babel pattern for any later day.
DAY_WORDS = {"en": ("today", "tomorrow", "'on' EEEE d MMMM"), "es": ("hoy", "mañana", "'el' EEEE d 'de' MMMM")}
# Weekday names a plural adds no letter to in Spanish ("los lunes", but "los sábados").
SPANISH_PLURAL_S = ("sábado", "domingo")


def day_word(day: date, today: date, lang: str | None = None) -> str:
    """'today', 'tomorrow' or 'on Monday 15 June' ('hoy', 'mañana', 'el lunes 15 de junio')."""
    lang = _lang(lang)
    words = DAY_WORDS.get(lang, DAY_WORDS["en"])
    if day == today:
        return words[0]
    if day == today + timedelta(days=1):
        return words[1]
    if lang not in DAY_WORDS:
        return show(day, "day_month", lang)
    return format_date(day, words[2], locale=lang.replace("-", "_"))


def weekday_plural(day: date, lang: str | None = None) -> str:
    """The weekday of `day` as a plural: 'Saturdays' ('sábados', 'lunes')."""
    lang = _lang(lang)
    name = show(day, "weekday_name", lang)
    if lang == "en":
        return f"{name}s"
    if lang == "es":
        return f"{name}s" if name in SPANISH_PLURAL_S else name
    return name


def weekday_names(lang: str | None = None) -> list[str]:
    """Monday to Sunday in `lang`, capitalised as at the start of a line ('Lunes')."""
    monday = date(2024, 1, 1)  # any Monday
    return [show(monday + timedelta(days=i), "weekday_name", lang).capitalize() for i in range(7)]


def city_of_zone(key: str, lang: str | None = None) -> str:
    """The city a time zone is named after, in `lang` ('America/New_York' -> 'New York', 'Nueva York')."""
    lang = _lang(lang)
    fallback = key.rsplit("/", 1)[-1].replace("_", " ")
    try:
        return str(get_timezone_location(key, locale=lang.replace("-", "_"), return_city=True)) or fallback
    except (LookupError, ValueError):
        return fallback
