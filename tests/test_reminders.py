"""Reminders end to end: real bot, local Bot API server, manual clock.

Visits are created the way booking creates them: a row in `visits` and
`visit_changed(...)` inside the same `db.atomic()`. The dispatcher is
triggered with `run_due()` after moving the clock, never by sleeping.
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from wellbot.bot import callbacks
from wellbot.core import patients, visit_events
from wellbot.core.clinic import load_clinic
from wellbot.core.clock import from_db, to_db
from wellbot.core.db import open_database
from wellbot.core.errors import ConfigError
from wellbot.core.hooks import visit_changed
from wellbot.core.resources import example_clinic_file
from wellbot.reminders import store
from wellbot.reminders.config import policy_from_clinic
from wellbot.reminders.feature import FEATURE, dispatcher_of, wake
from wellbot.reminders.times import Policy

NY = ZoneInfo("America/New_York")
PATIENT = 1001


# ----- helpers: what booking does ------------------------------------------------------


def book(bot, start: datetime, *, user_id: int = PATIENT, service: str = "acupuncture", minutes: int = 60) -> int:
    """Insert a booked visit and tell the listeners, in one transaction, as booking does."""
    db, now = bot.db, bot.clock.now()
    patients.touch(db, bot.clock, user_id, user_id)
    with db.atomic():
        visit_id = db.execute(
            "insert into visits (user_id, service_key, start_utc, end_utc, status, patient_name, patient_phone, "
            "created_at, updated_at) values (?, ?, ?, ?, 'booked', 'Ada Tester', '+1 555 0101', ?, ?)",
            [user_id, service, to_db(start), to_db(start + timedelta(minutes=minutes)), to_db(now), to_db(now)],
        ).lastrowid
        visit_changed(db, bot.deps.hooks.visit_changed, visit_id, visit_events.BOOKED, now)
    wake(bot.app)
    return visit_id


def reschedule(bot, visit_id: int, start: datetime, *, minutes: int = 60, wake_now: bool = True) -> None:
    """Move a visit, as booking does."""
    db, now = bot.db, bot.clock.now()
    with db.atomic():
        db.execute("update visits set start_utc = ?, end_utc = ?, updated_at = ? where id = ?",
                   [to_db(start), to_db(start + timedelta(minutes=minutes)), to_db(now), visit_id])
        visit_changed(db, bot.deps.hooks.visit_changed, visit_id, visit_events.RESCHEDULED, now)
    if wake_now:
        wake(bot.app)


def cancel(bot, visit_id: int) -> None:
    """Cancel a visit, as booking does."""
    db, now = bot.db, bot.clock.now()
    with db.atomic():
        db.execute("update visits set status = 'cancelled', cancelled_at = ?, updated_at = ? where id = ?",
                   [to_db(now), to_db(now), visit_id])
        visit_changed(db, bot.deps.hooks.visit_changed, visit_id, visit_events.CANCELLED, now)
    wake(bot.app)


def at(*args) -> datetime:
    """A clinic-local wall time as an aware datetime."""
    return datetime(*args, tzinfo=NY)


async def run_at(bot, when: datetime) -> int:
    """Move the clock to `when`, run the dispatcher once, wait until the bot is idle."""
    bot.clock.set(when)
    handled = await dispatcher_of(bot.app).run_due()
    await bot.settle()
    return handled


def rows(bot, visit_id: int) -> dict[tuple[str, int], dict]:
    """The visit's reminder rows by (kind, offset)."""
    return {(r["kind"], r["offset_minutes"]): r
            for r in bot.db.query("select * from reminders where visit_id = ? order by id", [visit_id])}


@pytest.fixture
def waits(bot) -> list[float]:
    """The reminder dispatcher's back-off waits, recorded instead of slept."""
    seen: list[float] = []

    async def record(seconds: float) -> None:
        seen.append(seconds)

    dispatcher_of(bot.app).sleep = record
    return seen


async def toasts(bot, count: int) -> list[str]:
    """The last `count` button answers, once every pressed button has been answered."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while bot.server.unanswered_callbacks() and loop.time() < deadline:
        await asyncio.sleep(0.01)
    await bot.settle()
    answers = [c.params.get("text") or "" for c in bot.server.calls if c.method.lower() == "answercallbackquery"]
    return answers[-count:]


# ----- timing and content ------------------------------------------------------------------


async def test_reminders_arrive_at_their_times_with_details_and_booking_buttons(bot):
    user, staff = bot.user(PATIENT), bot.staff()
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    assert dispatcher_of(bot.app).armed_for == at(2026, 6, 11, 10, 0)

    assert await run_at(bot, at(2026, 6, 11, 9, 59)) == 0
    assert user.messages == []
    await run_at(bot, at(2026, 6, 11, 10, 0))
    [message] = user.messages
    assert "Reminder: Acupuncture" in message.text
    assert "Friday 12 June 2026 at 10:00" in message.text
    assert "100 Example Avenue" in message.text
    assert "Eat a light meal" in message.text
    assert message.buttons() == [
        [{"text": "✅ Confirm", "callback_data": callbacks.encode("rem", "cf", visit_id)}],
        [{"text": "🔁 Reschedule", "callback_data": callbacks.encode("vis", "rs", visit_id)},
         {"text": "✖️ Cancel visit", "callback_data": callbacks.encode("vis", "cx", visit_id)}],
        # the service's intake questions are still unanswered (tests/test_intake.py)
        [{"text": "📝 Answer 5 questions for Fri 12 Jun", "callback_data": callbacks.encode("intk", "go", visit_id)}],
    ]
    await run_at(bot, at(2026, 6, 11, 10, 5))
    assert len(user.messages) == 1, "a sent reminder is never sent again"

    await run_at(bot, at(2026, 6, 12, 7, 0))  # confirm-by deadline: 3 h before
    assert "Not confirmed yet" in staff.last().text
    assert "555-0101" in staff.last().text  # a stored number, shown formatted
    await run_at(bot, at(2026, 6, 12, 8, 0))
    assert len(user.messages) == 2
    assert "10:00" in user.last().text
    planned = rows(bot, visit_id)
    assert planned[("reminder", 1440)]["status"] == "sent"
    assert planned[("reminder", 1440)]["message_id"] == message.message_id
    assert planned[("reminder", 120)]["status"] == "sent"
    assert planned[("confirm_alert", 180)]["status"] == "sent"
    assert planned[("checkin", 1440)]["status"] == "pending"


async def test_an_offset_already_past_at_booking_is_skipped(bot):
    visit_id = book(bot, at(2026, 6, 10, 12, 0))  # three hours ahead: only the 2 h reminder remains
    assert {key for key, row in rows(bot, visit_id).items() if row["kind"] == "reminder"} == {("reminder", 120)}
    assert dispatcher_of(bot.app).armed_for == at(2026, 6, 10, 10, 0)


@pytest.mark.parametrize("visit, first, second, hours_between", [
    # spring forward: the day before is 10:00 EST, 23 real hours earlier; 2 h before is 08:00 EDT
    (at(2026, 3, 8, 10, 0), at(2026, 3, 7, 10, 0), at(2026, 3, 8, 8, 0), 23),
    # fall back: the day before is 10:00 EDT, 25 real hours earlier; 2 h before is 08:00 EST
    (at(2026, 11, 1, 10, 0), at(2026, 10, 31, 10, 0), at(2026, 11, 1, 8, 0), 25),
])
async def test_reminders_keep_the_local_hour_across_daylight_saving(bot, visit, first, second, hours_between):
    user = bot.user(PATIENT)
    bot.clock.set(visit - timedelta(days=3))
    visit_id = book(bot, visit)
    due = from_db(rows(bot, visit_id)[("reminder", 1440)]["due_at"])
    assert due == first
    assert visit.astimezone(UTC) - due == timedelta(hours=hours_between)
    await run_at(bot, first - timedelta(minutes=1))
    assert user.messages == []
    await run_at(bot, first)
    assert len(user.messages) == 1
    assert "at 10:00" in user.last().text
    await run_at(bot, second - timedelta(minutes=1))
    assert len(user.messages) == 1
    await run_at(bot, second)
    assert len(user.messages) == 2
    assert "at 10:00" in user.last().text


# ----- booking changes ------------------------------------------------------------------


async def test_cancelling_removes_pending_reminders_and_nothing_is_ever_sent(bot):
    user, staff = bot.user(PATIENT), bot.staff()
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    cancel(bot, visit_id)
    assert {r["status"] for r in rows(bot, visit_id).values()} == {"cancelled"}
    # the job may still wake at the old time: it finds nothing and re-arms (one empty wake)
    for when in (at(2026, 6, 11, 10, 0), at(2026, 6, 12, 8, 0), at(2026, 6, 13, 11, 0)):
        await run_at(bot, when)
    assert user.messages == []
    assert staff.messages == []


async def test_a_visit_cancelled_without_the_listener_is_still_never_reminded(bot):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    bot.db.execute("update visits set status = 'cancelled' where id = ?", [visit_id])  # a path that forgot to tell us
    await run_at(bot, at(2026, 6, 11, 10, 0))
    assert user.messages == []
    assert rows(bot, visit_id)[("reminder", 1440)]["outcome"] == "visit_cancelled"


async def test_rescheduling_moves_the_reminders(bot):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    reschedule(bot, visit_id, at(2026, 6, 15, 15, 30))
    assert from_db(rows(bot, visit_id)[("reminder", 1440)]["due_at"]) == at(2026, 6, 14, 15, 30)
    await run_at(bot, at(2026, 6, 11, 10, 0))
    await run_at(bot, at(2026, 6, 12, 8, 0))
    assert user.messages == []
    await run_at(bot, at(2026, 6, 14, 15, 30))
    assert len(user.messages) == 1
    assert "Monday 15 June 2026 at 15:30" in user.last().text


async def test_rescheduling_back_to_a_time_already_reminded_does_not_repeat_it(bot):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    await run_at(bot, at(2026, 6, 11, 10, 0))
    reschedule(bot, visit_id, at(2026, 6, 12, 16, 0))
    reschedule(bot, visit_id, at(2026, 6, 12, 10, 0))
    await run_at(bot, at(2026, 6, 11, 10, 1))
    assert len(user.messages) == 1


async def test_a_change_made_in_an_update_rearms_the_job_after_the_update(bot):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 20, 10, 0))
    dispatcher = dispatcher_of(bot.app)
    assert dispatcher.armed_for == at(2026, 6, 19, 10, 0)
    reschedule(bot, visit_id, at(2026, 6, 10, 13, 0), wake_now=False)  # as a handler would, mid-update
    assert dispatcher.armed_for == at(2026, 6, 19, 10, 0)
    await user.send("/help")  # the post-update hook runs after this update's handlers
    await bot.settle()
    assert dispatcher.armed_for == at(2026, 6, 10, 10, 0)  # the staff confirm-by alert, 3 h before
    [job] = bot.app.job_queue.get_jobs_by_name("reminders-dispatcher")
    assert job.next_t is not None
    assert job.job.misfire_grace_time is None, "a late wake must still run, never be dropped"


async def test_one_job_whatever_the_number_of_reminders(bot):
    jobs_before = len(bot.app.job_queue.jobs())
    for day in range(12, 22):
        book(bot, at(2026, 6, day, 10, 0), user_id=PATIENT + day)
    assert len(bot.app.job_queue.jobs()) == jobs_before
    assert len(bot.app.job_queue.get_jobs_by_name("reminders-dispatcher")) == 1
    assert bot.db.execute("select count(*) from reminders where status = 'pending'").fetchone()[0] == 40


# ----- confirm --------------------------------------------------------------------------


async def test_confirm_records_once_and_stops_the_staff_alert(bot):
    user, staff = bot.user(PATIENT), bot.staff()
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    await run_at(bot, at(2026, 6, 11, 10, 0))
    message = user.last()
    await user.press(message, "Confirm")
    await user.wait_for("You have confirmed this visit")
    confirmed_at = bot.db.execute("select confirmed_at from visits where id = ?", [visit_id]).fetchone()[0]
    assert confirmed_at == to_db(at(2026, 6, 11, 10, 0))
    assert "You have confirmed this visit" in user.last().text
    assert "✅ Confirm" not in user.last().button_labels()
    assert "🔁 Reschedule" in user.last().button_labels()

    bot.clock.advance(timedelta(minutes=5))
    await user.press_data(message.message_id, callbacks.encode("rem", "cf", visit_id))  # a second tap
    assert await toasts(bot, 1) == ["You have already confirmed this visit."]
    assert bot.db.execute("select confirmed_at from visits where id = ?", [visit_id]).fetchone()[0] == confirmed_at

    await run_at(bot, at(2026, 6, 12, 7, 0))
    assert staff.messages == []
    assert rows(bot, visit_id)[("confirm_alert", 180)]["outcome"] == "already_confirmed"


async def test_confirm_of_another_patients_visit_or_forged_data_changes_nothing(bot):
    owner, other = bot.user(PATIENT), bot.user(2002, "Eve")
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    await run_at(bot, at(2026, 6, 11, 10, 0))
    await other.send("/start")
    await other.wait_for("Welcome")
    for data in (callbacks.encode("rem", "cf", visit_id), "rem:cf:notanumber", "rem:zz:1", "rem"):
        await other.press_data(other.last().message_id, data)
    assert all("no longer active" in toast for toast in await toasts(bot, 4))
    assert bot.db.execute("select confirmed_at from visits where id = ?", [visit_id]).fetchone()[0] is None
    assert owner.last().button_labels()[0] == "✅ Confirm"


async def test_a_cancelled_visit_cannot_be_confirmed(bot):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    await run_at(bot, at(2026, 6, 11, 10, 0))
    cancel(bot, visit_id)
    await user.press(user.last(), "Confirm")
    assert "can no longer be confirmed" in (await toasts(bot, 1))[0]
    assert bot.db.execute("select confirmed_at from visits where id = ?", [visit_id]).fetchone()[0] is None


# ----- restarts and crashes ------------------------------------------------------------------


async def test_restart_before_the_reminder_time(bot):
    user = bot.user(PATIENT)
    book(bot, at(2026, 6, 12, 10, 0))
    await bot.restart()
    assert dispatcher_of(bot.app).armed_for == at(2026, 6, 11, 10, 0)
    await run_at(bot, at(2026, 6, 11, 10, 0))
    assert len(user.messages) == 1


async def test_down_over_the_reminder_time_sends_it_at_start_within_grace(bot):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    await bot.stop()
    bot.clock.set(at(2026, 6, 11, 10, 20))  # down from before 10:00 until 10:20; grace is 30 min
    await bot.start()
    await user.wait_for("Reminder")  # the start-up wake goes off at once, no clock move needed
    await run_at(bot, at(2026, 6, 11, 10, 21))
    assert len(user.messages) == 1
    assert rows(bot, visit_id)[("reminder", 1440)]["status"] == "sent"


async def test_down_for_longer_than_grace_records_the_reminder_as_skipped(bot):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    await bot.stop()
    bot.clock.set(at(2026, 6, 11, 11, 0))
    await bot.start()
    await run_at(bot, at(2026, 6, 11, 11, 0))
    assert user.messages == []
    row = rows(bot, visit_id)[("reminder", 1440)]
    assert (row["status"], row["outcome"]) == ("skipped", "grace_expired")
    assert dispatcher_of(bot.app).armed_for == at(2026, 6, 12, 7, 0)  # the rest still stands


async def test_restart_after_the_reminder_was_sent_does_not_repeat_it(bot):
    user = bot.user(PATIENT)
    book(bot, at(2026, 6, 12, 10, 0))
    await run_at(bot, at(2026, 6, 11, 10, 0))
    await bot.restart()
    await run_at(bot, at(2026, 6, 11, 10, 1))
    assert len(user.messages) == 1


async def test_restart_while_a_reminder_is_being_delivered_sends_it_once(bot, devserver):
    user = bot.user(PATIENT)
    book(bot, at(2026, 6, 12, 10, 0))
    dispatcher = dispatcher_of(bot.app)
    dispatcher.backoff_base = 0.2
    devserver.fail_next("sendMessage", status=502, description="Bad Gateway")
    bot.clock.set(at(2026, 6, 11, 10, 0))
    task = asyncio.ensure_future(dispatcher.run_due())
    await asyncio.sleep(0.05)  # the first attempt failed; the retry waits
    await bot.restart()  # the stop waits for the delivery in flight
    assert task.done()
    await run_at(bot, at(2026, 6, 11, 10, 1))
    assert len(user.messages) == 1


async def test_a_crash_between_claim_and_send_resends_once_and_shows_it(bot):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    bot.clock.set(at(2026, 6, 11, 10, 0))
    [claimed] = store.claim_due(bot.db, bot.clock.now(), 10)  # claimed ... and the worker dies
    await bot.restart()
    await run_at(bot, at(2026, 6, 11, 10, 1))
    assert len(user.messages) == 1
    row = rows(bot, visit_id)[("reminder", 1440)]
    assert row["id"] == claimed["id"]
    assert (row["status"], row["claims"], row["outcome"]) == ("sent", 2, "resent_after_crash")


async def test_a_second_crash_on_the_same_reminder_does_not_resend_again(bot):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    bot.clock.set(at(2026, 6, 11, 10, 0))
    store.claim_due(bot.db, bot.clock.now(), 10)
    await bot.stop()
    db = open_database(bot.database)  # the next start (worker "second") requeues it, claims it again, dies too
    store.recover_claimed(db, bot.clock.now(), "second")
    store.claim_due(db, bot.clock.now(), 10, "second")
    db.close()
    await bot.start()
    await run_at(bot, at(2026, 6, 11, 10, 1))
    assert user.messages == []
    row = rows(bot, visit_id)[("reminder", 1440)]
    assert (row["status"], row["outcome"]) == ("failed", "crashed_twice_not_resent")


async def test_cancelled_between_claim_and_send_is_never_sent_even_across_a_crash(bot):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    bot.clock.set(at(2026, 6, 11, 10, 0))
    store.claim_due(bot.db, bot.clock.now(), 10)
    cancel(bot, visit_id)
    await bot.restart()
    await run_at(bot, at(2026, 6, 11, 10, 1))
    assert user.messages == []
    assert rows(bot, visit_id)[("reminder", 1440)]["outcome"] == "visit_cancelled"


# ----- delivery failures ---------------------------------------------------------------------


async def test_429_waits_and_delivers_once(bot, devserver):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    devserver.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 1", retry_after=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await run_at(bot, at(2026, 6, 11, 10, 0))
    assert loop.time() - started >= 1.0, "the retry waited Telegram's retry_after"
    assert len(user.messages) == 1
    assert devserver.stats["injected"] == 1
    sends = [c for c in devserver.calls if c.method.lower() == "sendmessage"]
    assert len(sends) == 2, "one refused, one delivered: no hidden retry by the app's rate limiter"
    row = rows(bot, visit_id)[("reminder", 1440)]
    # The dispatcher saw the 429 itself (not the limiter), so the row tells the whole story.
    assert (row["status"], row["attempts"], row["outcome"]) == ("sent", 2, "sent_after_rate_limited")
    assert row["last_error"] == "429 retry_after=1s (attempt 1)"
    assert row["message_id"] == user.last().message_id


async def test_repeated_429s_pause_for_retry_after_each_time_and_are_recorded(bot, devserver, waits):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    devserver.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 7", retry_after=7,
                        count=2)
    await run_at(bot, at(2026, 6, 11, 10, 0))
    assert len(user.messages) == 1
    assert waits == [pytest.approx(7, abs=0.5)] * 2
    row = rows(bot, visit_id)[("reminder", 1440)]
    assert (row["status"], row["attempts"], row["outcome"]) == ("sent", 3, "sent_after_rate_limited")
    assert row["last_error"] == "429 retry_after=7s (attempt 2)"


async def test_429_on_every_attempt_gives_up_and_records_it(bot, devserver, waits):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    devserver.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 5", retry_after=5,
                        count=10)
    await run_at(bot, at(2026, 6, 11, 10, 0))
    assert user.messages == []
    row = rows(bot, visit_id)[("reminder", 1440)]
    assert (row["status"], row["attempts"], row["outcome"]) == ("failed", 4, "gave_up_rate_limited")
    assert row["last_error"] == "429 retry_after=5s (attempt 4)"


async def test_a_burst_of_due_reminders_is_paced_under_telegrams_30_per_second(bot, devserver):
    # Reminder sends take slots of the bot's one send budget (29/s, Telegram's 1 s window guarded).
    due = 32
    for offset in range(due):
        bot.user(5000 + offset)
        book(bot, at(2026, 6, 12, 10, 0), user_id=5000 + offset)
    await run_at(bot, at(2026, 6, 11, 10, 0))
    times = sorted(c.time for c in devserver.calls if c.method.lower() == "sendmessage")
    assert len(times) == due
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 30, "the pace must stay under Telegram's 30/s even with jitter"
    assert bot.db.execute("select count(*) from reminders where status = 'sent'").fetchone()[0] == due


async def test_server_errors_are_retried_with_backoff(bot, devserver, waits):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    devserver.fail_next("sendMessage", status=500, count=2)
    await run_at(bot, at(2026, 6, 11, 10, 0))
    assert len(user.messages) == 1
    assert waits == [1.0, 2.0]
    row = rows(bot, visit_id)[("reminder", 1440)]
    assert (row["status"], row["attempts"], row["outcome"]) == ("sent", 3, "sent_after_network_error")


async def test_retries_are_bounded_and_the_failure_recorded(bot, devserver, waits):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    devserver.fail_next("sendMessage", status=503, description="Service Unavailable", count=10)
    await run_at(bot, at(2026, 6, 11, 10, 0))
    assert user.messages == []
    row = rows(bot, visit_id)[("reminder", 1440)]
    assert (row["status"], row["attempts"], row["outcome"]) == ("failed", 4, "gave_up_network_error")


async def test_a_blocked_patient_is_marked_and_staff_are_told_once(bot):
    user, staff = bot.user(PATIENT), bot.staff()
    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    user.block()
    await bot.settle()
    await run_at(bot, at(2026, 6, 11, 10, 0))
    assert patients.is_blocked(bot.db, PATIENT)
    assert rows(bot, visit_id)[("reminder", 1440)]["status"] == "blocked"
    [alert] = staff.messages
    assert "Cannot reach a patient" in alert.text
    assert "Ada Tester" in alert.text
    assert "555-0101" in alert.text
    await run_at(bot, at(2026, 6, 12, 8, 0))
    row = rows(bot, visit_id)[("reminder", 120)]
    assert (row["status"], row["outcome"]) == ("blocked", "patient_blocked")
    assert len([m for m in staff.messages if "Cannot reach" in m.text]) == 1


# ----- check-ins and the staff trend ------------------------------------------------------------


async def test_checkin_answers_are_stored_once_and_shown_to_staff_as_a_trend(bot):
    user, staff, other = bot.user(PATIENT), bot.staff(), bot.user(2002, "Eve")
    first = book(bot, at(2026, 6, 10, 11, 0))
    await run_at(bot, at(2026, 6, 11, 12, 0))  # a day after the visit ended
    checkin = user.last()
    assert "How is your pain today" in checkin.text
    assert checkin.button_labels() == [str(n) for n in range(11)]
    reminder_id = rows(bot, first)[("checkin", 1440)]["id"]
    await user.press(checkin, callbacks.encode("rem", "ci", reminder_id, 6))
    await user.wait_for("noted your pain today as 6")
    await user.press_data(checkin.message_id, callbacks.encode("rem", "ci", reminder_id, 2))  # a second tap
    assert await toasts(bot, 1) == ["You already answered this check-in (6 out of 10)."]
    await other.send("/start")
    await other.wait_for("Welcome")
    await other.press_data(other.last().message_id, callbacks.encode("rem", "ci", reminder_id, 9))  # forged
    await other.press_data(other.last().message_id, callbacks.encode("rem", "ci", reminder_id, 11))
    assert all("no longer active" in toast for toast in await toasts(bot, 2))
    assert [r["score"] for r in bot.db.query("select score from checkins")] == [6]

    second = book(bot, at(2026, 6, 17, 11, 0))
    await run_at(bot, at(2026, 6, 18, 12, 0))
    await user.press(user.last(), callbacks.encode("rem", "ci", rows(bot, second)[("checkin", 1440)]["id"], 3))
    await user.wait_for("noted your pain today as 3")

    await staff.send("/checkins")
    reply = await staff.wait_for("Pain after visits")
    assert "Ada Tester (id 1001): 6 → 3 (better)" in reply.text
    await staff.send(f"/checkins {PATIENT}")
    reply = await staff.wait_for("Pain scores of patient")
    assert "6/10 after Acupuncture" in reply.text
    assert "3/10" in reply.text
    await staff.send("/checkins bob")
    assert "Usage" in (await staff.wait_for("Usage")).text
    await user.send("/checkins")
    assert "Pain after visits" not in (await user.wait_for("only for the clinic's staff")).text


async def test_no_checkin_after_a_no_show(bot):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 10, 11, 0))
    bot.clock.set(at(2026, 6, 10, 12, 30))
    with bot.db.atomic():
        bot.db.execute("update visits set status = 'no_show' where id = ?", [visit_id])
        visit_changed(bot.db, bot.deps.hooks.visit_changed, visit_id, visit_events.NO_SHOW, bot.clock.now())
    await run_at(bot, at(2026, 6, 11, 12, 0))
    assert user.messages == []


# ----- hooks: status, purge, personal data --------------------------------------------------


async def test_status_purge_and_personal_data_hooks(bot):
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 10, 11, 0))
    later = book(bot, at(2026, 7, 1, 11, 0))
    [status] = FEATURE.status
    assert dict(status(bot.db, bot.clock.now())) == {"reminders pending": "5",  # the first visit: only its check-in
                                                    "next reminder due": "2026-06-11T16:00:00Z"}
    await run_at(bot, at(2026, 6, 11, 12, 0))
    reminder_id = rows(bot, visit_id)[("checkin", 1440)]["id"]
    await user.press(user.last(), callbacks.encode("rem", "ci", reminder_id, 5))
    await user.wait_for("noted your pain today as 5")
    assert FEATURE.export_data(bot.db, PATIENT) == {
        "checkins": [{"visit_id": visit_id, "score": 5, "answered_at": "2026-06-11T16:00:00Z"}]}

    with bot.db.atomic():
        FEATURE.erase_data(bot.db, PATIENT, bot.clock.now())
    assert FEATURE.export_data(bot.db, PATIENT) == {"checkins": []}
    assert {r["status"] for r in rows(bot, later).values()} == {"cancelled"}

    bot.db.execute("insert into checkins (reminder_id, visit_id, user_id, score, answered_at) "
                   "values (?, ?, ?, 4, '2026-06-11T17:00:00Z')", [reminder_id, visit_id, PATIENT])
    expected = len(rows(bot, visit_id)) + 1
    assert FEATURE.purge(bot.db, at(2026, 6, 20, 0, 0)) == expected
    assert rows(bot, visit_id) == {}
    assert rows(bot, later) != {}


# ----- configuration ------------------------------------------------------------------------


def write_clinic(tmp_path, table: str):
    path = tmp_path / "clinic.toml"
    text = example_clinic_file().read_text(encoding="utf-8").split("[reminders]")[0]
    path.write_text(text + table, encoding="utf-8")
    return load_clinic(path)


def test_a_clinic_without_a_reminders_table_gets_the_defaults(tmp_path):
    assert policy_from_clinic(write_clinic(tmp_path, "")) == Policy()


def test_the_example_clinic_table_is_read():
    policy = policy_from_clinic(load_clinic(example_clinic_file()))
    assert policy == Policy(offsets=(1440, 120), grace_minutes=30, confirm_by_minutes=180, checkin_after_minutes=1440)


@pytest.mark.parametrize("table, problem", [
    ('[reminders]\noffsets = "24h"\n', "must be a list"),
    ('[reminders]\noffsets = ["tomorrow"]\n', "offsets"),
    ('[reminders]\ngrace = "0m"\n', "grace"),
    ('[reminders]\nconfirm_by = -5\n', "confirm_by"),
    ('[reminders]\ncheckin = "1d"\n', "unknown setting"),
])
def test_bad_reminder_settings_name_the_problem(tmp_path, table, problem):
    with pytest.raises(ConfigError, match=problem):
        policy_from_clinic(write_clinic(tmp_path, table))


# ----- with the real booking feature -------------------------------------------------------------


@pytest_asyncio.fixture
async def two_day_bot(start_bot, tmp_path):
    """A worker whose clinic reminds two days ahead, outside booking's 24-hour cancellation window."""
    folder = tmp_path / "clinic"
    shutil.copytree(example_clinic_file().parent, folder)
    clinic = folder / "clinic.toml"
    text = clinic.read_text(encoding="utf-8").replace('offsets = ["24h", "2h"]', 'offsets = ["2d", "2h"]')
    clinic.write_text(text, encoding="utf-8")
    return await start_bot(clinic_path=clinic)


async def test_cancel_from_a_reminder_goes_through_booking_and_stops_the_rest(two_day_bot):
    bot = two_day_bot
    user = bot.user(PATIENT)
    visit_id = book(bot, at(2026, 6, 15, 10, 0))
    await run_at(bot, at(2026, 6, 13, 10, 0))
    assert "Monday 15 June 2026 at 10:00" in user.last().text
    await user.press(user.last(), "Cancel visit")
    await user.press(await user.wait_for("Cancel your"), "Yes, cancel it")  # booking asks first
    await bot.settle()
    assert bot.db.execute("select status from visits where id = ?", [visit_id]).fetchone()[0] == "cancelled"
    assert {r["status"] for key, r in rows(bot, visit_id).items() if key != ("reminder", 2880)} == {"cancelled"}
    count = len(user.messages)
    for when in (at(2026, 6, 15, 7, 0), at(2026, 6, 15, 8, 0), at(2026, 6, 16, 11, 0)):
        await run_at(bot, when)
    assert len(user.messages) == count


async def test_a_confirmed_visit_shows_as_confirmed_in_today(bot):
    user, staff = bot.user(PATIENT), bot.staff()
    book(bot, at(2026, 6, 11, 15, 0))
    await run_at(bot, at(2026, 6, 10, 15, 0))
    await user.press(user.last(), "Confirm")
    await user.wait_for("You have confirmed this visit")
    bot.clock.set(at(2026, 6, 11, 8, 0))
    await staff.send("/today")
    agenda = await staff.wait_for("Ada Tester")
    assert "✅ confirmed" in agenda.text
