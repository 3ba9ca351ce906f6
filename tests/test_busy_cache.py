"""The booking screens' cache of busy time: reused while nothing changed, dropped on any change, from anywhere.

Issue 22: every days and times screen read the same rows of its window (2-4 ms
of loop time a screen at a big clinic). SQLite stays the one source of truth:
the cache asks `booking_version`, which the database's own triggers count up.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.booking_helpers import THU, at, direct_book
from tests.test_booking import book, db  # noqa: F401  (the `db` fixture)
from wellbot.booking import store
from wellbot.booking.busy_cache import BusyCache, booking_version
from wellbot.core.clock import to_db
from wellbot.core.db import open_database

NOW = datetime(2026, 6, 8, 12, 0, tzinfo=UTC)


def test_every_change_to_held_time_moves_the_version_and_nothing_else_does(db):  # noqa: F811
    seen = [booking_version(db)]

    def moved() -> bool:
        seen.append(booking_version(db))
        return seen[-1] != seen[-2]

    visit_id = book(db)
    assert moved(), "a visit booked"
    db.execute("update visits set confirmed_at = ?, late_minutes = 5 where id = ?", [to_db(NOW), visit_id])
    assert not moved(), "a confirmation or a late note holds no other time"
    db.execute("update visits set start_utc = ?, end_utc = ? where id = ?",
               [to_db(at(11)), to_db(at(11, 45)), visit_id])
    assert moved(), "a visit moved"
    db.execute("update visits set status = 'cancelled' where id = ?", [visit_id])
    assert moved(), "a visit cancelled"
    db.execute("update visits set practitioner_key = 'anna' where id = ?", [visit_id])
    assert moved(), "a visit given to a practitioner"
    block = store.add_block(db, at(12), at(13), 900, NOW)
    assert moved(), "a block added"
    db.execute("update booking_blocks set end_utc = ? where id = ?", [to_db(at(14)), block])
    assert moved(), "a block changed"
    db.execute("delete from booking_blocks where id = ?", [block])
    assert moved(), "a block removed"
    db.execute("delete from visits where id = ?", [visit_id])
    assert moved(), "a visit erased"


def test_a_read_is_reused_until_the_version_moves(db):  # noqa: F811
    cache = BusyCache(db)
    start, end = at(0), at(23)
    reads = []

    def read():
        reads.append(1)
        return store.busy_between(db, start, end)

    assert cache.read(("visits", start, end), read) == []
    assert cache.read(("visits", start, end), read) == []
    assert len(reads) == 1, "the same window again: from memory"
    book(db)
    busy = cache.read(("visits", start, end), read)
    assert busy == [(at(10), at(10, 45))], "after a booking: read again"
    assert len(reads) == 2
    busy.append((at(12), at(13)))
    assert cache.read(("visits", start, end), read) == [(at(10), at(10, 45))], "a caller's list is its own"


def test_a_change_made_by_another_connection_is_seen(tmp_path):
    """Another process (the CLI, the front desk, a second worker) writes through its own connection."""
    path = tmp_path / "shared.db"
    worker, other = open_database(path), open_database(path)
    cache = BusyCache(worker)
    start, end = at(0), at(23)
    assert cache.read(("blocks", start, end), lambda: store.blocks_between(worker, start, end)) == []
    store.add_block(other, at(12), at(13), 900, NOW)
    assert cache.read(("blocks", start, end), lambda: store.blocks_between(worker, start, end)) == [(at(12), at(13))]


def test_the_cache_keeps_at_most_its_size(db):  # noqa: F811
    cache = BusyCache(db, max_entries=2)
    for hour in range(4):
        cache.read(("visits", hour), list)
    cache.read(("visits", 3), list)
    assert (cache.hits, cache.misses) == (1, 4)
    cache.read(("visits", 0), list)
    assert cache.misses == 5, "the oldest windows were let go"


async def test_a_time_taken_from_another_process_leaves_the_times_screen(bot):
    """Found when tried with the cache: the screens must not offer a time another process has just taken."""
    pat = bot.user(1031, "Pat")
    await pat.send("/book")
    await pat.press(await pat.wait_for("which service"), "Acupuncture")
    days = await pat.wait_for("Choose a day")
    await pat.press(days, "Thu 11 Jun")
    await pat.press(await pat.wait_for("Choose a time"), "‹ Back")
    await pat.press(await pat.wait_for("Choose a day"), "Thu 11 Jun")  # the same day again: from memory
    times = await pat.wait_for("Choose a time")
    assert "10:00" in times.button_labels()
    assert bot.deps.busy_cache.hits > 0, "the screens read through the cache"
    other = open_database(bot.database, migrate=False)  # the front desk's process, say
    store.add_block(other, at(10), at(11), 900, bot.clock.now())
    other.close()
    await pat.press(times, "‹ Back")
    await pat.press(await pat.wait_for("Choose a day"), "Thu 11 Jun")
    again = await pat.wait_for("Choose a time")
    assert "10:00" not in again.button_labels()


async def test_a_booking_by_this_worker_leaves_the_times_screen_at_once(bot):
    pat = bot.user(1032, "Pat")
    await pat.send("/book")
    await pat.press(await pat.wait_for("which service"), "Acupuncture")
    await pat.press(await pat.wait_for("Choose a day"), "Thu 11 Jun")
    times = await pat.wait_for("Choose a time")
    assert "10:00" in times.button_labels()
    for user_id in (1033, 1034):  # both rooms at 10:00
        direct_book(bot, user_id, at(10))
    await pat.press(times, "‹ Back")
    await pat.press(await pat.wait_for("Choose a day"), "Thu 11 Jun")
    assert "10:00" not in (await pat.wait_for("Choose a time")).button_labels()
    assert THU.isoformat() == "2026-06-11"


async def test_the_times_screen_hides_the_patients_own_times_reading_their_visits_once(bot):
    """Found when tried: each time on the screen asked for the patient's visits (and family) again, 50 queries a day."""
    direct_book(bot, 1041, at(10))  # Pat holds 10:00-11:00
    pat, quinn = bot.user(1041, "Pat"), bot.user(1042, "Quinn")
    own_reads: list[str] = []
    own_query = "select start_utc, end_utc from visits where user_id"
    bot.db.conn.set_trace_callback(lambda sql: own_reads.append(sql) if own_query in sql else None)
    try:
        await pat.send("/book")
        await pat.press(await pat.wait_for("which service"), "Acupuncture")
        await pat.press(await pat.wait_for("Choose a day"), "Thu 11 Jun")
        labels = (await pat.wait_for("Choose a time")).button_labels()
    finally:
        bot.db.conn.set_trace_callback(None)
    assert "10:00" not in labels, "her own visit's hour is not offered to her"
    assert "10:45" not in labels
    assert "11:00" in labels
    assert len(own_reads) == 1, own_reads
    await quinn.send("/book")
    await quinn.press(await quinn.wait_for("which service"), "Acupuncture")
    await quinn.press(await quinn.wait_for("Choose a day"), "Thu 11 Jun")
    assert "10:00" in (await quinn.wait_for("Choose a time")).button_labels(), "a second room is free for others"
