"""Bugs found by trying the bot as patients and staff after the issue-18 refactor, reproduced through the bot."""

from datetime import timedelta

from wellbot.core.settings import Settings
from wellbot.sim.chat import ChatSession, chat_settings


async def test_opening_hours_are_one_day_per_line(bot):
    """'are you open saturday?' ran the answer, the heading and every weekday into one line."""
    ida = bot.user(3101, "Ida")
    await ida.send("are you open saturday?")
    hours = await ida.wait_for("Opening hours")
    lines = hours.text.splitlines()
    assert lines[0] == "Yes, we are open on Saturday 13 June: 09:00-13:00."
    assert "Opening hours" in lines
    assert "Monday: 09:00-12:30, 13:30-18:00" in lines
    assert "Sunday: closed" in lines
    assert any(line.startswith("Also closed on:") for line in lines)


async def test_urgent_reply_alert_to_staff_has_what_they_wrote_on_its_own_line(bot):
    """Staff's urgent-reply alert ran 'cauda equina.They wrote: ...They were told to call 911' together."""
    ann = bot.user(3102, "Ann")
    staff = bot.staff()
    await ann.send("i took too many of my pain pills")
    alert = await staff.wait_for("Urgent reply sent")
    lines = alert.text.splitlines()
    assert lines[0].endswith("user id 3102: overdose.")
    assert lines[1] == "They wrote: i took too many of my pain pills"
    assert lines[2].startswith("They were told to call 911.")


async def _book(patient, day="Thu 11 Jun", time="10:00", name="Ann Lee"):
    """Book an acupuncture visit through the bot."""
    await patient.send("/book")
    await patient.press(await patient.wait_for("which service"), "Acupuncture")
    await patient.press(await patient.wait_for("Choose a day"), day)
    await patient.press(await patient.wait_for("Choose a time"), time)
    await patient.wait_for("full name")
    await patient.send(name)
    await patient.wait_for("phone number")
    await patient.send("+1 555 0142")
    await patient.press(await patient.wait_for("Tap “Confirm”"), "Confirm")
    await patient.wait_for("Booked")


async def test_staff_cancel_on_an_old_card_of_a_visit_the_patient_cancelled_does_not_ask_to_cancel(bot):
    """An old card's Cancel visit, after the patient had cancelled, asked 'Cancel this visit?' with no way to."""
    ann = bot.user(3103, "Ann")
    staff = bot.staff()
    await _book(ann)
    await staff.send("/schedule 2026-06-11")
    await staff.press(await staff.wait_for("Schedule for"), "10:00")
    card = await staff.wait_for("No-shows by")
    cancel_data = next(b["callback_data"] for row in card.buttons() for b in row if "Cancel visit" in b["text"])
    await ann.send("/visits")
    await ann.press(await ann.wait_for("upcoming visits"), "Cancel")
    await ann.press(await ann.wait_for("Cancel your"), "Yes, cancel")
    await ann.wait_for("is cancelled")
    await staff.press_data(card.message_id, cancel_data)
    await bot.settle()
    assert staff.callback_answers[-1]["text"] == "Not changed: the visit is cancelled."
    card = next(m for m in staff.messages if m.message_id == card.message_id)
    assert "Status: cancelled" in card.text
    assert "Cancel this visit?" not in card.text


async def test_news_edit_asks_for_the_new_title_without_calling_it_a_new_item(bot):
    """/news_edit 1, Title: the prompt said 'New health-news item' while editing an existing one."""
    staff = bot.staff()
    await staff.send("/news_add")
    await staff.wait_for("New health-news item")
    await staff.send("Moxa and warmth")
    await staff.wait_for("Send the text")
    await staff.send("Gentle warmth eases tight muscles.")
    await staff.wait_for("Send a link")
    await staff.send("none")
    await staff.press(await staff.wait_for("Which topics"), "Pain management")
    await staff.press(await staff.wait_for("Which topics"), "Done")
    await staff.wait_for("When should it be published")
    await staff.send("now")
    await staff.press(await staff.wait_for("Save it?"), "Save")
    await staff.wait_for("Saved news item #1")
    await staff.send("/news_edit 1")
    await staff.press(await staff.wait_for("What would you like to change?"), "Title")
    ask = await staff.wait_for("Send the title")
    assert "New health-news item" not in ask.text
    assert "Moxa and warmth" in ask.text  # what is being changed


async def test_wellbot_chat_shows_the_map_pin_of_the_address(tmp_path):
    """`wellbot chat`, Clinic info, Address and map: the map pin printed as an empty 'bot>' line."""
    settings = Settings.from_env({})
    session = ChatSession(chat_settings(settings, user_id=1001, as_staff=False, database=tmp_path / "c.db",
                                        clinic=None))
    await session.start()
    try:
        await session.say("/start info")
        number = next(n for n, c in enumerate(session.choices, 1) if "Address" in c.label)
        out = await session.say(str(number))
    finally:
        await session.stop()
    assert "bot>" not in [line.strip() for line in out]
    assert any("[map: Complete Wellness, 100 Example Avenue, Suite 200, Springfield (39.7817, -89.6501)]" in line
               for line in out)


async def test_a_pain_score_typed_in_reply_to_the_check_in_is_recorded(bot):
    """Answering 'How is your pain today?' by typing 7 (as many patients do) got "I don't know that one"."""
    from tests.test_reminders import PATIENT, at, book, run_at

    user = bot.user(PATIENT)
    book(bot, at(2026, 6, 10, 11, 0))
    await run_at(bot, at(2026, 6, 11, 12, 0))
    assert "How is your pain today" in user.last().text
    await user.send("7")
    thanks = await user.wait_for("noted your pain today as 7")
    assert "I don't know" not in thanks.text
    await user.send("3")  # answered already: a later bare number is not a second answer
    await user.wait_for("I don't know that one")
    assert [r["score"] for r in bot.db.query("select score from checkins")] == [7]


async def test_schedule_heading_stands_on_its_own_line(bot):
    """/schedule read 'Schedule for Thursday 11 June 202610:00–11:00 Acupuncture...' in one line."""
    ann = bot.user(3104, "Ann")
    staff = bot.staff()
    await _book(ann)
    await staff.send("/schedule 2026-06-11")
    day = await staff.wait_for("Schedule for")
    lines = day.text.splitlines()
    assert lines[0] == "Schedule for Thursday 11 June 2026"
    assert lines[1].startswith("10:00–11:00 Acupuncture")


async def test_patient_command_without_words_shows_how_to_use_it(bot):
    """Staff sending a bare /patient got 'Sorry, something went wrong' (the usage template needed `problem`)."""
    staff = bot.staff()
    await staff.send("/patient")
    usage = await staff.next_message()
    assert "Find a patient by name or phone" in usage.text
    assert "went wrong" not in usage.text


async def test_confirming_a_move_after_the_window_closed_says_to_call(bot):
    """A reschedule confirmed once the visit was inside the cancellation window got 'something went wrong'."""
    ann = bot.user(3105, "Ann")
    await _book(ann)  # Thu 11 Jun 10:00; now Wed 09:00
    await ann.send("/visits")
    await ann.press(await ann.wait_for("upcoming visits"), "Reschedule")
    await ann.press(await ann.wait_for("Moving your visit"), "Fri 12 Jun")
    await ann.press(await ann.wait_for("Choose a time"), "14:00")
    summary = await ann.wait_for("Move your visit?")
    bot.clock.advance(timedelta(hours=14))  # Wed 23:00: the visit is 11 hours away, the window is 12
    await ann.press(summary, "Confirm")
    told = await ann.wait_for("cannot be rescheduled online")
    assert "Acupuncture" in told.text
    assert "Thu 11 Jun 2026, 10:00" in told.text
    assert "went wrong" not in told.text
