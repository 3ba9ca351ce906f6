"""The staff desk's buttons, one typed kind each (see `wellbot.bot.callbacks.Button`)."""

from __future__ import annotations

from dataclasses import dataclass

from wellbot.bot.callbacks import Button


@dataclass(frozen=True)
class AskDesk(Button, tag="inbox:ask"):
    """A patient asks for a person (under an FAQ miss, or to answer the front desk)."""

    source: str = ""


@dataclass(frozen=True)
class DeskReply(Button, tag="inbox:r"):
    """Staff: reply to a thread."""

    thread_id: int


@dataclass(frozen=True)
class DeskClose(Button, tag="inbox:c"):
    """Staff: close a thread."""

    thread_id: int
