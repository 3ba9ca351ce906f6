"""Staff side of booking: /today, /schedule, /block, and each visit's card.

Every command and the `sched` buttons are declared staff-only, so the router
checks the presser each time; here each visit id is re-read from the database.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from telegram import Update

from wellbot.booking import actions, store
from wellbot.booking.common import (
    DAY_FORMAT,
    InputError,
    day_bounds,
    parse_date,
    parse_day,
    parse_local_range,
    service_name,
)
from wellbot.bot.callbacks import CallbackDataError, encode, int_part
from wellbot.bot.deps import Deps, WellbotContext
from wellbot.bot.keyboards import inline
from wellbot.bot.messaging import answer, reply, show
from wellbot.bot.notify import BotNotifier

log = logging.getLogger(__name__)

PREFIX = "sched"
DAY_VIEW, VISIT_VIEW, ATTENDED, NO_SHOW, CANCEL, CANCEL_YES = "d", "v", "at", "ns", "cx", "cxy"
LABEL_NAME_CHARS = 24
PREVIOUS_DAY, NEXT_DAY, BACK_TO_DAY = "‹ Previous day", "Next day ›", "‹ Back to the day"
ATTENDED_LABEL, NO_SHOW_LABEL = "✅ Attended", "🚫 No-show"
CANCEL_LABEL, CANCEL_YES_LABEL = "❌ Cancel visit", "Yes, cancel and tell the patient"


async def today_command(update: Update, context: WellbotContext) -> None:
    """/today: today's agenda in the clinic's time zone."""
    deps = context.deps
    await reply_day(update, context, deps.clock.now().astimezone(deps.clinic.timezone).date(), new=True)


async def schedule_command(update: Update, context: WellbotContext) -> None:
    """/schedule YYYY-MM-DD: that day's agenda."""
    try:
        day = parse_date(context.args[0]) if len(context.args or []) == 1 else None
    except InputError:
        day = None
    if day is None:
        await reply(update, context, "sched_usage", command="schedule")
        return
    await reply_day(update, context, day, new=True)


async def block_command(update: Update, context: WellbotContext) -> None:
    """/block YYYY-MM-DD HH:MM-HH:MM: close a time range to online booking."""
    deps = context.deps
    args = context.args or []
    try:
        if len(args) != 2:
            raise InputError("usage")
        start, end = parse_local_range(args[0], args[1], deps.clinic.timezone)
    except InputError as exc:
        await reply(update, context, "sched_usage", command="block", problem=str(exc))
        return
    now = deps.clock.now()
    if end <= now:
        await reply(update, context, "sched_usage", command="block", problem="past")
        return
    store.add_block(deps.db, start, end, update.effective_user.id, now)
    log.info("time blocked by staff_id=%s", update.effective_user.id)
    clashes = [v for v in store.agenda(deps.db, start - timedelta(days=1), end)
               if v.status == store.BOOKED and v.start < end and v.end > start]
    await reply(update, context, "sched_blocked", start=start, end=end,
                clashes=[_line(deps, v, {}) for v in clashes])


def _line(deps: Deps, visit: store.Visit, no_shows: dict[int, int]) -> dict:
    """A visit as template values for the staff views."""
    return {"id": visit.id, "start": visit.start, "end": visit.end, "status": visit.status,
            "service": service_name(deps, visit.service_key), "name": visit.patient_name,
            "phone": visit.patient_phone, "confirmed": visit.confirmed_at is not None,
            "no_shows": no_shows.get(visit.user_id, 0)}


async def reply_day(update: Update, context: WellbotContext, day: date, *, new: bool) -> None:
    """The agenda of one local day, with a button per visit and day paging."""
    deps = context.deps
    start, end = day_bounds(deps, day)
    visits = store.agenda(deps.db, start, end)
    no_shows = store.no_show_counts(deps.db, [v.user_id for v in visits])
    rows = [[(f"{deps.renderer.local(v.start, '%H:%M')} {(v.patient_name or '-')[:LABEL_NAME_CHARS]}",
              encode(PREFIX, VISIT_VIEW, v.id))] for v in visits if v.status != store.CANCELLED]
    rows.append([(PREVIOUS_DAY, encode(PREFIX, DAY_VIEW, (day - timedelta(days=1)).strftime(DAY_FORMAT))),
                 (NEXT_DAY, encode(PREFIX, DAY_VIEW, (day + timedelta(days=1)).strftime(DAY_FORMAT)))])
    values = {"day": start + (end - start) / 2, "visits": [_line(deps, v, no_shows) for v in visits],
              "blocks": [{"start": b0, "end": b1} for b0, b1 in store.blocks_between(deps.db, start, end)]}
    if new:
        await reply(update, context, "sched_day", keyboard=inline(rows), **values)
    else:
        await show(update, context, "sched_day", keyboard=inline(rows), **values)


async def on_button(update: Update, context: WellbotContext, parts: list[str]) -> None:
    """Staff buttons: day paging, a visit's card, attended/no-show, cancel."""
    action = parts[0] if parts else ""
    if action == DAY_VIEW and len(parts) == 2:
        await reply_day(update, context, parse_day(parts[1]), new=False)
        return
    if action not in (VISIT_VIEW, ATTENDED, NO_SHOW, CANCEL, CANCEL_YES):
        raise CallbackDataError("unknown schedule action")
    deps = context.deps
    visit = store.get_visit(deps.db, int_part(parts, 1))
    if visit is None:
        raise CallbackDataError("no such visit")
    if action in (ATTENDED, NO_SHOW):
        status = store.ATTENDED if action == ATTENDED else store.NO_SHOW
        if actions.mark(deps, visit_id=visit.id, status=status):
            await answer(update, context, deps.renderer.render("sched_marked_toast", status=status))
        else:
            await answer(update, context, deps.renderer.render("sched_not_marked_toast", status=status,
                                                               visit_status=visit.status), alert=True)
    elif action == CANCEL_YES:
        await _staff_cancel(update, context, visit)
        return
    await show_visit(update, context, visit.id, confirm_cancel=action == CANCEL)


async def show_visit(update: Update, context: WellbotContext, visit_id: int, *, confirm_cancel: bool = False) -> None:
    """One visit's card for staff, with the actions its state allows."""
    deps = context.deps
    visit = store.get_visit(deps.db, visit_id)
    no_shows = store.no_show_counts(deps.db, [visit.user_id])
    now = deps.clock.now()
    rows = []
    if visit.status != store.CANCELLED and visit.start <= now:
        rows.append([(ATTENDED_LABEL, encode(PREFIX, ATTENDED, visit.id)),
                     (NO_SHOW_LABEL, encode(PREFIX, NO_SHOW, visit.id))])
    if visit.status == store.BOOKED:
        rows.append([(CANCEL_YES_LABEL, encode(PREFIX, CANCEL_YES, visit.id)) if confirm_cancel
                     else (CANCEL_LABEL, encode(PREFIX, CANCEL, visit.id))])
    day = visit.start.astimezone(deps.clinic.timezone).date()
    rows.append([(BACK_TO_DAY, encode(PREFIX, DAY_VIEW, day.strftime(DAY_FORMAT)))])
    await show(update, context, "sched_visit", keyboard=inline(rows), visit=_line(deps, visit, no_shows),
               confirm_cancel=confirm_cancel)


async def _staff_cancel(update: Update, context: WellbotContext, visit: store.Visit) -> None:
    """Cancel on the clinic's side: the patient is told, other staff too, the waitlist offered the time."""
    deps = context.deps
    result = await actions.cancel(deps, BotNotifier(context.bot, deps), visit_id=visit.id, by=actions.STAFF,
                                  actor_id=update.effective_user.id)
    if not result.done:
        await answer(update, context, deps.renderer.render("sched_not_marked_toast", status="cancelled",
                                                           visit_status=visit.status), alert=True)
    await show_visit(update, context, visit.id)
