"""What operators watch: Prometheus metrics and the worker's health, with no Telegram imports.

One `Monitor` per running bot, with its own registry (tests run many bots in
one process). The bot layer feeds it events as they happen (an update
handled, a send's outcome); `refresh` reads the database on the worker's
event loop every few seconds for what is best counted there (queue depths,
reminder lateness, campaign progress, the lease) and re-evaluates health.
The HTTP thread only reads the last snapshot, so a blocked event loop shows
up as a stale snapshot, never as a thread touching the loop's database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlite_utils import Database

from wellbot.core.clock import from_db, to_db
from wellbot.core.lease_view import LeaseView, read_lease

POLLING = "polling"
REFRESH_SECONDS = 10.0  # how often the loop re-reads the database for gauges and health
STALE_SNAPSHOT = 3 * REFRESH_SECONDS  # no refresh for this long: the event loop is stuck
POLL_STALE_AFTER = timedelta(minutes=2)  # same as `wellbot status`: a healthy long poll returns every ~10 s
LATENESS_WINDOW = timedelta(days=1)  # reminders sent later than this are not looked for (grace is minutes)
SEND_OUTCOMES = ("ok", "429", "403", "400", "5xx", "network")
# Handling times of a chat bot: most updates take milliseconds, a slow disk or Telegram can take seconds.
UPDATE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LATENESS_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0)
LOOP_LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)  # issue 22: nothing may hold it 50 ms


@dataclass(frozen=True)
class Health:
    """The verdict /healthz serves: healthy or not, and why."""

    ok: bool
    reasons: tuple[str, ...]
    checked_at: float  # time.monotonic() of the evaluation

    def as_json(self, now: float) -> dict[str, object]:
        """The /healthz body; a snapshot older than STALE_SNAPSHOT is itself a failure."""
        reasons = list(self.reasons)
        if now - self.checked_at > STALE_SNAPSHOT:
            reasons.append(f"no health refresh for {now - self.checked_at:.0f}s: the event loop is stuck")
        return {"healthy": not reasons, "reasons": reasons}


@dataclass(frozen=True)
class WebhookView:
    """Telegram's getWebhookInfo, as much of it as health and metrics use."""

    url: str
    pending_update_count: int
    last_error_date: int | None = None  # Unix seconds
    last_error_message: str | None = None

    @classmethod
    def from_api(cls, info: dict[str, object]) -> WebhookView:
        """From the getWebhookInfo result object."""
        error_date = info.get("last_error_date")
        return cls(url=str(info.get("url") or ""), pending_update_count=int(str(info.get("pending_update_count", 0))),
                   last_error_date=int(str(error_date)) if error_date else None,
                   last_error_message=str(info["last_error_message"]) if info.get("last_error_message") else None)


@dataclass
class WorkerView:
    """What the bot layer knows and the database does not: mode, receiver, lease id, Telegram's view."""

    mode: str = POLLING
    worker_id: str | None = None
    receiving: bool = False  # the poller or the webhook server is running
    last_update: float | None = None  # Unix seconds of the last update handled
    webhook: WebhookView | None = None


def evaluate(view: WorkerView, lease: LeaseView, last_poll: datetime | None, now: datetime) -> tuple[str, ...]:
    """Why the worker is unhealthy (empty: healthy): it must receive updates and hold its lease."""
    reasons = []
    if not view.receiving:
        reasons.append(f"not receiving updates ({view.mode} is not running)")
    if view.mode == POLLING:
        if last_poll is None:
            reasons.append("no successful poll of Telegram yet")
        elif now - last_poll > POLL_STALE_AFTER:
            reasons.append(f"last successful poll {to_db(last_poll)}: Telegram or the network is unreachable")
    elif view.webhook is not None and (view.webhook.last_error_date or 0) > (view.last_update or 0):
        # Telegram failed to deliver after the last update that did arrive: a broken proxy or TLS.
        reasons.append(f"Telegram cannot deliver to the webhook: {view.webhook.last_error_message or 'error'} "
                       f"({view.webhook.pending_update_count} updates waiting)")
    if not lease.held_by(view.worker_id):
        holder = lease.holder if lease.live else "nobody"
        reasons.append(f"this worker does not hold the lease (held by {holder})")
    return tuple(reasons)


@dataclass
class Monitor:
    """The registry and every metric, plus the latest health snapshot."""

    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))
    view: WorkerView = field(default_factory=WorkerView)
    wall: Callable[[], float] = time.time  # the lease's clock (Unix seconds), not the clinic's

    def __post_init__(self) -> None:
        r = self.registry
        self.updates = Counter("wellbot_updates_handled", "Telegram updates handled", registry=r)
        self.update_seconds = Histogram("wellbot_update_handling_seconds", "Time to handle one update",
                                        buckets=UPDATE_BUCKETS, registry=r)
        self.sends = Counter("wellbot_sends", "Bot API send requests by outcome", ["outcome"], registry=r)
        # Every outcome is exported from the start, at 0; the children are kept because a paid
        # broadcast counts 1,000 sends a second and labels() looks each one up under a lock.
        self._send_counts = {outcome: self.sends.labels(outcome) for outcome in SEND_OUTCOMES}
        self.lateness = Histogram("wellbot_reminder_lateness_seconds", "How late each reminder was sent",
                                  buckets=LATENESS_BUCKETS, registry=r)
        self.overdue = Gauge("wellbot_reminder_overdue_seconds", "Age of the oldest due reminder not yet sent",
                             registry=r)
        self.queue = Gauge("wellbot_queue_depth", "Work waiting, by queue", ["queue"], registry=r)
        self.campaign = Gauge("wellbot_campaign_deliveries", "Deliveries of unfinished campaigns by status",
                              ["campaign_id", "kind", "campaign_status", "status"], registry=r)
        self.lease_held = Gauge("wellbot_lease_held", "1 if this worker holds the lease", registry=r)
        self.lease_holder = Gauge("wellbot_lease_holder", "1 for the worker id holding the lease", ["worker"],
                                  registry=r)
        self.telegram_pending = Gauge("wellbot_telegram_pending_updates",
                                      "Updates Telegram holds for the bot (getWebhookInfo)", registry=r)
        self.telegram_error = Gauge("wellbot_telegram_webhook_last_error_timestamp_seconds",
                                    "When Telegram last failed to deliver to the webhook (0: never)", registry=r)
        self.healthy = Gauge("wellbot_healthy", "1 when /healthz answers 200", registry=r)
        self.loop_lag = Histogram("wellbot_event_loop_lag_seconds",
                                  "How late the event loop's lag tick woke: the time something held the loop",
                                  buckets=LOOP_LAG_BUCKETS, registry=r)
        self._lock = threading.Lock()
        self._health = Health(False, ("starting",), time.monotonic())
        self._lateness_since: datetime | None = None

    # --- events from the bot layer -----------------------------------------------------------
    def update_handled(self, seconds: float) -> None:
        """One update went through every handler."""
        self.updates.inc()
        self.update_seconds.observe(seconds)
        self.view.last_update = self.wall()

    def sent(self, outcome: str) -> None:
        """One send request came back with `outcome` (one of SEND_OUTCOMES)."""
        counter = self._send_counts.get(outcome)
        (counter if counter is not None else self.sends.labels(outcome)).inc()

    def webhook_info(self, info: WebhookView) -> None:
        """Telegram's own view of the bot's updates."""
        self.view.webhook = info
        self.telegram_pending.set(info.pending_update_count)
        self.telegram_error.set(info.last_error_date or 0)

    # --- the loop's periodic read ------------------------------------------------------------
    def refresh(self, db: Database, now: datetime, extra_queues: dict[str, int] | None = None) -> Health:
        """Re-read the database for gauges and re-evaluate health; return the new snapshot."""
        self._reminders(db, now)
        self._campaigns(db)
        for name, depth in (extra_queues or {}).items():
            self.queue.labels(name).set(depth)
        lease = read_lease(db, self.wall())
        self._lease(lease)
        health = Health(False, evaluate(self.view, lease, last_poll(db), now), time.monotonic())
        health = Health(not health.reasons, health.reasons, health.checked_at)
        self.healthy.set(1 if health.ok else 0)
        with self._lock:
            self._health = health
        return health

    def health(self) -> dict[str, object]:
        """The latest snapshot as /healthz's body (the HTTP thread calls this)."""
        with self._lock:
            health = self._health
        return health.as_json(time.monotonic())

    def _reminders(self, db: Database, now: datetime) -> None:
        if not db["reminders"].exists():
            return
        stamp = to_db(now)
        due, oldest = db.execute("select count(*), min(due_at) from reminders where status = 'pending' "
                                 "and due_at <= ?", [stamp]).fetchone()
        self.queue.labels("reminders_due").set(due)
        self.queue.labels("reminders_pending").set(
            db.execute("select count(*) from reminders where status = 'pending'").fetchone()[0])
        self.overdue.set((now - from_db(oldest)).total_seconds() if oldest else 0)
        since = self._lateness_since or now - LATENESS_WINDOW
        rows = db.execute("select due_at, sent_at from reminders where status = 'sent' and due_at >= ? "
                          "and sent_at > ? and sent_at <= ?",
                          [to_db(since - LATENESS_WINDOW), to_db(since), stamp]).fetchall()
        for due_at, sent_at in rows:
            self.lateness.observe(max(0.0, (from_db(sent_at) - from_db(due_at)).total_seconds()))
        self._lateness_since = now

    def _campaigns(self, db: Database) -> None:
        if not db["deliveries"].exists():
            return
        self.campaign.clear()
        waiting = 0
        unfinished = db.execute("select id, kind, status from campaigns "
                                "where status in ('queued', 'running', 'paused')").fetchall()
        for campaign_id, kind, campaign_status in unfinished:
            # One campaign at a time, in deliveries_by_status order: grouping the join by (campaign, status)
            # sorted every row first, and held the loop 108-193 ms each refresh during a 100,000-recipient
            # broadcast (benchmarks/README.md, paid broadcast).
            for status, count in db.execute("select status, count(*) from deliveries where campaign_id = ? "
                                            "group by status", [campaign_id]):
                self.campaign.labels(str(campaign_id), kind, campaign_status, status).set(count)
                waiting += count if status in ("pending", "sending") else 0
        self.queue.labels("campaign_deliveries").set(waiting)

    def _lease(self, lease: LeaseView) -> None:
        self.lease_held.set(1 if lease.held_by(self.view.worker_id) else 0)
        self.lease_holder.clear()
        if lease.live and lease.holder:
            self.lease_holder.labels(lease.holder).set(1)


def last_poll(db: Database) -> datetime | None:
    """When the worker last polled Telegram successfully (worker_state, written by the heartbeat)."""
    if not db["worker_state"].exists():
        return None
    row = db.execute("select updated_at from worker_state where key = 'last_poll'").fetchone()
    return from_db(row[0]) if row else None
