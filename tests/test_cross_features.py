"""Features together, end to end through the bot: news consent, booking and reminders.

Issue 3 point 4 and issue 6: visit confirmations and reminders are service
messages, not news. Unsubscribing never stops them, subscribing is never a
condition of booking, a patient who blocked the bot gets nothing and staff
are told, and Cancel on a reminder leaves nothing pending. Visits are booked
through the real /book flow; reminders are sent by running the dispatcher
after moving the manual clock (start: Wed 10 June 2026, 09:00 New York).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.booking_helpers import to_summary
from tests.test_subscriptions import subscribe_via_bot, subscription
from wellbot.core import patients
from wellbot.reminders.feature import dispatcher_of

NY = ZoneInfo("America/New_York")
VISIT_START = datetime(2026, 6, 11, 10, 0, tzinfo=NY)  # the booking helper's default: Thu 11 Jun, 10:00
DAY_BEFORE = datetime(2026, 6, 10, 10, 0, tzinfo=NY)  # the 24 h reminder
TWO_HOURS_BEFORE = datetime(2026, 6, 11, 8, 0, tzinfo=NY)
REMINDER_TEXT = "Reminder: Acupuncture"
BLOCKED_403 = "Forbidden: bot was blocked by the user"


async def book_via_flow(bot, user, name: str) -> int:
    """/book through to Confirm; return the new visit's id."""
    summary = await to_summary(bot, user, name=name)
    await user.press(summary, "Confirm")
    await user.wait_for("Booked!")
    await bot.settle()
    return bot.db.execute("select id from visits where user_id = ? and status = 'booked'",
                          [user.id]).fetchone()[0]


async def run_at(bot, when: datetime) -> None:
    """Move the clock to `when`, run the reminder dispatcher once, wait until the bot is idle."""
    bot.clock.set(when)
    await dispatcher_of(bot.app).run_due()
    await bot.settle()


def reminder_rows(bot, visit_id: int) -> list[dict]:
    """The visit's reminder rows, oldest first."""
    return list(bot.db.query("select * from reminders where visit_id = ? order by id", [visit_id]))


def pending_count(bot, visit_id: int) -> int:
    """How many of the visit's reminder rows still wait to be sent (or are claimed)."""
    return bot.db.execute("select count(*) from reminders where visit_id = ? and status in ('pending', 'claimed')",
                          [visit_id]).fetchone()[0]


def reminders_received(user) -> list:
    """The reminder messages a patient has received."""
    return [m for m in user.messages if REMINDER_TEXT in m.text]


async def test_unsubscribed_patient_still_books_gets_reminders_and_can_confirm(bot):
    ann = bot.user(1201, "Ann")
    await subscribe_via_bot(bot, ann)
    await ann.send("/unsubscribe")
    await ann.wait_for("You're unsubscribed from health news")
    assert subscription(bot, 1201) == ("unsubscribed", [])

    visit_id = await book_via_flow(bot, ann, "Ann Lee")
    await run_at(bot, DAY_BEFORE)
    [reminder] = reminders_received(ann)
    assert "Thursday 11 June 2026 at 10:00" in reminder.text
    await ann.press(reminder, "Confirm")
    await ann.wait_for("You have confirmed this visit")
    assert bot.db.execute("select confirmed_at from visits where id = ?", [visit_id]).fetchone()[0]

    await run_at(bot, TWO_HOURS_BEFORE)
    assert len(reminders_received(ann)) == 2
    assert subscription(bot, 1201) == ("unsubscribed", []), "service messages never touch the news consent"


async def test_a_patient_who_never_subscribed_books_and_is_reminded(bot):
    ben = bot.user(1202, "Ben")
    visit_id = await book_via_flow(bot, ben, "Ben Ode")
    assert subscription(bot, 1202) is None
    assert bot.db.execute("select count(*) from consent_events").fetchone()[0] == 0
    assert not any("Health news from" in m.text for m in ben.messages), "no consent prompt on the way to booking"

    await run_at(bot, DAY_BEFORE)
    assert len(reminders_received(ben)) == 1
    assert {r["status"] for r in reminder_rows(bot, visit_id) if r["due_at"] == "2026-06-10T14:00:00Z"} == {"sent"}
    assert subscription(bot, 1202) is None


@pytest.mark.parametrize("how, outcome", [("blocks_the_bot", "patient_blocked"), ("403_on_the_reminder", "forbidden")])
async def test_a_patient_who_blocked_the_bot_gets_no_reminder_and_staff_are_alerted(bot, devserver, how, outcome):
    cat, staff = bot.user(1203, "Cat"), bot.staff()
    await subscribe_via_bot(bot, cat)
    visit_id = await book_via_flow(bot, cat, "Cat Woods")
    await staff.wait_for("New booking")
    before = len(cat.messages)
    if how == "blocks_the_bot":  # Telegram tells the bot (my_chat_member: kicked)
        cat.block()
        await bot.settle()
        assert patients.is_blocked(bot.db, 1203)
    else:  # the bot only learns it when the reminder is refused
        devserver.fail_next("sendMessage", status=403, description=BLOCKED_403)

    await run_at(bot, DAY_BEFORE)
    assert len(cat.messages) == before
    assert reminders_received(cat) == []
    assert patients.is_blocked(bot.db, 1203)
    assert subscription(bot, 1203)[0] == "paused", "blocking pauses the news too"
    [day_before] = [r for r in reminder_rows(bot, visit_id) if r["kind"] == "reminder" and r["offset_minutes"] == 1440]
    assert (day_before["status"], day_before["outcome"]) == ("blocked", outcome)
    alert = await staff.wait_for("Cannot reach a patient")
    assert "Cat Woods" in alert.text
    assert "(555) 123-4567" in alert.text  # stored E.164, shown formatted

    await run_at(bot, TWO_HOURS_BEFORE)
    assert reminders_received(cat) == []
    assert len([m for m in staff.messages if "Cannot reach a patient" in m.text]) == 1, "staff are told once"


async def test_cancel_on_a_reminder_cancels_the_visit_and_leaves_no_pending_reminders(bot):
    dan, staff = bot.user(1204, "Dan"), bot.staff()
    visit_id = await book_via_flow(bot, dan, "Dan Park")
    assert pending_count(bot, visit_id) > 1  # the 2 h reminder, the staff confirm alert and the check-in wait

    await run_at(bot, DAY_BEFORE)
    [reminder] = reminders_received(dan)
    await dan.press(reminder, "Cancel visit")
    await dan.press(await dan.wait_for("Cancel your"), "Yes, cancel it")
    await dan.wait_for("cancelled")
    await staff.wait_for("Dan Park")
    assert bot.db.execute("select status from visits where id = ?", [visit_id]).fetchone()[0] == "cancelled"
    assert pending_count(bot, visit_id) == 0
    statuses = {(r["kind"], r["offset_minutes"]): r["status"] for r in reminder_rows(bot, visit_id)}
    assert statuses.pop(("reminder", 1440)) == "sent"
    assert set(statuses.values()) == {"cancelled"}

    await bot.settle()  # the cancellation's calendar file follows the message
    before = len(dan.messages)
    for when in (TWO_HOURS_BEFORE, datetime(2026, 6, 12, 12, 0, tzinfo=NY)):  # reminder, then check-in times
        await run_at(bot, when)
    assert len(dan.messages) == before
    assert not any("Not confirmed yet" in m.text for m in staff.messages)
