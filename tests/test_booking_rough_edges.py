"""Issue 16, part 1: the rough edges found when booking was tried as patients and a receptionist would.

Each test reproduces one "found when tried" report through the bot, on the
example clinic (two places at once, 15-minute grid, 12-hour cancellation
window, reminders 24 h and 2 h before). The clock starts Wed 10 June 2026,
09:00 New York.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.booking_helpers import at, direct_book, last_answer, to_name_step, to_summary, to_times, visit_rows
from wellbot.booking import store
from wellbot.core.clock import to_db
from wellbot.reminders.feature import dispatcher_of

CONSULT = "Pain management consultation"


async def test_the_same_patient_cannot_book_the_same_time_twice(bot):
    ann = bot.user(1101, "Ann")
    await ann.press(await to_summary(bot, ann, service=CONSULT, at_time="09:00"), "Confirm")
    await ann.wait_for("Booked!")
    # the same time again: it is no longer offered to her (the other room is still free for others)
    times = await to_times(ann, CONSULT)
    assert "09:00" not in times.button_labels()
    assert "09:30" not in times.button_labels()
    assert "10:00" in times.button_labels()
    # pressed anyway (an old message, or a second phone): refused, nothing written
    token = bot.deps.flows.get(1101).token
    await ann.press_data(times.message_id, f"book:t:{token}:202606111300")
    await bot.settle()
    assert "already have a visit" in last_answer(ann)
    assert len(visit_rows(bot)) == 1
    # a second patient still gets the other room at 09:00
    bea = bot.user(1102, "Bea")
    await bea.press(await to_summary(bot, bea, service=CONSULT, at_time="09:00", name="Bea Cole"), "Confirm")
    await bea.wait_for("Booked!")


def test_the_store_refuses_an_overlapping_visit_of_the_same_patient(bot):
    direct_book(bot, 1103, at(10))
    try:
        direct_book(bot, 1103, at(10, 30), service="auricular")
    except store.Overlap:
        pass
    else:
        raise AssertionError("an overlapping visit of the same patient was booked")
    assert len(visit_rows(bot)) == 1


async def test_staff_cancel_from_today_reports_success_and_runs_the_follow_ups(bot):
    staff = bot.staff()
    dee = bot.user(1104, "Dee")
    await dee.send("/start")
    await dee.wait_for("")
    two_pm = datetime(2026, 6, 10, 18, 0, tzinfo=UTC)  # 14:00 today
    close_week_except(bot, two_pm, two_pm + timedelta(hours=1))
    direct_book(bot, 1104, two_pm, name="Dee Moss")
    direct_book(bot, 1120, two_pm, name="Other Room")
    lou = bot.user(1121, "Lou")
    await join_waitlist_with_preferences(bot, lou, days=(), parts=())
    await staff.send("/today")
    day = await staff.wait_for("Schedule for")
    await staff.press(day, "14:00 Dee Moss")
    card = await staff.wait_for("No-shows by this patient")
    await staff.press(card, "Cancel visit")
    await staff.press(await staff.wait_for("The patient will be told"), "Yes, cancel")
    await dee.wait_for("the clinic had to cancel")
    await staff.wait_for("Visit cancelled")
    await bot.settle()
    assert not any("something went wrong" in m.text for m in staff.messages)
    assert store.get_visit(bot.db, 1).status == "cancelled"
    offer = await lou.wait_for("A time has freed up")  # the waitlist offer ran too
    assert "Wed 10 Jun 2026, 14:00" in offer.text


def close_week_except(bot, keep_start: datetime, keep_end: datetime) -> None:
    """Staff block every time of the first bookable week except [keep_start, keep_end)."""
    week_start = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)  # Wed 00:00 New York
    week_end = week_start + timedelta(days=7)
    store.add_block(bot.db, week_start, keep_start, 900, bot.clock.now())
    store.add_block(bot.db, keep_end, week_end, 900, bot.clock.now())


async def test_waitlist_only_for_a_week_without_free_times(bot):
    cal = bot.user(1105, "Cal")
    await cal.send("/book")
    await cal.press(await cal.wait_for("which service"), "Acupuncture")
    days = await cal.wait_for("Choose a day")
    assert not any("waitlist" in label for label in days.button_labels())
    close_week_except(bot, at(10), at(11))
    direct_book(bot, 1106, at(10))
    direct_book(bot, 1107, at(10))  # both rooms at the only open hour
    await cal.send("/book")
    await cal.press(await cal.wait_for("which service"), "Acupuncture")
    full = await cal.wait_for("No free times")
    assert any("waitlist" in label for label in full.button_labels())


async def join_waitlist_with_preferences(bot, user, days=("Thu",), parts=("Morning",)):
    await user.send("/book")
    await user.press(await user.wait_for("which service"), "Acupuncture")
    full = await user.wait_for("No free times")
    await user.press(full, "Join the waitlist")
    prefs = await user.wait_for("Which days and times suit you")
    for label in (*days, *parts):
        await user.press(prefs, label)
        prefs = await user.wait_for("Which days and times suit you")
    await user.press(prefs, "Join the waitlist")
    return await user.wait_for("on the waitlist")


async def test_waitlist_remembers_preferences_and_is_visible_and_leavable(bot):
    close_week_except(bot, at(10), at(11))
    first = direct_book(bot, 1108, at(10))
    direct_book(bot, 1109, at(10))
    dot, eli = bot.user(1110, "Dot"), bot.user(1111, "Eli")
    joined = await join_waitlist_with_preferences(bot, dot, days=("Thu",), parts=("Morning",))
    assert "Thursdays" in joined.text
    assert "mornings" in joined.text
    await join_waitlist_with_preferences(bot, eli, days=("Mon",), parts=("Afternoon",))
    await dot.send("/visits")
    listing = await dot.wait_for("waitlist")
    assert "Acupuncture" in listing.text
    assert "Thursdays" in listing.text
    # the freed Thursday-morning time goes to Dot only: Eli asked for Monday afternoons
    owner = bot.user(1108, "Ola")
    await owner.press_data(1, f"vis:cx:{first}")
    await owner.press(await owner.wait_for("Cancel your"), "Yes, cancel it")
    await dot.wait_for("A time has freed up")
    await bot.settle()
    assert not any("freed up" in m.text for m in eli.messages)
    # Eli leaves the waitlist from /visits
    await eli.send("/visits")
    listing = await eli.wait_for("waitlist")
    await eli.press(listing, "Leave the waitlist")
    await eli.wait_for("left the waitlist")
    statuses = {r["user_id"]: r["status"] for r in bot.db.query("select * from booking_waitlist")}
    assert statuses[1111] == "left"


async def test_no_freed_notice_for_a_time_that_was_already_free(bot):
    close_week_except(bot, at(10), at(11))
    a = direct_book(bot, 1112, at(10))
    b = direct_book(bot, 1113, at(10))
    fay = bot.user(1114, "Fay")
    await join_waitlist_with_preferences(bot, fay, days=(), parts=())
    for visit_id, owner_id in ((a, 1112), (b, 1113)):
        owner = bot.user(owner_id, "Own")
        await owner.press_data(1, f"vis:cx:{visit_id}")
        await owner.press(await owner.wait_for("Cancel your"), "Yes, cancel it")
        await owner.wait_for("is cancelled")
    await bot.settle()
    offers = [m for m in fay.messages if "freed up" in m.text]
    assert len(offers) == 1, "the second cancellation freed a time that was already free"


async def test_no_buttons_that_can_only_refuse_inside_the_cancellation_window(bot):
    gil = bot.user(1115, "Gil")
    soon = direct_book(bot, 1115, datetime(2026, 6, 10, 19, 0, tzinfo=UTC))  # 15:00 today, 6 h away
    later = direct_book(bot, 1115, at(14))
    await gil.send("/visits")
    listing = await gil.wait_for("Your upcoming visits")
    labels = " ".join(listing.button_labels())
    assert "Wed 10 Jun 15:00" not in labels
    assert "Thu 11 Jun 14:00" in labels
    assert "please call" in listing.text.lower()
    # the 2-hour reminder: Confirm only, and it says to call
    bot.clock.set(datetime(2026, 6, 10, 17, 0, tzinfo=UTC))
    await dispatcher_of(bot.app).run_due()
    await bot.settle()
    reminder = next(m for m in gil.messages if "Reminder" in m.text)
    assert "Reschedule" not in " ".join(reminder.button_labels())
    assert "Cancel" not in " ".join(reminder.button_labels())
    assert "+1 555 0100" in reminder.text
    assert store.get_visit(bot.db, soon).status == "booked"
    assert later


async def test_name_step_knows_cancel_back_and_someone_else(bot):
    hal = bot.user(1116, "Hal")
    await to_name_step(hal)
    assert "Cancel" in str(hal.keyboard)
    await hal.send("I want to book for my mother")
    reply = await hal.wait_for("someone else")
    assert "does not look like a name" not in reply.text
    assert bot.deps.flows.get(1116).step == "family_name"  # asked for the family member's name instead
    assert bot.deps.flows.get(1116).data.get("name") is None
    await hal.send("back")
    await hal.wait_for("Please type your")
    await hal.send("back")
    await hal.wait_for("Choose a time")
    await to_name_step(hal)
    await hal.send("cancel")
    await hal.wait_for("Cancelled")
    assert bot.deps.flows.get(1116) is None
    await to_name_step(hal)
    await hal.send("✖ Cancel")
    await hal.wait_for("Cancelled")
    assert visit_rows(bot) == []


async def test_times_say_their_time_zone(bot):
    ivy = bot.user(1117, "Ivy")
    summary = await to_summary(bot, ivy)
    assert "10:00–11:00 EDT" in summary.text
    await ivy.press(summary, "Confirm")
    booked = await ivy.wait_for("Booked!")
    assert "EDT" in booked.text
    times_screen = await to_times(ivy, day="Fri 12 Jun")
    assert "New York time, EDT" in times_screen.text


async def test_services_show_description_and_duration(bot):
    jo = bot.user(1118, "Jo")
    await jo.send("/book")
    services = await jo.wait_for("which service")
    assert "Very fine needles" in services.text
    assert "60 min" in services.text


async def test_a_date_weeks_ahead_in_two_taps_and_first_available(bot):
    kit = bot.user(1119, "Kit")
    await kit.send("/book")
    await kit.press(await kit.wait_for("which service"), "Acupuncture")
    days = await kit.wait_for("Choose a day")
    await kit.press(days, "July")
    july = await kit.wait_for("Choose a day")
    assert "Wed 15 Jul" in july.button_labels()
    await kit.press(july, "Wed 15 Jul")
    await kit.wait_for("Choose a time")
    # first available: the earliest free times across days, one tap each
    await kit.send("/book")
    await kit.press(await kit.wait_for("which service"), "Acupuncture")
    await kit.press(await kit.wait_for("Choose a day"), "First available")
    first = await kit.wait_for("earliest free times")
    assert first.button_labels()[0].startswith("Wed 10 Jun 11:")  # two hours' notice from 09:00
    await kit.press(first, first.button_labels()[0])
    await kit.wait_for("full name")
    assert bot.deps.flows.get(1119).data["start"] == to_db(datetime(2026, 6, 10, 15, 0, tzinfo=UTC))


def test_sentences_and_requests_are_not_names():
    from wellbot.booking.contact import NOT_A_NAME, SOMEONE_ELSE, name_problem

    for text in ("I want to book for my mother", "for my son", "my dad", "booking for someone else"):
        assert name_problem(text) == SOMEONE_ELSE, text
    for text in ("cancel", "Back", "I want an appointment please", "help me"):
        assert name_problem(text) == NOT_A_NAME, text
    for text in ("Ann Lee", "Mary O'Neill", "Son Tran", "Hope Mother-Smith"):
        assert name_problem(text) is None, text
