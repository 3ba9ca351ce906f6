"""Campaigns and delivery rows in SQLite: the engine's store, and the queries staff screens use.

Recipients are the core `subscriptions` rows (maintained by the consent
feature) joined with `patients`: subscribed AND active AND, for a topic
audience, having that topic. Eligibility is checked again just before each
batch is sent, so an opt-out or a block mid-campaign is honoured at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlite_utils import Database

from wellbot.core import patients
from wellbot.core.busy import locked, wait_while_busy
from wellbot.core.clock import Clock, to_db
from wellbot.core.db import inserted_id
from wellbot.core.hooks import BlockedListener
from wellbot.core.lease import Worker
from wellbot.newsletter.engine import Campaign, Delivery, Recorded, Status

log = logging.getLogger(__name__)

ALL = "all"
TOPIC_PREFIX = "topic:"
# Planned deliveries per step when a campaign starts: each step is one short transaction, and the event
# loop runs other updates between steps (writing 100,000 rows at once held it 1.3 s; benchmarks/README.md).
PLAN_STEP = 1000
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "blocked", "skipped", "uncertain")


@dataclass(frozen=True)
class Planned:
    """One recipient's delivery, as a planner lays it out before the campaign starts."""

    user_id: int
    chat_id: int
    payload: str = ""  # per-recipient text (digests); empty: the campaign's body (broadcasts)
    item_ids: tuple[int, ...] = ()


# kind -> function(db, campaign row) listing the deliveries to create when the campaign starts
Planner = Callable[[Database, dict[str, Any]], Iterable[Planned]]


def audience_topic(audience: str) -> str | None:
    """The topic key of a `topic:<key>` audience, or None for everyone."""
    return audience[len(TOPIC_PREFIX):] if audience.startswith(TOPIC_PREFIX) else None


def recipients(db: Database, audience: str = ALL) -> list[dict[str, Any]]:
    """Subscribed, active patients (with the topic, for a topic audience), in user id order."""
    return list(each_recipient(db, audience))


def each_recipient(db: Database, audience: str = ALL) -> Iterator[dict[str, Any]]:
    """The recipients one by one, read as they are used (a campaign plans 100,000 of them in steps)."""
    return iter(db.query(
        """
        select p.user_id, p.chat_id, s.topics, p.language from subscriptions s join patients p on p.user_id = s.user_id
        where s.status = 'subscribed' and p.status = 'active'
          and (:topic is null or exists (select 1 from json_each(s.topics) where value = :topic))
        order by p.user_id
        """,
        {"topic": audience_topic(audience)},
    ))


def count_recipients(db: Database, audience: str = ALL) -> int:
    """How many patients a campaign to `audience` would reach now."""
    return audience_counts(db, [audience])[audience]


def audience_counts(db: Database, audiences: Sequence[str]) -> dict[str, int]:
    """Recipients now for each audience, from the subscription counts the database keeps (count_subscriptions).

    By topic list (each parsed once), subscribers who blocked the bot left out:
    listing 100,000 recipients per audience held the event loop for most of a
    second at a big clinic, and a pass over the status index still read every
    subscriber's entry.
    """
    counts = dict.fromkeys(audiences, 0)
    topics = {audience: audience_topic(audience) for audience in audiences}

    def add(stored: str, n: int) -> None:
        chosen = set(json.loads(stored))
        for audience, topic in topics.items():
            if topic is None or topic in chosen:
                counts[audience] += n

    for stored, n in db.execute("select topics, n from subscription_counts where status = 'subscribed' "
                                "and not blocked"):
        add(stored, n)
    return counts


def create_campaign(db: Database, clock: Clock, kind: str, audience: str, body: str, created_by: int | None,
                    status: Status = Status.QUEUED) -> int:
    """Record a campaign; return its id."""
    cursor = db.execute(
        "insert into campaigns (kind, status, audience, body, created_by, created_at) values (?, ?, ?, ?, ?, ?)",
        [kind, status.value, audience, body, created_by, to_db(clock.now())],
    )
    return inserted_id(cursor)


def get_campaign(db: Database, campaign_id: int) -> dict[str, Any] | None:
    """A campaign row, or None."""
    return next(db.query("select * from campaigns where id = ?", [campaign_id]), None)


def list_campaigns(db: Database, kind: str | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """The latest campaigns, newest first, with their delivery counts."""
    rows = db.query(
        "select * from campaigns where (:kind is null or kind = :kind) and status != 'draft' "
        "order by id desc limit :limit", {"kind": kind, "limit": limit})
    return [{**row, "counts": delivery_counts(db, row["id"])} for row in rows]


def active_campaigns(db: Database) -> list[dict[str, Any]]:
    """Running, paused and queued campaigns, in the order they will send."""
    return list(db.query(
        "select * from campaigns where status in ('running', 'paused', 'queued') "
        "order by case status when 'running' then 0 when 'paused' then 1 else 2 end, id"))


def delivery_counts(db: Database, campaign_id: int) -> dict[str, int]:
    """Deliveries by status, plus `total`."""
    counts = dict.fromkeys(DELIVERY_STATUSES, 0)
    for row in db.query("select status, count(*) as n from deliveries where campaign_id = ? group by status",
                        [campaign_id]):
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts[s] for s in DELIVERY_STATUSES)
    return counts


def set_progress_message(db: Database, campaign_id: int, chat_id: int, message_id: int) -> None:
    """Remember which staff message shows this campaign's progress."""
    db.execute("update campaigns set progress_chat_id = ?, progress_message_id = ? where id = ?",
               [chat_id, message_id, campaign_id])


def queue_draft(db: Database, campaign_id: int) -> bool:
    """Move a draft to the queue; False if it is not a draft any more (a second press)."""
    return bool(db.execute("update campaigns set status = 'queued' where id = ? and status = 'draft'",
                           [campaign_id]).rowcount)


def resume(db: Database, campaign_id: int) -> bool:
    """Queue a paused campaign again; False if it is not paused."""
    return bool(db.execute("update campaigns set status = 'queued', pause_reason = '' "
                           "where id = ? and status = 'paused'", [campaign_id]).rowcount)


def resend_uncertain(db: Database, clock: Clock, campaign_id: int) -> int:
    """Staff chose to resend the uncertain deliveries: make them pending and the campaign run again; how many."""
    with db.atomic():
        count = db.execute("update deliveries set status = 'pending', updated_at = ? "
                           "where campaign_id = ? and status = 'uncertain'",
                           [to_db(clock.now()), campaign_id]).rowcount
        if count:  # 'running', not 'queued': a queued campaign is planned again and would add new recipients
            db.execute("update campaigns set status = 'running', pause_reason = '', finished_at = null "
                       "where id = ? and status in ('done', 'paused')", [campaign_id])
    return count


def cancel(db: Database, clock: Clock, campaign_id: int) -> bool:
    """Cancel a queued, paused or draft campaign outright (a running one is cancelled by the engine)."""
    with db.atomic():
        changed = db.execute(
            "update campaigns set status = 'cancelled', finished_at = ? "
            "where id = ? and status in ('queued', 'paused', 'draft')",
            [to_db(clock.now()), campaign_id]).rowcount
        if changed:
            db.execute("update deliveries set status = 'skipped' where campaign_id = ? and status = 'pending'",
                       [campaign_id])
    return bool(changed)


class SqliteStore:
    """The engine's store on the wellbot database."""

    def __init__(self, db: Database, clock: Clock, planners: dict[str, Planner],
                 on_blocked: Sequence[BlockedListener] = (), owner: str | None = None) -> None:
        self.db = db
        # The worker's lease id (a fresh one if not given): rows it marks 'sending' carry it, and only
        # it may record their outcome.
        self.owner = owner if owner is not None else Worker.this_process().id
        self.clock = clock
        self.planners = planners
        self.on_blocked = on_blocked  # the features' declared on_patient_blocked hooks

    def _now(self) -> str:
        return to_db(self.clock.now())

    async def prepare_next(self) -> None:
        """Start the oldest queued campaign (if none is running) in short steps, yielding to the loop between them.

        The plan is read and rendered in full before any row is written (a
        broken digest template pauses the campaign and writes nothing); rows
        are then written PLAN_STEP at a time while the campaign stays queued,
        and it turns running in a last short transaction. A crash part-way
        leaves it queued: planning again adds only the missing rows (`insert
        or ignore`). A campaign cancelled meanwhile keeps no pending row.
        """
        if next(self.db.query("select id from campaigns where status = 'running' limit 1"), None) is not None:
            return
        while (row := next(self.db.query("select * from campaigns where status = 'queued' order by id limit 1"),
                               None)) is not None:
            try:
                planned = []
                steps = iter(self.planners[row["kind"]](self.db, row))
                while step := list(islice(steps, PLAN_STEP)):
                    planned.extend(step)
                    await asyncio.sleep(0)
            except Exception as exc:  # a broken digest template: pause it, tell staff, send nothing
                log.error("campaign could not be planned campaign_id=%s error=%s", row["id"], type(exc).__name__)
                self.finish(row["id"], Status.PAUSED, f"could not prepare the messages: {exc}"[:300])
                continue
            for start in range(0, len(planned), PLAN_STEP):
                self._write_planned(row["id"], planned[start:start + PLAN_STEP])
                await asyncio.sleep(0)
            now = self._now()
            with self.db.atomic():
                started = self.db.execute(
                    "update campaigns set status = 'running', started_at = coalesce(started_at, ?) "
                    "where id = ? and status = 'queued'", [now, row["id"]]).rowcount
                if not started:  # cancelled (or paused) while its rows were written
                    self.db.execute("update deliveries set status = 'skipped', updated_at = ? where campaign_id = ? "
                                    "and status = 'pending'", [now, row["id"]])
            if started:
                return

    def _write_planned(self, campaign_id: int, planned: list[Planned]) -> None:
        """Write one step of delivery rows (a row already there is kept as it is)."""
        now = self._now()
        with self.db.atomic():
            self.db.conn.executemany(
                "insert or ignore into deliveries (campaign_id, user_id, chat_id, payload, item_ids, updated_at) "
                "values (?, ?, ?, ?, ?, ?)",
                [(campaign_id, p.user_id, p.chat_id, p.payload, json.dumps(list(p.item_ids)), now) for p in planned],
            )

    def busy(self) -> bool:
        """True while another process is known to hold the write lock (the engine waits instead of writing)."""
        return locked(self.db)

    async def wait_unlocked(self) -> None:
        """Wait, off the loop, until the write lock was free for a moment."""
        await wait_while_busy(self.db)

    def next_campaign(self) -> Campaign | None:
        """The running campaign (resumed after a restart), else the oldest queued one, started."""
        row = next(self.db.query("select * from campaigns where status = 'running' order by id limit 1"), None)
        if row is not None:
            # Only the lease holder gets here, so rows another worker left 'sending' are a crash's (or a
            # fenced-off worker's): they may have arrived and are never resent.
            uncertain = self.db.execute(
                "update deliveries set status = 'uncertain', updated_at = ? where campaign_id = ? "
                "and status = 'sending' and sent_by != ?", [self._now(), row["id"], self.owner]).rowcount
            if uncertain:
                log.warning("resuming after a crash: %s deliveries may or may not have arrived campaign_id=%s",
                            uncertain, row["id"])
            return Campaign(row["id"], row["kind"], row["status"])
        while (row := next(self.db.query("select * from campaigns where status = 'queued' order by id limit 1"),
                                None)) is not None:
            try:
                planned = list(self.planners[row["kind"]](self.db, row))  # rendered before any row is written
            except Exception as exc:  # a broken digest template: pause it, tell staff, send nothing
                log.error("campaign could not be planned campaign_id=%s error=%s", row["id"], type(exc).__name__)
                self.finish(row["id"], Status.PAUSED, f"could not prepare the messages: {exc}"[:300])
                continue
            campaign = self._start(row, planned)
            if campaign is not None:
                return campaign
        return None

    def _start(self, row: dict[str, Any], planned: list[Planned]) -> Campaign | None:
        """Mark the campaign running and write every delivery row, in one transaction; None if not queued now."""
        now = self._now()
        with self.db.atomic():
            if not self.db.execute("update campaigns set status = 'running', started_at = coalesce(started_at, ?) "
                                   "where id = ? and status = 'queued'", [now, row["id"]]).rowcount:
                return None  # cancelled (or started elsewhere) while it was being planned
            self.db.conn.executemany(
                "insert or ignore into deliveries (campaign_id, user_id, chat_id, payload, item_ids, updated_at) "
                "values (?, ?, ?, ?, ?, ?)",
                [(row["id"], p.user_id, p.chat_id, p.payload, json.dumps(list(p.item_ids)), now) for p in planned],
            )
        return Campaign(row["id"], row["kind"], Status.RUNNING.value)

    def next_batch(self, campaign_id: int, after_id: int, limit: int) -> list[Delivery]:
        """Pending deliveries after `after_id`; recipients who left since the start are skipped."""
        rows = list(self.db.query(
            """
            select d.id, d.user_id, d.chat_id, d.attempts, coalesce(p.language, '') as language,
                   case when d.payload != '' then d.payload else coalesce(t.body, c.body) end as text,
                   (s.status = 'subscribed' and p.status = 'active') as eligible
            from deliveries d join campaigns c on c.id = d.campaign_id
            left join subscriptions s on s.user_id = d.user_id
            left join patients p on p.user_id = d.user_id
            -- a broadcast's version in the recipient's language, if staff wrote one; else the default text
            left join campaign_texts t on t.campaign_id = c.id and t.language = p.language
            where d.campaign_id = ? and d.id > ? and d.status = 'pending'
            order by d.id limit ?
            """,
            [campaign_id, after_id, limit],
        ))
        gone = [(self._now(), row["id"]) for row in rows if not row["eligible"]]
        if gone:
            self.db.conn.executemany("update deliveries set status = 'skipped', updated_at = ? where id = ?", gone)
        return [Delivery(row["id"], campaign_id, row["user_id"], row["chat_id"], row["text"], row["attempts"],
                         row["language"]) for row in rows if row["eligible"]]

    def mark_sending(self, delivery_ids: list[int]) -> set[int]:
        """Committed before the pushes: after a crash these rows are never pushed again. Returns the rows marked.

        A compare-and-set on 'pending': a row another worker marked (or a
        staff cancel skipped) meanwhile is left alone and must not be pushed.
        """
        now = self._now()
        marked = set()
        with self.db.atomic():
            for delivery_id in delivery_ids:
                if self.db.execute(
                        "update deliveries set status = 'sending', attempts = attempts + 1, updated_at = ?, "
                        "sent_by = ? where id = ? and status = 'pending'",
                        [now, self.owner, delivery_id]).rowcount:
                    marked.add(delivery_id)
        return marked

    def release(self, delivery_ids: list[int]) -> None:
        """Rows marked 'sending' that were never pushed (the run ended first): pending again, attempt undone."""
        with self.db.atomic():
            self.db.conn.executemany(
                "update deliveries set status = 'pending', attempts = max(0, attempts - 1), updated_at = ? "
                "where id = ? and status = 'sending' and sent_by = ?",
                [(self._now(), delivery_id, self.owner) for delivery_id in delivery_ids])

    def record(self, outcomes: list[Recorded]) -> None:
        """Write a group of outcomes in one transaction; sent items count as received; blocks mark patients."""
        now = self._now()
        with self.db.atomic():
            cursor = self.db.conn.executemany(
                "update deliveries set status = ?, error = ?, message_id = coalesce(?, message_id), updated_at = ? "
                "where id = ? and status = 'sending' and sent_by = ?",  # compare-and-set: still ours, still sending
                [(o.status, o.error[:200], o.message_id, now, o.delivery.id, self.owner) for o in outcomes])
            if cursor.rowcount != len(outcomes):
                log.warning("outcomes not recorded for %s deliveries: another worker took them over",
                            len(outcomes) - cursor.rowcount)
            self.db.conn.executemany(
                "insert or ignore into news_received (user_id, item_id, campaign_id, received_at) "
                "select d.user_id, j.value, d.campaign_id, ? from deliveries d, json_each(d.item_ids) j "
                "where d.id = ? and d.item_ids != '[]' and j.value in (select id from news_items)",
                [(now, o.delivery.id) for o in outcomes if o.status == "sent"])
            for o in outcomes:
                if o.status == "blocked":
                    patients.mark_blocked(self.db, self.clock, o.delivery.user_id, "newsletter", self.on_blocked)

    def finish(self, campaign_id: int, status: Status, reason: str = "") -> None:
        """Record how the campaign ended (or why it paused)."""
        finished = None if status is Status.PAUSED else self._now()
        with self.db.atomic():
            self.db.execute("update campaigns set status = ?, pause_reason = ?, finished_at = ? where id = ?",
                            [status.value, reason, finished, campaign_id])
            if status is Status.CANCELLED:
                self.db.execute("update deliveries set status = 'skipped', updated_at = ? "
                                "where campaign_id = ? and status = 'pending'", [self._now(), campaign_id])

    def counts(self, campaign_id: int) -> dict[str, int]:
        """Deliveries by status."""
        return delivery_counts(self.db, campaign_id)


def purge_deliveries(db: Database, cutoff: datetime) -> int:
    """Delete delivery rows of finished campaigns last touched before `cutoff`; return how many."""
    return db.execute(
        "delete from deliveries where updated_at < ? and campaign_id in "
        "(select id from campaigns where status in ('done', 'cancelled'))", [to_db(cutoff)]).rowcount


def export_deliveries(db: Database, user_id: int) -> dict[str, Any]:
    """What the newsletter holds about one patient: what was sent to them and when."""
    rows = db.query(
        "select c.kind, c.id as campaign_id, d.status, d.updated_at from deliveries d "
        "join campaigns c on c.id = d.campaign_id where d.user_id = ? order by d.id", [user_id])
    received = db.query("select item_id, received_at from news_received where user_id = ? order by item_id",
                        [user_id])
    return {"deliveries": list(rows), "news_received": list(received)}


def erase_deliveries(db: Database, user_id: int, now: datetime) -> None:
    """Forget a patient's delivery rows (and stop any pending send to them)."""
    db.execute("delete from deliveries where user_id = ?", [user_id])
    db.execute("delete from news_received where user_id = ?", [user_id])


def set_campaign_text(db: Database, campaign_id: int, language: str, body: str) -> None:
    """A broadcast's text in one more language (recipients of that language get it instead of the default)."""
    db.execute("insert into campaign_texts (campaign_id, language, body) values (?, ?, ?) "
               "on conflict(campaign_id, language) do update set body = excluded.body", [campaign_id, language, body])


def campaign_languages(db: Database, campaign_id: int) -> list[str]:
    """The languages a broadcast has a version in, besides the default."""
    return [row["language"] for row in db.query(
        "select language from campaign_texts where campaign_id = ? order by language", [campaign_id])]
