"""Side effects after a commit go through an outbox: they happen, once, and the patient is told the truth.

Issue 21, finding 3: when the confirmation edit or the .ics upload failed
(502, timeout) after the visit was committed, the patient was told nothing
was changed, got no calendar file, and staff were never told; after a kill
-9 at that moment the notices were lost for good. The staff cancel path had
the same shape. Now each of those is an outbox row written in the booking's
own transaction, delivered right after the commit and retried until done.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

from tests import harness
from tests.test_booking import at, direct_book, to_summary, visit_rows
from wellbot.app import build_application

BAD_GATEWAY = {"status": 502, "description": "Bad Gateway"}


async def _until(condition, timeout=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def _effects(bot):
    return {(r["kind"], r["status"]) for r in bot.db.query("select kind, status from outbox")}


async def test_a_failed_confirmation_edit_and_upload_still_tell_the_truth(bot):
    ann, staff = bot.user(1001, "Ann"), bot.staff()
    summary = await to_summary(bot, ann, name="Ann Lee")
    bot.server.fail_next("editMessageText", **BAD_GATEWAY)
    bot.server.fail_next("sendDocument", **BAD_GATEWAY)
    bot.server.fail_next("sendMessage", **BAD_GATEWAY)  # the first staff notice too
    await ann.press(summary, "Confirm")
    await ann.wait_for("Booked!", timeout=10)
    await staff.wait_for("New booking", timeout=10)
    await _until(lambda: any(m.document for m in ann.messages))
    await bot.settle()
    assert not [m for m in ann.messages if "nothing was changed" in m.text], "the patient was told a falsehood"
    assert len(visit_rows(bot)) == 1
    assert len([m for m in ann.messages if m.document]) == 1
    assert len([m for m in staff.messages if "New booking" in m.text]) == 1
    assert {status for _, status in _effects(bot)} == {"done"}


async def test_effects_committed_before_a_crash_are_delivered_after_the_restart(bot):
    ann, staff = bot.user(1002, "Ann"), bot.staff()
    summary = await to_summary(bot, ann, name="Ann Lee")
    for method in ("editMessageText", "sendDocument", "sendMessage"):
        bot.server.fail_next(method, count=50, **BAD_GATEWAY)  # Telegram is down when the worker dies
    await ann.press(summary, "Confirm")
    await _until(lambda: len(visit_rows(bot)) == 1)
    await bot.settle()
    assert ("booking.calendar", "pending") in _effects(bot)
    await bot.stop()
    bot.server._failures.clear()  # Telegram is back
    await bot.start()
    await ann.wait_for("Booked!", timeout=10)
    await staff.wait_for("New booking", timeout=10)
    await _until(lambda: any(m.document for m in ann.messages))
    await bot.settle()
    assert {status for _, status in _effects(bot)} == {"done"}
    await bot.restart()
    await bot.settle()
    assert len([m for m in ann.messages if m.document]) == 1, "delivered once, not again on the next start"


async def test_staff_cancel_tells_the_patient_even_when_the_first_try_fails(bot):
    staff, dee = bot.staff(), bot.user(2006, "Dee")
    await dee.send("/start")
    await dee.next_message()
    visit_id = direct_book(bot, 2006, at(10), name="Dee Moss")
    await staff.send("/schedule 2026-06-11")
    await staff.press(await staff.wait_for("Schedule for"), "10:00 Dee Moss")
    await staff.press(await staff.wait_for("No-shows by this patient"), "Cancel visit")
    ask = await staff.wait_for("The patient will be told")
    bot.server.fail_next("sendMessage", **BAD_GATEWAY)
    await staff.press(ask, "Yes, cancel")
    await dee.wait_for("the clinic had to cancel", timeout=10)
    await staff.wait_for("Visit cancelled")
    await bot.settle()
    assert not [m for m in staff.messages if "nothing was changed" in m.text]
    assert len([m for m in dee.messages if "had to cancel" in m.text]) == 1
    assert visit_rows(bot)[0]["status"] == "cancelled"
    assert visit_rows(bot)[0]["id"] == visit_id


def test_a_row_a_crash_cut_off_is_tried_once_more_then_left_uncertain(db, clock):
    from wellbot.core import outbox

    with db.atomic():
        effect_id = outbox.add(db, "booking.calendar", "booked:1:calendar", clock.now(), user_id=5, chat_id=5)
        assert outbox.add(db, "booking.calendar", "booked:1:calendar", clock.now()) is None, "promised once"
    assert outbox.claim(db, effect_id, clock.now()) is not None  # ... and the worker dies mid-push
    assert outbox.claim(db, effect_id, clock.now()) is None, "a row being sent is nobody else's"
    assert outbox.recover(db, clock.now()) == (1, 0)
    assert outbox.claim(db, effect_id, clock.now()).attempts == 2  # ... and dies again
    assert outbox.recover(db, clock.now()) == (0, 1)
    assert outbox.counts(db)["uncertain"] == 1
    outbox.erase(db, 5, clock.now())
    assert sum(outbox.counts(db).values()) == 0


async def test_an_effect_that_may_have_arrived_is_not_pushed_again(bot):
    ann = bot.user(1003, "Ann")
    bot.staff()  # staff exist, so their notice does not fail
    summary = await to_summary(bot, ann, name="Ann Lee")
    bot.server.answer_late("sendDocument", None, chat_id=1003)  # the .ics arrives, the answer never does
    await ann.press(summary, "Confirm")
    await ann.wait_for("Booked!")
    await _until(lambda: ("booking.calendar", "uncertain") in _effects(bot))
    await bot.restart()
    await bot.settle()
    assert len([m for m in ann.messages if m.document]) == 1


def _hold_write_lock(database, seconds, taken: threading.Event):
    """An operator's CLI session holding a write transaction for `seconds` (in a thread: another process)."""
    cli = sqlite3.connect(str(database), isolation_level=None)
    cli.execute("begin immediate")
    taken.set()
    try:
        time.sleep(seconds)
    finally:
        cli.execute("commit")
        cli.close()


async def _while_locked(database, seconds) -> asyncio.Future:
    """Start holding the write lock for `seconds`; the future ends when it is released."""
    taken = threading.Event()
    held = asyncio.ensure_future(asyncio.to_thread(_hold_write_lock, database, seconds, taken))
    while not taken.is_set():
        await asyncio.sleep(0.005)
    return held


async def test_features_starting_while_a_cli_holds_the_write_lock_start_and_deliver_once(bot, monkeypatch):
    """Found landing issue 15 on issue 21's outbox: the worker's connection waited only 10 ms for another process's
    write lock from the start, so a CLI write as the features started made the outbox's recovery raise
    'database is locked' and `wellbot run` died (a standby taking over during a CLI write did too)."""
    ann, staff = bot.user(1004, "Ann"), bot.staff()
    summary = await to_summary(bot, ann, name="Ann Lee")
    for method in ("editMessageText", "sendDocument", "sendMessage"):
        bot.server.fail_next(method, count=50, **BAD_GATEWAY)  # Telegram is down: the effects stay pending
    await ann.press(summary, "Confirm")
    await _until(lambda: len(visit_rows(bot)) == 1)
    await bot.settle()
    await bot.stop()
    bot.server._failures.clear()  # Telegram is back
    locks: list[asyncio.Future] = []

    def build_application_under_a_lock(deps):
        """The clinic is loaded; a CLI takes the write lock before the features start (post_init)."""
        taken = threading.Event()
        locks.append(asyncio.ensure_future(asyncio.to_thread(_hold_write_lock, bot.database, 1.0, taken)))
        taken.wait(5)
        return build_application(deps)

    monkeypatch.setattr(harness, "build_application", build_application_under_a_lock)
    await bot.start()
    await locks[0]
    await ann.wait_for("Booked!", timeout=10)
    await staff.wait_for("New booking", timeout=10)
    await _until(lambda: any(m.document for m in ann.messages))
    await bot.settle()
    assert {status for _, status in _effects(bot)} == {"done"}
    await bot.restart()
    await bot.settle()
    assert len([m for m in ann.messages if m.document]) == 1, "recorded once it was pushed: not pushed again"


async def test_a_cli_write_while_an_effect_waits_to_be_retried_delays_it_only_as_long_as_the_lock(bot, caplog):
    """The outbox's writes on the worker's connection give up after 10 ms: a locked claim stalled the outbox
    for a minute ('outbox delivery stalled'), and a locked record could leave a pushed row 'sending'."""
    ann, staff = bot.user(1005, "Ann"), bot.staff()
    summary = await to_summary(bot, ann, name="Ann Lee")
    bot.server.fail_next("sendDocument", **BAD_GATEWAY)  # the calendar file waits for its retry (0.5 s)
    await ann.press(summary, "Confirm")
    await _until(lambda: ("booking.calendar", "pending") in _effects(bot))
    await (await _while_locked(bot.database, 1.5))
    released = asyncio.get_running_loop().time()
    await _until(lambda: any(m.document for m in ann.messages), timeout=5)
    assert asyncio.get_running_loop().time() - released < 2.0
    await bot.settle()
    assert {status for _, status in _effects(bot)} == {"done"}
    assert len([m for m in ann.messages if m.document]) == 1
    assert len([m for m in staff.messages if "New booking" in m.text]) == 1
    assert "outbox delivery stalled" not in caplog.text
