"""The patient's booking flow: service -> day -> time -> name and phone -> summary -> Confirm.

Thin handlers: availability and the store do the work. The flow's state is
in SQLite (`wellbot.core.flows`) and every button carries the flow's token, so a
button from an earlier conversation is answered as stale and changes nothing.
The same flow moves an existing visit (reschedule mode: `data["visit"]`).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

from telegram import InputFile, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden

from wellbot.booking import actions, ics, intake, store
from wellbot.booking.availability import bookable_days, days_with_slots, free_slots, is_free, nearest_free
from wellbot.booking.busy_cache import BusyCache
from wellbot.booking.buttons import (
    CancelBooking,
    ConfirmBooking,
    FirstAvailable,
    GoBack,
    JoinWaitlist,
    PageDays,
    PageWeek,
    PickDay,
    PickMonth,
    PickPractitioner,
    PickService,
    PickTime,
    StartBooking,
    WaitlistDay,
    WaitlistJoin,
    WaitlistPart,
)
from wellbot.booking.common import (
    DAY_FORMAT,
    bookable_service,
    day_bounds,
    eligible,
    parse_day,
    parse_stamp,
    practitioner_name,
    rules_of,
    stamp,
)
from wellbot.booking.contact import SOMEONE_ELSE, clean_name, clean_phone, name_problem, parse_birth_date
from wellbot.bot.callbacks import Button, CallbackDataError
from wellbot.bot.deps import Deps, WellbotContext
from wellbot.bot.features import ANY_STEP, ButtonRoute, FlowSteps
from wellbot.bot.keyboards import inline
from wellbot.bot.messaging import answer, reply, reply_or_show, show
from wellbot.bot.notify import BotNotifier
from wellbot.core import dates, patients
from wellbot.core.clinic import Service
from wellbot.core.clock import from_db, to_db
from wellbot.core.flows import Flow
from wellbot.core.i18n import N_, _, current_language

log = logging.getLogger(__name__)

FLOW = "book"
PREFIX = "book"
SERVICE, DAY, TIME, NAME, PHONE, SUMMARY = "service", "day", "time", "name", "phone", "summary"
FAMILY_NAME, FAMILY_BIRTH = "family_name", "family_birth"  # booking for a new family member
ANYONE = N_("the first available practitioner")
ANYONE_LABEL = N_("👥 Anyone")
PERSON_LABEL = "👤 {name}"
WEEK_DAYS = 7
DAYS_PER_ROW = 2
TIMES_PER_ROW = 4
NEAREST_TIMES = 4

BACK = N_("‹ Back")
EARLIER = N_("‹ Earlier days")
LATER = N_("Later days ›")
CONFIRM = N_("✅ Confirm")
CANCEL = N_("✖ Cancel")
SHARE = N_("📱 Share my phone number")
CHANGE_DETAILS = N_("Change name or phone")
FAMILY = N_("👪 Someone in my family")
FAMILY_MEMBER = "👪 {name}"  # a saved family member on the name step's keyboard
WAITLIST = N_("⏳ Join the waitlist for these days")
# File names and the calendar entry's title: the patient sees them, so they are in the patient's language.
VISIT_ICS, CANCELLED_ICS = N_("visit.ics"), N_("visit-cancelled.ics")
CALENDAR_TITLE = N_("{service} at {clinic}")
WAITLIST_STEP = "waitlist"  # choosing the days and times that suit, before joining
FIRST_AVAILABLE = N_("⚡ First available")
FIRST_TIMES = 6  # earliest free times offered by "First available"
FIRST_PER_DAY = 2  # at most this many of them on one day, so the choice spans a few days
MONTH_DAYS_PER_ROW = 3
MONTH_LABEL = "📅 {name}"
# Typed instead of a name: leave, never a name (Spanish too: a patient may type in either language).
CANCEL_WORDS = {"cancel", "stop", "quit", "exit", "cancelar", "salir"}
BACK_WORDS = {"back", "go back", "atrás", "atras", "volver", "regresar"}


# ---- entry points -------------------------------------------------------------------------------

async def book_command(update: Update, context: WellbotContext) -> None:
    """/book, the menu item and the `book` deep link: start at the service list."""
    await begin(update, context)


async def begin(update: Update, context: WellbotContext, service_key: str | None = None) -> None:
    """Start a fresh booking flow, preselecting a bookable service when given."""
    deps, user_id = context.deps, update.effective_user.id
    rules = rules_of(deps)
    if store.count_upcoming(deps.db, user_id, deps.clock.now()) >= rules.max_upcoming_per_patient \
            and not store.dependants_of(deps.db, user_id):  # with family, the limit is counted per person at Confirm
        await reply(update, context, "book_limit", limit=rules.max_upcoming_per_patient)
        return
    state = deps.flows.start(user_id, FLOW, SERVICE, {})
    if bookable_service(deps, service_key):
        state.data["service"] = service_key
        await _after_service(update, context, state, new=True)
        return
    await show_services(update, context, state, new=True, asked=deps.clinic.service(service_key or ""))


async def begin_claim(update: Update, context: WellbotContext, service: Service, start: datetime,
                      offer_id: int) -> None:
    """Start the flow at the name step for a freed time claimed from the waitlist."""
    day = start.astimezone(context.deps.clinic.timezone).date()
    # The offer is remembered so a lost race can say the patient is still waiting, and close it.
    state = context.deps.flows.start(update.effective_user.id, FLOW, NAME,
                                     {"service": service.key, "day": day.isoformat(),
                                      "start": to_db(start), "offer": offer_id})
    await show(update, context, "book_chosen", service=service, start=start)
    await ask_name(update, context, state)


async def begin_reschedule(update: Update, context: WellbotContext, visit: store.Visit) -> None:
    """Start the flow in reschedule mode for a visit the presser owns."""
    state = context.deps.flows.start(update.effective_user.id, FLOW, DAY,
                                     {"service": visit.service_key, "visit": visit.id,
                                      "practitioner": visit.practitioner_key or ""})
    await show_days(update, context, state, new=True)


# ---- screens ------------------------------------------------------------------------------------

def _button(label: str, button: Button) -> tuple[str, str]:
    return label, button.pack()


def noon(deps: Deps, day: date) -> datetime:
    """A date as an aware instant the templates' `day` filter can show."""
    return datetime.combine(day, time(12), tzinfo=deps.clinic.timezone).astimezone(UTC)


async def show_services(update: Update, context: WellbotContext, state: Flow, *, new: bool = False,
                        asked: Service | None = None, note: str = "") -> None:
    """The bookable services as buttons; phone-only ones listed with the clinic's number."""
    services = context.deps.clinic.services
    rows = [[_button(s.name, PickService(state.token, s.key))] for s in services if s.bookable]
    rows.append([_button(CANCEL, CancelBooking(state.token))])
    await reply_or_show(update, context, "book_services", new=new, keyboard=inline(rows), note=note, asked=asked,
                        services=[s for s in services if s.bookable],
                        phone_only=[s for s in services if not s.bookable])


def window(deps: Deps, state: Flow) -> tuple[date, date]:
    """The local days on screen: a week from `from` (default today), or the month chosen, within the horizon."""
    first, last = bookable_days(rules_of(deps), deps.clock.now(), deps.clinic.timezone)
    start = min(max(date.fromisoformat(state.data.get("from", first.isoformat())), first), last)
    end = date.fromisoformat(state.data["to"]) if "to" in state.data else start + timedelta(days=WEEK_DAYS - 1)
    return start, min(max(end, start), last)


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month that [first, last] touches."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


async def show_days(update: Update, context: WellbotContext, state: Flow, *, new: bool = False,
                    note: str = "") -> None:
    """The days with free times in the window on screen, with paging, a month jump and "first available"."""
    deps = context.deps
    service = bookable_service(deps, state.data.get("service"))
    if service is None:
        await _service_gone(update, context, state, new)
        return
    rules, now, tz, token = rules_of(deps), deps.clock.now(), deps.clinic.timezone, state.token
    first, last = bookable_days(rules, now, tz)
    start, end = window(deps, state)
    busy, blocks = held(deps, start, end, state.data.get("visit"))
    days = days_with_slots(rules, start, end, service.duration_minutes, busy, blocks, now, tz,
                           staff_for(deps, state, start, end))
    per_row = DAYS_PER_ROW if (end - start).days < WEEK_DAYS else MONTH_DAYS_PER_ROW
    day_buttons = [_button(dates.show(d, "short_day"), PickDay(token, d.strftime(DAY_FORMAT))) for d in days]
    rows = [day_buttons[i:i + per_row] for i in range(0, len(day_buttons), per_row)]
    earlier = max(first, start - timedelta(days=WEEK_DAYS))
    rows.append([b for b in (
        _button(EARLIER, PageDays(token, earlier.strftime(DAY_FORMAT))) if start > first else None,
        _button(LATER, PageDays(token, (end + timedelta(days=1)).strftime(DAY_FORMAT))) if end < last else None,
    ) if b])
    month_mode = "to" in state.data
    rows.append([_button(MONTH_LABEL.format(name=dates.show(m, "month").capitalize()),
                         PickMonth(token, m.strftime("%Y%m")))
                 for m in months_between(first, last) if not (month_mode and m == start.replace(day=1))])
    rows.append([_button(FIRST_AVAILABLE, FirstAvailable(token))])
    if "visit" not in state.data:
        if not days and not _service_free(deps, state, service, start, end):  # only a week with nothing free
            rows.append([_button(WAITLIST, JoinWaitlist(token))])
        rows += _practitioner_rows(deps, state)
        rows.append([_button(BACK, GoBack(token, SERVICE)), _button(CANCEL, CancelBooking(token))])
    else:
        rows.append([_button(CANCEL, CancelBooking(token))])
    shown_start = start
    if start == first and not days_with_slots(rules, start, start, service.duration_minutes, [], [], now, tz):
        shown_start = min(start + timedelta(days=1), end)  # today is over (closed, or past the notice): not offered
    await reply_or_show(update, context, "book_days", new=new, keyboard=inline([r for r in rows if r]),
                        service=service, note=note, first_day=noon(deps, shown_start), last_day=noon(deps, end),
                        has_days=bool(days), rescheduling=_visit_of(deps, state), with_name=_with_name(deps, state))


def _service_free(deps: Deps, state: Flow, service: Service, start: date, end: date) -> bool:
    """With a practitioner chosen: True if anyone giving the service is free then (waitlists are per service)."""
    if not state.data.get("practitioner"):
        return False  # the days on screen already are everyone's
    busy, blocks = held(deps, start, end, None)
    anyone = staffing(deps, service.key, None, start, end, None)
    return bool(days_with_slots(rules_of(deps), start, end, service.duration_minutes, busy, blocks,
                                deps.clock.now(), deps.clinic.timezone, anyone))


async def show_times(update: Update, context: WellbotContext, state: Flow, *, new: bool = False,
                     note: str = "") -> None:
    """The free start times of the chosen day."""
    deps = context.deps
    service = bookable_service(deps, state.data.get("service"))
    if service is None:
        await _service_gone(update, context, state, new)
        return
    day = date.fromisoformat(state.data["day"])
    busy, blocks = held(deps, day, day, state.data.get("visit"))
    slots = free_slots(rules_of(deps), day, service.duration_minutes, busy, blocks, deps.clock.now(),
                       deps.clinic.timezone, staff_for(deps, state, day, day))
    slots = without_own(deps, state, slots, service)
    if not slots:
        state.step = DAY
        deps.flows.save(state)
        await show_days(update, context, state, new=new, note="day_full")
        return
    buttons = [_button(deps.renderer.local(s, "%H:%M"), PickTime(state.token, stamp(s))) for s in slots]
    rows = [buttons[i:i + TIMES_PER_ROW] for i in range(0, len(buttons), TIMES_PER_ROW)]
    rows.append([_button(BACK, GoBack(state.token, DAY)), _button(CANCEL, CancelBooking(state.token))])
    await reply_or_show(update, context, "book_times", new=new, keyboard=inline(rows), service=service,
                        day=noon(deps, day), note=note)


def _contact_keyboard(family: list[store.Dependant] | None = None) -> ReplyKeyboardMarkup:
    """Share-contact, Back and Cancel as reply-keyboard buttons (typed steps cannot carry inline buttons too).

    At the name step (`family` given) also "Someone in my family" and each saved family member.
    """
    rows = [[KeyboardButton(_(SHARE), request_contact=True)]]
    if family is not None:
        rows += [[KeyboardButton(FAMILY_MEMBER.format(name=d.name))] for d in family]
        rows.append([KeyboardButton(_(FAMILY))])
    rows.append([KeyboardButton(_(BACK)), KeyboardButton(_(CANCEL))])
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=False)


def _clear_person(state: Flow) -> None:
    """Forget who the visit is for (the name step starts over)."""
    for key in ("name", "phone", "dependant", "family_name", "birth_date"):
        state.data.pop(key, None)


async def ask_name(update: Update, context: WellbotContext, state: Flow) -> None:
    """Ask for the patient's full name (or their shared contact), or who in the family the visit is for."""
    family = store.dependants_of(context.deps.db, state.user_id)
    await reply(update, context, "book_ask_name", keyboard=_contact_keyboard(family), family=bool(family))


async def ask_phone(update: Update, context: WellbotContext, state: Flow) -> None:
    """Ask for a phone number the clinic can call."""
    await reply(update, context, "book_ask_phone", keyboard=_contact_keyboard(), name=state.data["name"],
                for_family="dependant" in state.data or "birth_date" in state.data)


async def show_summary(update: Update, context: WellbotContext, state: Flow, *, new: bool = False) -> None:
    """Everything about the visit-to-be, with Confirm."""
    deps = context.deps
    service = bookable_service(deps, state.data.get("service"))
    if service is None:
        await _service_gone(update, context, state, new)
        return
    state.step = SUMMARY
    deps.flows.save(state)
    rows = [[_button(CONFIRM, ConfirmBooking(state.token))], [_button(BACK, GoBack(state.token, TIME))]]
    if "visit" not in state.data:  # who the visit is for, and the phone, can be changed
        rows.append([_button(CHANGE_DETAILS, GoBack(state.token, NAME))])
    rows.append([_button(CANCEL, CancelBooking(state.token))])
    start = from_db(state.data["start"])
    await reply_or_show(update, context, "book_summary", new=new, keyboard=inline(rows), service=service, start=start,
                        end=start + timedelta(minutes=service.duration_minutes), name=state.data.get("name"),
                        phone=state.data.get("phone"), rescheduling=_visit_of(deps, state),
                        birth_date=_birth_date(deps, state), with_name=_with_name(deps, state))


def _with_name(deps: Deps, state: Flow) -> str:
    """Who the visit is with: a name, "the first available practitioner", or "" (no practitioners listed)."""
    if eligible(deps, state.data.get("service", ""), None) is None:
        return ""
    return practitioner_name(deps, state.data.get("practitioner")) or _(ANYONE)


def _practitioner_rows(deps: Deps, state: Flow) -> list[list[tuple[str, str]]]:
    """Buttons narrowing the days to one practitioner who gives the service, or back to anyone."""
    who = eligible(deps, state.data.get("service", ""), None) or []
    chosen = state.data.get("practitioner") or ""
    buttons = [_button(PERSON_LABEL.format(name=p.name), PickPractitioner(state.token, p.key))
               for p in who if p.key != chosen]
    if chosen:
        buttons.insert(0, _button(ANYONE_LABEL, PickPractitioner(state.token, "")))
    return [buttons[i:i + DAYS_PER_ROW] for i in range(0, len(buttons), DAYS_PER_ROW)] if len(who) > 1 or chosen \
        else []


def _birth_date(deps: Deps, state: Flow) -> datetime | None:
    """The family member's date of birth (as noon, for the `day` filter), if the visit is for one."""
    if "birth_date" in state.data:
        return noon(deps, date.fromisoformat(state.data["birth_date"]))
    return None


async def _service_gone(update: Update, context: WellbotContext, state: Flow, new: bool) -> None:
    """The chosen service is no longer bookable (the clinic file changed): back to the list."""
    state.step = SERVICE
    state.data.pop("service", None)
    if "visit" in state.data:
        context.deps.flows.clear(state.user_id)
        await reply_or_show(update, context, "book_service_gone", new=new, rescheduling=True)
        return
    context.deps.flows.save(state)
    await show_services(update, context, state, new=new, note="service_gone")


def overlaps_own(deps: Deps, state: Flow, start: datetime, service: Service) -> bool:
    """True if the person the visit is for already holds another visit overlapping this time."""
    return not without_own(deps, state, [start], service)


def without_own(deps: Deps, state: Flow, starts: list[datetime], service: Service) -> list[datetime]:
    """The start times at which the person the visit is for holds no other visit (their visits read once).

    While booking, times are chosen before who the visit is for: a patient with family
    members may be booking for one of them, so nothing is hidden and the store's own
    check refuses an overlap at Confirm. The person's visits are read once for all the
    times: read per time, a day's 25 times cost 50 queries (benchmarks/README.md, a big clinic).
    """
    if not starts:
        return starts
    moving = _visit_of(deps, state)
    if moving is not None:
        person = moving.dependant_id
    elif "dependant" in state.data:
        person = state.data["dependant"]
    elif "birth_date" in state.data or store.dependants_of(deps.db, state.user_id):
        return starts  # a family member named just now has no visits; with family, who is not known yet
    else:
        person = None
    length = timedelta(minutes=service.duration_minutes)
    held = store.own_visits_between(deps.db, state.user_id, min(starts), max(starts) + length,
                                    exclude=state.data.get("visit"), dependant_id=person)
    return [s for s in starts if not any(begins < s + length and ends > s for begins, ends in held)]


def earliest_times(deps: Deps, state: Flow, service: Service) -> list[datetime]:
    """The first free times from now on, a few per day, that the patient does not already hold."""
    rules, now, tz = rules_of(deps), deps.clock.now(), deps.clinic.timezone
    day, last = bookable_days(rules, now, tz)
    found: list[datetime] = []
    while day <= last and len(found) < FIRST_TIMES:
        busy, blocks = held(deps, day, day, state.data.get("visit"))
        slots = without_own(deps, state, free_slots(rules, day, service.duration_minutes, busy, blocks, now, tz,
                                                    staff_for(deps, state, day, day)), service)
        found.extend(slots[:min(FIRST_PER_DAY, FIRST_TIMES - len(found))])
        day += timedelta(days=1)
    return found


def staff_for(deps: Deps, state: Flow, first: date, last: date) -> list | None:
    """Who could take the visit around [first, last]: the chosen practitioner or all who give the service."""
    return staffing(deps, state.data.get("service", ""), state.data.get("practitioner") or None, first, last,
                    state.data.get("visit"))


def staffing(deps: Deps, service_key: str, wanted: str | None, first: date, last: date,
             exclude: int | None) -> list | None:
    """Per eligible practitioner, their rules and the time their visits hold; None when none are listed."""
    who = eligible(deps, service_key, wanted)
    if who is None:
        return None
    start, _ = day_bounds(deps, first - timedelta(days=1))
    _, end = day_bounds(deps, last + timedelta(days=1))
    cache = busy_cache(deps)
    return [(p.rules, cache.read(("practitioner", p.key, start, end, exclude),
                                 lambda key=p.key: store.practitioner_busy(deps.db, key, start, end, exclude)))
            for p in who]


def held(deps: Deps, first: date, last: date, exclude: int | None) -> tuple[list, list]:
    """Visits and blocks around [first, last] (a day either side for visits crossing midnight)."""
    start, _ = day_bounds(deps, first - timedelta(days=1))
    _, end = day_bounds(deps, last + timedelta(days=1))
    cache = busy_cache(deps)
    busy = cache.read(("visits", start, end, exclude), lambda: store.busy_between(deps.db, start, end, exclude))
    return busy, cache.read(("blocks", start, end), lambda: store.blocks_between(deps.db, start, end))


def busy_cache(deps: Deps) -> BusyCache:
    """The screens' cache of busy time for this database (made on first use)."""
    if deps.busy_cache is None or deps.busy_cache.db is not deps.db:
        deps.busy_cache = BusyCache(deps.db)
    return deps.busy_cache


def _visit_of(deps: Deps, state: Flow) -> store.Visit | None:
    visit_id = state.data.get("visit")
    return store.get_visit(deps.db, visit_id) if visit_id else None


# ---- buttons ------------------------------------------------------------------------------------

async def start_booking(update: Update, context: WellbotContext, button: StartBooking) -> None:
    """`book:start`, from anywhere: a fresh flow, with the button's service preselected if it has one."""
    await answer(update, context)
    await begin(update, context, button.service or None)


async def on_stale(update: Update, context: WellbotContext, button: Button) -> bool:
    """A Confirm pressed again after the booking went through: say so instead of 'stale'."""
    deps = context.deps
    if isinstance(button, ConfirmBooking) and store.visit_for_token(
            deps.db, update.effective_user.id, button.token) is not None:
        await answer(update, context, deps.renderer.render("book_already_toast"))
        return True
    return False


async def pick_service(update: Update, context: WellbotContext, button: PickService, state: Flow) -> None:
    """A service was chosen: show its days."""
    if bookable_service(context.deps, button.service) is None:
        await show_services(update, context, state, note="service_gone")
        return
    state.data["service"] = button.service
    state.data.pop("from", None)
    state.data.pop("to", None)
    await _after_service(update, context, state)


async def _after_service(update: Update, context: WellbotContext, state: Flow, *, new: bool = False) -> None:
    """A service is chosen: its days, with anyone who gives it (the days screen can narrow to one person)."""
    state.data.pop("practitioner", None)
    state.step = DAY
    context.deps.flows.save(state)
    await show_days(update, context, state, new=new)


async def pick_practitioner(update: Update, context: WellbotContext, button: PickPractitioner, state: Flow) -> None:
    """On the days screen: see one practitioner's days, or anyone's again ("")."""
    who = eligible(context.deps, state.data["service"], None) or []
    if "visit" in state.data or (button.practitioner and button.practitioner not in {p.key for p in who}):
        raise CallbackDataError("not a practitioner for this service")
    state.data["practitioner"] = button.practitioner
    context.deps.flows.save(state)
    await show_days(update, context, state)


async def page_days(update: Update, context: WellbotContext, button: PageDays, state: Flow) -> None:
    """Earlier/later days: a week from the given day."""
    state.data["from"] = parse_day(button.day).isoformat()
    state.data.pop("to", None)
    context.deps.flows.save(state)
    await show_days(update, context, state)


async def page_week(update: Update, context: WellbotContext, button: PageWeek, state: Flow) -> None:
    """A week-number paging button sent before paging by date (kept so such buttons still work)."""
    first, _ = bookable_days(rules_of(context.deps), context.deps.clock.now(), context.deps.clinic.timezone)
    day = first + timedelta(days=WEEK_DAYS * max(button.week, 0))
    await page_days(update, context, PageDays(state.token, day.strftime(DAY_FORMAT)), state)


async def pick_month(update: Update, context: WellbotContext, button: PickMonth, state: Flow) -> None:
    """Jump to a month: every day of it with free times, on one screen."""
    try:
        month = datetime.strptime(button.month, "%Y%m").date()
    except ValueError:
        raise CallbackDataError("bad month in callback data") from None
    state.data["from"] = month.isoformat()
    state.data["to"] = ((month + timedelta(days=32)).replace(day=1) - timedelta(days=1)).isoformat()
    context.deps.flows.save(state)
    await show_days(update, context, state)


async def first_available(update: Update, context: WellbotContext, button: FirstAvailable, state: Flow) -> None:
    """The earliest free times across days, one tap each."""
    deps = context.deps
    service = bookable_service(deps, state.data.get("service"))
    if service is None:
        await _service_gone(update, context, state, new=False)
        return
    times = earliest_times(deps, state, service)
    state.step = TIME
    deps.flows.save(state)
    rows = [[_button(deps.renderer.local(s, "%a %d %b %H:%M"), PickTime(state.token, stamp(s)))] for s in times]
    rows.append([_button(BACK, GoBack(state.token, DAY)), _button(CANCEL, CancelBooking(state.token))])
    await show(update, context, "book_first", keyboard=inline(rows), service=service, has_times=bool(times))


async def pick_day(update: Update, context: WellbotContext, button: PickDay, state: Flow) -> None:
    """A day was chosen: show its times."""
    state.data["day"] = parse_day(button.day).isoformat()
    state.step = TIME
    context.deps.flows.save(state)
    await show_times(update, context, state)


async def pick_time(update: Update, context: WellbotContext, button: PickTime, state: Flow) -> None:
    """A time was chosen: check it is still free, then ask for details (or summarise)."""
    deps = context.deps
    start = parse_stamp(button.stamp)
    service = bookable_service(deps, state.data.get("service"))
    if service is None:
        await _service_gone(update, context, state, new=False)
        return
    day = start.astimezone(deps.clinic.timezone).date()
    if overlaps_own(deps, state, start, service):
        await answer(update, context, deps.renderer.render("book_overlap_toast"), alert=True)
        await show_times(update, context, state)
        return
    busy, blocks = held(deps, day, day, state.data.get("visit"))
    if not is_free(rules_of(deps), start, service.duration_minutes, busy, blocks, deps.clock.now(),
                   deps.clinic.timezone, staff_for(deps, state, day, day)):
        await answer(update, context, deps.renderer.render("book_time_gone_toast"), alert=True)
        await show_times(update, context, state)  # the day being shown, refreshed
        return
    state.data.update(start=to_db(start), day=day.isoformat())
    if "visit" in state.data or (state.data.get("name") and state.data.get("phone")):
        await show_summary(update, context, state)
        return
    state.step = NAME
    deps.flows.save(state)
    await show(update, context, "book_chosen", service=service, start=start)
    await ask_name(update, context, state)


async def go_back(update: Update, context: WellbotContext, button: GoBack, state: Flow) -> None:
    """Back to an earlier step, keeping what was chosen before it."""
    target = button.target
    if target == SERVICE and "visit" not in state.data:
        state.step = SERVICE
        context.deps.flows.save(state)
        await show_services(update, context, state)
    elif target == DAY:
        state.step = DAY
        context.deps.flows.save(state)
        await show_days(update, context, state)
    elif target == TIME and "day" in state.data:
        state.step = TIME
        context.deps.flows.save(state)
        await show_times(update, context, state)
    elif target == NAME and state.step == SUMMARY and "visit" not in state.data:
        state.step = NAME
        _clear_person(state)
        context.deps.flows.save(state)
        start = from_db(state.data["start"])
        await show(update, context, "book_chosen", service=bookable_service(context.deps, state.data["service"]),
                   start=start)
        await ask_name(update, context, state)
    else:
        raise CallbackDataError("back button out of step")


async def cancel_flow(update: Update, context: WellbotContext, button: CancelBooking, state: Flow) -> None:
    """The Cancel button: leave the flow, nothing kept."""
    context.deps.flows.clear(state.user_id)
    await show(update, context, "cancelled", was_in_flow=True)


# ---- typed input (name, phone, shared contact) --------------------------------------------------

async def on_input(update: Update, context: WellbotContext) -> None:
    """Typed text or a shared contact while in the booking flow."""
    state = context.deps.flows.get(update.effective_user.id)
    message = update.message
    typed = " ".join((message.text or "").split())
    if message.contact is not None:
        await _take_contact(update, context, state)
    elif typed in (CANCEL, _(CANCEL)) or typed.lower() in CANCEL_WORDS:
        context.deps.flows.clear(state.user_id)
        await reply(update, context, "cancelled", was_in_flow=True, keyboard=ReplyKeyboardRemove())
    elif typed in (BACK, _(BACK)) or typed.lower() in BACK_WORDS:
        await _typed_back(update, context, state)
    elif state.step == NAME and (typed in (FAMILY, _(FAMILY)) or name_problem(typed) == SOMEONE_ELSE):
        await _ask_family_name(update, context, state, said_someone_else=typed not in (FAMILY, _(FAMILY)))
    elif state.step == NAME and _saved_member(context.deps, state, typed) is not None:
        await _take_member(update, context, state, _saved_member(context.deps, state, typed))
    elif state.step == NAME:
        await _take_name(update, context, state, message.text or "")
    elif state.step == FAMILY_NAME:
        await _take_family_name(update, context, state, typed)
    elif state.step == FAMILY_BIRTH:
        await _take_birth_date(update, context, state, typed)
    else:
        await _take_phone(update, context, state, message.text or "")


def _saved_member(deps: Deps, state: Flow, typed: str) -> store.Dependant | None:
    """The saved family member whose keyboard button was tapped, if any."""
    return next((d for d in store.dependants_of(deps.db, state.user_id)
                 if typed == FAMILY_MEMBER.format(name=d.name)), None)


async def _ask_family_name(update: Update, context: WellbotContext, state: Flow, *, said_someone_else: bool) -> None:
    """Booking for a family member: ask their name first."""
    _clear_person(state)
    state.step = FAMILY_NAME
    context.deps.flows.save(state)
    await reply(update, context, "book_ask_family_name", said_someone_else=said_someone_else,
                keyboard=_contact_keyboard())


async def _take_member(update: Update, context: WellbotContext, state: Flow, member: store.Dependant) -> None:
    """A saved family member: their name and birth date are known; ask the phone (unless known)."""
    state.data.update(dependant=member.id, name=member.name, birth_date=member.birth_date.isoformat())
    await _after_person(update, context, state)


async def _take_family_name(update: Update, context: WellbotContext, state: Flow, text: str) -> None:
    """The family member's name: validate, then ask their date of birth."""
    name = await _typed_name(update, context, text)
    if name is None:
        return
    state.data["family_name"] = name
    state.step = FAMILY_BIRTH
    context.deps.flows.save(state)
    await reply(update, context, "book_ask_birth_date", name=name)


async def _take_birth_date(update: Update, context: WellbotContext, state: Flow, text: str) -> None:
    """The family member's date of birth: then the phone to call about the visit."""
    today = context.deps.clock.now().astimezone(context.deps.clinic.timezone).date()
    born = parse_birth_date(text, today, current_language())
    if born is None:
        await reply(update, context, "book_bad_birth_date")
        return
    state.data.update(name=state.data["family_name"], birth_date=born.isoformat())
    await _after_person(update, context, state)


async def _after_person(update: Update, context: WellbotContext, state: Flow) -> None:
    """Who the visit is for is settled: the phone next, unless it is already known."""
    if state.data.get("phone"):
        await _to_summary(update, context, state)
        return
    state.step = PHONE
    context.deps.flows.save(state)
    await ask_phone(update, context, state)


async def _take_contact(update: Update, context: WellbotContext, state: Flow) -> None:
    """The patient's own shared contact gives the phone (and the name, at the name step)."""
    contact = update.message.contact
    if contact.user_id != update.effective_user.id:  # a forwarded card, or someone else's: not theirs to give
        log.info("foreign contact refused user_id=%s", update.effective_user.id)
        await reply(update, context, "book_not_your_contact")
        return
    phone = clean_phone(contact.phone_number or "", context.deps.clinic.region)
    if phone is None:
        await reply(update, context, "book_bad_phone")
        return
    state.data["phone"] = phone
    if state.step in (FAMILY_NAME, FAMILY_BIRTH):  # the contact is the booker's: it gives the phone only
        context.deps.flows.save(state)
        await reply(update, context, "book_phone_noted")
        return
    if state.step == NAME:
        name = clean_name(" ".join(p for p in (contact.first_name, contact.last_name) if p))
        if name is None:
            context.deps.flows.save(state)
            await reply(update, context, "book_bad_name")
            return
        state.data["name"] = name
    await _to_summary(update, context, state)


async def _take_name(update: Update, context: WellbotContext, state: Flow, text: str) -> None:
    """A typed name: validate, then ask the phone (unless already known)."""
    name = await _typed_name(update, context, text)
    if name is None:
        return
    state.data["name"] = name
    await _after_person(update, context, state)


async def _typed_name(update: Update, context: WellbotContext, text: str) -> str | None:
    """The typed name, cleaned; None, and the patient told why, when it is not a name."""
    name = clean_name(text) if name_problem(text) is None else None
    if name is None:
        await reply(update, context, "book_bad_name")
    return name


async def _take_phone(update: Update, context: WellbotContext, state: Flow, text: str) -> None:
    """A typed phone number: validate, then summarise."""
    phone = clean_phone(text, context.deps.clinic.region)
    if phone is None:
        await reply(update, context, "book_bad_phone")
        return
    state.data["phone"] = phone
    await _to_summary(update, context, state)


async def _typed_back(update: Update, context: WellbotContext, state: Flow) -> None:
    """The reply-keyboard Back: phone -> name (or family member's birth date -> their name) -> times."""
    if state.step == FAMILY_BIRTH:
        await _ask_family_name(update, context, state, said_someone_else=False)
        return
    if state.step in (PHONE, FAMILY_NAME):
        state.step = NAME
        _clear_person(state)
        context.deps.flows.save(state)
        await ask_name(update, context, state)
        return
    state.step = TIME
    context.deps.flows.save(state)
    await reply(update, context, "book_ack", back=True, keyboard=ReplyKeyboardRemove())
    await show_times(update, context, state, new=True)


async def _to_summary(update: Update, context: WellbotContext, state: Flow) -> None:
    """Close the reply keyboard, then show the summary card."""
    await reply(update, context, "book_ack", back=False, keyboard=ReplyKeyboardRemove())
    await show_summary(update, context, state, new=True)


# ---- confirm ------------------------------------------------------------------------------------

async def confirm(update: Update, context: WellbotContext, button: ConfirmBooking, state: Flow) -> None:
    """Book (or move) the visit; a lost race shows the nearest free times instead."""
    if "start" not in state.data:
        raise CallbackDataError("confirm without a chosen time")
    await answer(update, context)  # stop the button spinning now: booking writes to disk first
    deps = context.deps
    service = bookable_service(deps, state.data.get("service"))
    if service is None:
        await _service_gone(update, context, state, new=False)
        return
    if "visit" in state.data:
        await _confirm_reschedule(update, context, state, service)
        return
    start = from_db(state.data["start"])
    result = await actions.book(deps, BotNotifier(context.bot, deps), service=service, start=start,
                                user_id=state.user_id, name=state.data["name"], phone=state.data["phone"],
                                token=state.token, dependant=_dependant_of(state),
                                practitioner=state.data.get("practitioner") or None, where=pressed(update))
    if result.outcome is actions.Outcome.TAKEN:
        await _show_taken(update, context, state, service, start)
        return
    deps.flows.clear(state.user_id)
    if result.outcome is actions.Outcome.LIMIT:
        await show(update, context, "book_limit", limit=rules_of(deps).max_upcoming_per_patient)
    elif result.outcome is actions.Outcome.OVERLAP:
        await show(update, context, "book_overlap", start=start)
    elif result.outcome is actions.Outcome.ALREADY:
        await show(update, context, "book_already_toast")
    elif result.outcome is actions.Outcome.GONE:  # the family member was erased meanwhile
        await show(update, context, "visits_gone")
    else:  # the confirmation and calendar file were promised with the booking (wellbot.booking.effects)
        await intake.offer_after_booking(update, context, result.visit)


def pressed(update: Update) -> actions.MessageRef | None:
    """The pressed message, which an action's promised confirmation replaces."""
    message = update.callback_query.message if update.callback_query is not None else None
    return (message.chat.id, message.message_id) if message is not None else None


def _dependant_of(state: Flow) -> int | store.NewDependant | None:
    """Who the visit is for: a saved family member's id, a new one, or None for the patient."""
    if "dependant" in state.data:
        return int(state.data["dependant"])
    if "birth_date" in state.data:
        return store.NewDependant(state.data["name"], date.fromisoformat(state.data["birth_date"]))
    return None


async def _confirm_reschedule(update: Update, context: WellbotContext, state: Flow, service: Service) -> None:
    """Move the visit; the old time stays booked unless the new one is claimed."""
    deps = context.deps
    start = from_db(state.data["start"])
    result = await actions.reschedule(deps, BotNotifier(context.bot, deps), visit_id=state.data["visit"],
                                      user_id=state.user_id, service=service, start=start, where=pressed(update))
    if result.outcome is actions.Outcome.TAKEN:
        await _show_taken(update, context, state, service, start)
        return
    deps.flows.clear(state.user_id)
    if result.outcome is actions.Outcome.TOO_LATE:
        await show(update, context, "visits_too_late", start=result.visit.start, service=service.name,
                   action="reschedule", hours=rules_of(deps).cancellation_window_hours)
    elif result.outcome is actions.Outcome.OVERLAP:
        await show(update, context, "book_overlap", start=start)
    elif result.outcome is not actions.Outcome.DONE:
        await show(update, context, "visits_gone")
    # DONE: the confirmation and calendar file were promised with the move (wellbot.booking.effects)


async def _show_taken(update: Update, context: WellbotContext, state: Flow, service: Service,
                      start: datetime) -> None:
    """Someone else got the time first: offer the nearest free times (a waitlist claim stays waiting)."""
    deps = context.deps
    offer_id = state.data.pop("offer", None)
    offer = store.get_offer(deps.db, int(offer_id)) if offer_id is not None else None
    claimed = offer is not None and offer.start == start  # the offered time, not one picked after Back
    if claimed and store.close_offer(deps.db, offer.id):
        # Taken by a booking that settled no offers (staff, the desk): no "expired" notice later.
        log.info("waitlist claim lost offer_id=%s", offer.id)
    day = start.astimezone(deps.clinic.timezone).date()
    busy, blocks = held(deps, day, day + timedelta(days=rules_of(deps).horizon_days), state.data.get("visit"))
    near = nearest_free(rules_of(deps), start, service.duration_minutes, busy, blocks, deps.clock.now(),
                        deps.clinic.timezone, limit=NEAREST_TIMES,
                        staffing=staff_for(deps, state, day, day + timedelta(days=rules_of(deps).horizon_days)))
    state.step = TIME
    state.data["day"] = day.isoformat()
    deps.flows.save(state)
    rows = [[_button(deps.renderer.local(s, "%a %d %b %H:%M"), PickTime(state.token, stamp(s)))] for s in near]
    rows.append([_button(BACK, GoBack(state.token, DAY)), _button(CANCEL, CancelBooking(state.token))])
    await show(update, context, "book_taken", keyboard=inline(rows), service=service, start=start,
               has_times=bool(near), waitlist=claimed)


def calendar_file(deps: Deps, visit: store.Visit, service_name: str, *, cancelled: bool = False) -> bytes:
    """The visit's .ics: same UID every time, its current SEQUENCE, METHOD:CANCEL once cancelled."""
    email = str(deps.clinic.raw.get("clinic", {}).get("email", "")).strip()
    service = deps.clinic.service(visit.service_key)
    title = _(CALENDAR_TITLE).format(service=service_name, clinic=deps.clinic.name)
    return ics.visit_ics(uid=ics.visit_uid(store.calendar_id(deps.db), visit.id), start=visit.start,
                         end=visit.end, tz=deps.clinic.timezone, summary=title,
                         location=deps.clinic.address,
                         description=(service.preparation or service.description) if service else "",
                         stamp=deps.clock.now(), sequence=visit.sequence,
                         method=ics.CANCEL if cancelled else ics.PUBLISH,
                         organizer=(deps.clinic.name, email) if email else None)


async def send_calendar(bot, deps: Deps, chat_id: int | None, visit: store.Visit, service: Service | str, *,
                        cancelled: bool = False) -> None:
    """Send the visit as an .ics file (or its cancellation); a patient who blocked the bot is recorded, not an error."""
    if chat_id is None:
        return
    name = service if isinstance(service, str) else service.name
    data = calendar_file(deps, visit, name, cancelled=cancelled)
    caption = deps.renderer.render("book_ics_caption", service=name, start=visit.start, cancelled=cancelled)
    filename = _(CANCELLED_ICS if cancelled else VISIT_ICS)
    try:
        await bot.send_document(chat_id, document=InputFile(data, filename=filename), caption=caption,
                                parse_mode=ParseMode.HTML)
    except Forbidden:
        patients.mark_blocked(deps.db, deps.clock, chat_id, "send_forbidden", deps.hooks.patient_blocked)


def _waitlist_step(name: str):
    """A flow button the waitlist module handles (it builds on this flow, hence the late import)."""

    async def run(update: Update, context: WellbotContext, button: Button, state: Flow) -> None:
        from wellbot.booking import waitlist

        await getattr(waitlist, name)(update, context, button, state)

    run.__doc__ = f"Hand the button to wellbot.booking.waitlist.{name}."
    return run


async def resume(update: Update, context: WellbotContext) -> None:
    """Show the step the patient is at again, as a new message (after /language changed mid-flow)."""
    state = context.deps.flows.get(update.effective_user.id)
    if state is None:
        return
    if state.step == WAITLIST_STEP:
        from wellbot.booking import waitlist  # waitlist builds on this module

        await waitlist.show_preferences(update, context, state, new=True)
    elif state.step in (SERVICE, DAY, TIME, SUMMARY):
        show_step = {SERVICE: show_services, DAY: show_days, TIME: show_times, SUMMARY: show_summary}[state.step]
        await show_step(update, context, state, new=True)
    elif state.step == NAME:
        await ask_name(update, context, state)
    elif state.step == FAMILY_NAME:
        await _ask_family_name(update, context, state, said_someone_else=False)
    elif state.step == FAMILY_BIRTH:
        await reply(update, context, "book_ask_birth_date", name=state.data["family_name"])
    else:
        await ask_phone(update, context, state)


# Which buttons each step allows, and where typed text is read; the router enforces it.
STEPS = FlowSteps(
    flow=FLOW,
    buttons={
        ANY_STEP: frozenset({GoBack, CancelBooking}),
        SERVICE: frozenset({PickService}),
        DAY: frozenset({PageWeek, PageDays, PickMonth, FirstAvailable, PickDay, JoinWaitlist, PickPractitioner}),
        WAITLIST_STEP: frozenset({WaitlistDay, WaitlistPart, WaitlistJoin}),
        TIME: frozenset({PickTime}),
        SUMMARY: frozenset({ConfirmBooking}),
    },
    on_text=on_input,
    typed=frozenset({NAME, PHONE, FAMILY_NAME, FAMILY_BIRTH}),
    use_buttons="book_use_buttons",
    on_stale=on_stale,
    on_resume=resume,
)

# The flow's button routes, for the feature's declaration.
ROUTES = [
    ButtonRoute.typed(StartBooking, start_booking),
    ButtonRoute.typed(PickService, pick_service),
    ButtonRoute.typed(PickPractitioner, pick_practitioner),
    ButtonRoute.typed(PageWeek, page_week),
    ButtonRoute.typed(PageDays, page_days),
    ButtonRoute.typed(PickMonth, pick_month),
    ButtonRoute.typed(FirstAvailable, first_available),
    ButtonRoute.typed(PickDay, pick_day),
    ButtonRoute.typed(PickTime, pick_time),
    ButtonRoute.typed(GoBack, go_back),
    ButtonRoute.typed(CancelBooking, cancel_flow),
    ButtonRoute.typed(ConfirmBooking, confirm),
    ButtonRoute.typed(JoinWaitlist, _waitlist_step("ask_preferences")),
    ButtonRoute.typed(WaitlistDay, _waitlist_step("toggle_day")),
    ButtonRoute.typed(WaitlistPart, _waitlist_step("toggle_part")),
    ButtonRoute.typed(WaitlistJoin, _waitlist_step("join")),
]
