"""Issue 16, part 3: staff book, move and cancel for a patient who phoned, found by name or phone or
made as a record without Telegram (whose reminders go to the front desk as a call list), and write to
a Telegram patient from their card. The clock starts Wed 10 June 2026, 09:00 New York."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.booking_helpers import at, direct_book, last_answer
from wellbot.booking import store
from wellbot.reminders.feature import dispatcher_of


async def book_from_card(staff, card, *, service="Acupuncture", day="Thu 11 Jun", at_time="10:00"):
    await staff.press(card, "Book a visit")
    await staff.press(await staff.wait_for("which service"), service)
    await staff.press(await staff.wait_for("choose a day"), day)
    await staff.press(await staff.wait_for("choose a time"), at_time)
    await staff.press(await staff.wait_for("?"), "Book it")
    return await staff.wait_for("Booked:")


async def test_a_phone_only_patient_booked_moved_reminded_by_call_list_and_cancelled(bot):
    staff = bot.staff()
    await staff.send("/newpatient Rose Stone")
    await staff.wait_for("Please give a full name, then a phone number")
    await staff.send("/newpatient Rose Stone +1 (555) 777-8888")
    card = await staff.wait_for("No Telegram")
    assert "Rose Stone" in card.text
    assert "+15557778888" in card.text
    done = await book_from_card(staff, card)
    assert "Thu 11 Jun 2026, 10:00 EDT" in done.text
    [row] = list(bot.db.query("select * from visits"))
    assert row["user_id"] is None
    assert row["phone_patient_id"] is not None
    assert row["patient_name"] == "Rose Stone"
    # found again by part of the phone number and by name
    for query in ("/patient 7778888", "/patient rose"):
        await staff.send(query)
        found = await staff.wait_for("Patients found")
        assert "Rose Stone · +15557778888 (phone only)" in found.button_labels()
    await staff.press(found, "Rose Stone")
    card = await staff.wait_for("Upcoming visits")
    # moved for her from the visit's card
    await staff.press(card, "Thu 11 Jun 10:00")
    visit_card = await staff.wait_for("No-shows by this patient")
    assert "no Telegram" in visit_card.text
    await staff.press(visit_card, "Move")
    await staff.press(await staff.wait_for("choose a day"), "Fri 12 Jun")
    await staff.press(await staff.wait_for("choose a time"), "14:00")
    await staff.press(await staff.wait_for("Move"), "Book it")
    await staff.wait_for("Moved:")
    visit = store.get_visit(bot.db, row["id"])
    assert visit.start == datetime(2026, 6, 12, 18, 0, tzinfo=UTC)
    assert visit.sequence == 1
    # her 24-hour reminder comes to the front desk as a call-list entry
    bot.clock.set(datetime(2026, 6, 11, 18, 0, tzinfo=UTC))
    await dispatcher_of(bot.app).run_due()
    call = await staff.wait_for("Call list")
    bot.clock.set(datetime(2026, 6, 12, 15, 0, tzinfo=UTC))  # 3 h before: no "not confirmed" alert for her
    await dispatcher_of(bot.app).run_due()
    await bot.settle()
    assert not any("Not confirmed yet" in m.text for m in staff.messages)
    assert "Rose Stone, +15557778888" in call.text
    assert "Fri 12 Jun 2026, 14:00" in call.text
    # and cancelled for her
    await staff.press_data(1, f"sched:cxy:{row['id']}")
    await staff.wait_for("Visit cancelled")
    assert store.get_visit(bot.db, row["id"]).status == "cancelled"


async def test_a_telegram_patient_found_by_phone_is_told_and_gets_the_calendar_file(bot):
    staff = bot.staff()
    ann = bot.user(1601, "Ann")
    await ann.send("/start")
    await ann.wait_for("")
    direct_book(bot, 1601, at(9), name="Ann Lee")  # known from an earlier visit, phone +15550000000
    await staff.send("/patient 555000")
    found = await staff.wait_for("Patients found")
    await staff.press(found, "Ann Lee")
    card = await staff.wait_for("On Telegram")
    await book_from_card(staff, card, service="Cupping therapy", at_time="14:00")
    told = await ann.wait_for("The clinic has booked")
    assert "Cupping therapy" in told.text
    assert "Thu 11 Jun 2026, 14:00" in told.text
    await bot.settle()
    assert any(m.document for m in ann.messages)
    # an overlapping booking for her is refused and changes nothing
    await staff.press(card, "Book a visit")
    await staff.press(await staff.wait_for("which service"), "Acupuncture")
    await staff.press(await staff.wait_for("choose a day"), "Thu 11 Jun")
    await staff.press(await staff.wait_for("choose a time"), "14:30")
    await staff.press(await staff.wait_for("?"), "Book it")
    await staff.wait_for("already has a visit overlapping")
    assert len(store.upcoming(bot.db, 1601, bot.clock.now())) == 2


async def test_staff_message_one_patient_from_the_card(bot):
    staff = bot.staff()
    bea = bot.user(1602, "Bea")
    await bea.send("/start")
    await bea.wait_for("")
    direct_book(bot, 1602, at(9), name="Bea Cole")
    await staff.send("/patient bea")
    await staff.press(await staff.wait_for("Patients found"), "Bea Cole")
    await staff.press(await staff.wait_for("On Telegram"), "Message the patient")
    await staff.wait_for("Type the message for")
    await staff.send("Your <b>scan</b> results are in & ready.")
    await staff.wait_for("Sent.")
    note = await bea.wait_for("Message from Complete Wellness")
    assert "Your <b>scan</b> results are in & ready." in note.text  # shown as typed, never as markup
    await bea.press(note, "Write back")  # it joined the front-desk inbox (issue 20): Bea can answer
    await bea.send("Thanks, I will call tomorrow")
    await staff.wait_for("Thanks, I will call tomorrow")


async def test_patients_cannot_use_the_front_desk(bot):
    pat = bot.user(1603, "Pat")
    for command in ("/patient ann", "/newpatient Ann Lee +15551234567"):
        await pat.send(command)
        await pat.wait_for("staff")
    await pat.press_data(1, "desk:p:p:1")
    await bot.settle()
    assert "staff" in last_answer(pat).lower()
    assert list(bot.db.query("select * from phone_patients")) == []
