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
from tests.booking_helpers import at, direct_book, to_summary, visit_rows
from tests.harness import until
from wellbot.app import build_application

BAD_GATEWAY = {"status": 502, "description": "Bad Gateway"}
OUTAGE = 50  # failed answers per method: more than the outbox retries before the worker is stopped


def effects(bot):
    """The outbox's rows as (kind, status)."""
    return {(r["kind"], r["status"]) for r in bot.db.query("select kind, status from outbox")}


def telegram_down(bot, *methods):
    """Telegram answers 502 to these methods, until restart_with_telegram_back."""
    for method in methods:
        bot.server.fail_next(method, count=OUTAGE, **BAD_GATEWAY)


async def restart_with_telegram_back(bot):
    """The worker stops while Telegram is down and starts again once it is back."""
    await bot.stop()
    bot.server._failures.clear()
    await bot.start()


async def until_pending(bot):
    """Wait until the change is committed and its calendar file waits in the outbox, then let the bot settle."""
    await until(lambda: ("booking.calendar", "pending") in effects(bot))
    await bot.settle()


async def restart_changes_nothing(bot, *people):
    """A restart after everything was delivered sends nothing again."""
    before = [len(p.messages) for p in people]
    await bot.restart()
    await bot.settle()
    assert [len(p.messages) for p in people] == before, "a restart sent something twice"
    assert {status for _, status in effects(bot)} == {"done"}


async def test_a_failed_confirmation_edit_and_upload_still_tell_the_truth(bot):
    ann, staff = bot.user(1001, "Ann"), bot.staff()
    summary = await to_summary(bot, ann, name="Ann Lee")
    bot.server.fail_next("editMessageText", **BAD_GATEWAY)
    bot.server.fail_next("sendDocument", **BAD_GATEWAY)
    bot.server.fail_next("sendMessage", **BAD_GATEWAY)  # the first staff notice too
    await ann.press(summary, "Confirm")
    await ann.wait_for("Booked!", timeout=10)
    await staff.wait_for("New booking", timeout=10)
    await until(lambda: any(m.document for m in ann.messages))
    await bot.settle()
    assert not [m for m in ann.messages if "nothing was changed" in m.text], "the patient was told a falsehood"
    assert len(visit_rows(bot)) == 1
    assert len([m for m in ann.messages if m.document]) == 1
    assert len([m for m in staff.messages if "New booking" in m.text]) == 1
    assert {status for _, status in effects(bot)} == {"done"}


async def test_effects_committed_before_a_crash_are_delivered_after_the_restart(bot):
    ann, staff = bot.user(1002, "Ann"), bot.staff()
    summary = await to_summary(bot, ann, name="Ann Lee")
    telegram_down(bot, "editMessageText", "sendDocument", "sendMessage")  # down when the worker dies
    await ann.press(summary, "Confirm")
    await until(lambda: len(visit_rows(bot)) == 1)
    await bot.settle()
    assert ("booking.calendar", "pending") in effects(bot)
    await restart_with_telegram_back(bot)
    await ann.wait_for("Booked!", timeout=10)
    await staff.wait_for("New booking", timeout=10)
    await until(lambda: any(m.document for m in ann.messages))
    await bot.settle()
    assert len([m for m in ann.messages if m.document]) == 1
    await restart_changes_nothing(bot, ann, staff)  # delivered once, not again on the next start


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
    await until(lambda: ("booking.calendar", "uncertain") in effects(bot))
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
    telegram_down(bot, "editMessageText", "sendDocument", "sendMessage")  # the effects stay pending
    await ann.press(summary, "Confirm")
    await until(lambda: len(visit_rows(bot)) == 1)
    await bot.settle()
    locks: list[asyncio.Future] = []

    def build_application_under_a_lock(deps):
        """The clinic is loaded; a CLI takes the write lock before the features start (post_init)."""
        taken = threading.Event()
        locks.append(asyncio.ensure_future(asyncio.to_thread(_hold_write_lock, bot.database, 1.0, taken)))
        taken.wait(5)
        return build_application(deps)

    monkeypatch.setattr(harness, "build_application", build_application_under_a_lock)
    await restart_with_telegram_back(bot)
    await locks[0]
    await ann.wait_for("Booked!", timeout=10)
    await staff.wait_for("New booking", timeout=10)
    await until(lambda: any(m.document for m in ann.messages))
    await bot.settle()
    assert len([m for m in ann.messages if m.document]) == 1
    await restart_changes_nothing(bot, ann, staff)  # recorded once it was pushed: not pushed again


async def test_a_cli_write_while_an_effect_waits_to_be_retried_delays_it_only_as_long_as_the_lock(bot, caplog):
    """The outbox's writes on the worker's connection give up after 10 ms: a locked claim stalled the outbox
    for a minute ('outbox delivery stalled'), and a locked record could leave a pushed row 'sending'."""
    ann, staff = bot.user(1005, "Ann"), bot.staff()
    summary = await to_summary(bot, ann, name="Ann Lee")
    bot.server.fail_next("sendDocument", **BAD_GATEWAY)  # the calendar file waits for its retry (0.5 s)
    await ann.press(summary, "Confirm")
    await until(lambda: ("booking.calendar", "pending") in effects(bot))
    await (await _while_locked(bot.database, 1.5))
    released = asyncio.get_running_loop().time()
    await until(lambda: any(m.document for m in ann.messages), timeout=5)
    assert asyncio.get_running_loop().time() - released < 2.0
    await bot.settle()
    assert {status for _, status in effects(bot)} == {"done"}
    assert len([m for m in ann.messages if m.document]) == 1
    assert len([m for m in staff.messages if "New booking" in m.text]) == 1
    assert "outbox delivery stalled" not in caplog.text
