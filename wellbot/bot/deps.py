"""The dependency container handlers reach through `context.deps`.

Passed in at start (never imported as globals), so tests build one with a
manual clock, an in-memory database and a local Bot API server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database
from telegram.ext import Application, CallbackContext, ExtBot

from wellbot.bot.render import Renderer
from wellbot.core.clinic import Clinic
from wellbot.core.clock import Clock
from wellbot.core.flows import FlowStore
from wellbot.core.settings import Settings

if TYPE_CHECKING:
    from wellbot.bot.features import Feature

DEPS_KEY = "deps"


@dataclass
class Deps:
    """Everything a handler needs, built once at start."""

    settings: Settings
    clinic: Clinic
    db: Database
    clock: Clock
    renderer: Renderer
    flows: FlowStore
    features: list[Feature] = field(default_factory=list)
    services: dict[str, Any] = field(default_factory=dict)  # long-lived helpers features add at start


class WellbotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """PTB's callback context plus `deps` and once-only callback answering."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.answered = False

    @property
    def deps(self) -> Deps:
        """The application's dependency container."""
        return self.application.bot_data[DEPS_KEY]
