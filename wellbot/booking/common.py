"""Small helpers the booking handlers share: rules, times in callback data, day bounds."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from wellbot.booking.rules import Rules, rules_from_clinic
from wellbot.bot.callbacks import CallbackDataError
from wellbot.core.clinic import Service
from wellbot.core.deps import Deps

STAMP_FORMAT = "%Y%m%d%H%M"  # a UTC start time inside callback_data (12 characters)
DAY_FORMAT = "%Y%m%d"
TIME_RANGE = re.compile(r"^(\d{2}:\d{2})-(\d{2}:\d{2})$")


def rules_of(deps: Deps) -> Rules:
    """The clinic's booking rules, parsed once."""
    if deps.booking_rules is None:
        deps.booking_rules = rules_from_clinic(deps.clinic)
    return deps.booking_rules


def check_rules(deps: Deps) -> None:
    """Feature check: the [booking] and [hours] tables are valid (raises ConfigError)."""
    deps.booking_rules = rules_from_clinic(deps.clinic)


def check_intake(deps: Deps) -> None:
    """Feature check: [[intake.questions]] and each service's `intake` list are valid (raises ConfigError)."""
    from wellbot.booking.questions import intake_of

    intake_of(deps.clinic)


def practitioners(deps: Deps) -> tuple:
    """The clinic's practitioners (empty: none listed, the rooms alone decide)."""
    from wellbot.booking.practitioners import practitioners_of

    return practitioners_of(deps.clinic, rules_of(deps))


def check_practitioners(deps: Deps) -> None:
    """Feature check: [[practitioners]] are valid (raises ConfigError)."""
    practitioners(deps)


def eligible(deps: Deps, service_key: str, wanted: str | None) -> list | None:
    """Who may take a visit for the service (the one wanted, or all who give it); None if none are listed."""
    from wellbot.booking.practitioners import giving

    listed = practitioners(deps)
    return giving(listed, service_key, wanted) if listed else None


def practitioner_name(deps: Deps, key: str | None) -> str:
    """A practitioner's name for screens ("" if none or unknown)."""
    return next((p.name for p in practitioners(deps) if p.key == key), "") if key else ""


def bookable_service(deps: Deps, key: str | None) -> Service | None:
    """The service if the clinic still offers it online."""
    service = deps.clinic.service(key) if key else None
    return service if service is not None and service.bookable else None


def stamp(when: datetime) -> str:
    """A UTC instant as compact callback text."""
    return when.astimezone(UTC).strftime(STAMP_FORMAT)


def parse_stamp(text: str) -> datetime:
    """Callback text back to an aware UTC instant; CallbackDataError if forged."""
    try:
        return datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise CallbackDataError("bad time in callback data") from None


def parse_day(text: str) -> date:
    """Callback text back to a date; CallbackDataError if forged."""
    try:
        return datetime.strptime(text, DAY_FORMAT).date()
    except ValueError:
        raise CallbackDataError("bad day in callback data") from None


def day_bounds(deps: Deps, day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which a local date starts and ends (23, 24 or 25 hours apart)."""
    tz = deps.clinic.timezone
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def hours_until(start: datetime, now: datetime) -> float:
    """Hours from now until `start` (negative once it has begun)."""
    return (start - now).total_seconds() / 3600


def service_name(deps: Deps, key: str) -> str:
    """The service's display name; its key if the clinic file no longer lists it."""
    service = deps.clinic.service(key)
    return service.name if service else key


class InputError(ValueError):
    """Typed staff input that cannot be used; the message says why."""


def parse_date(text: str) -> date:
    """A YYYY-MM-DD date typed by staff; InputError otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError("date") from None


def parse_local_range(day_text: str, range_text: str, tz) -> tuple[datetime, datetime]:
    """`YYYY-MM-DD` and `HH:MM-HH:MM` (local) as a UTC [start, end); InputError if impossible."""
    from wellbot.booking.availability import local_instant

    day = parse_date(day_text)
    match = TIME_RANGE.match(range_text.strip())
    try:
        if not match:
            raise ValueError
        start_wall, end_wall = time.fromisoformat(match[1]), time.fromisoformat(match[2])
    except ValueError:
        raise InputError("range") from None
    start, end = local_instant(day, start_wall, tz), local_instant(day, end_wall, tz)
    if start is None or end is None:
        raise InputError("nonexistent")
    if end <= start:
        raise InputError("order")
    return start, end
