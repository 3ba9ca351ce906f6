"""Booking's actions: book, reschedule, cancel and mark a visit, for patients and staff alike.

Each action changes the database (the visit's declared `on_visit_changed`
hooks run in the same transaction), then tells the people who must know
through a `Notifier`, runs the features' after-booking or freed-time hooks,
and returns a `Result` for the caller to render. Handlers never repeat any
of this, so the patient's and the staff's paths cannot drift apart.

What booking, moving and cancelling owe people once the change is made (the
patient's confirmation and calendar file, the staff notices, the patient's
notice and calendar file when the clinic books, moves or cancels) is written to the
outbox in the change's own transaction and delivered right after the commit,
then retried until done, across a crash too (wellbot.bot.outbox). So a
failed send never makes the caller say "nothing was changed" about a change
that was made. No Telegram here: the notifier and the deliverer are the bot
layer's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from wellbot.booking import store
from wellbot.booking.common import eligible, hours_until, rules_of, service_name
from wellbot.booking.practitioners import Practitioner
from wellbot.core import outbox
from wellbot.core.clinic import Service
from wellbot.core.clock import to_db
from wellbot.core.deps import Deps
from wellbot.core.hooks import Notifier

log = logging.getLogger(__name__)

PATIENT = store.BY_PATIENT
STAFF = store.BY_STAFF
# Outbox kinds booking promises (performed by wellbot.booking.effects).
CONFIRM_EFFECT = "booking.confirm"  # edit the pressed message into the result (or send it anew)
CALENDAR_EFFECT = "booking.calendar"  # the visit's .ics file (or its cancellation)
PATIENT_EFFECT = "booking.patient"  # a notice in the patient's chat
STAFF_EFFECT = "booking.staff"  # a notice to one staff chat

# Where the pressed message is: (chat_id, message_id); its screen becomes the action's confirmation.
MessageRef = tuple[int, int]


class Promises:
    """The outbox rows one action writes inside its transaction, delivered after the commit."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.ids: list[int | None] = []

    def add(self, db: Any, kind: str, key: str, now: datetime, visit_id: int, user_id: int | None,
            **payload: Any) -> None:
        """One promised effect (its key makes promising it twice a no-op)."""
        self.ids.append(outbox.add(db, kind, key, now, user_id=user_id, visit_id=visit_id, **payload))

    def staff_notice(self, db: Any, key: str, now: datetime, visit_id: int, user_id: int | None, template: str,
                     **payload: Any) -> None:
        """One notice per staff chat (each delivered and retried on its own)."""
        settings = self.deps.settings
        chats = sorted(settings.staff_ids) + ([settings.staff_group_id] if settings.staff_group_id else [])
        for chat_id in chats:
            self.add(db, STAFF_EFFECT, f"{key}:staff:{chat_id}", now, visit_id, user_id, chat_id=chat_id,
                     template=template, **payload)

    async def deliver(self) -> None:
        """Push what was promised, now that it is committed (what fails is retried by the deliverer)."""
        if self.deps.outbox is not None:
            await self.deps.outbox.deliver_now(self.ids)


class Outcome(Enum):
    """How an action ended."""

    DONE = "done"
    TAKEN = "taken"  # someone else claimed the time first
    LIMIT = "limit"  # the patient already holds the most upcoming visits allowed
    ALREADY = "already"  # this booking request was confirmed before (Confirm pressed twice)
    GONE = "gone"  # the visit is no longer booked, or is not the caller's
    TOO_LATE = "too_late"  # inside the cancellation window: patients must call instead
    OVERLAP = "overlap"  # the patient already holds a visit at an overlapping time


@dataclass(frozen=True)
class Result:
    """What an action did: its outcome, the visit as it is now, and (for a move) as it was."""

    outcome: Outcome
    visit: store.Visit | None = None
    previous: store.Visit | None = None

    @property
    def done(self) -> bool:
        """True if the change was made."""
        return self.outcome is Outcome.DONE


async def book(deps: Deps, notifier: Notifier, *, service: Service, start: datetime, user_id: int | None,
               name: str, phone: str, token: str, dependant: int | store.NewDependant | None = None,
               phone_patient_id: int | None = None, by_staff: int | None = None,
               practitioner: str | None = None, where: MessageRef | None = None) -> Result:
    """Book a visit for a patient (a family member of theirs, or a phone-only patient); staff are told and
    the after-booking hooks run once it is committed. Booked by staff (`by_staff`: their id), a Telegram
    patient is told too."""
    rules, now = rules_of(deps), deps.clock.now()
    who = eligible(deps, service.key, practitioner)
    if who == []:  # practitioners are listed, but none (or not the one chosen) gives this service
        return Result(Outcome.TAKEN)
    promises = Promises(deps)

    def promise(db: Any, visit_id: int, change: str, when: datetime) -> None:
        """Inside the booking's transaction: the confirmation and calendar file (`where`), the staff notices."""
        key = f"booked:{visit_id}"
        if where is not None:
            chat_id, message_id = where
            promises.add(db, CONFIRM_EFFECT, f"{key}:screen", when, visit_id, user_id, chat_id=chat_id,
                         message_id=message_id, template="book_confirmed")
            promises.add(db, CALENDAR_EFFECT, f"{key}:calendar", when, visit_id, user_id, chat_id=chat_id)
        if by_staff is not None and user_id is not None:  # booked at the desk: the patient hears it too
            promises.add(db, PATIENT_EFFECT, f"{key}:patient", when, visit_id, user_id,
                         template="visits_booked_by_clinic")
            promises.add(db, CALENDAR_EFFECT, f"{key}:calendar", when, visit_id, user_id)
        promises.staff_notice(db, key, when, visit_id, user_id, "sched_booked")

    try:
        visit_id = store.book(deps.db, rules=rules, tz=deps.clinic.timezone, service_key=service.key,
                              minutes=service.duration_minutes, start=start, user_id=user_id, name=name,
                              phone=phone, token=token, now=now, listeners=(*deps.hooks.visit_changed, promise),
                              dependant=dependant, phone_patient_id=phone_patient_id, requester_id=by_staff,
                              practitioners=who or ())
    except store.SlotUnavailable:
        return Result(Outcome.TAKEN)
    except store.TooManyVisits:
        return Result(Outcome.LIMIT)
    except store.Overlap:
        return Result(Outcome.OVERLAP)
    except store.VisitGone:
        return Result(Outcome.GONE)
    except store.AlreadyBooked as exc:
        return Result(Outcome.ALREADY, store.get_visit(deps.db, exc.visit_id))
    log.info("visit booked visit_id=%s user_id=%s service=%s", visit_id, user_id, service.key)
    visit = store.get_visit(deps.db, visit_id)
    assert visit is not None  # committed just above
    await promises.deliver()
    await deps.hooks.after_booked(deps, notifier, visit)
    return Result(Outcome.DONE, visit)


def _move_key(db: Any, visit_id: int) -> str:
    """The outbox key of one move: the visit's calendar sequence, which every move bumps."""
    row = next(db.query("select ics_sequence from visits where id = ?", [visit_id]))
    return f"moved:{visit_id}:{row['ics_sequence']}"


def _same_practitioner(deps: Deps, visit: store.Visit) -> list[Practitioner]:
    """A moved visit stays with its practitioner (anyone who gives the service, if it had none)."""
    return eligible(deps, visit.service_key, visit.practitioner_key) or []


def check_patient_may_change(deps: Deps, visit: store.Visit | None, user_id: int) -> Outcome:
    """Whether a patient may still move or cancel this visit themselves (DONE means yes)."""
    now = deps.clock.now()
    if visit is None or visit.user_id != user_id or visit.status != store.BOOKED or visit.start <= now:
        return Outcome.GONE
    if hours_until(visit.start, now) < rules_of(deps).cancellation_window_hours:
        return Outcome.TOO_LATE
    return Outcome.DONE


async def reschedule(deps: Deps, notifier: Notifier, *, visit_id: int, user_id: int, service: Service,
                     start: datetime, where: MessageRef | None = None) -> Result:
    """Move a patient's own visit; the old time stays booked unless the new one is claimed.

    The confirmation (on the pressed message `where`), the new calendar file and the staff notices are
    promised with the move."""
    old = store.get_visit(deps.db, visit_id)
    allowed = check_patient_may_change(deps, old, user_id)
    if allowed is not Outcome.DONE or old is None:  # a missing visit is GONE already; this tells mypy
        return Result(allowed, old)
    promises, old_start = Promises(deps), to_db(old.start)

    def promise(db: Any, changed_id: int, change: str, when: datetime) -> None:
        """Inside the move's transaction: the confirmation and calendar file, the staff notices."""
        key = _move_key(db, changed_id)
        if where is not None:
            chat_id, message_id = where
            promises.add(db, CONFIRM_EFFECT, f"{key}:screen", when, changed_id, user_id, chat_id=chat_id,
                         message_id=message_id, template="visits_rescheduled", old_start=old_start)
            promises.add(db, CALENDAR_EFFECT, f"{key}:calendar", when, changed_id, user_id, chat_id=chat_id)
        promises.staff_notice(db, key, when, changed_id, user_id, "sched_rescheduled", old_start=old_start)

    result = await _move(deps, notifier, old, start, user_id, promise, promises)
    if result.done:
        log.info("visit rescheduled visit_id=%s user_id=%s", visit_id, user_id)
    return result


async def move_by_staff(deps: Deps, notifier: Notifier, *, visit_id: int, start: datetime, actor_id: int) -> Result:
    """Move any booked visit for the patient who phoned (no cancellation window); a Telegram patient is told."""
    old = store.get_visit(deps.db, visit_id)
    if old is None or old.status != store.BOOKED:
        return Result(Outcome.GONE, old)
    promises, old_start, patient = Promises(deps), to_db(old.start), old.user_id

    def promise(db: Any, changed_id: int, change: str, when: datetime) -> None:
        """Inside the move's transaction: the patient's notice and new calendar file, the staff notices."""
        key = _move_key(db, changed_id)
        if patient is not None:
            promises.add(db, PATIENT_EFFECT, f"{key}:patient", when, changed_id, patient,
                         template="visits_moved_by_clinic", old_start=old_start)
            promises.add(db, CALENDAR_EFFECT, f"{key}:calendar", when, changed_id, patient)
        promises.staff_notice(db, key, when, changed_id, patient, "sched_rescheduled", old_start=old_start)

    result = await _move(deps, notifier, old, start, None, promise, promises)
    if result.done:
        log.info("visit moved by staff visit_id=%s staff_id=%s", visit_id, actor_id)
    return result


async def _move(deps: Deps, notifier: Notifier, old: store.Visit, start: datetime, user_id: int | None,
                promise: Any, promises: Promises) -> Result:
    """Move a visit (the patient's own when `user_id` is given), promising its notices in the same transaction."""
    try:
        visit = store.reschedule(deps.db, rules=rules_of(deps), tz=deps.clinic.timezone, visit_id=old.id,
                                 user_id=user_id, start=start, now=deps.clock.now(),
                                 listeners=(*deps.hooks.visit_changed, promise),
                                 practitioners=_same_practitioner(deps, old))
    except store.SlotUnavailable:
        return Result(Outcome.TAKEN, old)
    except store.VisitGone:
        return Result(Outcome.GONE, old)
    except store.Overlap:
        return Result(Outcome.OVERLAP, old)
    await deps.hooks.after_freed(deps, notifier, old)  # before the confirmation, as it was: done means done
    await promises.deliver()
    return Result(Outcome.DONE, visit, previous=old)


async def cancel(deps: Deps, notifier: Notifier, *, visit_id: int, by: str, actor_id: int,
                 where: MessageRef | None = None) -> Result:
    """Cancel a visit, by the patient (their own, outside the window) or by staff (any booked visit).

    Staff cancelling tells the patient; the patient cancelling gets the confirmation on the pressed
    message `where` and the cancellation file; either way staff are told and the freed time is offered on.
    """
    visit = store.get_visit(deps.db, visit_id)
    if by == PATIENT:
        allowed = check_patient_may_change(deps, visit, actor_id)
        if allowed is not Outcome.DONE:
            return Result(allowed, visit)
    if visit is None:
        return Result(Outcome.GONE, visit)
    promises, patient = Promises(deps), visit.user_id

    def promise(db: Any, changed_id: int, change: str, when: datetime) -> None:
        """Inside the cancellation's transaction: the patient's notice and cancellation file, the staff notices."""
        key = f"cancelled:{changed_id}"
        if by == STAFF:
            promises.add(db, PATIENT_EFFECT, f"{key}:patient", when, changed_id, patient,
                         template="visits_cancelled_by_clinic")
            promises.add(db, CALENDAR_EFFECT, f"{key}:calendar", when, changed_id, patient, cancelled=True)
        elif where is not None:
            chat_id, message_id = where
            promises.add(db, CONFIRM_EFFECT, f"{key}:screen", when, changed_id, patient, chat_id=chat_id,
                         message_id=message_id, template="visits_cancelled")
            promises.add(db, CALENDAR_EFFECT, f"{key}:calendar", when, changed_id, patient, chat_id=chat_id,
                         cancelled=True)
        promises.staff_notice(db, key, when, changed_id, patient, "sched_cancelled", by=by)

    if not store.cancel(deps.db, visit.id, by, deps.clock.now(), listeners=(*deps.hooks.visit_changed, promise)):
        return Result(Outcome.GONE, visit)
    log.info("visit cancelled visit_id=%s by=%s actor_id=%s", visit.id, by, actor_id)
    await deps.hooks.after_freed(deps, notifier, visit)  # before the confirmation, as it was: done means done
    await promises.deliver()
    return Result(Outcome.DONE, store.get_visit(deps.db, visit.id))


async def report_late(deps: Deps, notifier: Notifier, *, visit_id: int, user_id: int, minutes: int) -> Result:
    """The patient is running late: record the expected delay and tell staff, so they can plan around it."""
    visit = store.get_visit(deps.db, visit_id)
    if visit is None or visit.user_id != user_id or not store.report_late(deps.db, visit_id, minutes,
                                                                         deps.clock.now()):
        return Result(Outcome.GONE, visit)
    log.info("running late visit_id=%s minutes=%s", visit_id, minutes)
    await notifier.staff("sched_running_late", start=visit.start, name=visit.patient_name, phone=visit.patient_phone,
                         minutes=minutes, localized=lambda: {"service": service_name(deps, visit.service_key)})
    return Result(Outcome.DONE, store.get_visit(deps.db, visit_id))


def answer_intake(deps: Deps, *, visit_id: int, user_id: int, key: str, answer: str | None) -> bool:
    """Record a patient's answer to one of their visit's intake questions (None: skipped); False if not theirs."""
    visit = store.get_visit(deps.db, visit_id)
    if visit is None or visit.user_id != user_id or visit.status != store.BOOKED:
        return False
    store.save_intake_answer(deps.db, visit_id, key, answer, deps.clock.now())
    log.info("intake answered visit_id=%s question=%s skipped=%s", visit_id, key, answer is None)
    return True


def mark(deps: Deps, *, visit_id: int, status: str) -> bool:
    """Record that a visit that has started was attended or missed; False if not allowed now."""
    changed = store.mark(deps.db, visit_id, status, deps.clock.now(), listeners=deps.hooks.visit_changed)
    if changed:
        log.info("visit marked visit_id=%s status=%s", visit_id, status)
    return changed


def join_waitlist(deps: Deps, *, user_id: int, service: Service, first: date, last: date,
                  weekdays: Sequence[int], day_parts: Sequence[str]) -> int:
    """Put a patient on the waitlist for a service between two local dates, with the days and times that suit."""
    wish_id = store.join_waitlist(deps.db, user_id, service.key, first, last, deps.clock.now(), weekdays, day_parts)
    log.info("waitlist joined user_id=%s service=%s wish_id=%s", user_id, service.key, wish_id)
    return wish_id


def leave_waitlist(deps: Deps, *, wish_id: int, user_id: int) -> bool:
    """Take a patient off one of their waitlist entries; False if it was not theirs or already left."""
    left = store.leave_waitlist(deps.db, wish_id, user_id)
    if left:
        log.info("waitlist left user_id=%s wish_id=%s", user_id, wish_id)
    return left
