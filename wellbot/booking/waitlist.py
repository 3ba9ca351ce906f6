"""Waitlist: join for a service and a range of days; freed times are offered with a claim button.

When a visit's time is freed, every patient waiting for that service on
that day gets an offer (first come, first sent) with a claim button valid for
`waitlist_claim_minutes`. Claiming leads through the usual name/phone/Confirm
steps; the first confirmed booking takes the time and the others are told
it is gone. The database's slot claims settle any race.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from telegram import Update

from wellbot.booking import flow, store
from wellbot.booking.availability import bookable_days, is_free
from wellbot.booking.buttons import ClaimOffer, JoinWaitlist
from wellbot.booking.common import bookable_service, patient_chat, rules_of
from wellbot.bot.callbacks import CallbackDataError
from wellbot.bot.deps import Deps, WellbotContext
from wellbot.bot.keyboards import inline
from wellbot.bot.messaging import answer, show
from wellbot.core.flows import Flow
from wellbot.core.hooks import Notifier

log = logging.getLogger(__name__)

MAX_OFFERS = 10  # per freed time: enough to fill it, few enough not to spam
CLAIM_LABEL = "Claim this time"


async def join(update: Update, context: WellbotContext, button: JoinWaitlist, state: Flow) -> None:
    """Wait for the service during the week on screen (the router has checked the step)."""
    if "visit" in state.data or button.week < 0:
        raise CallbackDataError("no waitlist while rescheduling")
    deps = context.deps
    service = bookable_service(deps, state.data.get("service"))
    if service is None:
        await flow.show_services(update, context, state, note="service_gone")
        return
    first, last = bookable_days(rules_of(deps), deps.clock.now(), deps.clinic.timezone)
    week_start = first + timedelta(days=flow.WEEK_DAYS * button.week)
    if week_start > last:
        raise CallbackDataError("week beyond the booking horizon")
    week_end = min(week_start + timedelta(days=flow.WEEK_DAYS - 1), last)
    store.join_waitlist(deps.db, state.user_id, service.key, week_start, week_end, deps.clock.now())
    deps.flows.clear(state.user_id)
    log.info("waitlist joined user_id=%s service=%s", state.user_id, service.key)
    await show(update, context, "book_waitlist_joined", service=service, first_day=flow.noon(deps, week_start),
               last_day=flow.noon(deps, week_end), minutes=rules_of(deps).waitlist_claim_minutes)


async def offer_freed(deps: Deps, notifier: Notifier, visit: store.Visit) -> None:
    """A visit's time was freed: offer it to the patients waiting for that service that day."""
    service = bookable_service(deps, visit.service_key)
    if service is None:
        return
    rules, now, tz = rules_of(deps), deps.clock.now(), deps.clinic.timezone
    day = visit.start.astimezone(tz).date()
    entries = [e for e in store.waiting_for(deps.db, service.key, day) if e["user_id"] != visit.user_id]
    if not entries or not _still_free(deps, service.duration_minutes, visit, day):
        return
    expires = now + timedelta(minutes=rules.waitlist_claim_minutes)
    for entry in entries[:MAX_OFFERS]:
        if patient_chat(deps, entry["user_id"]) is None:
            continue
        offer_id = store.create_offer(deps.db, entry["id"], visit.start, expires, now)
        keyboard = inline([[(CLAIM_LABEL, ClaimOffer(offer_id).pack())]])
        await notifier.patient(entry["user_id"], "book_waitlist_offer", keyboard=keyboard, service=service,
                               start=visit.start, expires=expires)
    log.info("freed time offered visit_id=%s offers=%s", visit.id, min(len(entries), MAX_OFFERS))


def _still_free(deps: Deps, minutes: int, visit: store.Visit, day: date) -> bool:
    busy, blocks = flow.held(deps, day, day, None)
    return is_free(rules_of(deps), visit.start, minutes, busy, blocks, deps.clock.now(), deps.clinic.timezone)


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
    await flow.begin_claim(update, context, service, offer.start)


def _as_visit(offer: store.Offer) -> store.Visit:
    return store.Visit(0, None, offer.service_key, offer.start, offer.start, store.BOOKED, None, None, None, None)


async def after_booking(deps: Deps, notifier: Notifier, visit: store.Visit) -> None:
    """A time was booked: settle the offers for it, telling the others it is gone (if it is full now)."""
    service = bookable_service(deps, visit.service_key)
    day = visit.start.astimezone(deps.clinic.timezone).date()
    full = service is None or not _still_free(deps, service.duration_minutes, visit, day)
    for offer in store.settle_offers(deps.db, visit.service_key, visit.start, visit.user_id, full):
        await notifier.patient(offer.user_id, "book_waitlist_gone", start=offer.start,
                               service=service.name if service else visit.service_key)


