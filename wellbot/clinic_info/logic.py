"""The clinic's own facts, from the clinic file, and "are you open?" against the clock. No Telegram imports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from wellbot.booking.rules import Rules
from wellbot.core import dates
from wellbot.core.errors import ConfigError
from wellbot.language.accents import without_accents
from wellbot.language.words import fold

INFO_FIELDS = ("parking", "transit", "prices", "insurance")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SHORT_DAYS = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6}
LOOK_AHEAD_DAYS = 14  # how far ahead "next opening" is searched
# Named days patients ask about, as (month, day).
HOLIDAYS = {"christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25), "xmas": (12, 25),
            "new years eve": (12, 31), "new years day": (1, 1), "new year": (1, 1), "independence day": (7, 4),
            "july 4th": (7, 4), "4th of july": (7, 4), "fourth of july": (7, 4),
            # Spanish, folded without accents ("año nuevo" -> "ano nuevo").
            "nochebuena": (12, 24), "navidad": (12, 25), "nochevieja": (12, 31), "ano nuevo": (1, 1),
            "4 de julio": (7, 4), "cuatro de julio": (7, 4), "dia de la independencia": (7, 4)}
# Monday to Sunday in Spanish, folded without accents; a plural only adds "s" to sábado and domingo.
SPANISH_WEEKDAYS = ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo")
TODAY_WORDS = r"\b(?:today|tonight|now|right now|hoy|esta noche|ahora|ahorita)\b"
# "mañana" is tomorrow, but not in "por la mañana" / "las mañanas" (the morning); "pasado mañana" is the day after.
TOMORROW_WORDS = r"\btomorrow\b|(?<!la )(?<!las )(?<!pasado )\bmanana\b"
AFTER_TOMORROW = r"\bpasado manana\b|\bday after tomorrow\b"
WEEKEND_WORDS = r"\bweekends?\b|\bfin(?:es)? de semana\b"
NOW_WORDS = (r"\b(?:now|right now|at the moment|currently|still open|today|ahora|ahorita|en este momento|hoy"
             r"|todavia (?:estan )?abiertos?|siguen abiertos?)\b")


@dataclass(frozen=True)
class ClinicInfo:
    """What the clinic file says about finding and paying the clinic (each text optional)."""

    latitude: float | None
    longitude: float | None
    parking: str = ""
    transit: str = ""
    prices: str = ""
    insurance: str = ""

    @property
    def has_pin(self) -> bool:
        """Whether a map pin can be sent."""
        return self.latitude is not None and self.longitude is not None


def info_of(clinic: Any) -> ClinicInfo:
    """Read `[clinic] latitude/longitude` and the `[info]` table; raise ConfigError naming a mistake."""
    table = clinic.section("info")
    where = f"{clinic.path} [info]"
    unknown = set(table) - set(INFO_FIELDS)
    if unknown:
        raise ConfigError(where, f"unknown setting(s): {', '.join(sorted(unknown))}")
    texts = {}
    for key in INFO_FIELDS:
        value = table.get(key, "")
        if not isinstance(value, str):
            raise ConfigError(where, f"`{key}` must be text")
        texts[key] = value.strip()
    head = clinic.section("clinic")
    lat, lon = head.get("latitude"), head.get("longitude")
    if (lat is None) != (lon is None):
        raise ConfigError(f"{clinic.path} [clinic]", "give both `latitude` and `longitude`, or neither")
    if lat is not None:
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon)) or not (
                -90 <= lat <= 90 and -180 <= lon <= 180):
            raise ConfigError(f"{clinic.path} [clinic]",
                              "`latitude` (-90..90) and `longitude` (-180..180) must be numbers")
        lat, lon = float(lat), float(lon)
    return ClinicInfo(latitude=lat, longitude=lon, **texts)


@dataclass(frozen=True)
class OpenState:
    """Whether the clinic is open at a moment, and the next change."""

    open: bool
    until: time | None = None  # closing (or break) time today, when open
    next_open: datetime | None = None  # when closed: the next opening, local time


def open_state(rules: Rules, now: datetime) -> OpenState:
    """Open or closed at `now` (local, aware), with the next change."""
    today = now.date()
    for start, end in rules.open_ranges(today):
        if start <= now.time() < end:
            return OpenState(True, until=end)
    for offset in range(LOOK_AHEAD_DAYS + 1):
        day = today + timedelta(days=offset)
        for start, _end in rules.open_ranges(day):
            moment = datetime.combine(day, start, tzinfo=now.tzinfo)
            if moment > now:
                return OpenState(False, next_open=moment)
    return OpenState(False)


def day_asked(text: str, today: date) -> date | None:
    """The date a question names ("saturday", "tomorrow", "el sábado", "mañana"), the next one from today; else None."""
    folded = " ".join(re.findall(r"[a-z0-9]+", without_accents(fold(text))))
    for name, (month, day) in HOLIDAYS.items():
        if re.search(rf"\b{name}\b", folded):
            candidate = date(today.year, month, day)
            return candidate if candidate >= today else date(today.year + 1, month, day)
    if re.search(TODAY_WORDS, folded):
        return today
    if re.search(AFTER_TOMORROW, folded):
        return today + timedelta(days=2)
    if re.search(TOMORROW_WORDS, folded):
        return today + timedelta(days=1)
    words = folded.split()
    for index, (name, spanish) in enumerate(zip(WEEKDAYS, SPANISH_WEEKDAYS, strict=True)):
        if {name, f"{name}s", spanish, f"{spanish}s"} & set(words) or any(SHORT_DAYS.get(w) == index for w in words):
            return today + timedelta(days=(index - today.weekday()) % 7)
    if re.search(WEEKEND_WORDS, folded):
        return today + timedelta(days=(5 - today.weekday()) % 7)
    return None


def asks_now(text: str) -> bool:
    """Whether the question is about this moment ("open now?", "¿están abiertos ahora?")."""
    return re.search(NOW_WORDS, without_accents(fold(text))) is not None


def week(rules: Rules, lang: str | None = None) -> list[tuple[str, tuple[tuple[time, time], ...]]]:
    """(weekday name in `lang`, opening ranges) for Monday to Sunday, from the weekly hours (closed dates aside)."""
    return [(name, rules.hours.get(i, ())) for i, name in enumerate(dates.weekday_names(lang))]


def closed_ahead(rules: Rules, today: date, limit: int = 5) -> list[date]:
    """The next few closed dates from today on."""
    return sorted(d for d in rules.closed_dates if d >= today)[:limit]
