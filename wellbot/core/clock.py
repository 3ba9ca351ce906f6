"""Time as a dependency: the clinic's clock, and helpers to store UTC.

Logic never calls `datetime.now()`; it asks a clock, so tests can set the
hour, cross a daylight-saving change, or restart "later" without sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DB_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class Clock(Protocol):
    """A source of the current time in the clinic's time zone."""

    tz: ZoneInfo

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)

    def local_now(self) -> datetime:
        """The current instant in the clinic's time zone."""
        return self.now().astimezone(self.tz)


class ManualClock(SystemClock):
    """A clock that moves only when told to: for tests and `wellbot chat` demos."""

    def __init__(self, tz: ZoneInfo, start: datetime) -> None:
        super().__init__(tz)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The instant the test has set."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to an aware instant."""
        if when.tzinfo is None:
            raise ValueError("ManualClock.set needs a timezone-aware datetime")
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward by `delta`."""
        self._now += delta


DB_TEXT_LENGTH = len("2026-01-01T00:00:00Z")  # what DB_FORMAT writes


def to_db(when: datetime) -> str:
    """Format an aware datetime as the UTC text stored in SQLite."""
    if when.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    return when.astimezone(UTC).strftime(DB_FORMAT)


def from_db(text: str) -> datetime:
    """Parse UTC text from SQLite into an aware datetime."""
    # fromisoformat is about 50 times faster than strptime (18 us a call), which made parsing a
    # week of a big clinic's visits cost more than reading them; the length and the Z keep it
    # exactly as strict as DB_FORMAT (benchmarks/README.md, big clinic).
    if len(text) == DB_TEXT_LENGTH and text[10] == "T" and text[-1] == "Z":
        return datetime.fromisoformat(text)  # "Z" parses as UTC
    return datetime.strptime(text, DB_FORMAT).replace(tzinfo=UTC)
