"""Thin Telegram side of clinic info: the "Clinic info" menu, its buttons, and answers to typed questions."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.error import Forbidden

from wellbot.bot import callbacks, keyboards
from wellbot.bot.deps import Deps, WellbotContext
from wellbot.bot.messaging import answer, reply, show
from wellbot.clinic_info import actions, logic
from wellbot.clinic_info.buttons import ShowFact
from wellbot.core import patients
from wellbot.core.i18n import N_

log = logging.getLogger(__name__)

# Button labels, by fact.
LABELS = {"hours": N_("🕘 Opening hours"), "address": N_("📍 Address and map"), "phone": N_("📞 Phone"),
          "parking": N_("🅿️ Parking"), "transit": N_("🚌 Bus and train"), "prices": N_("💲 Prices"),
          "insurance": N_("🧾 Insurance")}


def info_keyboard(deps: Deps) -> InlineKeyboardMarkup:
    """One button per fact the clinic file gives."""
    return keyboards.column((LABELS[fact], ShowFact(fact).pack()) for fact in actions.offered(deps))


async def show_menu(update: Update, context: WellbotContext) -> None:
    """The "Clinic info" screen."""
    await show(update, context, "info_menu", keyboard=info_keyboard(context.deps))


async def tell(update: Update, context: WellbotContext, fact: str, text: str = "") -> None:
    """Answer one fact as a new message (hours against the clock; the address with a map pin)."""
    deps = context.deps
    if fact == "hours":
        await reply(update, context, "info_hours", **actions.hours_values(deps, text))
        return
    await reply(update, context, "info_fact", **actions.fact_values(deps, fact))
    info = logic.info_of(deps.clinic)
    if fact == "address" and info.latitude is not None and info.longitude is not None:
        try:
            await context.bot.send_venue(update.effective_chat.id, latitude=info.latitude, longitude=info.longitude,
                                         title=deps.clinic.name, address=deps.clinic.address)
        except Forbidden:
            patients.mark_blocked(deps.db, deps.clock, update.effective_chat.id, "send_forbidden")


async def fact_pressed(update: Update, context: WellbotContext, button: ShowFact) -> None:
    """A "Clinic info" button: answer that fact as a new message."""
    if button.fact not in actions.FACTS:
        raise callbacks.CallbackDataError("unknown clinic fact")
    await answer(update, context)
    await tell(update, context, button.fact)


def check(deps: Deps) -> None:
    """`wellbot check` and start-up: the [info] table and the map pin must be right."""
    logic.info_of(deps.clinic)
