"""The language feature's inline button."""

from __future__ import annotations

from dataclasses import dataclass

from wellbot.bot.callbacks import Button


@dataclass(frozen=True)
class ChooseLanguage(Button, tag="lang"):
    """Read the bot in this language (one of the clinic's `languages`)."""

    language: str
