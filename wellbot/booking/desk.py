"""The front desk: find a patient who phoned (or make a phone-only record), book, move or cancel for them,
and write to a Telegram patient from their card.

Staff-only: every command and `desk:` button is declared staff, so the router
checks the presser each time. The booking itself goes through `actions`, like
the patient's own flow, so the same rules, claims and notices apply.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

from telegram import Update

from wellbot.booking import actions, flow, store
from wellbot.booking.availability import bookable_days, free_slots
from wellbot.booking.buttons import (
    DeskBook,
    DeskConfirm,
    DeskDay,
    DeskMessage,
    DeskMove,
    DeskPatient,
    DeskService,
    DeskStop,
    DeskTime,
    StaffVisit,
)
from wellbot.booking.common import DAY_FORMAT, parse_day, parse_stamp, rules_of, service_name, stamp
from wellbot.booking.contact import clean_name, clean_phone
from wellbot.bot.callbacks import CallbackDataError
from wellbot.bot.deps import WellbotContext
from wellbot.bot.features import ANY_STEP, ButtonRoute, FlowSteps
from wellbot.bot.keyboards import inline
from wellbot.bot.messaging import answer, reply, reply_or_show, show
from wellbot.bot.notify import BotNotifier
from wellbot.core.clock import from_db, to_db
from wellbot.core.flows import Flow
from wellbot.core.i18n import N_, _
from wellbot.desk import actions as inbox
from wellbot.desk import views as inbox_views

log = logging.getLogger(__name__)

FLOW = "desk"
SERVICE, DAY, TIME, CONFIRM, MESSAGE = "service", "day", "time", "confirm", "message"
DESK_DAYS = 21  # days ahead shown to staff booking by phone
DAYS_PER_ROW, TIMES_PER_ROW = 3, 4
MESSAGE_MAX = 1000  # characters staff may write to one patient
PHONE_START = re.compile(r"[+(\d]")  # where the phone number begins in "/newpatient Name Phone"
BOOK_LABEL, MOVE_LABEL = N_("📅 Book a visit"), N_("🔁 Move (patient phoned)")
MESSAGE_LABEL = N_("✉️ Message the patient")
CONFIRM_LABEL, STOP_LABEL = N_("✅ Book it"), N_("✖ Cancel")
PHONE_ONLY_MARK = N_("(phone only)")  # after a found patient who has no Telegram


# ---- finding and creating patients -----------------------------------------------------------------

async def patient_command(update: Update, context: WellbotContext) -> None:
    """/patient <name or phone>: the matching patients, each a button to their card."""
    query = " ".join(context.args or [])
    if len(query.strip()) < 2:
        await reply(update, context, "desk_usage", problem="patient")
        return
    found = store.search_patients(context.deps.db, query)
    rows = [[(f"{r.name} · {r.phone}{' ' + _(PHONE_ONLY_MARK) if r.kind == store.PHONE_ONLY else ''}",
              DeskPatient(r.kind, r.id).pack())] for r in found]
    await reply(update, context, "desk_found", keyboard=inline(rows) if rows else None, count=len(found))


async def new_patient_command(update: Update, context: WellbotContext) -> None:
    """/newpatient <full name> <phone>: a record for a patient with no Telegram account."""
    deps, text = context.deps, " ".join(context.args or [])
    match = PHONE_START.search(text)
    name = clean_name(text[:match.start()]) if match else None
    phone = clean_phone(text[match.start():], deps.clinic.region) if match else None
    if name is None or phone is None:
        await reply(update, context, "desk_usage", problem="newpatient")
        return
    record_id = store.create_phone_patient(deps.db, name, phone, update.effective_user.id, deps.clock.now())
    log.info("phone patient created record_id=%s staff_id=%s", record_id, update.effective_user.id)
    await show_card(update, context, store.patient_record(deps.db, store.PHONE_ONLY, record_id), new=True)


async def show_card(update: Update, context: WellbotContext, record: store.PatientRecord | None, *,
                    new: bool = False) -> None:
    """A patient's card: contact, upcoming visits (each to its staff card), book and message buttons."""
    if record is None:
        raise CallbackDataError("no such patient")
    deps = context.deps
    visits = store.visits_of(deps.db, record, deps.clock.now())
    rows = [[(f"{deps.renderer.local(v.start, '%a %d %b %H:%M')} {service_name(deps, v.service_key)}",
              StaffVisit(v.id).pack())] for v in visits]
    rows.append([(BOOK_LABEL, DeskBook(record.kind, record.id).pack())])
    if record.kind == store.TELEGRAM:
        rows.append([(MESSAGE_LABEL, DeskMessage(record.id).pack())])
    values = {"record": record, "visits": [{"start": v.start, "name": v.patient_name,
                                            "service": service_name(deps, v.service_key)} for v in visits]}
    await reply_or_show(update, context, "desk_card", new=new, keyboard=inline(rows), **values)


async def card_pressed(update: Update, context: WellbotContext, button: DeskPatient) -> None:
    """A search result: the patient's card."""
    await show_card(update, context, store.patient_record(context.deps.db, button.kind, button.record_id))


# ---- booking and moving for a patient who phoned ----------------------------------------------------

async def book_pressed(update: Update, context: WellbotContext, button: DeskBook) -> None:
    """Book for this patient: the services, as for patients online."""
    deps = context.deps
    record = store.patient_record(deps.db, button.kind, button.record_id)
    if record is None:
        raise CallbackDataError("no such patient")
    state = deps.flows.start(update.effective_user.id, FLOW, SERVICE, {"kind": record.kind, "record": record.id})
    await _show_services(update, context, state, record)


async def _show_services(update: Update, context: WellbotContext, state: Flow, record: store.PatientRecord) -> None:
    """The services to book for the patient, as a new message."""
    rows = [[(s.name, DeskService(state.token, s.key).pack())] for s in context.deps.clinic.services]
    rows.append([(STOP_LABEL, DeskStop(state.token).pack())])
    await reply(update, context, "desk_services", keyboard=inline(rows), record=record)


async def move_pressed(update: Update, context: WellbotContext, button: DeskMove) -> None:
    """Move a booked visit for the patient who phoned: its service's days."""
    deps = context.deps
    visit = store.get_visit(deps.db, button.visit_id)
    if visit is None or visit.status != store.BOOKED:
        raise CallbackDataError("visit not booked")
    state = deps.flows.start(update.effective_user.id, FLOW, DAY, {"move": visit.id, "service": visit.service_key})
    await show_days(update, context, state, new=True)


async def service_pressed(update: Update, context: WellbotContext, button: DeskService, state: Flow) -> None:
    """A service: the days with free times (staff may book phone-only services too)."""
    if context.deps.clinic.service(button.service) is None:
        raise CallbackDataError("no such service")
    state.data["service"] = button.service
    state.step = DAY
    context.deps.flows.save(state)
    await show_days(update, context, state)


async def show_days(update: Update, context: WellbotContext, state: Flow, *, new: bool = False) -> None:
    """The next days with free times for the service."""
    deps = context.deps
    service = deps.clinic.service(state.data["service"])
    rules, now, tz = rules_of(deps), deps.clock.now(), deps.clinic.timezone
    first, last = bookable_days(rules, now, tz)
    last = min(last, first + timedelta(days=DESK_DAYS))
    busy, blocks = flow.held(deps, first, last, state.data.get("move"))
    staffing = _staffing(deps, state, first, last)
    days = [d for d in _days(first, last)
            if free_slots(rules, d, service.duration_minutes, busy, blocks, now, tz, staffing)]
    buttons = [(d.strftime("%a %d %b"), DeskDay(state.token, d.strftime(DAY_FORMAT)).pack()) for d in days]
    rows = [buttons[i:i + DAYS_PER_ROW] for i in range(0, len(buttons), DAYS_PER_ROW)]
    rows.append([(STOP_LABEL, DeskStop(state.token).pack())])
    await reply_or_show(update, context, "desk_days", new=new, keyboard=inline(rows), service=service,
                        has_days=bool(days))


def _staffing(deps, state: Flow, first: date, last: date) -> list | None:
    """Who could take it: a moved visit's own practitioner, else anyone who gives the service."""
    moving = store.get_visit(deps.db, state.data["move"]) if "move" in state.data else None
    return flow.staffing(deps, state.data["service"], moving.practitioner_key if moving else None, first, last,
                         state.data.get("move"))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def day_pressed(update: Update, context: WellbotContext, button: DeskDay, state: Flow) -> None:
    """A day: its free times."""
    state.step = TIME
    state.data["day"] = parse_day(button.day).strftime(DAY_FORMAT)  # kept, to show the times again
    context.deps.flows.save(state)
    await _show_times(update, context, state)


async def _show_times(update: Update, context: WellbotContext, state: Flow, *, new: bool = False) -> None:
    """The chosen day's free times."""
    deps = context.deps
    day = parse_day(state.data["day"])
    service = deps.clinic.service(state.data["service"])
    busy, blocks = flow.held(deps, day, day, state.data.get("move"))
    slots = free_slots(rules_of(deps), day, service.duration_minutes, busy, blocks, deps.clock.now(),
                       deps.clinic.timezone, _staffing(deps, state, day, day))
    buttons = [(deps.renderer.local(s, "%H:%M"), DeskTime(state.token, stamp(s)).pack()) for s in slots]
    rows = [buttons[i:i + TIMES_PER_ROW] for i in range(0, len(buttons), TIMES_PER_ROW)]
    rows.append([(STOP_LABEL, DeskStop(state.token).pack())])
    await (reply if new else show)(update, context, "desk_times", keyboard=inline(rows), service=service,
                                   day=flow.noon(deps, day))


async def time_pressed(update: Update, context: WellbotContext, button: DeskTime, state: Flow) -> None:
    """A time: the summary to confirm."""
    state.data["start"] = to_db(parse_stamp(button.stamp))
    state.step = CONFIRM
    context.deps.flows.save(state)
    await _show_summary(update, context, state)


async def _show_summary(update: Update, context: WellbotContext, state: Flow, *, new: bool = False) -> None:
    """What will be booked or moved, with Book it and Stop."""
    deps = context.deps
    start = from_db(state.data["start"])
    service = deps.clinic.service(state.data["service"])
    visit = store.get_visit(deps.db, state.data["move"]) if "move" in state.data else None
    record = None if visit else store.patient_record(deps.db, state.data["kind"], state.data["record"])
    rows = [[(CONFIRM_LABEL, DeskConfirm(state.token).pack())], [(STOP_LABEL, DeskStop(state.token).pack())]]
    await (reply if new else show)(update, context, "desk_confirm", keyboard=inline(rows), service=service,
                                   start=start, end=start + timedelta(minutes=service.duration_minutes),
                                   record=record, moving=visit)


async def confirm_pressed(update: Update, context: WellbotContext, button: DeskConfirm, state: Flow) -> None:
    """Book or move it, through the same actions as the patient's own flow."""
    await answer(update, context)
    deps = context.deps
    notifier = BotNotifier(context.bot, deps)
    start, staff_id = from_db(state.data["start"]), update.effective_user.id
    service = deps.clinic.service(state.data["service"])
    if "move" in state.data:
        result = await actions.move_by_staff(deps, notifier, visit_id=state.data["move"], start=start,
                                             actor_id=staff_id)
    else:
        record = store.patient_record(deps.db, state.data["kind"], state.data["record"])
        telegram = record.kind == store.TELEGRAM
        result = await actions.book(deps, notifier, service=service, start=start,
                                    user_id=record.id if telegram else None, name=record.name,
                                    phone=record.phone, token=state.token,
                                    phone_patient_id=None if telegram else record.id, by_staff=staff_id)
    deps.flows.clear(staff_id)
    await show(update, context, "desk_done", outcome=result.outcome.value, start=start, service=service,
               moved="move" in state.data)


async def stop_pressed(update: Update, context: WellbotContext, button: DeskStop, state: Flow) -> None:
    """Leave the front-desk flow."""
    context.deps.flows.clear(state.user_id)
    await show(update, context, "cancelled", was_in_flow=True)


# ---- writing to one patient ----------------------------------------------------------------------

async def message_pressed(update: Update, context: WellbotContext, button: DeskMessage) -> None:
    """Ask staff to type the message for this Telegram patient."""
    deps = context.deps
    record = store.patient_record(deps.db, store.TELEGRAM, button.user_id)
    if record is None:
        raise CallbackDataError("no such patient")
    deps.flows.start(update.effective_user.id, FLOW, MESSAGE, {"to": record.id})
    await reply(update, context, "desk_message_ask", record=record, too_long=False)


async def on_text(update: Update, context: WellbotContext) -> None:
    """The typed message: sent to the patient as from the clinic, escaped like any text."""
    deps = context.deps
    state = deps.flows.get(update.effective_user.id)
    text = (update.message.text or "").strip()
    if not text or len(text) > MESSAGE_MAX:
        await reply(update, context, "desk_message_ask", record=None, too_long=len(text) > MESSAGE_MAX)
        return
    # Through the front-desk inbox (wellbot.desk): the message joins the patient's conversation,
    # shows in the staff desk and /mydata, and the patient can write back.
    outcome = await inbox.staff_message(deps, BotNotifier(context.bot, deps), user_id=state.data["to"],
                                        staff_id=update.effective_user.id, text=text,
                                        keyboard=inbox_views.patient_keyboard)
    delivered = outcome is inbox.Outcome.SENT
    deps.flows.clear(state.user_id)
    log.info("staff message to patient user_id=%s staff_id=%s delivered=%s", state.data["to"],
             update.effective_user.id, delivered)
    await reply(update, context, "desk_message_sent", delivered=delivered)


async def resume(update: Update, context: WellbotContext) -> None:
    """Show the step staff are at again, as a new message (after /language changed mid-flow)."""
    deps = context.deps
    state = deps.flows.get(update.effective_user.id)
    if state is None:
        return
    if state.step == SERVICE:
        await _show_services(update, context, state,
                             store.patient_record(deps.db, state.data["kind"], state.data["record"]))
    elif state.step == DAY:
        await show_days(update, context, state, new=True)
    elif state.step == TIME and "day" in state.data:
        await _show_times(update, context, state, new=True)
    elif state.step == TIME:  # a flow saved before the day was kept: choose the day again
        state.step = DAY
        deps.flows.save(state)
        await show_days(update, context, state, new=True)
    elif state.step == CONFIRM:
        await _show_summary(update, context, state, new=True)
    else:
        await reply(update, context, "desk_message_ask",
                    record=store.patient_record(deps.db, store.TELEGRAM, state.data["to"]), too_long=False)


STEPS = FlowSteps(
    flow=FLOW,
    buttons={ANY_STEP: frozenset({DeskStop}), SERVICE: frozenset({DeskService}), DAY: frozenset({DeskDay}),
             TIME: frozenset({DeskTime}), CONFIRM: frozenset({DeskConfirm})},
    on_text=on_text,
    typed=frozenset({MESSAGE}),
    use_buttons="book_use_buttons",
    on_resume=resume,
)

ROUTES = [
    ButtonRoute.typed(DeskPatient, card_pressed, staff=True),
    ButtonRoute.typed(DeskBook, book_pressed, staff=True),
    ButtonRoute.typed(DeskMove, move_pressed, staff=True),
    ButtonRoute.typed(DeskMessage, message_pressed, staff=True),
    ButtonRoute.typed(DeskService, service_pressed, staff=True),
    ButtonRoute.typed(DeskDay, day_pressed, staff=True),
    ButtonRoute.typed(DeskTime, time_pressed, staff=True),
    ButtonRoute.typed(DeskConfirm, confirm_pressed, staff=True),
    ButtonRoute.typed(DeskStop, stop_pressed, staff=True),
]
