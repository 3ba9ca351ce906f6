"""/visits: a patient's upcoming visits, with Reschedule and Cancel, and their waitlist entries.

`vis:rs:<visit_id>` and `vis:cx:<visit_id>` are also sent by reminder
messages, so they always answer with a new message (never edit the message
they came from) and always check that the visit belongs to the presser.
"""

from __future__ import annotations

import logging

from telegram import Update

from wellbot.booking import actions, flow, intake, store
from wellbot.booking.buttons import (
    CallClinic,
    CancelVisit,
    CancelVisitYes,
    KeepVisit,
    LateBy,
    LeaveWaitlist,
    RescheduleVisit,
    RunningLate,
)
from wellbot.booking.common import hours_until, practitioner_name, rules_of, service_name
from wellbot.booking.flow import noon
from wellbot.booking.waitlist import preference_words
from wellbot.bot.callbacks import CallbackDataError
from wellbot.bot.deps import Deps, WellbotContext
from wellbot.bot.features import ButtonRoute
from wellbot.bot.keyboards import inline
from wellbot.bot.messaging import answer, reply, show
from wellbot.bot.notify import BotNotifier
from wellbot.core.i18n import N_, _

log = logging.getLogger(__name__)

RESCHEDULE, CANCEL, CANCEL_YES = RescheduleVisit.TAG, CancelVisit.TAG, CancelVisitYes.TAG  # which was pressed
LABEL_FORMAT = "%a %d %b %H:%M"
YES_LABEL = N_("Yes, cancel it")
KEEP_LABEL = N_("No, keep it")
LEAVE_LABEL = N_("Leave the waitlist")
RESCHEDULE_LABEL = N_("Reschedule {when}")
CANCEL_LABEL = N_("Cancel {when}")
LATE_CHOICES = (5, 10, 15, 20, 30)  # minutes a patient can say they are running late
LATE_LABEL = N_("About {minutes} min")
LATE_PER_ROW = 3
LABEL_LIMIT = 60  # button labels stay short enough to read on a phone


def changeable(deps: Deps, visit: store.Visit) -> bool:
    """True if the patient may still move or cancel the visit online (outside the cancellation window)."""
    return hours_until(visit.start, deps.clock.now()) >= rules_of(deps).cancellation_window_hours


async def visits_command(update: Update, context: WellbotContext) -> None:
    """List the patient's upcoming visits (Reschedule and Cancel where still allowed) and waitlist entries."""
    deps, user_id = context.deps, update.effective_user.id
    visits = store.upcoming(deps.db, user_id, deps.clock.now())
    rows = []
    for visit in visits:
        if not changeable(deps, visit):
            continue  # inside the window the buttons could only refuse: the message says to call
        when = deps.renderer.local(visit.start, LABEL_FORMAT)
        rows.append([(_(RESCHEDULE_LABEL).format(when=when), RescheduleVisit(visit.id).pack()),
                     (_(CANCEL_LABEL).format(when=when), CancelVisit(visit.id).pack())])
    rows += [[button] for button in (intake.start_button(deps, v) for v in visits) if button]
    today = deps.clock.now().astimezone(deps.clinic.timezone).date()
    wishes = store.wishes_of(deps.db, user_id, today)
    for wish in wishes:
        rows.append([(f"{_(LEAVE_LABEL)}: {service_name(deps, wish.service_key)}"[:LABEL_LIMIT],
                      LeaveWaitlist(wish.id).pack())])
    items = [{"start": v.start, "end": v.end, "service": service_name(deps, v.service_key),
              "confirmed": v.confirmed_at is not None, "changeable": changeable(deps, v),
              "for_name": v.patient_name if v.dependant_id else "",
              "with_name": practitioner_name(deps, v.practitioner_key)} for v in visits]
    await reply(update, context, "visits_list", keyboard=inline(rows) if rows else None, visits=items,
                cancel_hours=rules_of(deps).cancellation_window_hours,
                wishes=[_wish_values(deps, w) for w in wishes])


def _wish_values(deps: Deps, wish: store.Wish) -> dict:
    """A waitlist entry as template values."""
    return {"service": service_name(deps, wish.service_key), "first_day": noon(deps, wish.first_day),
            "last_day": noon(deps, wish.last_day), **preference_words(wish.weekdays, wish.day_parts)}


async def leave_waitlist(update: Update, context: WellbotContext, button: LeaveWaitlist) -> None:
    """Take the presser off one of their own waitlist entries."""
    if not actions.leave_waitlist(context.deps, wish_id=button.wish_id, user_id=update.effective_user.id):
        raise CallbackDataError("not the presser's waitlist entry, or already left")
    await answer(update, context)
    await reply(update, context, "visits_waitlist_left")


async def _own_visit(update: Update, context: WellbotContext, visit_id: int) -> store.Visit:
    """The visit a button names, if it is the presser's; CallbackDataError otherwise."""
    visit = store.get_visit(context.deps.db, visit_id)
    if visit is None or visit.user_id != update.effective_user.id:
        log.info("visit button for someone else's visit user_id=%s", update.effective_user.id)
        raise CallbackDataError("not the presser's visit")
    return visit


async def _refused(update: Update, context: WellbotContext, visit: store.Visit, pressed: str) -> bool:
    """Answer (and return True) if the patient may no longer change this visit themselves."""
    deps = context.deps
    allowed = actions.check_patient_may_change(deps, visit, update.effective_user.id)
    if allowed is actions.Outcome.GONE:
        await _respond(update, context, pressed, "visits_gone")
    elif allowed is actions.Outcome.TOO_LATE:
        await _respond(update, context, pressed, "visits_too_late", start=visit.start,
                       service=service_name(deps, visit.service_key),
                       hours=rules_of(deps).cancellation_window_hours,
                       action="reschedule" if pressed == RESCHEDULE else "cancel")
    return allowed is not actions.Outcome.DONE


async def reschedule_pressed(update: Update, context: WellbotContext, button: RescheduleVisit) -> None:
    """Reschedule: start the booking flow in reschedule mode."""
    visit = await _own_visit(update, context, button.visit_id)
    if not await _refused(update, context, visit, RESCHEDULE):
        await flow.begin_reschedule(update, context, visit)


async def cancel_pressed(update: Update, context: WellbotContext, button: CancelVisit) -> None:
    """Cancel: ask first, as a new message (the button may be on a reminder)."""
    visit = await _own_visit(update, context, button.visit_id)
    if await _refused(update, context, visit, CANCEL):
        return
    keyboard = inline([[(YES_LABEL, CancelVisitYes(visit.id).pack())], [(KEEP_LABEL, KeepVisit(visit.id).pack())]])
    await reply(update, context, "visits_cancel_ask", keyboard=keyboard, start=visit.start,
                service=service_name(context.deps, visit.service_key))


async def cancel_confirmed(update: Update, context: WellbotContext, button: CancelVisitYes) -> None:
    """Yes, cancel it."""
    visit = await _own_visit(update, context, button.visit_id)
    if not await _refused(update, context, visit, CANCEL_YES):
        await cancel_visit(update, context, visit)


async def keep_pressed(update: Update, context: WellbotContext, button: KeepVisit) -> None:
    """No, keep it."""
    visit = await _own_visit(update, context, button.visit_id)
    await show(update, context, "visits_kept", start=visit.start)


async def running_late_pressed(update: Update, context: WellbotContext, button: RunningLate) -> None:
    """Running late: ask roughly how late, as a new message (the button is on a reminder)."""
    visit = await _own_visit(update, context, button.visit_id)
    if visit.status != store.BOOKED or visit.end <= context.deps.clock.now():
        await reply(update, context, "visits_gone")
        return
    buttons = [(_(LATE_LABEL).format(minutes=m), LateBy(visit.id, m).pack()) for m in LATE_CHOICES]
    rows = [buttons[i:i + LATE_PER_ROW] for i in range(0, len(buttons), LATE_PER_ROW)]
    await reply(update, context, "visits_late_ask", keyboard=inline(rows), start=visit.start)


async def late_by_pressed(update: Update, context: WellbotContext, button: LateBy) -> None:
    """About N minutes late: staff are told, the patient hears that they were."""
    if button.minutes not in LATE_CHOICES:
        raise CallbackDataError("not a delay we offered")
    visit = await _own_visit(update, context, button.visit_id)
    deps = context.deps
    result = await actions.report_late(deps, BotNotifier(context.bot, deps), visit_id=visit.id,
                                       user_id=update.effective_user.id, minutes=button.minutes)
    if not result.done:
        await show(update, context, "visits_gone")
        return
    await show(update, context, "visits_late_told", minutes=button.minutes, start=visit.start,
               end=visit.end)


async def call_pressed(update: Update, context: WellbotContext, button: CallClinic) -> None:
    """Call the clinic: the number as a message (Telegram makes it tappable; buttons cannot dial)."""
    await _own_visit(update, context, button.visit_id)
    await reply(update, context, "visits_call")


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
                                  actor_id=update.effective_user.id, where=flow.pressed(update))
    if result.outcome is actions.Outcome.TOO_LATE:
        rules = rules_of(deps)
        await show(update, context, "visits_too_late", start=visit.start, action="cancel",
                   service=service_name(deps, visit.service_key), hours=rules.cancellation_window_hours)
    elif result.outcome is not actions.Outcome.DONE:
        await show(update, context, "visits_gone")
    # DONE: the confirmation and cancellation file were promised with it (wellbot.booking.effects)


# The /visits buttons (reminders send Reschedule and Cancel too), for the feature's declaration.
ROUTES = [
    ButtonRoute.typed(RescheduleVisit, reschedule_pressed),
    ButtonRoute.typed(CancelVisit, cancel_pressed),
    ButtonRoute.typed(CancelVisitYes, cancel_confirmed),
    ButtonRoute.typed(KeepVisit, keep_pressed),
    ButtonRoute.typed(LeaveWaitlist, leave_waitlist),
    ButtonRoute.typed(RunningLate, running_late_pressed),
    ButtonRoute.typed(LateBy, late_by_pressed),
    ButtonRoute.typed(CallClinic, call_pressed),
]
