"""Issue 16, part 6: on the day, the last reminder has "Running late" and "Call the clinic";
running late tells staff the expected delay. The clock starts Wed 10 June 2026, 09:00 New York."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.booking_helpers import at, direct_book, last_answer
from wellbot.booking import store
from wellbot.reminders.feature import dispatcher_of

THREE_PM = datetime(2026, 6, 10, 19, 0, tzinfo=UTC)  # 15:00 today: the 2-hour reminder is due at 13:00


async def last_reminder(bot, user, when):
    bot.clock.set(when)
    await dispatcher_of(bot.app).run_due()
    await bot.settle()
    return [m for m in user.messages if "Reminder" in m.text][-1]


async def test_running_late_tells_staff_the_expected_delay(bot):
    staff = bot.staff()
    await staff.send("/start")
    ann = bot.user(1301, "Ann")
    visit_id = direct_book(bot, 1301, THREE_PM, name="Ann Lee")
    reminder = await last_reminder(bot, ann, datetime(2026, 6, 10, 17, 0, tzinfo=UTC))
    labels = reminder.button_labels()
    assert "🕒 Running late" in labels
    assert "📞 Call the clinic" in labels
    await ann.press(reminder, "Running late")
    ask = await ann.wait_for("About how late")
    await ann.press(ask, "About 15 min")
    told = await ann.wait_for("the front desk knows")
    assert "15 minutes" in told.text
    notice = await staff.wait_for("Running late")
    assert "Ann Lee" in notice.text
    assert "15 min" in notice.text
    assert "15:00" in notice.text
    assert store.get_visit(bot.db, visit_id).late_minutes == 15
    await staff.send("/today")
    day = await staff.wait_for("Schedule for")
    assert "about 15 min late" in day.text


async def test_call_the_clinic_gives_the_number(bot):
    bob = bot.user(1302, "Bob")
    direct_book(bot, 1302, THREE_PM)
    reminder = await last_reminder(bot, bob, datetime(2026, 6, 10, 17, 0, tzinfo=UTC))
    await bob.press(reminder, "Call the clinic")
    call = await bob.wait_for("Call Complete Wellness")
    assert "+1 555 0100" in call.text


async def test_only_the_last_reminder_has_day_of_buttons_and_confirm_keeps_them(bot):
    cy = bot.user(1303, "Cy")
    direct_book(bot, 1303, at(15))  # Thursday 15:00: the 24-hour reminder goes out Wednesday 15:00
    first = await last_reminder(bot, cy, datetime(2026, 6, 10, 19, 0, tzinfo=UTC))
    assert "🕒 Running late" not in first.button_labels()
    last = await last_reminder(bot, cy, datetime(2026, 6, 11, 17, 0, tzinfo=UTC))
    assert "🕒 Running late" in last.button_labels()
    await cy.press(last, "Confirm")
    await bot.settle()
    assert "🕒 Running late" in cy.messages[-1].button_labels()


async def test_late_buttons_are_refused_for_others_and_after_the_visit(bot):
    dan = bot.user(1304, "Dan")
    visit_id = direct_book(bot, 1304, THREE_PM)
    eve = bot.user(1305, "Eve")
    await eve.send("/start")
    await eve.wait_for("")
    for data in (f"vis:late:{visit_id}", f"vis:lateby:{visit_id}:15", f"vis:call:{visit_id}"):
        await eve.press_data(1, data)
        await bot.settle()
        assert "no longer active" in last_answer(eve)
    await dan.send("/start")
    await dan.wait_for("")
    await dan.press_data(1, f"vis:lateby:{visit_id}:17")  # a delay never offered
    await bot.settle()
    assert "no longer active" in last_answer(dan)
    bot.clock.set(datetime(2026, 6, 10, 21, 0, tzinfo=UTC))  # the visit has ended
    await dan.press_data(1, f"vis:lateby:{visit_id}:15")
    await dan.wait_for("no longer booked")
    assert store.get_visit(bot.db, visit_id).late_minutes is None
