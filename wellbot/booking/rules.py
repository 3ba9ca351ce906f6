"""The clinic's booking rules, read from `[booking]` and `[hours]` in the clinic file.

Plain data, validated once (by the feature's check hook and at load), so the
availability function and the handlers never see a malformed rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from itertools import pairwise
from typing import Any

from wellbot.core.errors import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
RANGE_PATTERN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")

# Defaults make a clinic file without [booking]/[hours] work: weekdays 9-17, lunch 12-13.
DEFAULT_HOURS = {day: ["09:00-12:00", "13:00-17:00"] for day in WEEKDAYS[:5]}
DEFAULTS: dict[str, int] = {
    "slot_minutes": 15,
    "buffer_minutes": 10,
    "min_notice_hours": 2,
    "horizon_days": 30,
    "max_upcoming_per_patient": 3,
    "capacity": 1,
    "cancellation_window_hours": 24,
    "waitlist_claim_minutes": 30,
}
LIMITS: dict[str, tuple[int, int]] = {
    "slot_minutes": (5, 120),
    "buffer_minutes": (0, 120),
    "min_notice_hours": (0, 24 * 14),
    "horizon_days": (1, 365),
    "max_upcoming_per_patient": (1, 50),
    "capacity": (1, 20),
    "cancellation_window_hours": (0, 24 * 14),
    "waitlist_claim_minutes": (1, 24 * 60),
}


@dataclass(frozen=True)
class Rules:
    """When visits may be booked, and how many at once."""

    hours: dict[int, tuple[tuple[time, time], ...]]  # weekday -> open ranges; gaps between are breaks
    closed_dates: frozenset[date] = frozenset()
    slot_minutes: int = DEFAULTS["slot_minutes"]  # granularity of start times
    buffer_minutes: int = DEFAULTS["buffer_minutes"]  # kept free after each visit
    min_notice_hours: int = DEFAULTS["min_notice_hours"]
    horizon_days: int = DEFAULTS["horizon_days"]
    max_upcoming_per_patient: int = DEFAULTS["max_upcoming_per_patient"]
    capacity: int = DEFAULTS["capacity"]  # visits that may run at once (rooms or practitioners)
    cancellation_window_hours: int = DEFAULTS["cancellation_window_hours"]
    waitlist_claim_minutes: int = DEFAULTS["waitlist_claim_minutes"]

    def open_ranges(self, day: date) -> tuple[tuple[time, time], ...]:
        """The local opening ranges of a date; empty when closed."""
        if day in self.closed_dates:
            return ()
        return self.hours.get(day.weekday(), ())


def parse_rules(booking: dict[str, Any], hours: dict[str, Any] | None, where: str) -> Rules:
    """Build Rules from the two TOML tables; raise ConfigError naming the problem."""
    values = {}
    for key, default in DEFAULTS.items():
        value = booking.get(key, default)
        low, high = LIMITS[key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ConfigError(f"{where} [booking]", f"`{key}` must be a whole number from {low} to {high}")
        values[key] = value
    unknown = set(booking) - set(DEFAULTS) - {"closed_dates"}
    if unknown:
        raise ConfigError(f"{where} [booking]", f"unknown setting(s): {', '.join(sorted(unknown))}")
    return Rules(hours=_hours(hours if hours is not None else DEFAULT_HOURS, f"{where} [hours]"),
                 closed_dates=_closed(booking.get("closed_dates", []), f"{where} [booking]"), **values)


def _hours(table: dict[str, Any], where: str) -> dict[int, tuple[tuple[time, time], ...]]:
    unknown = set(table) - set(WEEKDAYS)
    if unknown:
        raise ConfigError(where, f"unknown day(s) {', '.join(sorted(unknown))}; use {', '.join(WEEKDAYS)}")
    hours = {}
    for index, name in enumerate(WEEKDAYS):
        entries = table.get(name, [])
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise ConfigError(where, f"`{name}` must be a list like [\"09:00-12:30\", \"13:30-18:00\"]")
        ranges = sorted(_range(entry, f"{where} {name}") for entry in entries)
        for earlier, later in pairwise(ranges):
            if later[0] < earlier[1]:
                raise ConfigError(where, f"`{name}` has overlapping ranges")
        if ranges:
            hours[index] = tuple(ranges)
    return hours


def _range(text: str, where: str) -> tuple[time, time]:
    match = RANGE_PATTERN.match(text.strip())
    try:
        if not match:
            raise ValueError
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start = time(h1, m1)
        end = time(h2, m2)
    except ValueError:
        raise ConfigError(where, f"{text!r} is not a range like \"09:00-12:30\"") from None
    if end <= start:
        raise ConfigError(where, f"{text!r} ends before it starts")
    return start, end


def _closed(entries: Any, where: str) -> frozenset[date]:
    if not isinstance(entries, list):
        raise ConfigError(where, "`closed_dates` must be a list of dates like [\"2026-12-25\"]")
    days = set()
    for entry in entries:
        if isinstance(entry, date):  # TOML local dates arrive as date objects
            days.add(entry)
            continue
        try:
            days.add(date.fromisoformat(str(entry)))
        except ValueError:
            raise ConfigError(where, f"closed date {entry!r} is not YYYY-MM-DD") from None
    return frozenset(days)


def rules_from_clinic(clinic: Any) -> Rules:
    """The validated rules of a loaded clinic."""
    raw_hours = clinic.raw.get("hours")
    if raw_hours is not None and not isinstance(raw_hours, dict):
        raise ConfigError(f"{clinic.path} [hours]", "must be a table")
    booking = clinic.section("booking")
    listed = clinic.raw.get("practitioners")
    if isinstance(listed, list) and listed and "capacity" not in booking:
        # Rooms are optional: with practitioners and no room count, the practitioners are the only limit.
        booking = {**booking, "capacity": min(len(listed), LIMITS["capacity"][1])}
    return parse_rules(booking, raw_hours, str(clinic.path))
