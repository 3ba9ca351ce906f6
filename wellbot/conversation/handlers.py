"""What typed text outside a flow means: a greeting, a request, a clinic fact, else a FAQ question.

Triage has already read the text (the router runs it first), so nothing
here ever sees an emergency it should have answered.
"""

from __future__ import annotations

import logging

from telegram import Update

from wellbot.booking import flow as booking_flow
from wellbot.booking import visits as booking_visits
from wellbot.bot.deps import WellbotContext
from wellbot.bot.messaging import reply
from wellbot.bot.router import main_menu
from wellbot.clinic_info import handlers as clinic_info
from wellbot.conversation.logic import Intent, detect
from wellbot.faq import handlers as faq
from wellbot.front_door import show_help

log = logging.getLogger(__name__)

FACT_INTENTS = {Intent.HOURS: "hours", Intent.ADDRESS: "address", Intent.PHONE: "phone", Intent.PARKING: "parking",
                Intent.TRANSIT: "transit", Intent.PRICES: "prices", Intent.INSURANCE: "insurance"}


async def free_text(update: Update, context: WellbotContext) -> None:
    """Answer a typed message: a conversation basic, a clinic fact, or the FAQ."""
    text = update.message.text
    intent = detect(text)
    log.info("typed text user_id=%s intent=%s", update.effective_user.id, intent.value if intent else "faq")
    if intent is None:
        await faq.respond_to_text(update, context, text)
    elif intent in FACT_INTENTS:
        await clinic_info.tell(update, context, FACT_INTENTS[intent], text)
    elif intent is Intent.BOOK:
        await booking_flow.begin(update, context)
    elif intent is Intent.VISITS:
        await booking_visits.visits_command(update, context)
    elif intent is Intent.HELP:
        await show_help(update, context)
    else:
        template = {Intent.GREETING: "conv_greeting", Intent.THANKS: "conv_thanks", Intent.MENU: "conv_menu",
                    Intent.HUMAN: "conv_human"}[intent]
        await reply(update, context, template, first_name=update.effective_user.first_name,
                    keyboard=main_menu(context.deps))
