"""/visits: a patient's upcoming visits, with Reschedule and Cancel.

`vis:rs:<visit_id>` and `vis:cx:<visit_id>` are also sent by reminder
messages, so they always answer with a new message (never edit the message
they came from) and always check that the visit belongs to the presser.
"""

from __future__ import annotations

import logging

from telegram import Update

from wellbot.booking import actions, flow, store
from wellbot.booking.common import hours_until, rules_of, service_name
from wellbot.bot.callbacks import CallbackDataError, encode, int_part
from wellbot.bot.deps import WellbotContext
from wellbot.bot.keyboards import inline
from wellbot.bot.messaging import reply, show
from wellbot.bot.notify import BotNotifier

log = logging.getLogger(__name__)

PREFIX = "vis"
RESCHEDULE = "rs"
CANCEL = "cx"
CANCEL_YES = "cxy"
KEEP = "keep"
LABEL_FORMAT = "%a %d %b %H:%M"
YES_LABEL = "Yes, cancel it"
KEEP_LABEL = "No, keep it"


async def visits_command(update: Update, context: WellbotContext) -> None:
    """List the patient's upcoming visits with a Reschedule and a Cancel button each."""
    deps = context.deps
    visits = store.upcoming(deps.db, update.effective_user.id, deps.clock.now())
    rows = []
    for visit in visits:
        when = deps.renderer.local(visit.start, LABEL_FORMAT)
        rows.append([(f"Reschedule {when}", encode(PREFIX, RESCHEDULE, visit.id)),
                     (f"Cancel {when}", encode(PREFIX, CANCEL, visit.id))])
    items = [{"start": v.start, "end": v.end, "service": service_name(deps, v.service_key),
              "confirmed": v.confirmed_at is not None} for v in visits]
    await reply(update, context, "visits_list", keyboard=inline(rows) if rows else None, visits=items,
                cancel_hours=rules_of(deps).cancellation_window_hours)


async def on_button(update: Update, context: WellbotContext, parts: list[str]) -> None:
    """Reschedule or cancel one of the presser's own visits."""
    action = parts[0] if parts else ""
    if action not in (RESCHEDULE, CANCEL, CANCEL_YES, KEEP):
        raise CallbackDataError("unknown visits action")
    deps = context.deps
    visit = store.get_visit(deps.db, int_part(parts, 1))
    if visit is None or visit.user_id != update.effective_user.id:
        log.info("visit button for someone else's visit user_id=%s", update.effective_user.id)
        raise CallbackDataError("not the presser's visit")
    if action == KEEP:
        await show(update, context, "visits_kept", start=visit.start)
        return
    now, rules = deps.clock.now(), rules_of(deps)
    if visit.status != store.BOOKED or visit.start <= now:
        await _respond(update, context, action, "visits_gone")
        return
    if hours_until(visit.start, now) < rules.cancellation_window_hours:
        await _respond(update, context, action, "visits_too_late", start=visit.start,
                       service=service_name(deps, visit.service_key), hours=rules.cancellation_window_hours,
                       action="reschedule" if action == RESCHEDULE else "cancel")
        return
    if action == RESCHEDULE:
        await flow.begin_reschedule(update, context, visit)
    elif action == CANCEL:
        keyboard = inline([[(YES_LABEL, encode(PREFIX, CANCEL_YES, visit.id))],
                           [(KEEP_LABEL, encode(PREFIX, KEEP, visit.id))]])
        await reply(update, context, "visits_cancel_ask", keyboard=keyboard, start=visit.start,
                    service=service_name(deps, visit.service_key))
    else:
        await cancel_visit(update, context, visit)


async def _respond(update: Update, context: WellbotContext, pressed: str, template: str, /, **values) -> None:
    """Edit our own confirmation question in place; answer other messages (reminders) with a new one."""
    if pressed == CANCEL_YES:
        await show(update, context, template, **values)
    else:
        await reply(update, context, template, **values)


async def cancel_visit(update: Update, context: WellbotContext, visit: store.Visit) -> None:
    """Cancel the patient's visit, tell staff, and offer the freed time to the waitlist."""
    deps = context.deps
    result = await actions.cancel(deps, BotNotifier(context.bot, deps), visit_id=visit.id, by=actions.PATIENT,
                                  actor_id=update.effective_user.id)
    if result.outcome is actions.Outcome.TOO_LATE:
        rules = rules_of(deps)
        await show(update, context, "visits_too_late", start=visit.start, action="cancel",
                   service=service_name(deps, visit.service_key), hours=rules.cancellation_window_hours)
    elif result.outcome is not actions.Outcome.DONE:
        await show(update, context, "visits_gone")
    else:
        await show(update, context, "visits_cancelled", start=visit.start,
                   service=service_name(deps, visit.service_key))
