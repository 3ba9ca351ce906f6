"""What booking promises after a commit, delivered through the outbox (wellbot.bot.outbox).

`actions` writes these rows in the same transaction as the visit change;
the performers here turn one row into one Telegram call. They read names
and phone numbers from the visit when sending (the outbox row holds only
ids and times), so an erasure in between leaves nothing to send.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from telegram.constants import ParseMode
from telegram.error import BadRequest

from wellbot.booking import actions, store
from wellbot.booking.common import practitioner_name, rules_of, service_name
from wellbot.booking.flow import send_calendar
from wellbot.bot.messaging import NOT_EDITABLE, NOT_MODIFIED, send, send_html
from wellbot.core import patients
from wellbot.core.clock import from_db
from wellbot.core.deps import Deps
from wellbot.core.i18n import speaking
from wellbot.core.outbox import Effect


def _service(deps: Deps, key: str) -> Any:
    """The clinic's service, or a stand-in with its key as name (the clinic file dropped it since)."""
    return deps.clinic.service(key) or SimpleNamespace(name=key, preparation="", description="")


def _visit(deps: Deps, effect: Effect) -> store.Visit | None:
    """The visit the effect is about, unless it is gone or its patient erased."""
    visit = store.get_visit(deps.db, effect.visit_id) if effect.visit_id is not None else None
    return visit if visit is not None and visit.user_id is not None else None


def _values(deps: Deps, visit: store.Visit, payload: dict[str, Any]) -> dict[str, Any]:
    """What every booking template may show, read from the visit now."""
    values = {"service": _service(deps, visit.service_key), "start": visit.start, "end": visit.end,
              "name": visit.patient_name, "phone": visit.patient_phone,
              "cancel_hours": rules_of(deps).cancellation_window_hours,
              "for_name": visit.patient_name if visit.dependant_id else "",
              "with_name": practitioner_name(deps, visit.practitioner_key)}
    if "old_start" in payload:
        values["old_start"] = from_db(payload["old_start"])
    return values


async def confirm_to_patient(deps: Deps, bot: Any, effect: Effect) -> None:
    """Edit the pressed summary into the confirmation (an edit: safe to repeat), or send it anew."""
    visit = _visit(deps, effect)
    if visit is None:
        return
    payload = effect.payload
    values = _values(deps, visit, payload)
    if payload["template"] == "visits_cancelled":
        values["service"] = service_name(deps, visit.service_key)
    parts = deps.renderer.render_parts(payload["template"], **values)
    if len(parts) == 1 and payload.get("message_id"):
        try:
            await bot.edit_message_text(parts[0], chat_id=payload["chat_id"], message_id=payload["message_id"],
                                        parse_mode=ParseMode.HTML, disable_web_page_preview=True)
            return
        except BadRequest as exc:
            reason = str(exc).lower()
            if NOT_MODIFIED in reason:
                return  # an earlier try did it
            if not any(gone in reason for gone in NOT_EDITABLE):
                raise
    await send_html(bot, deps, payload["chat_id"], parts)


async def calendar_to_patient(deps: Deps, bot: Any, effect: Effect) -> None:
    """The visit's .ics file, or its cancellation (to the patient's chat when no chat was given)."""
    visit = store.get_visit(deps.db, effect.visit_id) if effect.visit_id is not None else None
    chat_id = effect.payload.get("chat_id") or patients.chat_of(deps.db, effect.user_id)
    if visit is None or chat_id is None:
        return  # erased since: nobody to send it to
    await send_calendar(bot, deps, chat_id, visit, service_name(deps, visit.service_key),
                        cancelled=bool(effect.payload.get("cancelled")))


async def notice_to_patient(deps: Deps, bot: Any, effect: Effect) -> None:
    """A notice in the patient's private chat (the clinic booked, moved or cancelled their visit)."""
    visit = store.get_visit(deps.db, effect.visit_id) if effect.visit_id is not None else None
    chat_id = patients.chat_of(deps.db, effect.user_id)
    if visit is None or chat_id is None:
        return  # erased since: nobody to tell
    values = {"start": visit.start, "end": visit.end, "service": service_name(deps, visit.service_key)}
    if "old_start" in effect.payload:
        values["old_start"] = from_db(effect.payload["old_start"])
    await send(bot, deps, chat_id, effect.payload["template"], **values)


async def notice_to_staff(deps: Deps, bot: Any, effect: Effect) -> None:
    """A booking notice to one staff chat, in that chat's language (not the patient's the effect concerns)."""
    visit = store.get_visit(deps.db, effect.visit_id) if effect.visit_id is not None else None
    if visit is None:
        return
    with speaking(deps.staff_language(effect.payload["chat_id"])):
        await _notice_to_staff(deps, bot, effect, visit)


async def _notice_to_staff(deps: Deps, bot: Any, effect: Effect, visit: store.Visit) -> None:
    """Render and send one staff notice in the language being written."""
    payload = effect.payload
    values = _values(deps, visit, payload)
    if payload["template"] == "sched_cancelled":
        values.update(service=service_name(deps, visit.service_key), by=payload.get("by"))
    if payload["template"] == "sched_booked":
        no_shows = store.no_show_counts(deps.db, [visit.user_id]) if visit.user_id else {}
        values["no_shows"] = no_shows.get(visit.user_id, 0)
    await send(bot, deps, payload["chat_id"], payload["template"], **values)


PERFORMERS = {
    actions.CONFIRM_EFFECT: confirm_to_patient,
    actions.CALENDAR_EFFECT: calendar_to_patient,
    actions.PATIENT_EFFECT: notice_to_patient,
    actions.STAFF_EFFECT: notice_to_staff,
}
IDEMPOTENT = frozenset({actions.CONFIRM_EFFECT})  # an edit shows the same text however often it lands
