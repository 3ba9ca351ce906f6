"""Health-news buttons, one typed kind each (see `wellbot.bot.callbacks.Button`).

Every newsletter and digest carries Unsubscribe and Manage topics, so these
tags never change. Topic choices travel as a bit mask of the clinic's topics,
checked against a version of the topic list (or of the consent wording) so a
button made before the clinic changed either is refused, never misread.
"""

from __future__ import annotations

from dataclasses import dataclass

from wellbot.bot.callbacks import Button


@dataclass(frozen=True)
class Unsubscribe(Button, tag="sub:off"):
    """Stop health news at once."""


@dataclass(frozen=True)
class ManageTopics(Button, tag="sub:manage"):
    """The /news screen as a new message."""


@dataclass(frozen=True)
class ToggleConsentTopic(Button, tag="sub:tg"):
    """Flip a topic on the consent screen; `wording` names the consent text shown."""

    wording: str
    mask: int


@dataclass(frozen=True)
class ConsentYes(Button, tag="sub:yes"):
    """The explicit yes to the wording shown, for the topics in `mask`."""

    wording: str
    mask: int


@dataclass(frozen=True)
class ConsentNo(Button, tag="sub:no"):
    """No thanks: nothing is stored."""


@dataclass(frozen=True)
class NewSubscription(Button, tag="sub:new"):
    """Subscribe, from /news when not subscribed."""


@dataclass(frozen=True)
class EditTopics(Button, tag="sub:et"):
    """The topic editor with a (toggled) choice; `version` names the topic list."""

    version: str
    mask: int


@dataclass(frozen=True)
class SaveTopics(Button, tag="sub:save"):
    """Save the chosen topics."""

    version: str
    mask: int


@dataclass(frozen=True)
class BackToNews(Button, tag="sub:back"):
    """The current /news screen in place."""


@dataclass(frozen=True)
class PauseNews(Button, tag="sub:pause"):
    """Pause news, keeping the topics."""


@dataclass(frozen=True)
class ResumeNews(Button, tag="sub:resume"):
    """Resume paused news."""
