"""What reminder and check-in messages show, and their buttons: shared by the dispatcher and handlers."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup

from wellbot.bot import callbacks, keyboards
from wellbot.bot.deps import Deps
from wellbot.core.clock import from_db

PREFIX = "rem"
CONFIRM = "cf"
CHECKIN = "ci"
# Reschedule and cancel belong to booking, which owns the `vis` prefix.
BOOKING_PREFIX = "vis"
BOOKING_RESCHEDULE = "rs"
BOOKING_CANCEL = "cx"
CONFIRM_LABEL = "✅ Confirm"
RESCHEDULE_LABEL = "🔁 Reschedule"
CANCEL_LABEL = "✖️ Cancel visit"
SCORES = range(0, 11)
SCORES_PER_ROW = 6


def visit_values(deps: Deps, visit: dict) -> dict[str, Any]:
    """Template values describing a visit row (service, local times, preparation)."""
    service = deps.clinic.service(visit["service_key"])
    return {
        "service": service.name if service else visit["service_key"],
        "preparation": service.preparation if service else "",
        "start": from_db(visit["start_utc"]),
        "confirmed": visit["confirmed_at"] is not None,
        "patient_name": visit["patient_name"] or "",
        "patient_phone": visit["patient_phone"] or "",
        "user_id": visit["user_id"],
    }


def reminder_keyboard(visit_id: int, confirmed: bool) -> InlineKeyboardMarkup:
    """Confirm (until confirmed), then Reschedule and Cancel, which booking handles."""
    first = [] if confirmed else [(CONFIRM_LABEL, callbacks.encode(PREFIX, CONFIRM, visit_id))]
    return keyboards.inline([
        first,
        [(RESCHEDULE_LABEL, callbacks.encode(BOOKING_PREFIX, BOOKING_RESCHEDULE, visit_id)),
         (CANCEL_LABEL, callbacks.encode(BOOKING_PREFIX, BOOKING_CANCEL, visit_id))],
    ])


def checkin_keyboard(reminder_id: int) -> InlineKeyboardMarkup:
    """Score buttons 0 to 10."""
    buttons = [(str(score), callbacks.encode(PREFIX, CHECKIN, reminder_id, score)) for score in SCORES]
    return keyboards.inline([buttons[:SCORES_PER_ROW], buttons[SCORES_PER_ROW:]])
