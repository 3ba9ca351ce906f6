"""The outbox covers every path that changes a visit, not only the patient's booking and the staff cancel.

Issue 21, finding 3, for the paths added since: the patient's reschedule and
own cancel, and staff moving or booking a visit from the /patient card
(issue 16). Each used to send after its commit: a 502 on the confirmation
edit or the .ics upload told the patient (or staff) "nothing was changed"
about a change that was made, lost the rest of the notices, and a crash at
that moment lost them for good. Now each path promises its notices in the
change's own transaction; they arrive once, also across a restart.
"""

from __future__ import annotations

from tests.booking_helpers import at, direct_book
from tests.harness import until
from tests.test_calendar_files import calendar_files
from tests.test_outbox import (
    BAD_GATEWAY,
    effects,
    restart_changes_nothing,
    restart_with_telegram_back,
    telegram_down,
    until_pending,
)
from wellbot.booking import store

NOTHING_CHANGED = "nothing was changed"
MOVED_TO_DAY = 12  # Fri 12 Jun, the day every move below picks


def _told_falsehood(*people):
    return [m.text for p in people for m in p.messages if NOTHING_CHANGED in (m.text or "")]


def _documents(person):
    return [m for m in person.messages if m.document]


def _with(person, text):
    return [m for m in person.messages if text in (m.text or "")]


async def _booked_patient(bot, user_id, name, hour=10):
    patient = bot.user(user_id, name.split()[0])
    await patient.send("/start")
    await patient.wait_for("")
    return patient, direct_book(bot, user_id, at(hour), name=name)


# ---- the patient's reschedule -------------------------------------------------------------------

async def _patient_moves(bot, patient, visit_id):
    await patient.press_data(1, f"vis:rs:{visit_id}")
    await patient.press(await patient.wait_for("Moving your visit"), "Fri 12 Jun")
    await patient.press(await patient.wait_for("Choose a time"), "14:00")
    return await patient.wait_for("Move your visit?")


async def test_a_patient_reschedule_whose_confirmation_and_file_fail_still_tells_the_truth_once(bot):
    staff = bot.staff()
    ann, visit_id = await _booked_patient(bot, 2101, "Ann Lee")
    ask = await _patient_moves(bot, ann, visit_id)
    bot.server.fail_next("editMessageText", **BAD_GATEWAY)
    bot.server.fail_next("sendDocument", **BAD_GATEWAY)
    await ann.press(ask, "Confirm")
    await ann.wait_for("Moved.", timeout=10)
    await staff.wait_for("Visit moved", timeout=10)
    await until(lambda: _documents(ann))
    await bot.settle()
    assert not _told_falsehood(ann), "the patient was told nothing changed about a move that was made"
    assert store.get_visit(bot.db, visit_id).start.day == MOVED_TO_DAY
    assert len(_with(ann, "Moved.")) == 1
    assert len(_documents(ann)) == 1
    assert len(_with(staff, "Visit moved")) == 1
    await restart_changes_nothing(bot, ann, staff)


async def test_a_patient_reschedule_committed_while_telegram_is_down_is_delivered_after_a_restart(bot):
    staff = bot.staff()
    ann, visit_id = await _booked_patient(bot, 2102, "Ann Lee")
    ask = await _patient_moves(bot, ann, visit_id)
    telegram_down(bot, "editMessageText", "sendDocument", "sendMessage")
    await ann.press(ask, "Confirm")
    await until_pending(bot)
    await restart_with_telegram_back(bot)
    await ann.wait_for("Moved.", timeout=10)
    await staff.wait_for("Visit moved", timeout=10)
    await until(lambda: _documents(ann))
    await bot.settle()
    assert not _told_falsehood(ann)
    assert len(_documents(ann)) == 1
    assert len(_with(staff, "Visit moved")) == 1
    await restart_changes_nothing(bot, ann, staff)


# ---- the patient's own cancel -------------------------------------------------------------------

async def test_a_patient_cancel_whose_confirmation_and_cancellation_file_fail_still_tells_the_truth_once(bot):
    staff = bot.staff()
    ann, visit_id = await _booked_patient(bot, 2103, "Ann Lee")
    await ann.press_data(1, f"vis:cx:{visit_id}")
    ask = await ann.wait_for("Cancel your")
    bot.server.fail_next("editMessageText", **BAD_GATEWAY)
    bot.server.answer_late("sendDocument", None, chat_id=2103)  # a dropped link: it may have arrived
    await ann.press(ask, "Yes, cancel it")
    await ann.wait_for("is cancelled", timeout=10)
    await staff.wait_for("Visit cancelled", timeout=10)
    await until(lambda: ("booking.calendar", "uncertain") in effects(bot))
    await bot.settle()
    assert not _told_falsehood(ann), "the patient was told nothing changed about a cancel that was made"
    assert store.get_visit(bot.db, visit_id).status == "cancelled"
    assert len(_with(ann, "is cancelled")) == 1
    assert len(_documents(ann)) == 1, "the METHOD:CANCEL file arrived once, and is never pushed blindly again"
    assert len(_with(staff, "Visit cancelled")) == 1
    before = len(ann.messages), len(staff.messages)
    await bot.restart()
    await bot.settle()
    assert (len(ann.messages), len(staff.messages)) == before


async def test_a_patient_cancel_committed_while_telegram_is_down_is_delivered_after_a_restart(bot):
    staff = bot.staff()
    ann, visit_id = await _booked_patient(bot, 2104, "Ann Lee")
    await ann.press_data(1, f"vis:cx:{visit_id}")
    ask = await ann.wait_for("Cancel your")
    telegram_down(bot, "editMessageText", "sendDocument", "sendMessage")
    await ann.press(ask, "Yes, cancel it")
    await until_pending(bot)
    await restart_with_telegram_back(bot)
    await ann.wait_for("is cancelled", timeout=10)
    await staff.wait_for("Visit cancelled", timeout=10)
    await until(lambda: _documents(ann))
    await bot.settle()
    assert not _told_falsehood(ann)
    [cancelled] = calendar_files(ann)
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert len(_with(staff, "Visit cancelled")) == 1
    await restart_changes_nothing(bot, ann, staff)


# ---- staff move and clinic booking from the /patient card (issue 16) ----------------------------

async def _card(bot, staff, query="ann"):
    await staff.send(f"/patient {query}")
    await staff.press(await staff.wait_for("Patients found"), "Ann Lee")
    return await staff.wait_for("On Telegram")


async def _staff_moves(bot, staff):
    card = await _card(bot, staff)
    await staff.press(card, "Thu 11 Jun 10:00")
    await staff.press(await staff.wait_for("No-shows by this patient"), "Move")
    await staff.press(await staff.wait_for("choose a day"), "Fri 12 Jun")
    await staff.press(await staff.wait_for("choose a time"), "14:00")
    return await staff.wait_for("Move")


async def test_a_staff_move_whose_patient_notice_and_file_fail_still_reaches_the_patient_once(bot):
    staff = bot.staff()
    ann, visit_id = await _booked_patient(bot, 2105, "Ann Lee")
    ask = await _staff_moves(bot, staff)
    bot.server.fail_next("sendMessage", **BAD_GATEWAY)  # the patient's notice, the first send after the move
    bot.server.fail_next("sendDocument", **BAD_GATEWAY)
    await staff.press(ask, "Book it")
    await staff.wait_for("Moved:", timeout=10)
    await ann.wait_for("The clinic has moved", timeout=10)
    await until(lambda: _documents(ann))
    await bot.settle()
    assert not _told_falsehood(ann, staff), "staff were told nothing changed about a move that was made"
    assert store.get_visit(bot.db, visit_id).start.day == MOVED_TO_DAY
    assert len(_with(ann, "The clinic has moved")) == 1
    assert "was Thu 11 Jun 2026, 10:00" in _with(ann, "The clinic has moved")[0].text
    assert len(_documents(ann)) == 1
    assert len(_with(staff, "Visit moved")) == 1
    await restart_changes_nothing(bot, ann, staff)


async def test_a_staff_move_committed_while_telegram_is_down_is_delivered_after_a_restart(bot):
    staff = bot.staff()
    ann, _ = await _booked_patient(bot, 2106, "Ann Lee")
    ask = await _staff_moves(bot, staff)
    telegram_down(bot, "sendDocument", "sendMessage")
    await staff.press(ask, "Book it")
    await staff.wait_for("Moved:", timeout=10)
    await until_pending(bot)
    await restart_with_telegram_back(bot)
    await ann.wait_for("The clinic has moved", timeout=10)
    await staff.wait_for("Visit moved", timeout=10)
    await until(lambda: _documents(ann))
    await bot.settle()
    assert len(_with(ann, "The clinic has moved")) == 1
    assert len(_documents(ann)) == 1
    await restart_changes_nothing(bot, ann, staff)


async def _staff_books(bot, staff):
    card = await _card(bot, staff)
    await staff.press(card, "Book a visit")
    await staff.press(await staff.wait_for("which service"), "Cupping therapy")
    await staff.press(await staff.wait_for("choose a day"), "Thu 11 Jun")
    await staff.press(await staff.wait_for("choose a time"), "14:00")
    return await staff.wait_for("?")


async def test_a_clinic_booking_whose_patient_notice_and_file_fail_still_reaches_the_patient_once(bot):
    staff = bot.staff()
    ann, _ = await _booked_patient(bot, 2107, "Ann Lee", hour=9)
    ask = await _staff_books(bot, staff)
    bot.server.fail_next("sendMessage", **BAD_GATEWAY)  # the patient's notice, the first send after the booking
    bot.server.answer_late("sendDocument", None, chat_id=2107)  # the .ics arrives, the answer never does
    await staff.press(ask, "Book it")
    await staff.wait_for("Booked:", timeout=10)
    told = await ann.wait_for("The clinic has booked", timeout=10)
    assert "Cupping therapy" in told.text
    await until(lambda: ("booking.calendar", "uncertain") in effects(bot))
    await bot.settle()
    assert not _told_falsehood(ann, staff), "staff were told nothing changed about a booking that was made"
    assert len(store.upcoming(bot.db, 2107, bot.clock.now())) == 2
    assert len(_with(ann, "The clinic has booked")) == 1
    assert len(_documents(ann)) == 1
    assert len(_with(staff, "New booking")) == 1
    before = len(ann.messages), len(staff.messages)
    await bot.restart()
    await bot.settle()
    assert (len(ann.messages), len(staff.messages)) == before, "a file that may have arrived is never pushed again"


async def test_a_clinic_booking_committed_while_telegram_is_down_is_delivered_after_a_restart(bot):
    staff = bot.staff()
    ann, _ = await _booked_patient(bot, 2108, "Ann Lee", hour=9)
    ask = await _staff_books(bot, staff)
    telegram_down(bot, "sendDocument", "sendMessage")
    await staff.press(ask, "Book it")
    await staff.wait_for("Booked:", timeout=10)
    await until_pending(bot)
    await restart_with_telegram_back(bot)
    await ann.wait_for("The clinic has booked", timeout=10)
    await staff.wait_for("New booking", timeout=10)
    await until(lambda: _documents(ann))
    await bot.settle()
    assert len(_with(ann, "The clinic has booked")) == 1
    assert len(_documents(ann)) == 1
    await restart_changes_nothing(bot, ann, staff)
