"""Issue 16, part 5: intake questions per service from the clinic file, asked after booking or from
the first reminder, skippable and resumable, shown to staff, in /mydata and erased by /forget.
The clock starts Wed 10 June 2026, 09:00 New York."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.booking_helpers import at, direct_book, last_answer, to_summary
from wellbot.booking import store
from wellbot.booking.questions import parse_intake
from wellbot.core.errors import ConfigError
from wellbot.reminders.feature import dispatcher_of


async def test_questions_after_booking_skippable_resumable_and_shown_to_staff(bot):
    staff = bot.staff()
    ann = bot.user(1501, "Ann")
    await ann.press(await to_summary(bot, ann), "Confirm")
    offer = await ann.wait_for("short questions")
    await ann.press(offer, "Answer 5 questions")
    q1 = await ann.wait_for("Question 1 of 5")
    assert "Where is your pain?" in q1.text
    assert "Type your answer" in q1.text
    await ann.send("Lower back, <left> side")
    q2 = await ann.wait_for("Question 2 of 5")
    assert "0 (no pain)" in q2.text
    assert "10" in q2.button_labels()
    await ann.press(q2, "7")
    q3 = await ann.wait_for("Question 3 of 5")
    assert "blood thinner" in q3.text
    await ann.press(q3, "Skip this question")
    q4 = await ann.wait_for("Question 4 of 5")
    await ann.press(q4, "Finish later")
    await ann.wait_for("answers so far are kept")
    [visit] = store.upcoming(bot.db, 1501, bot.clock.now())
    assert store.intake_answers(bot.db, visit.id) == {"pain_where": "Lower back, <left> side", "pain_score": "7",
                                                        "blood_thinners": None}
    # resumed from /visits at the first question neither answered nor skipped
    await ann.send("/visits")
    listing = await ann.wait_for("Your upcoming visits")
    await ann.press(listing, "Answer 2 questions")
    q4 = await ann.wait_for("Question 4 of 5")
    assert "pregnant" in q4.text
    await ann.press(q4, "Not sure")
    await ann.wait_for("Question 5 of 5")
    await ann.send("First acupuncture visit")
    await ann.wait_for("your answers are with the clinic")
    await ann.send("/visits")
    listing = await ann.wait_for("Your upcoming visits")
    assert not any("questions" in label for label in listing.button_labels())
    # staff see the answers on the day list and the visit's card
    await staff.send("/schedule 2026-06-11")
    day = await staff.wait_for("Schedule for")
    assert "📝 4/5 answered" in day.text
    await staff.press(day, "10:00 Ann Lee")
    card = await staff.wait_for("Intake")
    assert "Lower back, &lt;left&gt; side" in card.html
    assert "(skipped)" in card.text
    assert "Not sure" in card.text


async def test_the_first_reminder_asks_for_unanswered_questions(bot):
    bob = bot.user(1502, "Bob")
    direct_book(bot, 1502, at(15))  # Thursday 15:00: the 24-hour reminder goes out Wednesday 15:00
    bot.clock.set(datetime(2026, 6, 10, 19, 0, tzinfo=UTC))
    await dispatcher_of(bot.app).run_due()
    await bot.settle()
    reminder = next(m for m in bob.messages if "Reminder" in m.text)
    await bob.press(reminder, "Answer 5 questions")
    await bob.wait_for("Question 1 of 5")


async def test_forged_or_stale_intake_buttons_change_nothing(bot):
    cy = bot.user(1503, "Cy")
    visit_id = direct_book(bot, 1503, at(10))
    other = bot.user(1504, "Di")
    await other.send("/start")
    await other.wait_for("")
    await other.press_data(1, f"intk:go:{visit_id}")  # someone else's visit
    await bot.settle()
    assert "no longer active" in last_answer(other)
    await cy.press_data(1, f"intk:go:{visit_id}")
    await cy.wait_for("Question 1 of 5")
    await cy.send("Neck")
    q2 = await cy.wait_for("Question 2 of 5")
    token = bot.deps.flows.get(1503).token
    await cy.press_data(q2.message_id, f"intk:a:{token}:11")  # not a score offered
    await bot.settle()
    assert "no longer active" in last_answer(cy)
    assert store.intake_answers(bot.db, visit_id) == {"pain_where": "Neck"}


async def test_answers_are_in_mydata_and_erased_by_forget(bot):
    dee = bot.user(1505, "Dee")
    visit_id = direct_book(bot, 1505, at(10))
    await dee.press_data(1, f"intk:go:{visit_id}")
    await dee.wait_for("Question 1 of 5")
    await dee.send("Right shoulder")
    await dee.wait_for("Question 2 of 5")
    await dee.send("/mydata")
    await bot.settle()
    export = next(m for m in dee.messages if m.document and m.document["filename"].endswith(".json"))
    assert "Right shoulder" in json.dumps(json.loads(export.document["content"]))
    await dee.send("/forget")
    await dee.press(await dee.wait_for("Erase"), "Yes")
    await bot.settle()
    assert list(bot.db.query("select * from intake_answers")) == []


def test_the_clinic_file_is_checked():
    base = {"services": [{"key": "acu", "intake": ["pain"]}]}
    with pytest.raises(ConfigError, match="not in"):
        parse_intake(base, "clinic.toml")
    ok = {**base, "intake": {"questions": [{"key": "pain", "kind": "score", "text": "How bad?"}]}}
    assert [q.key for q in parse_intake(ok, "clinic.toml").for_service("acu")] == ["pain"]
    for bad in ({"key": "p", "kind": "essay", "text": "x"}, {"key": "p", "kind": "choice", "text": "x"},
                {"key": "p", "kind": "text"}, {"key": "p", "kind": "choice", "text": "x", "options": ["a:b", "c"]}):
        with pytest.raises(ConfigError):
            parse_intake({"intake": {"questions": [bad]}}, "clinic.toml")
