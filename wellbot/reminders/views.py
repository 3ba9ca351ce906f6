"""What reminder and check-in messages show, and their buttons: shared by the dispatcher and handlers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup

from wellbot.booking.buttons import CallClinic, CancelVisit, RescheduleVisit, RunningLate
from wellbot.booking.intake import start_button
from wellbot.booking.store import get_visit
from wellbot.bot import keyboards
from wellbot.bot.callbacks import Button
from wellbot.bot.deps import Deps
from wellbot.core.clock import from_db
from wellbot.core.i18n import N_


@dataclass(frozen=True)
class ConfirmVisit(Button, tag="rem:cf"):
    """The patient will come to this visit."""

    visit_id: int


@dataclass(frozen=True)
class CheckinScore(Button, tag="rem:ci"):
    """A pain score (0 to 10) in answer to one check-in."""

    reminder_id: int
    score: int


@dataclass(frozen=True)
class ResendReminder(Button, tag="rem:rs"):
    """Staff: send one uncertain reminder once more; the button under notices sent one per reminder (before 0130)."""

    reminder_id: int


@dataclass(frozen=True)
class ResendNotice(Button, tag="rem:ra"):
    """Staff: send once more every reminder of one notice that is still uncertain (whoever taps first)."""

    notice_id: int


CONFIRM_LABEL = N_("✅ Confirm")
RESCHEDULE_LABEL = N_("🔁 Reschedule")
CANCEL_LABEL = N_("✖️ Cancel visit")
LATE_LABEL = N_("🕒 Running late")
CALL_LABEL = N_("📞 Call the clinic")
RESEND_ALL_LABEL = N_("🔁 Resend all still uncertain")
NOTICE_LISTED = 10  # a notice lists this many reminders and counts the rest: one screen, even for 200
SCORES = range(0, 11)
SCORES_PER_ROW = 6


def changeable_online(deps: Deps, start: datetime) -> bool:
    """True if the patient may still move or cancel online: booking's cancellation window has not begun."""
    window = deps.booking_rules.cancellation_window_hours if deps.booking_rules else 0
    return start - deps.clock.now() >= timedelta(hours=window)


def visit_values(deps: Deps, visit: dict) -> dict[str, Any]:
    """Template values describing a visit row (service, local times, preparation)."""
    service = deps.clinic.service(visit["service_key"])
    return {
        "changeable": changeable_online(deps, from_db(visit["start_utc"])),
        "service": service.name if service else visit["service_key"],
        "preparation": service.preparation if service else "",
        "start": from_db(visit["start_utc"]),
        "confirmed": visit["confirmed_at"] is not None,
        "patient_name": visit["patient_name"] or "",
        # Booked for a family member: reminders name them, since the account holder receives them.
        "for_name": (visit["patient_name"] or "") if visit.get("dependant_id") else "",
        "patient_phone": visit["patient_phone"] or "",
        "user_id": visit["user_id"],
    }


def reminder_keyboard(visit_id: int, confirmed: bool, changeable: bool = True,
                      last: bool = False, intake: tuple[str, str] | None = None) -> InlineKeyboardMarkup | None:
    """Confirm (until confirmed), Reschedule and Cancel while they can still work; on the last, Late and Call."""
    first = [] if confirmed else [(CONFIRM_LABEL, ConfirmVisit(visit_id).pack())]
    # Inside the cancellation window they could only answer "too late": the message says to call instead.
    second = [(RESCHEDULE_LABEL, RescheduleVisit(visit_id).pack()),
              (CANCEL_LABEL, CancelVisit(visit_id).pack())] if changeable else []
    # The day of the visit: booking's buttons tell staff about a delay, or give the number to call.
    third = [(LATE_LABEL, RunningLate(visit_id).pack()), (CALL_LABEL, CallClinic(visit_id).pack())] if last else []
    # Intake questions still unanswered: booking's button resumes them (the first reminder asks for them).
    rows = [row for row in (first, second, third, [intake] if intake else []) if row]
    return keyboards.inline(rows) if rows else None


def intake_button(deps: Deps, visit_id: int) -> tuple[str, str] | None:
    """Booking's button to answer the visit's intake questions, if any are left."""
    visit = get_visit(deps.db, visit_id)
    return start_button(deps, visit) if visit is not None else None


def checkin_keyboard(reminder_id: int) -> InlineKeyboardMarkup:
    """Score buttons 0 to 10."""
    buttons = [(str(score), CheckinScore(reminder_id, score).pack()) for score in SCORES]
    return keyboards.inline([buttons[:SCORES_PER_ROW], buttons[SCORES_PER_ROW:]])


def resend_all_keyboard(notice_id: int) -> InlineKeyboardMarkup:
    """Staff's one button under a notice of uncertain reminders."""
    return keyboards.inline([[(RESEND_ALL_LABEL, ResendNotice(notice_id).pack())]])


def notice_values(deps: Deps, reminders: list[dict]) -> dict[str, Any]:
    """Template values of a notice: how many, the visits' first and last start, the first few, how many more."""
    starts = [from_db(r["start_utc"]) for r in reminders]
    listed = [{"service": _service_name(deps, r["service_key"]), "start": start,
               "patient_name": r["patient_name"] or ""}
              for r, start in zip(reminders[:NOTICE_LISTED], starts, strict=False)]
    return {"count": len(reminders), "first": min(starts), "last": max(starts), "listed": listed,
            "more": len(reminders) - len(listed)}


def _service_name(deps: Deps, key: str) -> str:
    """A service's name in the language being written, or its key if the clinic dropped it."""
    service = deps.clinic.service(key)
    return service.name if service else key
