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
from wellbot.faq import loading as faq_loading
from wellbot.faq.search import find_red_flag
from wellbot.staff import notify_staff
from wellbot.triage import logic
from wellbot.triage.settings import triage_settings

log = logging.getLogger(__name__)


def _composing(context: WellbotContext, flow: str | None) -> bool:
    """Whether the user is writing content (a broadcast, a news item) that may well name emergencies."""
    return flow is not None and any(flow in f.composing_flows for f in context.deps.features)


def assess(context: WellbotContext, text: str) -> logic.Finding:
    """Triage's concepts, plus any extra `[faq] red_flags` phrases the clinic lists."""
    finding = logic.assess(text)
    if finding.level is logic.Level.URGENT:
        return finding
    phrases = faq_loading.settings_for(context.deps.clinic).red_flags
    if phrases and finding.level is logic.Level.NONE and find_red_flag(text, phrases):
        return logic.Finding(logic.Level.URGENT, "clinic_phrase")
    return finding


async def screen(update: Update, context: WellbotContext, flow: str | None, text: str | None = None) -> bool:
    """Answer an emergency first; return True when the text must go no further."""
    text = update.message.text if text is None else text
    if not text:
        return False
    finding = assess(context, text)
    if finding.level is logic.Level.MENTION:
        crisis_line = triage_settings(context.deps.clinic).crisis_line
        context.followups.append(lambda: reply(update, context, "triage_safety_line", crisis_line=crisis_line,
                                               crisis=finding.concept in logic.CRISIS_CONCEPTS))
        return False
    if finding.level is not logic.Level.URGENT:
        return False
    composing = _composing(context, flow)
    settings = triage_settings(context.deps.clinic)
    user = update.effective_user
    log.warning("urgent reply sent user_id=%s concept=%s in_flow=%s", user.id, finding.concept, flow or "-")
    await reply(update, context, "triage_urgent", crisis=finding.crisis, crisis_line=settings.crisis_line,
                in_flow=flow is not None and not composing)
    if settings.alert_staff and not context.deps.settings.is_staff(user.id):
        await notify_staff(context.bot, context.deps, "triage_staff_alert", user_id=user.id,
                           name=user.full_name, username=user.username or "", concept=finding.concept,
                           text=text if settings.alert_text else "")
    return not composing  # staff writing a news item keep their text; everyone else's stops here


def check(deps: Deps) -> None:
    """`wellbot check` and start-up: the triage settings must be right."""
    triage_settings(deps.clinic)
