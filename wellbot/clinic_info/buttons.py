"""The clinic-info feature's inline button."""

from __future__ import annotations

from dataclasses import dataclass

from wellbot.bot.callbacks import Button


@dataclass(frozen=True)
class ShowFact(Button, tag="info"):
    """One of the clinic's facts (a key of `wellbot.clinic_info.actions.FACTS`)."""

    fact: str
