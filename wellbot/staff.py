"""Messages to the clinic's staff: every staff member's private chat, and the staff group if set."""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import TelegramError

from wellbot.bot.deps import Deps
from wellbot.bot.messaging import Markup, send
from wellbot.core.i18n import speaking
from wellbot.core.settings import Settings

log = logging.getLogger(__name__)


def staff_chats(settings: Settings) -> list[int]:
    """Every chat staff notices go to: each staff member's private chat, then the staff group if set."""
    chats = sorted(settings.staff_ids)
    if settings.staff_group_id is not None:
        chats.append(settings.staff_group_id)
    return chats


async def notify_staff(bot: Any, deps: Deps, template: str, *, keyboard: Markup = None, **values: Any) -> int:
    """Send a rendered template to every staff member (and the staff group); return how many got it.

    A failure to reach one staff member is logged and does not stop the others.
    """
    delivered = 0
    for staff_id in staff_chats(deps.settings):
        try:
            with speaking(deps.base_clinic.default_language):  # staff read the clinic's default language
                sent = await send(bot, deps, staff_id, template, keyboard=keyboard, **values)
            if sent:
                delivered += 1
        except TelegramError as exc:
            log.warning("staff notification failed staff_id=%s template=%s error=%s", staff_id, template,
                        type(exc).__name__)
    return delivered
