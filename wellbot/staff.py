"""Messages to the clinic's staff: every staff member's private chat, and the staff group if set.

Each staff member reads a notice in their own language (`/language`, or their Telegram app's at first
contact), like a patient; the staff group reads the clinic's default language (Deps.staff_language).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram.error import TelegramError

from wellbot.bot.deps import Deps
from wellbot.bot.messaging import Markup, send
from wellbot.core.i18n import speaking
from wellbot.core.settings import Settings

log = logging.getLogger(__name__)

# A keyboard for a staff notice: built in each recipient's language when it is a function (its labels are
# translated as they are built), else sent as it is.
StaffKeyboard = Markup | Callable[[], Markup]


def staff_chats(settings: Settings) -> list[int]:
    """Every chat staff notices go to: each staff member's private chat, then the staff group if set."""
    chats = sorted(settings.staff_ids)
    if settings.staff_group_id is not None:
        chats.append(settings.staff_group_id)
    return chats


async def notify_staff(bot: Any, deps: Deps, template: str, *, keyboard: StaffKeyboard = None,
                       localized: Callable[[], dict[str, Any]] | None = None, **values: Any) -> int:
    """Send a rendered template to every staff member (and the staff group); return how many got it.

    `localized`, if given, returns values that read differently per language (a service's name): it is called
    in each recipient's language. A failure to reach one staff member is logged and does not stop the others.
    """
    delivered = 0
    for staff_id in staff_chats(deps.settings):
        try:
            with speaking(deps.staff_language(staff_id)):  # the reader's language, not the patient's
                markup = keyboard() if callable(keyboard) else keyboard
                extra = localized() if localized is not None else {}
                sent = await send(bot, deps, staff_id, template, keyboard=markup, **values, **extra)
            if sent:
                delivered += 1
        except TelegramError as exc:
            log.warning("staff notification failed staff_id=%s template=%s error=%s", staff_id, template,
                        type(exc).__name__)
    return delivered
