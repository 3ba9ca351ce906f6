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

import functools
import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from wellbot.booking.rules import Rules

Interval = tuple[datetime, datetime]  # [start, end) as aware UTC
# Who could take the visit: per practitioner, their rules (own hours, days off, one at a time) and the
# time their visits hold. None: the clinic lists no practitioners, so the rooms alone decide.
Staffing = list[tuple[Rules, list[Interval]]] | None
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CANDIDATE_DAYS_CACHED = 4096  # (day's hours, service length) combinations whose start times are kept


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
    return list(_candidate_starts(rules.open_ranges(day), rules.slot_minutes, day, minutes, tz))


# The starts depend only on these values, and every booking screen asks for the same few days again
# (each practitioner's too): working them out was about 40% of a days screen at a big clinic
# (benchmarks/README.md, big clinic). A day's hours change only with a new clinic file (new ranges).
@functools.lru_cache(maxsize=CANDIDATE_DAYS_CACHED)
def _candidate_starts(ranges: tuple[tuple[time, time], ...], slot_minutes: int, day: date, minutes: int,
                      tz: ZoneInfo) -> tuple[datetime, ...]:
    """candidate_starts for one day's opening ranges (cached)."""
    starts: list[datetime] = []
    step = timedelta(minutes=slot_minutes)
    length = timedelta(minutes=minutes)
    for opens, closes in ranges:
        close = datetime.combine(day, closes, tzinfo=tz).astimezone(UTC)
        wall = datetime.combine(day, opens)
        while wall.time() < closes and wall.date() == day:
            start = local_instant(day, wall.time(), tz)
            if start is not None and start + length <= close:
                starts.append(start)
            wall += step
    return tuple(sorted(set(starts)))


def bookable_days(rules: Rules, now: datetime, tz: ZoneInfo) -> tuple[date, date]:
    """The first and last local dates a patient may book, today included."""
    today = now.astimezone(tz).date()
    return today, today + timedelta(days=rules.horizon_days)


class Held:
    """Visits and blocks around some days, indexed once so each candidate start is checked in O(cells + log blocks).

    Built in one pass over the intervals; every day's check then reuses it,
    so a week of days costs days plus intervals, not days times intervals.
    """

    def __init__(self, busy: Iterable[Interval], blocks: Iterable[Interval], rules: Rules) -> None:
        self.rules = rules
        self.step = rules.slot_minutes * 60
        self.counts: Counter[int] = Counter()  # cell start (epoch seconds) -> visits holding it
        for start, end in busy:
            self.counts.update(self._cells(start, end))
        self.block_starts: list[datetime] = []
        self.block_ends: list[datetime] = []
        for b0, b1 in sorted(blocks):  # merged into disjoint ranges, so the ends rise too
            if self.block_ends and b0 <= self.block_ends[-1]:
                self.block_ends[-1] = max(self.block_ends[-1], b1)
            else:
                self.block_starts.append(b0)
                self.block_ends.append(b1)

    def _cells(self, start: datetime, end: datetime) -> range:
        """The grid cells [start, end) plus the buffer holds, as epoch seconds (as claim_cells)."""
        first = int((start - EPOCH).total_seconds()) // self.step * self.step
        stop = (end - EPOCH).total_seconds() + self.rules.buffer_minutes * 60
        return range(first, math.ceil(stop), self.step)

    def blocked(self, start: datetime, end: datetime) -> bool:
        """True if a staff block overlaps [start, end)."""
        before = bisect_left(self.block_starts, end)  # blocks starting before `end`
        return before > 0 and self.block_ends[before - 1] > start

    def fits(self, start: datetime, end: datetime) -> bool:
        """True if every cell [start, end) holds has a free place."""
        capacity, counts = self.rules.capacity, self.counts
        return all(counts[cell] < capacity for cell in self._cells(start, end))


def _free_at(held: Held, start: datetime, length: timedelta, day: date, tz: ZoneInfo) -> bool:
    """True if `start` (on `day`, not before the notice) is one of `held`'s free start times."""
    minutes = int(length.total_seconds() // 60)
    offered = _candidate_set(held.rules.open_ranges(day), held.rules.slot_minutes, day, minutes, tz)
    return start in offered and not held.blocked(start, start + length) and held.fits(start, start + length)


@functools.lru_cache(maxsize=CANDIDATE_DAYS_CACHED)
def _candidate_set(ranges: tuple[tuple[time, time], ...], slot_minutes: int, day: date, minutes: int,
                   tz: ZoneInfo) -> frozenset[datetime]:
    """The cached candidate starts as a set, for checking one start at a time."""
    return frozenset(_candidate_starts(ranges, slot_minutes, day, minutes, tz))


def _free_on_day(held: Held, day: date, minutes: int, earliest: datetime, tz: ZoneInfo) -> Iterator[datetime]:
    """Free start times on `day` (lazily, so a caller that needs one stops at the first)."""
    length = timedelta(minutes=minutes)
    for start in candidate_starts(held.rules, day, minutes, tz):
        if start >= earliest and not held.blocked(start, start + length) and held.fits(start, start + length):
            yield start


class Staffed:
    """The rooms' index plus one per practitioner who could take the visit (None: no practitioners listed)."""

    def __init__(self, busy: Iterable[Interval], blocks: Iterable[Interval], rules: Rules,
                 staffing: Staffing) -> None:
        blocks = list(blocks)
        self.rooms = Held(busy, blocks, rules)
        self.people = None if staffing is None else [Held(own, blocks, own_rules) for own_rules, own in staffing]

    def free_on_day(self, day: date, minutes: int, earliest: datetime, tz: ZoneInfo) -> Iterator[datetime]:
        """Free start times on `day`: a room has a place and (if listed) someone who gives the service is free."""
        rooms = _free_on_day(self.rooms, day, minutes, earliest, tz)
        if self.people is None:
            yield from rooms
            return
        # Lazily, start by start: the days screen needs only each day's first free time, and working out
        # every practitioner's whole day first cost more than the rooms' check (issue 22).
        length = timedelta(minutes=minutes)
        for start in rooms:
            if any(_free_at(person, start, length, day, tz) for person in self.people):
                yield start


def free_slots(rules: Rules, day: date, minutes: int, busy: Iterable[Interval],
               blocks: Iterable[Interval], now: datetime, tz: ZoneInfo, staffing: Staffing = None) -> list[datetime]:
    """Start times on `day` a new visit of `minutes` may take now (a room free, and a practitioner if listed)."""
    first, last = bookable_days(rules, now, tz)
    if not first <= day <= last:
        return []
    earliest = now + timedelta(hours=rules.min_notice_hours)
    return list(Staffed(busy, blocks, rules, staffing).free_on_day(day, minutes, earliest, tz))


def is_free(rules: Rules, start: datetime, minutes: int, busy: Iterable[Interval],
            blocks: Iterable[Interval], now: datetime, tz: ZoneInfo, staffing: Staffing = None) -> bool:
    """True if `start` is one of the times offered for its day."""
    day = start.astimezone(tz).date()
    return start in free_slots(rules, day, minutes, busy, blocks, now, tz, staffing)


def days_with_slots(rules: Rules, first: date, last: date, minutes: int, busy: Iterable[Interval],
                    blocks: Iterable[Interval], now: datetime, tz: ZoneInfo, staffing: Staffing = None) -> list[date]:
    """The dates in [first, last] that have at least one free time (one pass over the intervals)."""
    held = Staffed(busy, blocks, rules, staffing)
    earliest = now + timedelta(hours=rules.min_notice_hours)
    today, horizon = bookable_days(rules, now, tz)
    days = []
    day = max(first, today)
    while day <= min(last, horizon):
        if next(held.free_on_day(day, minutes, earliest, tz), None) is not None:
            days.append(day)
        day += timedelta(days=1)
    return days


def nearest_free(rules: Rules, around: datetime, minutes: int, busy: Iterable[Interval],
                 blocks: Iterable[Interval], now: datetime, tz: ZoneInfo, limit: int = 4,
                 staffing: Staffing = None) -> list[datetime]:
    """Up to `limit` free times closest to `around` (same day first, then the following days)."""
    held = Staffed(busy, blocks, rules, staffing)
    earliest = now + timedelta(hours=rules.min_notice_hours)
    day = around.astimezone(tz).date()
    today, last = bookable_days(rules, now, tz)
    same_day = list(held.free_on_day(day, minutes, earliest, tz)) if today <= day <= last else []
    found = sorted(same_day, key=lambda start: abs(start - around))[:limit]
    while len(found) < limit and day < last:
        day += timedelta(days=1)
        if day >= today:
            found.extend(islice(held.free_on_day(day, minutes, earliest, tz), limit - len(found)))
    return sorted(found)
