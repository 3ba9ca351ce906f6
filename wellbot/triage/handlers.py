"""Thin Telegram side of triage: screen every typed message before a flow or the FAQ sees it.

Wired centrally (`Feature.text_checks`, run by the router's typed-input
path), so no flow can consume an emergency as a name, a phone number or a
choice: booking's name step, the service step, the news and staff flows and
free questions all pass through `screen` first.
"""

from __future__ import annotations

import logging

from telegram import Update

from wellbot.bot.deps import Deps, WellbotContext
from wellbot.bot.messaging import reply
from wellbot.bot.notify import BotNotifier
from wellbot.triage import actions, logic, spanish
from wellbot.triage.settings import triage_settings

log = logging.getLogger(__name__)


async def screen(update: Update, context: WellbotContext, flow: str | None, text: str | None = None) -> bool:
    """Answer an emergency first; return True when the text must go no further."""
    text = update.message.text if text is None else text
    if not text:
        return False
    deps = context.deps
    finding = actions.read(deps, text)
    settings = triage_settings(deps.clinic)
    if finding.level is logic.Level.MENTION:
        context.followups.append(lambda: reply(update, context, "triage_safety_line", crisis_line=settings.crisis_line,
                                               crisis=finding.concept in logic.CRISIS_CONCEPTS))
        return False
    if finding.level is not logic.Level.URGENT:
        return False
    composing = actions.composing(deps, flow)
    user = update.effective_user
    log.warning("urgent reply sent user_id=%s concept=%s in_flow=%s", user.id, finding.concept, flow or "-")
    await reply(update, context, "triage_urgent", crisis=finding.crisis, crisis_line=settings.crisis_line,
                in_flow=flow is not None and not composing)
    await actions.alert_staff(deps, BotNotifier(context.bot, deps), finding, user_id=user.id, name=user.full_name,
                              username=user.username or "", text=text)
    return not composing  # staff writing a news item keep their text; everyone else's stops here


def check(deps: Deps) -> None:
    """`wellbot check` and start-up: the triage settings must be right; the word lists load now, not mid-chat."""
    triage_settings(deps.clinic)
    spanish.warm()
