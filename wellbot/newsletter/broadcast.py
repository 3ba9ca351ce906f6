"""Broadcasts: plain logic behind /broadcast (body checks, audiences, progress figures).

No Telegram imports; the handlers render and send what these functions decide.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from wellbot.bot.telegram_html import MAX_MESSAGE_LENGTH, check_text
from wellbot.core.clinic import Clinic
from wellbot.core.i18n import N_, Reason, _
from wellbot.newsletter import store

KIND = "broadcast"
PROGRESS_MIN_INTERVAL = 3.0  # seconds between two edits of the staff's progress message


class BodyError(Reason):
    """A broadcast text Telegram would refuse, with a reason staff can act on (in their language: `shown()`)."""


def check_body(html: str) -> str:
    """The body if Telegram would accept it as one message; BodyError otherwise."""
    try:
        return check_text(html, MAX_MESSAGE_LENGTH, N_("message"), N_("formatting"))
    except Reason as exc:
        raise BodyError.like(exc) from None


# Words staff read in the progress, history and notices (the database keeps the English keys).
ALL_LABEL = N_("All subscribers")
STATUS_WORDS = {"draft": N_("draft"), "queued": N_("queued"), "running": N_("running"), "paused": N_("paused"),
                "done": N_("done"), "cancelled": N_("cancelled"), "not paused": N_("not paused")}
KIND_WORDS = {KIND: N_("broadcast"), "digest": N_("digest")}
# The delivery engine's pause reasons (wellbot.newsletter.engine), as staff read them.
PAUSE_REASONS = ((re.compile(r"^(\d+) messages failed$"), N_("{count} messages failed")),
                 (re.compile(r"^(\d+) network or server errors in a row$"),
                  N_("{count} network or server errors in a row")))


def status_word(status: str) -> str:
    """A campaign status as staff read it, in the language being written."""
    return _(STATUS_WORDS.get(status, status))


def kind_word(kind: str) -> str:
    """A campaign kind (broadcast, digest) as staff read it."""
    return _(KIND_WORDS.get(kind, kind))


def pause_reason(reason: str) -> str:
    """Why the engine paused a campaign, as staff read it (an unknown reason is shown as it was recorded)."""
    for pattern, message in PAUSE_REASONS:
        found = pattern.match(reason)
        if found:
            return _(message).format(count=found.group(1))
    return reason


def audiences(db: Database, clinic: Clinic) -> list[tuple[str, str, int]]:
    """(audience, label, recipients now) for everyone and for each topic."""
    labels = {store.ALL: _(ALL_LABEL)} | {store.TOPIC_PREFIX + topic.key: topic.label for topic in clinic.topics}
    counts = store.audience_counts(db, list(labels))
    return [(audience, label, counts[audience]) for audience, label in labels.items()]


def audience_label(clinic: Clinic, audience: str) -> str:
    """How staff see an audience."""
    key = store.audience_topic(audience)
    if key is None:
        return _("all subscribers")
    topic = clinic.topic(key)
    return _("subscribers to {topic}").format(topic=topic.label if topic else key)


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
