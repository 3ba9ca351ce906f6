"""Sends due reminders: woken by one PTB job at the next due time, never one job per reminder.

Each wake claims due rows in small batches (work grows with what is due,
not with what is pending), delivers them with bounded retries, records
every outcome on the row, and re-arms the single job for the next due time.

Sends bypass the app's AIORateLimiter (as the newsletter engine's do): its
hidden retries would wait out a 429 unseen, and the row would claim a clean
first-try send. The dispatcher paces itself instead and, on a 429, pauses all
of its sends for `retry_after` before retrying.

A send that timed out (it may have arrived) is not retried; staff are told.
Such reminders wait in their rows until NOTICE_WINDOW after the first was
found, then one notice per staff chat lists them all with one "resend all"
button: an outage that times out 200 sends gives each staff chat one message,
not 200. A wake still delivering tells staff at the latest after
NOTICE_MAX_WAIT. Which reminders were told, and to which chats, is in SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, Job
from telegram.warnings import PTBDeprecationWarning

from wellbot.bot.deps import Deps
from wellbot.bot.messaging import may_have_arrived, send, send_html
from wellbot.bot.ratelimit import REMINDER_LANE, BulkAwareRateLimiter
from wellbot.core import patients
from wellbot.core.busy import before_writing, wait_while_busy
from wellbot.core.db import is_busy
from wellbot.core.i18n import speaking
from wellbot.reminders import store, views
from wellbot.reminders.times import CHECKIN, CONFIRM_ALERT, REMINDER, Policy, overdue_fate
from wellbot.staff import notify_staff, staff_chats

log = logging.getLogger(__name__)

JOB_NAME = "reminders-dispatcher"
BATCH_SIZE = 50
SEND_CONCURRENCY = 8  # in flight at once; their pace is the bot's one send budget (wellbot.core.budget)
MAX_ATTEMPTS = 4  # per reminder and wake: the first try plus three retries
UNCERTAIN_OUTCOME = store.UNCERTAIN  # written to Telegram, no answer: it may have arrived
RESEND_ALREADY = "already"  # a staff resend found the row no longer uncertain: another tap got there first
RESEND_VISIT_OFF = "visit_off"  # the visit was cancelled, moved or has begun: no reminder to resend
RESEND_UNCERTAIN = "uncertain"  # the resend's answer was lost too: it may have arrived
BACKOFF_BASE_SECONDS = 1.0  # network/5xx: 1 s, 2 s, 4 s
MAX_RETRY_AFTER_SECONDS = 60.0  # a longer flood wait is capped; the next attempt may 429 again
# Also wake at least this often, so a change made outside an update (another
# process, a job) is noticed within this time even if nothing re-armed us.
SAFETY_INTERVAL_SECONDS = 30.0
# Uncertain reminders found within this time of the first share one staff notice (a burst of timeouts is one
# outage); a wake still delivering holds its notice back at most NOTICE_MAX_WAIT, so staff are not kept waiting.
NOTICE_WINDOW = timedelta(seconds=60)
NOTICE_MAX_WAIT = timedelta(minutes=5)
BUSY_STEP = 0.05  # seconds before a write refused on a locked database is tried again (off the loop)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class SendResult:
    """What the bounded retries of one reminder came to."""

    status: str
    outcome: str
    attempts: int
    message_id: int | None = None
    last_error: str | None = None  # the latest failed attempt, e.g. "429 retry_after=1s (attempt 1)"


class Dispatcher:
    """The one reminder sender of this worker."""

    def __init__(self, application: Application, deps: Deps, policy: Policy, *, sleep: Sleep = asyncio.sleep,
                 backoff_base: float = BACKOFF_BASE_SECONDS) -> None:
        self.application = application
        self.deps = deps
        self.policy = policy
        self.sleep = sleep  # injectable: tests check the waits without waiting
        self.backoff_base = backoff_base
        self.owner = deps.worker_id  # the lease id our claims carry (compare-and-set on status and owner)
        self.armed_for: datetime | None = None
        self.wakes = 0
        self._job: Job | None = None
        self._lock = asyncio.Lock()
        self._stopping = False
        self._send_options: dict[str, Any] = {}
        if isinstance(getattr(application.bot, "rate_limiter", None), BulkAwareRateLimiter):
            # A REMINDER slot of the shared budget: after patients' replies, before news; a 429 is ours to see.
            self._send_options["rate_limit_args"] = REMINDER_LANE
        self._paused_until = 0.0
        self._notice_held_until: datetime | None = None  # after a failed notice: do not wake for it before then
        self._recovered = True  # loop time: a 429 holds back every send of this dispatcher until then

    # ----- lifecycle -----------------------------------------------------------------

    def start(self) -> None:
        """Rebuild from the database after a (re)start, then arm the wake-up."""
        try:
            self._recover()
        except Exception as exc:
            if not is_busy(exc):
                raise
            self._recovered = False  # another process holds the lock: recover on the first wake instead
        self.arm()

    def _recover(self) -> None:
        """Take back rows other (dead or fenced-off) workers left claimed."""
        requeued, failed = store.recover_claimed(self.deps.db, self.deps.clock.now(), self.owner)
        self._recovered = True
        if requeued or failed:
            log.warning("reminders claimed before a crash: resending=%s not_resent=%s", requeued, failed)

    async def _write(self, write: Callable[[], Any]) -> Any:
        """Run a database write; while another process holds the lock, wait off the loop and try again."""
        while True:
            await before_writing(self.deps.db)
            try:
                return write()
            except Exception as exc:
                if not is_busy(exc):
                    raise
            log.info("database busy (another process is writing): reminder write again when it is free")
            await wait_while_busy(self.deps.db, BUSY_STEP)

    async def stop(self) -> None:
        """Stop waking and wait for a delivery in progress to finish."""
        self._stopping = True
        self._cancel_job()
        async with self._lock:
            pass

    # ----- waking --------------------------------------------------------------------

    def arm(self) -> None:
        """(Re)schedule the single job at the earliest pending due time, or the safety interval."""
        if self._stopping:
            return
        due, now = store.next_due(self.deps.db), self.deps.clock.now()
        delay = SAFETY_INTERVAL_SECONDS
        for when in (due, self._notice_due()):
            if when is not None:
                delay = min(max((when - now).total_seconds(), 0.0), delay)
        self._cancel_job()
        # APScheduler drops a job more than 1 s late by default; this one must always run.
        self._job = self.application.job_queue.run_once(self._on_job, when=delay, name=JOB_NAME,
                                                        job_kwargs={"misfire_grace_time": None})
        self.armed_for = due

    def wake_for(self, due: datetime | None) -> None:
        """Re-arm if something is now due earlier than the job is set for."""
        if due is not None and (self.armed_for is None or due < self.armed_for):
            self.arm()

    def _cancel_job(self) -> None:
        """Remove the armed job, if it has not run yet."""
        job, self._job = self._job, None
        if job is not None and not job.removed:
            with contextlib.suppress(LookupError):  # it already ran: APScheduler forgot it
                job.schedule_removal()

    async def _on_job(self, context: object) -> None:
        """The JobQueue callback."""
        self._job = None
        await self.run_due()

    # ----- delivering ------------------------------------------------------------------

    async def run_due(self) -> int:
        """Deliver everything due now, batch by batch; then re-arm. Returns rows handled."""
        handled = 0
        async with self._lock:
            self.wakes += 1
            if not self._recovered:
                await self._write(self._recover)
            while self._running():
                batch = await self._write(
                    lambda: store.claim_due(self.deps.db, self.deps.clock.now(), BATCH_SIZE, self.owner))
                if not batch:
                    break
                handled += len(batch)
                await self._deliver_batch(batch)
                await self._notify_staff_if_due(NOTICE_MAX_WAIT)
            await self._notify_staff_if_due(NOTICE_WINDOW)
            self.arm()
        return handled

    def _running(self) -> bool:
        """False once the worker is stopping: claim nothing new."""
        return not self._stopping and self.application.running

    async def _deliver_batch(self, batch: list[dict]) -> None:
        """Deliver a claimed batch, a few at a time; rows not started when stopping go back."""
        gate = asyncio.Semaphore(SEND_CONCURRENCY)

        async def one(row: dict) -> None:
            """Deliver one row when a slot is free."""
            async with gate:
                if not self._running():
                    await self._write(lambda: store.release(self.deps.db, [row["id"]], self.deps.clock.now(),
                                                            self.owner))
                    return
                await self._deliver_safely(row)

        await asyncio.gather(*(one(row) for row in batch))

    async def _deliver_safely(self, row: dict) -> None:
        """Deliver one row; a bug in one row is recorded on it, not spread to the batch."""
        try:
            await self._deliver(row)
        except Exception as exc:  # recorded on the row and logged; the batch goes on
            log.exception("reminder delivery failed reminder_id=%s error=%s", row["id"], type(exc).__name__)
            outcome = f"internal_error:{type(exc).__name__}"
            await self._write(lambda: store.finish(self.deps.db, row["id"], store.FAILED, outcome,
                                                   self.deps.clock.now(), owner=self.owner))

    async def _deliver(self, row: dict) -> None:
        """Check the visit is still on, then send the reminder, staff alert or check-in."""
        deps, now = self.deps, self.deps.clock.now()
        visit = store.visit(deps.db, row["visit_id"])
        reason = skip_reason(row, visit, now, self.policy)
        if reason:
            await self._write(lambda: store.finish(deps.db, row["id"], store.SKIPPED, reason, now, owner=self.owner))
            log.info("reminder skipped reminder_id=%s reason=%s", row["id"], reason)
            return
        if row["kind"] == CONFIRM_ALERT:
            await self._alert_unconfirmed(row, visit)
            return
        if for_front_desk(row, visit):
            await self._call_list(row, visit)
            return
        if visit["patient_status"] == patients.BLOCKED:
            await self._write(lambda: store.finish(deps.db, row["id"], store.BLOCKED, "patient_blocked", now,
                                                   owner=self.owner))
            await self._alert_blocked(row, visit)
            return
        with speaking(deps.language_of(visit["user_id"])):  # each reminder in its patient's language
            parts, keyboard = self._render(row, visit)
        result = await self._send_with_retries(row, visit["chat_id"], parts, keyboard)
        if not await self._write(lambda: store.finish(
                deps.db, row["id"], result.status, result.outcome, deps.clock.now(), attempts=result.attempts,
                message_id=result.message_id, last_error=result.last_error, owner=self.owner)):
            log.warning("reminder outcome not recorded: another worker took the row back reminder_id=%s", row["id"])
        log.info("reminder delivered reminder_id=%s kind=%s status=%s outcome=%s attempts=%s lateness_s=%.1f",
                 row["id"], row["kind"], result.status, result.outcome, result.attempts,
                 (deps.clock.now() - store.from_db(row["due_at"])).total_seconds())
        if result.status == store.BLOCKED:
            await self._alert_blocked(row, visit)
        # An uncertain row waits for the next staff notice (_notify_staff_if_due): staff decide on a second copy.

    async def resend_uncertain(self, reminder_id: int, by: int) -> str:
        """Staff chose to send an uncertain reminder again: once, whoever taps; sent, uncertain, failed or already."""
        deps = self.deps
        row = await self._write(lambda: store.claim_uncertain(deps.db, reminder_id, deps.clock.now(), self.owner))
        if row is None:
            return RESEND_ALREADY
        visit = store.visit(deps.db, row["visit_id"])
        if skip_reason(row, visit, deps.clock.now(), self.policy) not in (None, "grace_expired"):
            # Cancelled, moved or begun: nothing to remind of. Left as it was, uncertain.
            await self._write(lambda: store.finish(deps.db, row["id"], store.FAILED, UNCERTAIN_OUTCOME,
                                                   deps.clock.now(), owner=self.owner))
            return RESEND_VISIT_OFF
        with speaking(deps.language_of(visit["user_id"])):
            parts, keyboard = self._render(row, visit)
        result = await self._send_with_retries(row, visit["chat_id"], parts, keyboard)
        outcome = f"resent_by_staff:{by}" if result.status == store.SENT else result.outcome
        if outcome == UNCERTAIN_OUTCOME:  # once each: a later tap (or "resend all") finds it handled
            outcome = store.UNCERTAIN_AGAIN
        await self._write(lambda: store.finish(
            deps.db, row["id"], result.status, outcome, deps.clock.now(), attempts=result.attempts,
            message_id=result.message_id, last_error=result.last_error, owner=self.owner))
        log.info("uncertain reminder resent by staff reminder_id=%s by=%s status=%s outcome=%s", row["id"], by,
                 result.status, result.outcome)
        return RESEND_UNCERTAIN if result.outcome == UNCERTAIN_OUTCOME else result.status

    async def resend_notice(self, notice_id: int, by: int) -> Counter[str]:
        """Staff chose to resend every reminder of a notice still uncertain: each once, whoever taps first."""
        results: Counter[str] = Counter()
        gate = asyncio.Semaphore(SEND_CONCURRENCY)

        async def one(reminder_id: int) -> None:
            """Resend one (its claim is a compare-and-set: a second tap finds it taken)."""
            async with gate:
                results[await self.resend_uncertain(reminder_id, by)] += 1

        await asyncio.gather(*(one(rid) for rid in store.still_uncertain(self.deps.db, notice_id)))
        log.info("uncertain reminders resent by staff notice_id=%s by=%s results=%s", notice_id, by,
                 dict(results))
        return results

    # ----- telling staff of uncertain reminders ------------------------------------------------

    def _notice_due(self) -> datetime | None:
        """When the next staff notice is due: at once for one a restart cut short, or the window after the first."""
        due = None
        if store.unsent_notice(self.deps.db) is not None:
            due = self.deps.clock.now()
        elif (oldest := store.oldest_unnoticed(self.deps.db)) is not None:
            due = oldest + NOTICE_WINDOW
        if due is not None and self._notice_held_until is not None:
            due = max(due, self._notice_held_until)
        return due

    async def _notify_staff_if_due(self, wait: timedelta) -> None:
        """Tell staff of uncertain reminders when due; a bug here is logged, never stops reminders going out."""
        try:
            await self._notify_staff(wait)
        except Exception as exc:  # the rows keep waiting (or the notice stays unsent): the next wake tries again
            log.exception("uncertain reminder notice failed error=%s", type(exc).__name__)
            self._notice_held_until = self.deps.clock.now() + NOTICE_WINDOW  # a bug must not spin the wake-up

    async def _notify_staff(self, wait: timedelta) -> None:
        """Send the notice of uncertain reminders once the first has waited `wait` (or finish a cut-short one)."""
        deps = self.deps
        notice = store.unsent_notice(deps.db)
        if notice is None:
            oldest = store.oldest_unnoticed(deps.db)
            if oldest is None or deps.clock.now() - oldest < wait:
                return
            notice = await self._write(lambda: store.gather_notice(deps.db, deps.clock.now()))
            if notice is None:
                return
        await self._send_notice(notice)

    async def _send_notice(self, notice_id: int) -> None:
        """Send one notice to each staff chat that has not had it, recording each; then mark it sent."""
        deps = self.deps
        reminders = store.notice_reminders(deps.db, notice_id)
        told = store.notice_chats(deps.db, notice_id)
        delivered = 0
        for chat_id in staff_chats(deps.settings):
            if chat_id in told or not reminders:
                continue
            try:
                with speaking(deps.staff_language(chat_id)):  # each staff member's language; a group the default
                    message = await send(self.application.bot, deps, chat_id, "rem_staff_uncertain",
                                         keyboard=views.resend_all_keyboard(notice_id),
                                         **views.notice_values(deps, reminders))
            except TelegramError as exc:  # one staff chat out of reach must not keep the others waiting
                log.warning("uncertain reminder notice failed notice_id=%s staff_id=%s error=%s", notice_id,
                            chat_id, type(exc).__name__)
                continue
            if message is not None:
                delivered += 1
                await self._write(partial(store.record_notice_chat, deps.db, notice_id, chat_id, message.message_id,
                                          deps.clock.now()))
        await self._write(lambda: store.notice_sent(deps.db, notice_id, deps.clock.now()))
        log.info("staff told of uncertain reminders notice_id=%s reminders=%s chats=%s", notice_id, len(reminders),
                 delivered)

    def _render(self, row: dict, visit: dict) -> tuple[list[str], object]:
        """The message parts and buttons for a patient reminder or check-in."""
        values = views.visit_values(self.deps, visit)
        if row["kind"] == CHECKIN:
            return (self.deps.renderer.render_parts("rem_checkin", **values), views.checkin_keyboard(row["id"]))
        return (self.deps.renderer.render_parts("rem_reminder", **values),
                views.reminder_keyboard(visit["id"], values["confirmed"], values["changeable"],
                                       last=row["offset_minutes"] == min(self.policy.offsets, default=None),
                                       intake=views.intake_button(self.deps, visit["id"])))

    async def _send_with_retries(self, row: dict, chat_id: int, parts: list[str], keyboard: object) -> SendResult:
        """Send with bounded retries; every failed attempt shows in the result."""
        last, error = "none", None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            wait = 0.0
            try:
                await self._wait_turn()
                message = await send_html(self.application.bot, self.deps, chat_id, parts, keyboard,
                                          **self._send_options)
            except RetryAfter as exc:
                seconds = _retry_after(exc)
                last, error = "rate_limited", f"429 retry_after={seconds:g}s (attempt {attempt})"
                self._pause(min(seconds, MAX_RETRY_AFTER_SECONDS))
                log.info("reminder send rate limited reminder_id=%s attempt=%s retry_after_s=%s", row["id"],
                         attempt, seconds)
            except BadRequest as exc:  # permanent (chat not found, bad markup): retrying cannot help
                log.warning("reminder refused reminder_id=%s error=%s", row["id"], exc)
                return SendResult(store.FAILED, "bad_request", attempt, last_error=f"400 (attempt {attempt})")
            except NetworkError as exc:  # timeouts, connection errors, 5xx
                if may_have_arrived(exc):  # a resend could give the patient a second copy: never blindly
                    log.warning("reminder send uncertain, not resent reminder_id=%s attempt=%s error=%s", row["id"],
                                attempt, type(exc).__name__)
                    error = f"{type(exc).__name__}: no answer, may have arrived (attempt {attempt})"
                    return SendResult(store.FAILED, UNCERTAIN_OUTCOME, attempt, last_error=error)
                last, wait = "network_error", self.backoff_base * 2 ** (attempt - 1)
                error = f"{type(exc).__name__} (attempt {attempt})"
                log.info("reminder send retry reminder_id=%s attempt=%s error=%s", row["id"], attempt,
                         type(exc).__name__)
            except TelegramError as exc:
                log.warning("reminder send failed reminder_id=%s error=%s", row["id"], type(exc).__name__)
                return SendResult(store.FAILED, f"telegram_error:{type(exc).__name__}", attempt,
                                  last_error=f"{type(exc).__name__} (attempt {attempt})")
            else:
                if message is None:  # 403: send_html has marked the patient blocked
                    return SendResult(store.BLOCKED, "forbidden", attempt, last_error=f"403 (attempt {attempt})")
                outcome = "sent" if attempt == 1 else f"sent_after_{last}"
                if row["claims"] > 1:  # the idempotency key's second claim: a crash may have sent it already
                    outcome = "resent_after_crash"
                return SendResult(store.SENT, outcome, attempt, message.message_id, error)
            if attempt < MAX_ATTEMPTS and wait:
                await self.sleep(wait)
        return SendResult(store.FAILED, f"gave_up_{last}", MAX_ATTEMPTS, last_error=error)

    async def _wait_turn(self) -> None:
        """Wait out a 429 pause (the budget's slot is then taken in the rate limiter's reminder lane)."""
        delay = self._paused_until - asyncio.get_running_loop().time()
        if delay > 0:  # a pause extended meanwhile costs at most one more 429, which is retried too
            await self.sleep(delay)

    def _pause(self, seconds: float) -> None:
        """Hold back every send of this dispatcher for `seconds` (Telegram's retry_after)."""
        self._paused_until = max(self._paused_until, asyncio.get_running_loop().time() + seconds)

    async def _alert_unconfirmed(self, row: dict, visit: dict) -> None:
        """Tell staff to phone a patient who has not confirmed by the deadline."""
        delivered = await notify_staff(self.application.bot, self.deps, "rem_staff_unconfirmed",
                                       localized=lambda: views.visit_values(self.deps, visit))
        status = store.SENT if delivered else store.FAILED
        await self._write(lambda: store.finish(self.deps.db, row["id"], status, f"staff_notified:{delivered}",
                                               self.deps.clock.now(), attempts=1, owner=self.owner))

    async def _call_list(self, row: dict, visit: dict) -> None:
        """A phone-only patient's reminder goes to the front desk's call list instead."""
        delivered = await notify_staff(self.application.bot, self.deps, "rem_staff_call",
                                       localized=lambda: views.visit_values(self.deps, visit))
        status = store.SENT if delivered else store.FAILED
        await self._write(lambda: store.finish(self.deps.db, row["id"], status, f"front_desk:{delivered}",
                                               self.deps.clock.now(), attempts=1, owner=self.owner))

    async def _alert_blocked(self, row: dict, visit: dict) -> None:
        """Tell staff, once per visit, to phone a patient the bot can no longer reach."""
        if store.blocked_alert_already_sent(self.deps.db, visit["id"], row["id"]):
            return
        await notify_staff(self.application.bot, self.deps, "rem_staff_blocked",
                           localized=lambda: views.visit_values(self.deps, visit))


def for_front_desk(row: dict, visit: dict) -> bool:
    """A reminder for a patient the front desk booked by phone (no Telegram): staff phone them instead."""
    return row["kind"] == REMINDER and visit.get("phone_patient_id") is not None and visit["chat_id"] is None


def skip_reason(row: dict, visit: dict | None, now: datetime, policy: Policy) -> str | None:
    """Why a claimed row must not be sent now (visit gone, cancelled, moved, or too late), or None."""
    if visit is None:
        return "visit_missing"
    status = visit["status"]
    if row["kind"] in (REMINDER, CONFIRM_ALERT) and status != "booked":
        return f"visit_{status}"
    if row["kind"] == CHECKIN and status in ("cancelled", "no_show"):
        return f"visit_{status}"
    if row["kind"] == CONFIRM_ALERT and visit["confirmed_at"]:
        return "already_confirmed"
    if row["kind"] == CONFIRM_ALERT and visit.get("phone_patient_id") is not None and visit["chat_id"] is None:
        return "front_desk_calls"  # no Telegram, nothing to confirm: the call list already has them
    if row["kind"] != CONFIRM_ALERT and visit["chat_id"] is None and not for_front_desk(row, visit):
        return "no_patient"
    if row["idempotency_key"] != store.idempotency_key(visit["id"], row["kind"], row["offset_minutes"],
                                                       visit["start_utc"]):
        return "visit_moved"
    return overdue_fate(store.from_db(row["due_at"]), row["kind"], store.from_db(visit["start_utc"]), now,
                        policy.grace_minutes)


def _seconds(value: object) -> float:
    """RetryAfter.retry_after as seconds, whether PTB gives an int or a timedelta."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _retry_after(exc: RetryAfter) -> float:
    """Seconds Telegram asked us to wait (PTB 22 warns about the int form; both are fine here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        return _seconds(exc.retry_after)
