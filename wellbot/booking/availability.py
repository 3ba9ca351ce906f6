"""Free visit times: a pure function of the rules, the visits held and the time now.

Times go in and out as aware UTC datetimes; opening hours are the clinic's
local wall-clock times, walked one granularity step at a time, so a
daylight-saving day offers exactly the wall-clock times that exist that day,
each once (on the autumn change a repeated wall-clock time is offered only
at its first occurrence).

Capacity is counted on a UTC grid of `slot_minutes` cells: a visit holds every
cell its time plus the trailing buffer touches. The database enforces the same
cells (see `store.py`), so what is offered here is what booking can claim.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from wellbot.booking.rules import Rules

Interval = tuple[datetime, datetime]  # [start, end) as aware UTC
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def claim_cells(start: datetime, end: datetime, rules: Rules) -> list[datetime]:
    """The grid cells a visit [start, end) plus its buffer holds."""
    step = timedelta(minutes=rules.slot_minutes)
    cell = EPOCH + ((start - EPOCH) // step) * step
    stop = end + timedelta(minutes=rules.buffer_minutes)
    cells = []
    while cell < stop:
        cells.append(cell)
        cell += step
    return cells


def occupancy(busy: Iterable[Interval], rules: Rules) -> Counter[datetime]:
    """How many visits hold each grid cell."""
    counts: Counter[datetime] = Counter()
    for start, end in busy:
        counts.update(claim_cells(start, end, rules))
    return counts


def local_instant(day: date, wall: time, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall-clock time (first occurrence), or None if it does not exist."""
    aware = datetime.combine(day, wall, tzinfo=tz)
    utc = aware.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != aware.replace(tzinfo=None):
        return None  # skipped by a spring-forward change
    return utc


def candidate_starts(rules: Rules, day: date, minutes: int, tz: ZoneInfo) -> list[datetime]:
    """Every start time within the day's opening ranges at which a visit of `minutes` fits."""
    starts: list[datetime] = []
    step = timedelta(minutes=rules.slot_minutes)
    length = timedelta(minutes=minutes)
    for opens, closes in rules.open_ranges(day):
        close = datetime.combine(day, closes, tzinfo=tz).astimezone(UTC)
        wall = datetime.combine(day, opens)
        while wall.time() < closes and wall.date() == day:
            start = local_instant(day, wall.time(), tz)
            if start is not None and start + length <= close:
                starts.append(start)
            wall += step
    return sorted(set(starts))


def bookable_days(rules: Rules, now: datetime, tz: ZoneInfo) -> tuple[date, date]:
    """The first and last local dates a patient may book, today included."""
    today = now.astimezone(tz).date()
    return today, today + timedelta(days=rules.horizon_days)


def free_slots(rules: Rules, day: date, minutes: int, busy: Iterable[Interval],
               blocks: Iterable[Interval], now: datetime, tz: ZoneInfo) -> list[datetime]:
    """Start times on `day` a new visit of `minutes` may take now."""
    first, last = bookable_days(rules, now, tz)
    if not first <= day <= last:
        return []
    earliest = now + timedelta(hours=rules.min_notice_hours)
    counts = occupancy(busy, rules)
    blocked = list(blocks)
    length = timedelta(minutes=minutes)
    return [
        start for start in candidate_starts(rules, day, minutes, tz)
        if start >= earliest
        and not any(b0 < start + length and start < b1 for b0, b1 in blocked)
        and all(counts[cell] < rules.capacity for cell in claim_cells(start, start + length, rules))
    ]


def is_free(rules: Rules, start: datetime, minutes: int, busy: Iterable[Interval],
            blocks: Iterable[Interval], now: datetime, tz: ZoneInfo) -> bool:
    """True if `start` is one of the times offered for its day."""
    day = start.astimezone(tz).date()
    return start in free_slots(rules, day, minutes, busy, blocks, now, tz)


def days_with_slots(rules: Rules, first: date, last: date, minutes: int, busy: Iterable[Interval],
                    blocks: Iterable[Interval], now: datetime, tz: ZoneInfo) -> list[date]:
    """The dates in [first, last] that have at least one free time."""
    busy, blocks = list(busy), list(blocks)
    days = []
    day = first
    while day <= last:
        if free_slots(rules, day, minutes, busy, blocks, now, tz):
            days.append(day)
        day += timedelta(days=1)
    return days


def nearest_free(rules: Rules, around: datetime, minutes: int, busy: Iterable[Interval],
                 blocks: Iterable[Interval], now: datetime, tz: ZoneInfo, limit: int = 4) -> list[datetime]:
    """Up to `limit` free times closest to `around` (same day first, then the following days)."""
    busy, blocks = list(busy), list(blocks)
    day = around.astimezone(tz).date()
    _, last = bookable_days(rules, now, tz)
    same_day = free_slots(rules, day, minutes, busy, blocks, now, tz)
    found = sorted(same_day, key=lambda start: abs(start - around))[:limit]
    while len(found) < limit and day < last:
        day += timedelta(days=1)
        found.extend(free_slots(rules, day, minutes, busy, blocks, now, tz)[: limit - len(found)])
    return sorted(found)
