"""Broadcasts: plain logic behind /broadcast (body checks, audiences, progress figures).

No Telegram imports; the handlers render and send what these functions decide.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from wellbot.bot.telegram_html import MAX_MESSAGE_LENGTH, check_text
from wellbot.core.clinic import Clinic
from wellbot.newsletter import store

KIND = "broadcast"
PROGRESS_MIN_INTERVAL = 3.0  # seconds between two edits of the staff's progress message


class BodyError(ValueError):
    """A broadcast text Telegram would refuse, with a reason staff can act on."""


def check_body(html: str) -> str:
    """The body if Telegram would accept it as one message; BodyError otherwise."""
    try:
        return check_text(html, MAX_MESSAGE_LENGTH, "message", "formatting")
    except ValueError as exc:
        raise BodyError(str(exc)) from None


def audiences(db: Database, clinic: Clinic) -> list[tuple[str, str, int]]:
    """(audience, label, recipients now) for everyone and for each topic."""
    labels = {store.ALL: "All subscribers"} | {store.TOPIC_PREFIX + topic.key: topic.label for topic in clinic.topics}
    counts = store.audience_counts(db, list(labels))
    return [(audience, label, counts[audience]) for audience, label in labels.items()]


def audience_label(clinic: Clinic, audience: str) -> str:
    """How staff see an audience."""
    key = store.audience_topic(audience)
    if key is None:
        return "all subscribers"
    topic = clinic.topic(key)
    return f"subscribers to {topic.label}" if topic else f"subscribers to {key}"


def valid_audience(clinic: Clinic, audience: str) -> bool:
    """True for `all` and for `topic:<key>` of a configured topic."""
    key = store.audience_topic(audience)
    return audience == store.ALL or (key is not None and clinic.topic(key) is not None)


def planner(db: Database, row: dict[str, Any]) -> Iterator[store.Planned]:
    """A broadcast goes to everyone in its audience when it starts; the body lives on the campaign."""
    return (store.Planned(r["user_id"], r["chat_id"]) for r in store.each_recipient(db, row["audience"]))


def progress_figures(counts: dict[str, int], rate: float) -> dict[str, int]:
    """Sent, failed, remaining and an estimate in minutes, for the progress message."""
    remaining = counts["pending"] + counts["sending"]
    seconds = remaining / rate if rate > 0 else 0
    return {
        "sent": counts["sent"],
        "failed": counts["failed"],
        "uncertain": counts["uncertain"],  # may have arrived: staff choose whether to resend
        "blocked": counts["blocked"],
        "skipped": counts["skipped"],
        "remaining": remaining,
        "total": counts["total"],
        "eta_minutes": math.ceil(seconds / 60) if remaining else 0,
    }


@dataclass
class EditThrottle:
    """Decides when a progress message may be edited: not too often, never with the same text."""

    min_interval: float = PROGRESS_MIN_INTERVAL
    now: Callable[[], float] = time.monotonic
    _last: dict[int, tuple[float, str]] = field(default_factory=dict)

    def should_edit(self, key: int, text: str, force: bool = False) -> bool:
        """True if `text` differs from the last shown and enough time passed (or `force`)."""
        last = self._last.get(key)
        if last is not None and last[1] == text:
            return False
        if last is not None and not force and self.now() - last[0] < self.min_interval:
            return False
        self._last[key] = (self.now(), text)
        return True

    def forget(self, key: int) -> None:
        """Drop what is remembered about a finished campaign."""
        self._last.pop(key, None)
