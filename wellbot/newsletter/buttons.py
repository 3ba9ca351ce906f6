"""Staff buttons of the newsletter: broadcasts, news items and digests, one typed kind each.

Every route is declared staff-only, so the router checks the presser on each
press. Flow buttons carry the flow's token first; their steps are declared
in `BROADCAST_STEPS` and `NEWS_STEPS` beside the handlers.
"""

from __future__ import annotations

from dataclasses import dataclass

from wellbot.bot.callbacks import Button

# ---- /broadcast (`bc:`) --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChooseAudience(Button, tag="bc:aud"):
    """All subscribers (`*`) or one topic's."""

    token: str
    audience: str


@dataclass(frozen=True)
class SendBroadcast(Button, tag="bc:go"):
    """Queue the draft."""

    campaign_id: int


@dataclass(frozen=True)
class DropBroadcast(Button, tag="bc:drop"):
    """Throw the draft away."""

    campaign_id: int


@dataclass(frozen=True)
class ResumeCampaign(Button, tag="bc:resume"):
    """Queue a paused campaign again."""

    campaign_id: int


@dataclass(frozen=True)
class ResendUncertain(Button, tag="bc:resend"):
    """Send a campaign's uncertain deliveries again (staff chose to: they may have arrived)."""

    campaign_id: int


# ---- news items (`nw:`) --------------------------------------------------------------------------


@dataclass(frozen=True)
class NewsTopic(Button, tag="nw:t"):
    """Toggle a topic of the item being written."""

    token: str
    topic: str


@dataclass(frozen=True)
class NewsTopicsDone(Button, tag="nw:td"):
    """The topics are chosen."""

    token: str


@dataclass(frozen=True)
class NewsEditField(Button, tag="nw:ef"):
    """Change one field of an item."""

    token: str
    field: str


@dataclass(frozen=True)
class NewsSave(Button, tag="nw:save"):
    """Save the previewed item."""

    token: str


@dataclass(frozen=True)
class NewsDrop(Button, tag="nw:drop"):
    """Leave the item unsaved."""

    token: str


@dataclass(frozen=True)
class NewsDefault(Button, tag="nw:dv"):
    """The usual answer to the current step: no link, or publish now (so staff need not type English words)."""

    token: str


@dataclass(frozen=True)
class NewsDelete(Button, tag="nw:del"):
    """Delete a saved item."""

    item_id: int


# ---- digests (`dg:`) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewFor(Button, tag="dg:pv"):
    """A subscriber's next digest, as they would get it."""

    user_id: int


@dataclass(frozen=True)
class SendDigest(Button, tag="dg:go"):
    """Queue the next digest now."""


# --- versions in other languages (issue 17) -------------------------------------------------------

@dataclass(frozen=True)
class AddBroadcastText(Button, tag="bc:lang"):
    """Write the draft broadcast's text in one more language."""

    campaign_id: int
    language: str


@dataclass(frozen=True)
class AddNewsText(Button, tag="nw:lang"):
    """Write a saved news item's title and text in one more language."""

    item_id: int
    language: str
