"""Waitlist: join for a service and a range of days; freed times are offered with a claim button.

Offered only when the days on screen have no free time (otherwise there is
nothing to wait for). The patient picks the weekdays and parts of day that
suit; /visits lists their entries with a Leave button. When a visit's time
is freed (and was not free before), every patient waiting for that service
at that time gets an offer (first come, first sent) with a claim button valid for
`waitlist_claim_minutes`. Claiming leads through the usual name/phone/Confirm
steps; the first confirmed booking takes the time and the others are told
it is gone. The database's slot claims settle any race.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from telegram import Update
from telegram.ext import Application

from wellbot.booking import actions, flow, store
from wellbot.booking.availability import is_free
from wellbot.booking.buttons import (
    CancelBooking,
    ClaimOffer,
    GoBack,
    JoinWaitlist,
    WaitlistDay,
    WaitlistJoin,
    WaitlistPart,
)
from wellbot.booking.common import bookable_service, day_bounds, eligible, rules_of
from wellbot.bot.callbacks import CallbackDataError
from wellbot.bot.deps import DEPS_KEY, Deps, WellbotContext
from wellbot.bot.keyboards import inline
from wellbot.bot.messaging import answer, reply_or_show, show
from wellbot.bot.notify import BotNotifier
from wellbot.core import patients
from wellbot.core.flows import Flow
from wellbot.core.hooks import Notifier
from wellbot.core.i18n import N_, _, speaking

log = logging.getLogger(__name__)

MAX_OFFERS = 10  # per freed time: enough to fill it, few enough not to spam
EXPIRY_JOB = "waitlist_offer_expiry"
EXPIRY_INTERVAL = 60  # seconds between looks for lapsed offers
CLAIM_LABEL = N_("Claim this time")
JOIN_LABEL = N_("⏳ Join the waitlist")
DAYS_PER_ROW = 3
WEEKDAY_LABELS = {0: N_("Mon"), 1: N_("Tue"), 2: N_("Wed"), 3: N_("Thu"), 4: N_("Fri"), 5: N_("Sat"), 6: N_("Sun")}
WEEKDAY_PLURALS = {0: N_("Mondays"), 1: N_("Tuesdays"), 2: N_("Wednesdays"), 3: N_("Thursdays"), 4: N_("Fridays"),
                   5: N_("Saturdays"), 6: N_("Sundays")}
PART_LABELS = {store.MORNING: N_("Morning"), store.AFTERNOON: N_("Afternoon")}
PART_PLURALS = {store.MORNING: N_("mornings"), store.AFTERNOON: N_("afternoons")}


async def ask_preferences(update: Update, context: WellbotContext, button: JoinWaitlist, state: Flow) -> None:
    """`book:wl`: the days on screen have no free time; ask which weekdays and parts of day suit."""
    if "visit" in state.data:
        raise CallbackDataError("no waitlist while rescheduling")
    state.step = flow.WAITLIST_STEP
    state.data.setdefault("wl_days", [])
    state.data.setdefault("wl_parts", [])
    context.deps.flows.save(state)
    await show_preferences(update, context, state)


async def show_preferences(update: Update, context: WellbotContext, state: Flow, *, new: bool = False) -> None:
    """Weekday and part-of-day toggles, then Join."""
    deps = context.deps
    service = bookable_service(deps, state.data.get("service"))
    if service is None:
        await flow.show_services(update, context, state, note="service_gone")
        return
    open_days = sorted(rules_of(deps).hours)
    chosen_days, chosen_parts = set(state.data["wl_days"]), set(state.data["wl_parts"])
    token = state.token
    day_buttons = [flow._button(_tick(_(WEEKDAY_LABELS[d]), d in chosen_days), WaitlistDay(token, d))
                   for d in open_days]
    rows = [day_buttons[i:i + DAYS_PER_ROW] for i in range(0, len(day_buttons), DAYS_PER_ROW)]
    rows.append([flow._button(_tick(_(label), part in chosen_parts), WaitlistPart(token, part))
                 for part, label in PART_LABELS.items()])
    rows.append([flow._button(JOIN_LABEL, WaitlistJoin(token))])
    rows.append([flow._button(flow.BACK, GoBack(token, flow.DAY)), flow._button(flow.CANCEL, CancelBooking(token))])
    first, last = flow.window(deps, state)
    await reply_or_show(update, context, "book_waitlist_prefs", new=new, keyboard=inline(rows), service=service,
                        first_day=flow.noon(deps, first), last_day=flow.noon(deps, last))


def _tick(label: str, chosen: bool) -> str:
    return f"✓ {label}" if chosen else label


async def toggle_day(update: Update, context: WellbotContext, button: WaitlistDay, state: Flow) -> None:
    """Turn one weekday on or off."""
    if button.weekday not in WEEKDAY_LABELS:
        raise CallbackDataError("no such weekday")
    _toggle(state.data["wl_days"], button.weekday)
    context.deps.flows.save(state)
    await show_preferences(update, context, state)


async def toggle_part(update: Update, context: WellbotContext, button: WaitlistPart, state: Flow) -> None:
    """Turn mornings or afternoons on or off."""
    if button.part not in PART_LABELS:
        raise CallbackDataError("no such part of day")
    _toggle(state.data["wl_parts"], button.part)
    context.deps.flows.save(state)
    await show_preferences(update, context, state)


def _toggle(values: list, value: object) -> None:
    if value in values:
        values.remove(value)
    else:
        values.append(value)


async def join(update: Update, context: WellbotContext, button: WaitlistJoin, state: Flow) -> None:
    """`book:wj`: wait for the service during the days on screen, on the chosen weekdays and parts of day."""
    deps = context.deps
    service = bookable_service(deps, state.data.get("service"))
    if service is None:
        await flow.show_services(update, context, state, note="service_gone")
        return
    first, last = flow.window(deps, state)
    days, parts = sorted(state.data["wl_days"]), sorted(state.data["wl_parts"])
    actions.join_waitlist(deps, user_id=state.user_id, service=service, first=first, last=last, weekdays=days,
                          day_parts=parts)
    deps.flows.clear(state.user_id)
    await show(update, context, "book_waitlist_joined", service=service, first_day=flow.noon(deps, first),
               last_day=flow.noon(deps, last), minutes=rules_of(deps).waitlist_claim_minutes,
               **preference_words(days, parts))


def preference_words(days, parts) -> dict:
    """Template values naming the chosen weekdays ("Thursdays") and parts of day ("mornings")."""
    return {"weekdays": [_(WEEKDAY_PLURALS[d]) for d in sorted(days)],
            "day_parts": [_(PART_PLURALS[p]) for p in sorted(parts)]}


async def offer_freed(deps: Deps, notifier: Notifier, visit: store.Visit) -> None:
    """A visit's time was freed: offer it to those waiting for it, if it was not free before."""
    service = bookable_service(deps, visit.service_key)
    if service is None:
        return
    rules, now, tz = rules_of(deps), deps.clock.now(), deps.clinic.timezone
    day = visit.start.astimezone(tz).date()
    entries = [w for w in store.waiting_for(deps.db, service.key, visit.start.astimezone(tz))
               if w.user_id != visit.user_id]
    if not entries or not _still_free(deps, service.duration_minutes, visit, day):
        return
    if _was_free(deps, service.duration_minutes, visit, day):
        log.info("freed time was already free; no offers visit_id=%s", visit.id)
        return
    expires = now + timedelta(minutes=rules.waitlist_claim_minutes)
    for entry in entries[:MAX_OFFERS]:
        if patients.chat_of(deps.db, entry.user_id) is None:
            continue
        offer_id = store.create_offer(deps.db, entry.id, visit.start, expires, now)
        with speaking(deps.language_of(entry.user_id)):  # the offer is written for the waiting patient
            keyboard = inline([[(CLAIM_LABEL, ClaimOffer(offer_id).pack())]])
            await notifier.patient(entry.user_id, "book_waitlist_offer", keyboard=keyboard,
                                   service=deps.clinic.service(service.key) or service, start=visit.start,
                                   expires=expires)
    log.info("freed time offered visit_id=%s offers=%s", visit.id, min(len(entries), MAX_OFFERS))


def _still_free(deps: Deps, minutes: int, visit: store.Visit, day: date) -> bool:
    busy, blocks = flow.held(deps, day, day, None)
    return is_free(rules_of(deps), visit.start, minutes, busy, blocks, deps.clock.now(), deps.clinic.timezone,
                   flow.staffing(deps, visit.service_key, None, day, day, None))


def _was_free(deps: Deps, minutes: int, visit: store.Visit, day: date) -> bool:
    """True if the time was bookable even while this visit still held it (nothing new to offer)."""
    busy, blocks = flow.held(deps, day, day, None)
    busy.append((visit.start, visit.end))
    who = eligible(deps, visit.service_key, None)
    staffing = None
    if who is not None:  # the visit held its practitioner too
        start, _ = day_bounds(deps, day - timedelta(days=1))
        _, end = day_bounds(deps, day + timedelta(days=1))
        staffing = [(p.rules, store.practitioner_busy(deps.db, p.key, start, end)
                     + ([(visit.start, visit.end)] if p.key == visit.practitioner_key else [])) for p in who]
    return is_free(rules_of(deps), visit.start, minutes, busy, blocks, deps.clock.now(), deps.clinic.timezone,
                   staffing)


async def claim(update: Update, context: WellbotContext, button: ClaimOffer) -> None:
    """Take up an offer (the presser's own, still open and in time)."""
    deps = context.deps
    offer = store.get_offer(deps.db, button.offer_id)
    if offer is None or offer.user_id != update.effective_user.id:
        raise CallbackDataError("not the presser's offer")
    now = deps.clock.now()
    if offer.status == store.OFFER_OPEN and offer.expires_at <= now:
        store.expire_offer(deps.db, offer.id)
        offer = store.get_offer(deps.db, offer.id)
    if offer.status != store.OFFER_OPEN:
        await answer(update, context, deps.renderer.render("book_waitlist_closed_toast", status=offer.status),
                     alert=True)
        await show(update, context, "book_waitlist_closed", status=offer.status, start=offer.start)
        return
    service = bookable_service(deps, offer.service_key)
    day = offer.start.astimezone(deps.clinic.timezone).date()
    if service is None or not _still_free(deps, service.duration_minutes, _as_visit(offer), day):
        await answer(update, context, deps.renderer.render("book_time_gone_toast"), alert=True)
        await show(update, context, "book_waitlist_closed", status=store.OFFER_GONE, start=offer.start)
        return
    await flow.begin_claim(update, context, service, offer.start, offer.id)


async def expire_lapsed_offers(deps: Deps, notifier: Notifier) -> int:
    """Close the offers whose claim time ran out and tell each patient (they stay on the waitlist); how many told."""
    now = deps.clock.now()
    today = now.astimezone(deps.clinic.timezone).date()
    told = 0
    for offer in store.lapsed_offers(deps.db, now):
        if not store.expire_offer(deps.db, offer.id):  # claimed or settled since it was read
            continue
        with speaking(deps.language_of(offer.user_id)):
            named = deps.clinic.service(offer.service_key)
            told += await notifier.patient(offer.user_id, "book_waitlist_expired", start=offer.start,
                                           service=named.name if named else offer.service_key,
                                           waiting=store.still_waiting(deps.db, offer.waitlist_id, today))
    if told:
        log.info("lapsed waitlist offers told=%s", told)
    return told


async def start_expiry(application: Application) -> None:
    """Look for lapsed offers every minute (an offer lasts waitlist_claim_minutes; a minute late is fine)."""
    application.job_queue.run_repeating(_expiry_job, interval=EXPIRY_INTERVAL, first=EXPIRY_INTERVAL,
                                        name=EXPIRY_JOB)


async def _expiry_job(context: WellbotContext) -> None:
    deps: Deps = context.application.bot_data[DEPS_KEY]
    await expire_lapsed_offers(deps, BotNotifier(context.bot, deps))


def _as_visit(offer: store.Offer) -> store.Visit:
    return store.Visit(0, None, offer.service_key, offer.start, offer.start, store.BOOKED, None, None, None, None)


async def after_booking(deps: Deps, notifier: Notifier, visit: store.Visit) -> None:
    """A time was booked: settle the offers for it, telling the others it is gone (if it is full now)."""
    service = bookable_service(deps, visit.service_key)
    day = visit.start.astimezone(deps.clinic.timezone).date()
    full = service is None or not _still_free(deps, service.duration_minutes, visit, day)
    for offer in store.settle_offers(deps.db, visit.service_key, visit.start, visit.user_id, full):
        with speaking(deps.language_of(offer.user_id)):
            named = deps.clinic.service(visit.service_key)
            await notifier.patient(offer.user_id, "book_waitlist_gone", start=offer.start,
                                   service=named.name if named else visit.service_key)


