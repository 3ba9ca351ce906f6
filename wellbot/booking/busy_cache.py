"""The booking screens' reads of busy time, kept in memory until the database says they changed.

Every days and times screen read the visits and blocks of its window, and
each practitioner's visits: at a big clinic about 700 rows a week, parsed
into datetimes, 2-4 ms of event-loop time per screen (benchmarks/README.md,
a big clinic), the same rows for every patient looking at the same week.
Here a read is kept under its arguments and reused while `booking_version`
(one row, counted up by triggers on every change to a visit's or a block's
held time, from any connection or process) still has the number it had;
any change drops everything. Only screens read through here: a booking's
own check in its write transaction reads the tables themselves.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable

from sqlite_utils import Database

from wellbot.booking.availability import Interval

MAX_ENTRIES = 256  # windows kept: a few weeks and days, a few practitioners, a few visits being moved


def booking_version(db: Database) -> int:
    """The count of changes to held time so far (migration 0120_booking_version)."""
    return db.execute("select n from booking_version where id = 1").fetchone()[0]


class BusyCache:
    """Busy-time reads by their arguments, dropped whenever `booking_version` moves."""

    def __init__(self, db: Database, max_entries: int = MAX_ENTRIES) -> None:
        self.db = db
        self.max_entries = max_entries
        self._version: int | None = None
        self._entries: OrderedDict[Hashable, list[Interval]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def read(self, key: Hashable, read: Callable[[], list[Interval]]) -> list[Interval]:
        """The intervals `read()` gives for `key`, from memory while nothing changed (a fresh list each time)."""
        version = booking_version(self.db)
        if version != self._version:
            self._entries.clear()
            self._version = version
        kept = self._entries.get(key)
        if kept is None:
            self.misses += 1
            kept = self._entries[key] = read()
            if len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        else:
            self.hits += 1
            self._entries.move_to_end(key)
        return list(kept)  # callers may add to it (the waitlist does)
