"""The front door: /start (with deep links), /help and /cancel."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import ReplyKeyboardRemove, Update

from wellbot.bot.deps import WellbotContext
from wellbot.bot.features import Command, Feature, all_commands
from wellbot.bot.messaging import reply
from wellbot.bot.router import main_menu
from wellbot.core.i18n import N_, _

log = logging.getLogger(__name__)


async def start(update: Update, context: WellbotContext) -> None:
    """Greet the patient, or jump straight into a deep-linked flow."""
    payload = context.args[0] if context.args else ""
    for feature in context.deps.features:
        handler = feature.deep_links.get(payload)
        if handler is not None:
            log.info("deep link user_id=%s payload=%s", update.effective_user.id, payload)
            await handler(update, context)
            return
    await reply(update, context, "start", first_name=update.effective_user.first_name,
                keyboard=main_menu(context.deps))
    for feature in context.deps.features:
        for note in feature.start_notes:
            await note(update, context)


async def show_help(update: Update, context: WellbotContext) -> None:
    """List the commands this user may use, from the same registry as setMyCommands."""
    commands = all_commands(context.deps.features)
    staff = context.deps.settings.is_staff(update.effective_user.id)
    shown = [replace(c, description=_(c.description), usage=_(c.usage) if c.usage else "") for c in commands]
    await reply(update, context, "help", commands=[c for c in shown if not c.staff],
                staff_commands=[c for c in shown if c.staff] if staff else [])


async def cancel(update: Update, context: WellbotContext) -> None:
    """Leave whatever flow the user is in; nothing half-done is kept."""
    state = context.deps.flows.clear(update.effective_user.id)
    await reply(update, context, "cancelled", was_in_flow=state is not None, keyboard=ReplyKeyboardRemove())


FEATURE = Feature(
    name="front_door",
    commands=[
        Command("start", N_("Welcome and main menu"), start),
        Command("help", N_("What this bot can do"), show_help),
        Command("cancel", N_("Leave what you are doing"), cancel),
    ],
)
