"""Staff side of booking: /today, /schedule, /block, and each visit's card.

Every command and the `sched` buttons are declared staff-only, so the router
checks the presser each time; here each visit id is re-read from the database.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from telegram import Update
from telegram.error import TelegramError

from wellbot.booking import actions, intake, store
from wellbot.booking.buttons import (
    DeskMove,
    MarkAttended,
    MarkNoShow,
    StaffCancel,
    StaffCancelYes,
    StaffDay,
    StaffDayOf,
    StaffVisit,
)
from wellbot.booking.common import (
    DAY_FORMAT,
    InputError,
    day_bounds,
    parse_date,
    parse_day,
    parse_local_range,
    practitioner_name,
    practitioners,
    service_name,
)
from wellbot.bot.callbacks import CallbackDataError
from wellbot.bot.deps import Deps, WellbotContext
from wellbot.bot.features import ButtonRoute
from wellbot.bot.keyboards import inline
from wellbot.bot.messaging import answer, reply, reply_or_show, show
from wellbot.bot.notify import BotNotifier
from wellbot.core.i18n import N_

log = logging.getLogger(__name__)

LABEL_NAME_CHARS = 24
PREVIOUS_DAY, NEXT_DAY, BACK_TO_DAY = N_("‹ Previous day"), N_("Next day ›"), N_("‹ Back to the day")
# A busy day is paged: Telegram refuses an inline keyboard over 100 buttons (and the
# text would run to several messages), so one message shows this many visits at a time.
VISITS_PER_PAGE = 25
EARLIER_VISITS, LATER_VISITS = N_("‹ Earlier visits"), N_("Later visits ›")
ATTENDED_LABEL, NO_SHOW_LABEL = N_("✅ Attended"), N_("🚫 No-show")
CANCEL_LABEL, CANCEL_YES_LABEL = N_("❌ Cancel visit"), N_("Yes, cancel and tell the patient")
MOVE_LABEL = N_("🔁 Move (patient phoned)")
ALL, ALL_LABEL, FOR_LABEL = "", N_("👥 Everyone"), "👤 {name}"


async def _usage(update: Update, context: WellbotContext, command: str, problem: str = "") -> None:
    """How to use /schedule, /today, /block or /unblock, with tomorrow as the example date (never one in the past)."""
    deps = context.deps
    tomorrow = deps.clock.now().astimezone(deps.clinic.timezone).date() + timedelta(days=1)
    await reply(update, context, "sched_usage", command=command, problem=problem, example=tomorrow.isoformat())


async def today_command(update: Update, context: WellbotContext) -> None:
    """/today [practitioner|all]: today's agenda; a practitioner on the staff sees their own first."""
    deps = context.deps
    who = _who(deps, update.effective_user.id, context.args or [])
    if who is None:
        await _usage(update, context, "today")
        return
    await reply_day(update, context, deps.clock.now().astimezone(deps.clinic.timezone).date(), new=True, who=who)


async def schedule_command(update: Update, context: WellbotContext) -> None:
    """/schedule YYYY-MM-DD [practitioner|all]: that day's agenda."""
    args = context.args or []
    try:
        day = parse_date(args[0]) if 1 <= len(args) <= 2 else None
    except InputError:
        day = None
    who = _who(context.deps, update.effective_user.id, args[1:]) if day else None
    if day is None or who is None:
        await _usage(update, context, "schedule")
        return
    await reply_day(update, context, day, new=True, who=who)


def _who(deps: Deps, staff_id: int, args: list[str]) -> str | None:
    """Whose visits to list: a practitioner's key, "" for everyone; None if the argument names nobody.

    Without an argument a practitioner who is on the staff gets their own day list.
    """
    listed = practitioners(deps)
    if not args:
        return next((p.key for p in listed if p.staff_id == staff_id), ALL)
    wanted = args[0].lower()
    if wanted == "all":
        return ALL
    return wanted if any(p.key == wanted for p in listed) else None


async def _typed_range(update: Update, context: WellbotContext, command: str) -> tuple[datetime, datetime] | None:
    """The command's "YYYY-MM-DD HH:MM-HH:MM" as UTC (start, end), or None after showing its usage."""
    args = context.args or []
    try:
        if len(args) != 2:
            raise InputError("usage")
        return parse_local_range(args[0], args[1], context.deps.clinic.timezone)
    except InputError as exc:
        await _usage(update, context, command, problem=str(exc))
        return None


async def block_command(update: Update, context: WellbotContext) -> None:
    """/block YYYY-MM-DD HH:MM-HH:MM: close a time range to online booking."""
    deps = context.deps
    typed = await _typed_range(update, context, "block")
    if typed is None:
        return
    start, end = typed
    now = deps.clock.now()
    if end <= now:
        await _usage(update, context, "block", problem="past")
        return
    store.add_block(deps.db, start, end, update.effective_user.id, now)
    log.info("time blocked by staff_id=%s", update.effective_user.id)
    clashes = [v for v in store.agenda(deps.db, start - timedelta(days=1), end)
               if v.status == store.BOOKED and v.start < end and v.end > start]
    await reply(update, context, "sched_blocked", start=start, end=end,
                clashes=[_line(deps, v, {}) for v in clashes])


async def unblock_command(update: Update, context: WellbotContext) -> None:
    """/unblock YYYY-MM-DD HH:MM-HH:MM: reopen a time range (or part of one) that /block closed."""
    deps = context.deps
    typed = await _typed_range(update, context, "unblock")
    if typed is None:
        return
    start, end = typed
    touched = store.reopen(deps.db, start, end)
    log.info("time reopened by staff_id=%s blocks=%s", update.effective_user.id, touched)
    await reply(update, context, "sched_unblocked", start=start, end=end, reopened=touched > 0)


def _line(deps: Deps, visit: store.Visit, no_shows: dict[int, int]) -> dict:
    """A visit as template values for the staff views."""
    return {"id": visit.id, "start": visit.start, "end": visit.end, "status": visit.status,
            "service": service_name(deps, visit.service_key), "name": visit.patient_name,
            "phone": visit.patient_phone, "confirmed": visit.confirmed_at is not None,
            "no_shows": no_shows.get(visit.user_id, 0), "late_minutes": visit.late_minutes,
            "family": visit.dependant_id is not None, "intake": intake.answers_for_staff(deps, visit),
            "phone_only": visit.phone_patient_id is not None,
            "with_name": practitioner_name(deps, visit.practitioner_key)}


async def reply_day(update: Update, context: WellbotContext, day: date, *, new: bool, who: str = "",
                    page: int = 0) -> None:
    """One page of a local day's agenda (everyone's, or one practitioner's): a button per visit, paging, filters."""
    deps = context.deps
    start, end = day_bounds(deps, day)
    # Only the page is read: building all 500 visits of a busy day cost 7-14 ms of loop time on every
    # page turn (benchmarks/README.md, big clinic).
    total = store.count_agenda(deps.db, start, end, practitioner=who)
    pages = max(1, -(-total // VISITS_PER_PAGE))
    page = min(max(page, 0), pages - 1)  # the day may have shrunk since the button was made
    visits = store.agenda(deps.db, start, end, practitioner=who, offset=page * VISITS_PER_PAGE,
                          limit=VISITS_PER_PAGE)
    no_shows = store.no_show_counts(deps.db, [v.user_id for v in visits])
    rows = [[(f"{deps.renderer.local(v.start, '%H:%M')} {(v.patient_name or '-')[:LABEL_NAME_CHARS]}",
              StaffVisit(v.id).pack())] for v in visits if v.status != store.CANCELLED]
    this_day = day.strftime(DAY_FORMAT)
    paging = [(label, StaffDayOf(this_day, who, target).pack()) for label, target in
              ((EARLIER_VISITS, page - 1), (LATER_VISITS, page + 1)) if 0 <= target < pages]
    if paging:
        rows.append(paging)
    rows.append([(PREVIOUS_DAY, StaffDayOf((day - timedelta(days=1)).strftime(DAY_FORMAT), who).pack()),
                 (NEXT_DAY, StaffDayOf((day + timedelta(days=1)).strftime(DAY_FORMAT), who).pack())])
    listed = practitioners(deps)
    if listed:  # filter by practitioner: everyone, or one of them
        choices = [(ALL_LABEL, ALL), *((FOR_LABEL.format(name=p.name), p.key) for p in listed)]
        rows += [[(label, StaffDayOf(day.strftime(DAY_FORMAT), key).pack())] for label, key in choices
                 if key != who]
    values = {"day": start + (end - start) / 2, "visits": [_line(deps, v, no_shows) for v in visits],
              "blocks": [{"start": b0, "end": b1} for b0, b1 in store.blocks_between(deps.db, start, end)],
              "who": practitioner_name(deps, who), "page": page + 1, "pages": pages, "total": total,
              "first": page * VISITS_PER_PAGE + 1, "last": page * VISITS_PER_PAGE + len(visits)}
    await reply_or_show(update, context, "sched_day", new=new, keyboard=inline(rows), **values)


async def day_pressed(update: Update, context: WellbotContext, button: StaffDay) -> None:
    """Day paging and Back to the day."""
    await reply_day(update, context, parse_day(button.day), new=False)


async def day_of_pressed(update: Update, context: WellbotContext, button: StaffDayOf) -> None:
    """Day paging and the practitioner filter: one practitioner's day, or everyone's."""
    if button.practitioner and button.practitioner not in {p.key for p in practitioners(context.deps)}:
        raise CallbackDataError("no such practitioner")
    await reply_day(update, context, parse_day(button.day), new=False, who=button.practitioner, page=button.page)


async def _visit(context: WellbotContext, visit_id: int) -> store.Visit:
    """The visit a staff button names; CallbackDataError if there is none."""
    visit = store.get_visit(context.deps.db, visit_id)
    if visit is None:
        raise CallbackDataError("no such visit")
    return visit


async def visit_pressed(update: Update, context: WellbotContext, button: StaffVisit) -> None:
    """A visit's card."""
    await show_visit(update, context, (await _visit(context, button.visit_id)).id)


async def _mark(update: Update, context: WellbotContext, visit_id: int, status: str) -> None:
    """Attended or no-show, then the card again."""
    deps = context.deps
    visit = await _visit(context, visit_id)
    if actions.mark(deps, visit_id=visit.id, status=status):
        await answer(update, context, deps.renderer.render("sched_marked_toast", status=status))
    else:
        await answer(update, context, deps.renderer.render("sched_not_marked_toast", status=status,
                                                           visit_status=visit.status), alert=True)
    await show_visit(update, context, visit.id)


async def attended_pressed(update: Update, context: WellbotContext, button: MarkAttended) -> None:
    """The patient came."""
    await _mark(update, context, button.visit_id, store.ATTENDED)


async def no_show_pressed(update: Update, context: WellbotContext, button: MarkNoShow) -> None:
    """The patient did not come."""
    await _mark(update, context, button.visit_id, store.NO_SHOW)


async def cancel_pressed(update: Update, context: WellbotContext, button: StaffCancel) -> None:
    """Ask before cancelling: the card with a confirm button; an old button on a visit no longer booked says so."""
    deps = context.deps
    visit = await _visit(context, button.visit_id)
    if visit.status != store.BOOKED:
        await answer(update, context, deps.renderer.render("sched_not_marked_toast", status="cancelled",
                                                           visit_status=visit.status), alert=True)
    await show_visit(update, context, visit.id, confirm_cancel=visit.status == store.BOOKED)


async def cancel_confirmed(update: Update, context: WellbotContext, button: StaffCancelYes) -> None:
    """Cancel on the clinic's side."""
    await _staff_cancel(update, context, await _visit(context, button.visit_id))


async def show_visit(update: Update, context: WellbotContext, visit_id: int, *, confirm_cancel: bool = False) -> None:
    """One visit's card for staff, with the actions its state allows."""
    deps = context.deps
    visit = store.get_visit(deps.db, visit_id)
    no_shows = store.no_show_counts(deps.db, [visit.user_id])
    now = deps.clock.now()
    rows = []
    if visit.status != store.CANCELLED and visit.start <= now:
        rows.append([(ATTENDED_LABEL, MarkAttended(visit.id).pack()), (NO_SHOW_LABEL, MarkNoShow(visit.id).pack())])
    if visit.status == store.BOOKED:
        if visit.start > now:  # the patient phoned: move it for them
            rows.append([(MOVE_LABEL, DeskMove(visit.id).pack())])
        rows.append([(CANCEL_YES_LABEL, StaffCancelYes(visit.id).pack()) if confirm_cancel
                     else (CANCEL_LABEL, StaffCancel(visit.id).pack())])
    day = visit.start.astimezone(deps.clinic.timezone).date()
    rows.append([(BACK_TO_DAY, StaffDay(day.strftime(DAY_FORMAT)).pack())])
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
    # Done: the patient's notice and cancellation file, and the staff notices, were promised with it.
    try:
        await show_visit(update, context, visit.id)
    except TelegramError as exc:  # the cancellation is made and staff are told through the outbox: no false alarm
        log.warning("staff card not refreshed visit_id=%s error=%s", visit.id, type(exc).__name__)


# Staff-only routes: the router checks the presser against the staff list on every press.
ROUTES = [
    ButtonRoute.typed(StaffDay, day_pressed, staff=True),
    ButtonRoute.typed(StaffDayOf, day_of_pressed, staff=True),
    ButtonRoute.typed(StaffVisit, visit_pressed, staff=True),
    ButtonRoute.typed(MarkAttended, attended_pressed, staff=True),
    ButtonRoute.typed(MarkNoShow, no_show_pressed, staff=True),
    ButtonRoute.typed(StaffCancel, cancel_pressed, staff=True),
    ButtonRoute.typed(StaffCancelYes, cancel_confirmed, staff=True),
]
