"""The bot's side of `wellbot.core.hooks.Notifier`: how actions reach staff and patients.

A failure to reach one person is logged (ids and error kind only) and never
undoes or hides a change that is already committed.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import TelegramError

from wellbot.bot.messaging import send
from wellbot.core import patients
from wellbot.core.deps import Deps
from wellbot.core.i18n import speaking
from wellbot.staff import notify_staff

log = logging.getLogger(__name__)


class BotNotifier:
    """Sends rendered templates through one bot on behalf of the actions."""

    def __init__(self, bot: Any, deps: Deps) -> None:
        self.bot = bot
        self.deps = deps

    async def staff(self, template: str, **values: Any) -> int:
        """Tell every staff member (and the staff group), each in their language; return how many got it."""
        return await notify_staff(self.bot, self.deps, template, **values)

    async def patient(self, user_id: int | None, template: str, *, keyboard: Any = None, **values: Any) -> bool:
        """Tell one patient in their private chat, in their language; False if unknown, erased, blocked or unreachable.

        `keyboard` may be a function building it, called in the patient's language (its labels are translated
        when built): the notice goes to someone other than the person whose update is being handled.
        """
        chat_id = patients.chat_of(self.deps.db, user_id)
        if chat_id is None:
            return False
        try:
            with speaking(self.deps.language_of(user_id)):
                markup = keyboard() if callable(keyboard) else keyboard
                return await send(self.bot, self.deps, chat_id, template, keyboard=markup, **values) is not None
        except TelegramError as exc:
            log.warning("patient notice failed user_id=%s template=%s error=%s", user_id, template,
                        type(exc).__name__)
            return False

