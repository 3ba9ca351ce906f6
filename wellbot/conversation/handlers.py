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
from wellbot.conversation.actions import Answerer, route
from wellbot.core.i18n import current_language
from wellbot.desk import handlers as desk
from wellbot.faq import handlers as faq
from wellbot.front_door import show_help
from wellbot.reminders import handlers as reminders

log = logging.getLogger(__name__)


async def free_text(update: Update, context: WellbotContext) -> None:
    """Answer a typed message: a check-in score, a yes to a reminder, a conversation basic, a fact, or the FAQ."""
    text = update.message.text
    if await reminders.typed_checkin(update, context) or await reminders.typed_confirm(update, context):
        return
    where = route(text, current_language())
    log.info("typed text user_id=%s answerer=%s intent=%s", update.effective_user.id, where.answerer.value,
             where.intent.value if where.intent else "-")
    if where.answerer is Answerer.FAQ:
        await faq.respond_to_text(update, context, text)
    elif where.answerer is Answerer.FACT:
        await clinic_info.tell(update, context, where.fact, text)
    elif where.answerer is Answerer.BOOK:
        await booking_flow.begin(update, context)
    elif where.answerer is Answerer.VISITS:
        await booking_visits.visits_command(update, context)
    elif where.answerer is Answerer.HELP:
        await show_help(update, context)
    elif where.answerer is Answerer.PERSON:  # "can I talk to a person?": the front-desk inbox
        await desk.ask_person(update, context)
    else:
        await reply(update, context, where.template, first_name=update.effective_user.first_name,
                    keyboard=main_menu(context.deps))
