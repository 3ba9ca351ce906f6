"""How handlers reach the dependency container: `context.deps`.

The container itself (`wellbot.core.deps.Deps`) has no Telegram in it; this
module adds it to python-telegram-bot's callback context.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from wellbot.core.deps import Deps

__all__ = ["DEPS_KEY", "Deps", "WellbotContext"]

DEPS_KEY = "deps"


class WellbotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """PTB's callback context plus `deps` and once-only callback answering."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.answered = False
        self.followups: list[Callable[[], Awaitable[Any]]] = []  # sent after the update's own reply (safety lines)

    @property
    def deps(self) -> Deps:
        """The application's dependency container."""
        return self.application.bot_data[DEPS_KEY]
