"""Digests: which unseen items each subscriber gets, rendered from `templates/digest.html`.

Plain logic (no Telegram): the `[digest]` clinic table (cron schedule, quiet
hours, item limit), item selection per subscriber, and the planner that
renders every subscriber's digest before the first one is sent, so a broken
template stops the campaign before anyone gets half of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from markupsafe import Markup
from sqlite_utils import Database

from wellbot.bot.render import Renderer
from wellbot.bot.telegram_html import MAX_MESSAGE_LENGTH, visible_length
from wellbot.core.clinic import Clinic
from wellbot.core.clock import from_db, to_db
from wellbot.core.errors import ConfigError
from wellbot.core.i18n import speaking
from wellbot.newsletter import store
from wellbot.newsletter.engine import Campaign

KIND = "digest"
SECTION = "digest"
TEMPLATE = "digest"
DEFAULT_SCHEDULE = "0 9 * * mon"  # Monday 09:00 clinic time
DEFAULT_MAX_ITEMS = 6
_QUIET = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class DigestConfig:
    """The validated `[digest]` table."""

    schedule: str = DEFAULT_SCHEDULE
    quiet_start: time | None = None
    quiet_end: time | None = None
    max_items: int = DEFAULT_MAX_ITEMS

    def trigger(self, clinic: Clinic) -> CronTrigger:
        """The APScheduler trigger for the schedule, in the clinic's time zone."""
        return CronTrigger.from_crontab(self.schedule, timezone=clinic.timezone)

    def quiet(self, when: datetime, clinic: Clinic) -> bool:
        """True if `when` falls in the clinic's quiet hours (which may cross midnight)."""
        if self.quiet_start is None or self.quiet_end is None:
            return False
        local = when.astimezone(clinic.timezone).time()
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end


def digest_config(clinic: Clinic) -> DigestConfig:
    """Read and validate `[digest]`; ConfigError names the problem. A missing table means the defaults."""
    table = clinic.section(SECTION)
    where = f"{clinic.path} [{SECTION}]"
    schedule = table.get("schedule", DEFAULT_SCHEDULE)
    try:
        CronTrigger.from_crontab(str(schedule), timezone=clinic.timezone)
    except ValueError as exc:
        raise ConfigError(where, f"schedule {schedule!r} is not a cron expression like "
                                 f"'{DEFAULT_SCHEDULE}' ({exc})") from None
    quiet = table.get("quiet_hours", "")
    start = end = None
    if quiet:
        match = _QUIET.match(str(quiet))
        if not match:
            raise ConfigError(where, f"quiet_hours {quiet!r} must look like \"21:00-08:00\"")
        start, end = time(int(match[1]), int(match[2])), time(int(match[3]), int(match[4]))
    max_items = table.get("max_items", DEFAULT_MAX_ITEMS)
    if not isinstance(max_items, int) or isinstance(max_items, bool) or not 1 <= max_items <= 20:
        raise ConfigError(where, "max_items must be a whole number from 1 to 20")
    return DigestConfig(str(schedule), start, end, max_items)


def unseen_items(db: Database, user_id: int, topics: list[str], now: datetime, limit: int,
                 language: str | None = None) -> list[dict[str, Any]]:
    """Published items on the subscriber's topics that they have not been sent, oldest first.

    Title and body are the item's version in `language` when staff wrote one, else the default language's.
    """
    return list(db.query(
        """
        select i.id, coalesce(t.title, i.title) as title, coalesce(t.body, i.body) as body, i.link, i.topics,
               i.publish_at, i.author, i.created_at, i.updated_at
        from news_items i
        left join news_item_texts t on t.item_id = i.id and t.language = :language
        where i.publish_at <= :now
          and not exists (select 1 from news_received r where r.user_id = :user and r.item_id = i.id)
          and exists (select 1 from json_each(i.topics) t where t.value in (select value from json_each(:topics)))
        order by i.publish_at, i.id limit :limit
        """,
        {"now": to_db(now), "user": user_id, "topics": json.dumps(topics), "limit": limit, "language": language},
    ))


def render_digest(renderer: Renderer, clinic: Clinic, rows: list[dict[str, Any]]) -> tuple[str, list[int]]:
    """The digest text with as many items as fit one message; and the ids it carries."""
    while rows:
        values = [{"title": r["title"], "body": Markup(r["body"]), "link": r["link"],
                   "published": from_db(r["publish_at"]),
                   "topics": [t.label for t in clinic.topics if t.key in json.loads(r["topics"])]} for r in rows]
        text = renderer.render(TEMPLATE, items=values)
        if visible_length(text) <= MAX_MESSAGE_LENGTH:
            return text, [r["id"] for r in rows]
        rows = rows[:-1]  # the rest waits for the next digest
    return "", []


def next_digest(db: Database, renderer: Renderer, clinic: Clinic, config: DigestConfig, user_id: int,
                topics: list[str], now: datetime, language: str | None = None) -> tuple[str, list[int]]:
    """What this subscriber would receive next, in their language: (text, item ids), or ("", []) if nothing is new.

    `language` None or one the clinic no longer offers: the clinic's default.
    """
    lang = language if language in clinic.languages else clinic.default_language
    with speaking(lang):
        return render_digest(renderer, clinic.localized(lang),
                             unseen_items(db, user_id, topics, now, config.max_items, lang))


def make_planner(renderer: Renderer, clinic: Clinic, config: DigestConfig,
                 now: Callable[[], datetime]) -> store.Planner:
    """The engine's planner for digests: one rendered digest per subscriber with something new."""
    def plan(db: Database, row: dict[str, Any]) -> Iterator[store.Planned]:
        for recipient in store.each_recipient(db, store.ALL):  # lazily: the store plans in steps
            text, ids = next_digest(db, renderer, clinic, config, recipient["user_id"],
                                    json.loads(recipient["topics"]), now(), recipient.get("language"))
            if ids:  # nobody gets an empty digest
                yield store.Planned(recipient["user_id"], recipient["chat_id"], text, tuple(ids))
    return plan


def digest_pending(db: Database) -> bool:
    """True if a digest is already queued, running or paused (a second one would repeat its items)."""
    return any(row["kind"] == KIND for row in store.active_campaigns(db))


def quiet_end_after(now: datetime, config: DigestConfig, clinic: Clinic) -> datetime:
    """The first moment after `now` at which quiet hours are over (clinic time, as aware UTC)."""
    assert config.quiet_end is not None  # only asked during quiet hours, which have an end
    local = now.astimezone(clinic.timezone)
    end = local.replace(hour=config.quiet_end.hour, minute=config.quiet_end.minute, second=0, microsecond=0)
    if end <= local:
        end = end + timedelta(days=1)
    return end.astimezone(now.tzinfo)


def subscribers_with_news(db: Database, now: datetime) -> int:
    """How many subscribers would get a digest now (at least one unseen item on their topics)."""
    return sum(1 for r in store.recipients(db, store.ALL)
               if unseen_items(db, r["user_id"], json.loads(r["topics"]), now, 1))


def quiet_hold(config: DigestConfig, clinic: Clinic, now: Callable[[], datetime]) -> Callable[[Campaign], float]:
    """The engine's hold for digests: seconds until quiet hours end (0 outside them, and for other kinds)."""
    def hold(campaign: Campaign) -> float:
        if campaign.kind != KIND:
            return 0.0
        moment = now()
        if not config.quiet(moment, clinic):
            return 0.0
        return (quiet_end_after(moment, config, clinic) - moment).total_seconds()
    return hold
