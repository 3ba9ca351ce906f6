"""/language: show the clinic's languages, each in its own words, and store the one the patient taps."""

from __future__ import annotations

import logging

from babel import Locale, UnknownLocaleError
from telegram import BotCommandScopeChat, Update
from telegram.error import TelegramError

from wellbot.bot import keyboards
from wellbot.bot.callbacks import CallbackDataError
from wellbot.bot.deps import Deps, WellbotContext
from wellbot.bot.features import Handler, all_commands
from wellbot.bot.messaging import answer, reply, show
from wellbot.bot.router import main_menu
from wellbot.core import i18n
from wellbot.languages import actions
from wellbot.languages.buttons import ChooseLanguage

log = logging.getLogger(__name__)

CHOSEN_MARK = "✓ "


def language_name(lang: str) -> str:
    """A language's name in that language ("Español"): what a reader looks for in a list."""
    try:
        name = Locale.parse(lang.replace("-", "_")).get_display_name(lang.replace("-", "_")) or lang
    except (UnknownLocaleError, ValueError):
        return lang
    return name[:1].upper() + name[1:]


async def show_languages(update: Update, context: WellbotContext) -> None:
    """/language and the menu item: one button per configured language, the current one ticked."""
    deps = context.deps
    current = deps.language_of(update.effective_user.id)
    rows = [[((CHOSEN_MARK if lang == current else "") + language_name(lang), ChooseLanguage(lang).pack())]
            for lang in deps.base_clinic.languages]
    await show(update, context, "language_choose", keyboard=keyboards.inline(rows),
               current=language_name(current))


async def choose_language(update: Update, context: WellbotContext, button: ChooseLanguage) -> None:
    """Store the tapped language and answer in it from now on."""
    deps, user_id = context.deps, update.effective_user.id
    if not actions.choose(deps, user_id, button.language):
        raise CallbackDataError("language no longer offered")
    i18n.set_language(button.language)  # this very answer is already in the new language
    await answer(update, context)
    resume = _resumer(deps, user_id)
    # A flow that cannot show its step again is still open: say so, above the menu.
    pending = resume is None and deps.flows.get(user_id) is not None
    await show(update, context, "language_set", language=language_name(button.language), resumed=resume is not None,
               pending=pending)
    if resume is not None:
        await resume(update, context)  # the step on screen was in the old language: show it again
    else:
        await reply(update, context, "conv_menu", keyboard=main_menu(deps))
    await _publish_chat_menu(update, context, button.language)


def _resumer(deps: Deps, user_id: int) -> Handler | None:
    """What shows the user's current flow step again, if they are in a flow that can."""
    state = deps.flows.get(user_id)
    if state is None:
        return None
    return next((steps.on_resume for feature in deps.features for steps in feature.flow_steps
                 if steps.flow == state.flow), None)


async def _publish_chat_menu(update: Update, context: WellbotContext, lang: str) -> None:
    """The chat's command menu in the chosen language (a staff member's has the staff commands too)."""
    deps, user_id = context.deps, update.effective_user.id
    from wellbot.app import command_menu  # the one place menus are built; app imports every feature

    try:
        await context.bot.set_my_commands(command_menu(all_commands(deps.features), lang,
                                                       staff=deps.settings.is_staff(user_id)),
                                          scope=BotCommandScopeChat(update.effective_chat.id))
    except TelegramError as exc:
        log.warning("could not publish the chat's command menu user_id=%s error=%s", user_id, type(exc).__name__)
