"""The conversation feature's declaration: what typed text outside a flow means."""

from __future__ import annotations

from wellbot.bot.features import Feature
from wellbot.conversation.handlers import free_text

FEATURE = Feature(name="conversation", free_text=free_text)
