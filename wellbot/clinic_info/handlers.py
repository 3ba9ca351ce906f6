"""Thin Telegram side of clinic info: the "Clinic info" menu, its buttons, and answers to typed questions."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Update
from telegram.error import Forbidden

from wellbot.booking.common import rules_of
from wellbot.bot import callbacks, keyboards
from wellbot.bot.deps import Deps, WellbotContext
from wellbot.bot.messaging import answer, reply, show
from wellbot.clinic_info import logic
from wellbot.core import patients

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShowFact(callbacks.Button, tag="info"):
    """One of the clinic's facts (a key of FACTS)."""

    fact: str


# Button key -> label, in the order the "Clinic info" screen shows them.
FACTS = {"hours": "🕘 Opening hours", "address": "📍 Address and map", "phone": "📞 Phone",
         "parking": "🅿️ Parking", "transit": "🚌 Bus and train", "prices": "💲 Prices", "insurance": "🧾 Insurance"}


def info_keyboard(deps: Deps):
    """One button per fact the clinic file gives (hours, address and phone always)."""
    info = logic.info_of(deps.clinic)
    shown = [key for key in FACTS if key not in logic.INFO_FIELDS or getattr(info, key)]
    return keyboards.column((FACTS[key], ShowFact(key).pack()) for key in shown)


async def show_menu(update: Update, context: WellbotContext) -> None:
    """The "Clinic info" screen."""
    await show(update, context, "info_menu", keyboard=info_keyboard(context.deps))


async def tell(update: Update, context: WellbotContext, fact: str, text: str = "") -> None:
    """Answer one fact as a new message (hours against the clock; the address with a map pin)."""
    deps = context.deps
    if fact == "hours":
        await _hours(update, context, text)
        return
    info = logic.info_of(deps.clinic)
    await reply(update, context, "info_fact", fact=fact, value=getattr(info, fact, ""))
    if fact == "address" and info.has_pin:
        try:
            await context.bot.send_venue(update.effective_chat.id, latitude=info.latitude, longitude=info.longitude,
                                         title=deps.clinic.name, address=deps.clinic.address)
        except Forbidden:
            patients.mark_blocked(deps.db, deps.clock, update.effective_chat.id, "send_forbidden")


async def _hours(update: Update, context: WellbotContext, text: str) -> None:
    """Opening hours: now, a day asked about, the week and the next closed dates."""
    deps = context.deps
    rules = rules_of(deps)  # the booking feature's rules, parsed once: the same hours and closed dates
    now = deps.clock.now().astimezone(deps.clinic.timezone)
    day = logic.day_asked(text, now.date()) if text else None
    await reply(update, context, "info_hours", state=logic.open_state(rules, now),
                asked_now=bool(text) and logic.asks_now(text), day=day,
                day_ranges=rules.open_ranges(day) if day else (),
                day_closed_date=day in rules.closed_dates if day else False,
                week=logic.week(rules), closed=logic.closed_ahead(rules, now.date()))


async def fact_pressed(update: Update, context: WellbotContext, button: ShowFact) -> None:
    """A "Clinic info" button: answer that fact as a new message."""
    if button.fact not in FACTS:
        raise callbacks.CallbackDataError("unknown clinic fact")
    await answer(update, context)
    await tell(update, context, button.fact)


def check(deps: Deps) -> None:
    """`wellbot check` and start-up: the [info] table and the map pin must be right."""
    logic.info_of(deps.clinic)
