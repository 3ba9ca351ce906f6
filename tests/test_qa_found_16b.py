"""Bugs found by a QA pass through `wellbot chat` after issue 16 (front-desk booking), reproduced through the bot.

The clock starts Wed 10 June 2026, 09:00 New York (see tests/conftest.py).
"""

import contextlib
from datetime import UTC, datetime, timedelta

from tests.booking_helpers import to_summary
from wellbot.booking import store
from wellbot.core import patients
from wellbot.core.settings import Settings
from wellbot.sim.chat import ChatSession, chat_settings


async def test_intake_answers_offered_as_buttons_may_be_typed(bot):
    """Typing 7 at the pain-scale question got 'Please use the buttons above'."""
    ann = bot.user(1601, "Ann")
    await ann.press(await to_summary(bot, ann), "Confirm")
    await ann.press(await ann.wait_for("short questions"), "Answer 5 questions")
    await ann.wait_for("Question 1 of 5")
    await ann.send("Lower back")
    await ann.wait_for("Question 2 of 5")
    await ann.send("eleven")
    told = await ann.wait_for("type a number from 0 to 10")
    assert "use the buttons" not in told.text
    await ann.send("7")
    await ann.wait_for("Question 3 of 5")
    await ann.send("No")
    await ann.wait_for("Question 4 of 5")
    await ann.send("not sure")
    await ann.wait_for("Question 5 of 5")
    [visit] = store.upcoming(bot.db, 1601, bot.clock.now())
    assert store.intake_answers(bot.db, visit.id) == {"pain_where": "Lower back", "pain_score": "7",
                                                        "blood_thinners": "No", "pregnant": "Not sure"}


async def test_patient_search_with_few_digits_finds_phones_containing_them(bot):
    """`/patient 555` searched names only (phones needed 4+ digits), so it found nobody."""
    staff = bot.staff()
    await staff.send("/newpatient Rose Stone +1 (555) 777-8888")
    await staff.wait_for("No Telegram")
    names = ["Abe", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ivy"]  # more matches than a list shows
    for number, name in enumerate(names, start=1):
        await staff.send(f"/newpatient {name} Moss +1 212 555 010{number}")
        await staff.wait_for("No Telegram")
    await staff.send("/patient 555")
    found = await staff.wait_for("Patients found")
    assert len(found.button_labels()) == store.SEARCH_LIMIT
    await staff.send("/patient 77")
    found = await staff.wait_for("Patients found")
    assert found.button_labels() == ["Rose Stone · +15557778888 (phone only)"]
    await staff.send("/patient rose")
    assert (await staff.wait_for("Patients found")).button_labels() == ["Rose Stone · +15557778888 (phone only)"]


async def test_day_picker_range_starts_at_the_first_day_that_can_have_times(bot):
    """After closing the picker said 'Choose a day between <today> and ...' though today had nothing left."""
    ann = bot.user(1603, "Ann")
    bot.clock.advance(timedelta(hours=10))  # Wed 19:00: the clinic has closed for the day
    await ann.send("/book")
    await ann.press(await ann.wait_for("which service"), "Acupuncture")
    days = await ann.wait_for("Choose a day")
    assert "Choose a day between Thursday 11 June 2026 and Tuesday 16 June 2026" in days.text
    assert "Wed 10 Jun" not in days.button_labels()


async def test_day_picker_range_starts_today_while_today_has_times(bot):
    """The fix above must not hide today while it still has bookable times."""
    ann = bot.user(1604, "Ann")
    await ann.send("/book")
    await ann.press(await ann.wait_for("which service"), "Acupuncture")
    days = await ann.wait_for("Choose a day")
    assert "Choose a day between Wednesday 10 June 2026 and Tuesday 16 June 2026" in days.text


async def test_schedule_without_a_date_shows_usage_with_a_future_example(bot):
    """A bare /schedule said 'Nothing was changed.' and gave an example date in the past."""
    staff = bot.staff()
    bot.clock.advance(timedelta(days=30))  # Fri 10 July 2026: the old fixed example (2026-06-11) is past
    await staff.send("/schedule")
    usage = await staff.wait_for("Please give one date")
    assert "/schedule 2026-07-11" in usage.text
    assert "Nothing was changed" not in usage.text
    await staff.send("/block tomorrow")
    usage = await staff.wait_for("Block a time range")
    assert "/block 2026-07-11 13:00-15:30" in usage.text
    assert "Nothing was changed" in usage.text  # /block does change things when used right


async def test_the_reschedule_faq_points_to_visits(bot):
    """The example FAQ 'How do I reschedule or cancel my visit?' never mentioned /visits."""
    ann = bot.user(1605, "Ann")
    await ann.send("/faq How do I reschedule or cancel my visit?")
    answer = await ann.wait_for("reschedule or cancel")
    assert "Send /visits" in answer.text


async def test_a_typed_yes_to_a_reminder_confirms_and_cancel_opens_visits(bot):
    """'yes I'll be there' or 'confirm' typed in reply to a reminder did not confirm the visit."""
    from tests.test_reminders import at, book, run_at

    ann = bot.user(1001, "Ann")
    await ann.send("confirm")  # no reminder yet: nothing is confirmed
    await bot.settle()
    assert not any("confirmed" in m.text for m in ann.messages)
    first = book(bot, at(2026, 6, 12, 10, 0))
    await run_at(bot, at(2026, 6, 11, 10, 0))  # the 24-hour reminder
    assert "Reminder: Acupuncture" in ann.last().text
    await ann.send("yes I'll be there")
    told = await ann.wait_for("your visit is confirmed")
    assert "Acupuncture" in told.text
    assert "10:00" in told.text
    assert bot.db.execute("select confirmed_at from visits where id = ?", [first]).fetchone()[0] is not None
    second = book(bot, at(2026, 6, 13, 10, 0))
    await run_at(bot, at(2026, 6, 12, 10, 0))
    await ann.send("Confirm")
    await ann.wait_for("your visit is confirmed")
    assert bot.db.execute("select confirmed_at from visits where id = ?", [second]).fetchone()[0] is not None
    await ann.send("cancel my appointment")
    visits = await ann.wait_for("upcoming visits")
    assert "Cancel" in " ".join(visits.button_labels())



async def _chat(database, user_id, as_staff, lines):
    """One `wellbot chat` session on a kept database; everything the bot answered."""
    settings = chat_settings(Settings.from_env({}), user_id=user_id, as_staff=as_staff, database=database, clinic=None)
    session = ChatSession(settings, user_id=user_id)
    await session.start()
    try:
        out = []
        for line in lines:
            if line.startswith("press:"):
                line = str(next(n for n, c in enumerate(session.choices, 1) if line[6:] in c.label))
            out += await session.say(line)
    finally:
        await session.stop()
    return "\n".join(out)


async def test_wellbot_chat_knows_people_from_earlier_sessions_on_the_same_database(tmp_path):
    """People from earlier `wellbot chat --database` sessions were unknown to the stand-in: a broadcast
    counted them as having blocked the bot, and /subscribers then listed them as blocked."""
    database = tmp_path / "kept.db"
    await _chat(database, 2001, False, ["/start news", "press:Yes, send me health news"])
    sent = await _chat(database, 900, True, ["/broadcast", "Hello all", "press:All subscribers", "press:Send now",
                                             "/subscribers"])
    assert "Sent: 1 of 1" in sent
    assert "Blocked the bot: 0" in sent
    assert "Subscribed: 1 (1 reachable" in sent


async def test_no_waitlist_for_a_busy_practitioner_while_the_service_has_free_times(bot):
    """With a practitioner chosen whose week was full, 'Join the waitlist' was offered though the
    service still had free times that week with someone else (the waitlist is for the service)."""
    from wellbot.booking.common import practitioners, rules_of

    [nair] = [p for p in practitioners(bot.deps) if p.key == "nair"]
    morning, afternoon, friday = (9 * 60, 12 * 60 + 30), (13 * 60 + 30, 18 * 60), (13 * 60 + 30, 17 * 60)
    hours = {11: [morning, afternoon], 12: [morning, friday], 16: [morning, afternoon]}  # Dr. Nair: Thu, Fri, Tue
    starts = [(day, m) for day, ranges in hours.items() for first, last in ranges for m in range(first, last, 15)]
    for n, (day, minute) in enumerate(starts):  # every time she could take booked, one patient each
        patients.touch(bot.db, bot.clock, 1700 + n, 1700 + n)
        start = datetime(2026, 6, day, minute // 60, minute % 60, tzinfo=bot.deps.clinic.timezone).astimezone(UTC)
        with contextlib.suppress(store.SlotUnavailable):  # inside the previous visit or its buffer
            store.book(bot.db, rules=rules_of(bot.deps), tz=bot.deps.clinic.timezone, service_key="trigger_point",
                       minutes=30, start=start, user_id=1700 + n, name="Busy Day", phone="+15550000000",
                       token=f"nair{n}", now=bot.clock.now(), listeners=bot.deps.hooks.visit_changed,
                       practitioners=[nair])
    ann = bot.user(1606, "Ann")
    await ann.send("/book")
    await ann.press(await ann.wait_for("which service"), "Pain management consultation")
    await ann.press(await ann.wait_for("Choose a day"), "Dr. Priya Nair")
    full = await ann.wait_for("No free times")
    assert not any("waitlist" in label for label in full.button_labels())
    assert any("Dr. Mei Lin" in label for label in full.button_labels())  # the way to the free times
