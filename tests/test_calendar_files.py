"""Issue 16, part 7: calendar files keep one UID per clinic and visit, raise SEQUENCE on a move,
and a cancellation sends METHOD:CANCEL. Files are read back with `icalendar`, as a calendar app would."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar

from tests.booking_helpers import at, direct_book, to_summary
from wellbot.booking import store
from wellbot.core.db import open_database


def calendar_files(user) -> list[icalendar.Calendar]:
    return [icalendar.Calendar.from_ical(m.document["content"]) for m in user.messages if m.document]


def event(cal: icalendar.Calendar) -> icalendar.Event:
    [found] = cal.walk("VEVENT")
    return found


async def test_book_move_cancel_updates_one_calendar_entry(bot):
    ann = bot.user(1201, "Ann")
    await ann.press(await to_summary(bot, ann), "Confirm")
    await ann.wait_for("Booked!")
    [visit_row] = list(bot.db.query("select id from visits"))
    await ann.press_data(1, f"vis:rs:{visit_row['id']}")
    await ann.press(await ann.wait_for("Moving your visit"), "Fri 12 Jun")
    await ann.press(await ann.wait_for("Choose a time"), "14:00")
    await ann.press(await ann.wait_for("Move your visit?"), "Confirm")
    await ann.wait_for("Moved.")
    await ann.press_data(1, f"vis:cx:{visit_row['id']}")
    await ann.press(await ann.wait_for("Cancel your"), "Yes, cancel it")
    await ann.wait_for("is cancelled")
    await bot.settle()
    booked, moved, cancelled = calendar_files(ann)
    uids = {str(event(c)["UID"]) for c in (booked, moved, cancelled)}
    assert len(uids) == 1
    assert f"visit-{visit_row['id']}-" in uids.pop()
    assert [int(event(c)["SEQUENCE"]) for c in (booked, moved, cancelled)] == [0, 1, 2]
    assert [str(c["METHOD"]) for c in (booked, moved, cancelled)] == ["PUBLISH", "PUBLISH", "CANCEL"]
    assert str(event(cancelled)["STATUS"]) == "CANCELLED"
    assert str(event(booked)["STATUS"]) == "CONFIRMED"
    assert "frontdesk@example.org" in str(event(cancelled)["ORGANIZER"])
    assert event(moved).decoded("DTSTART") == datetime(2026, 6, 12, 18, 0, tzinfo=UTC)
    documents = [m for m in ann.messages if m.document]
    assert documents[-1].document["filename"] == "visit-cancelled.ics"
    assert "take it off your calendar" in documents[-1].text


async def test_staff_cancel_sends_the_patient_a_cancellation_file(bot):
    dee = bot.user(1202, "Dee")
    await dee.send("/start")
    await dee.wait_for("")
    visit_id = direct_book(bot, 1202, at(10), name="Dee Moss")
    staff = bot.staff()
    await staff.press_data(1, f"sched:cxy:{visit_id}")
    await dee.wait_for("the clinic had to cancel")
    await bot.settle()
    [cancelled] = calendar_files(dee)
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert int(event(cancelled)["SEQUENCE"]) == 1
    assert store.get_visit(bot.db, visit_id).status == "cancelled"


def test_two_clinics_never_share_a_uid(tmp_path):
    first, second = open_database(tmp_path / "a.db"), open_database(tmp_path / "b.db")
    assert store.calendar_id(first) != store.calendar_id(second)
    reopened = open_database(tmp_path / "a.db")
    assert store.calendar_id(reopened) == store.calendar_id(first)  # stable across restarts
