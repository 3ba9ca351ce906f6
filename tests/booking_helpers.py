"""Shared by the tests that book through the bot: times on the test week, walks through /book, direct bookings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from wellbot.booking import store

TZ = ZoneInfo("America/New_York")
THU = date(2026, 6, 11)  # the day most tests book: the day after the harness's start


def at(hh: int, mm: int = 0, day: date = THU) -> datetime:
    """A clinic-local time on `day` (Thursday 11 June unless said), in UTC."""
    return datetime.combine(day, time(hh, mm), tzinfo=TZ).astimezone(UTC)


def visit_rows(bot_or_db):
    """Every visit row, oldest first."""
    db = getattr(bot_or_db, "db", bot_or_db)
    return list(db.query("select * from visits order by id"))


def last_answer(user) -> str:
    """The text of the last answer to one of the user's button presses."""
    return (user.callback_answers[-1].get("text") or "") if user.callback_answers else ""


async def to_times(user, service="Acupuncture", day="Thu 11 Jun"):
    """Start /book, choose the service and the day; return the times screen."""
    await user.send("/book")
    await user.press(await user.wait_for("which service"), service)
    await user.press(await user.wait_for("Choose a day"), day)
    return await user.wait_for("Choose a time")


async def to_name_step(user, day="Thu 11 Jun", at_time="10:00", service="Acupuncture"):
    """Walk the booking flow up to the question for the patient's name; return it."""
    await user.press(await to_times(user, service, day), at_time)
    return await user.wait_for("full name")


async def to_summary(bot, user, service="Acupuncture", day="Thu 11 Jun", at_time="10:00",
                     name="Ann Lee", phone="+1 555 123 4567"):
    """Walk the flow up to the summary card; return it."""
    await to_name_step(user, day, at_time, service)
    await user.send(name)
    await user.wait_for("phone number")
    await user.send(phone)
    return await user.wait_for("Tap “Confirm”")


def direct_book(bot, user_id, start, service="acupuncture", name="Pat Doe"):
    """Book straight through the store (the flow is tested in test_booking), as the given patient."""
    from wellbot.booking.common import rules_of
    from wellbot.core import patients

    patients.touch(bot.db, bot.clock, user_id, user_id)
    minutes = bot.deps.clinic.service(service).duration_minutes
    return store.book(bot.db, rules=rules_of(bot.deps), tz=TZ, service_key=service, minutes=minutes, start=start,
                      user_id=user_id, name=name, phone="+15550000000", token=f"d{user_id}{start:%d%H%M}",
                      now=bot.clock.now(), listeners=bot.deps.hooks.visit_changed)


async def join_waitlist(bot, user):
    """Join the waitlist for Acupuncture in the first week (which the test has filled), any day, any time."""
    await user.send("/book")
    await user.press(await user.wait_for("which service"), "Acupuncture")
    await user.press(await user.wait_for("No free times"), "Join the waitlist")
    await user.press(await user.wait_for("Which days and times suit you"), "Join the waitlist")
    return await user.wait_for("on the waitlist")


def fill_first_week_but(bot, start):
    """Staff close the first bookable week except the hour at `start` (the waitlist is for full weeks)."""
    week_start = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)  # Wed 00:00 New York
    store.add_block(bot.db, week_start, start, 900, bot.clock.now())
    store.add_block(bot.db, start + timedelta(hours=1), week_start + timedelta(days=7), 900, bot.clock.now())
