"""The delivery engine: one paced, resumable sender for every bulk send.

Modelled on listmonk's manager: the sender sees a narrow store
(`next_campaign`, `next_batch`, `mark_sending`, `record`) and a messenger (`push`), and keeps
pacing, retries and the error threshold here, in one place. No Telegram
imports: the messenger adapter maps Bot API errors to `Outcome`s.

Guarantees:
- every (campaign, recipient) has a delivery row before its send; the row is
  marked `sending` (committed) before the push and `sent`/`blocked`/`failed`
  after (outcomes are written in small groups, one commit each), so a
  resumed campaign never pushes a row it may have pushed before. At high
  rates a few rows about to go are marked in one commit (`mark_ahead`);
  rows marked but not pushed when a run ends are released to `pending`;
- global pacing at `rate` messages per second, on the bot's one send budget
  (wellbot.core.budget: replies and reminders go first) by fixed spacing on a grid (a
  token bucket of depth one: bursts are what make a strict server answer
  429), never more than Telegram's 30 in any 1.02 s when aiming under it,
  and at most one message per chat per `per_chat_interval`;
- a 429 pauses every send for `retry_after`, and the refused delivery is
  retried (not counted as a failure);
- network errors and 5xx are retried with exponential backoff a bounded
  number of times; past the error threshold the campaign pauses and staff
  are told why;
- a push that may have arrived (the request was written, but its answer
  timed out) is `uncertain`: never resent by the engine, shown to staff apart
  from failures, resent only if staff ask for it;
- a campaign may be held (a digest in the clinic's quiet hours): the engine
  lets the pushes in flight finish, releases rows marked ahead, and sends
  nothing more until the hold ends, then carries on where it stopped;
- a graceful stop finishes the pushes in flight; a hard crash can leave rows
  in `sending` (those in flight and at most `mark_ahead` marked ahead), which
  are marked `uncertain` and not resent (Telegram has no
  idempotency key: we prefer a rare missing copy to a duplicate).
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from wellbot.core.budget import CATCH_UP, PER_CHAT_INTERVAL, Pacer
from wellbot.core.db import is_busy
from wellbot.core.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_RATE = 29.5  # messages/s for everything the bot sends: under Telegram's 30/s, its 1 s window guarded
PAID_RATE = 900.0  # with allow_paid_broadcast Telegram allows up to 1000/s
MAX_ATTEMPTS = 4  # pushes per delivery for network errors and 5xx, then it fails
BACKOFF_BASE = 0.5  # seconds before the first retry; doubles each time
BACKOFF_MAX = 30.0
ERROR_THRESHOLD = 20  # failed deliveries in one run before the campaign pauses
CONSECUTIVE_ERROR_LIMIT = 10  # transient errors in a row: the API is down, stop hammering it
MAX_IN_FLIGHT = 8  # concurrent pushes: at 29/s this hides up to ~0.27 s of network latency
LATENCY_ALLOWANCE = 0.3  # seconds of Bot API latency the in-flight bound should cover at the set rate
IN_FLIGHT_BOUNDS = (4, 32)  # each push in flight holds a connection of its own (wellbot.bot.lanes)
BATCH_SIZE = 200
MARK_HORIZON = 0.05  # seconds of sends whose 'sending' marks may share one commit...
MARK_AHEAD_MAX = 16  # ...but never more rows than this (a crash leaves them 'uncertain')
FLUSH_SIZE = 64  # outcomes written per commit at most...
FLUSH_INTERVAL = 0.25  # ...and at least this often (seconds)
MAX_RATE = 1000.0  # Telegram's paid-broadcast ceiling; nothing faster makes sense
RATE_SETTING = "WELLBOT_SEND_RATE"
PAID_SETTING = "WELLBOT_PAID_BROADCAST"
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("", "0", "false", "no", "off")
# Above Telegram's 30/s (paid broadcast) a slot may be made up this late: at 1 ms a slot, a worker
# preempted for a few ms on a busy machine lost those slots for good (benchmarks/README.md, paid
# broadcast). A 1 s window then holds at most rate * 1.02 sends, and only just after a stall.
PAID_CATCH_UP = 0.02
TELEGRAM_LIMIT = 30  # sends per second Telegram allows a bot without paid broadcast
IDLE_STEP = 0.01  # seconds between looks while waiting for retries or pushes in flight
BUSY_STEP = 0.05  # seconds before a write refused on a locked database is tried again (off the loop)
HOLD_STEP = 30.0  # seconds between looks at a held campaign's hold (stop and cancel are seen at once)


class Outcome(Enum):
    """What one push came to."""

    SENT = "sent"
    BLOCKED = "blocked"  # 403 or chat not found: the recipient is gone
    RETRY_AFTER = "retry_after"  # 429: everybody waits
    TRANSIENT = "transient"  # network error or 5xx: retry with backoff
    FAILED = "failed"  # the message itself was refused (400): retrying will not help
    UNCERTAIN = "uncertain"  # sent, but no answer came (a timeout after the request was written): never resent


class Status(Enum):
    """Campaign states; the store persists them."""

    DRAFT = "draft"
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PushResult:
    """The messenger's answer for one delivery."""

    outcome: Outcome
    retry_after: float = 0.0
    error: str = ""
    message_id: int | None = None


@dataclass(frozen=True)
class Delivery:
    """One message to one recipient, as the store hands it out."""

    id: int
    campaign_id: int
    user_id: int
    chat_id: int
    text: str
    attempts: int = 0
    language: str = ""  # the recipient's language (its buttons' labels); "": the clinic's default


@dataclass(frozen=True)
class Campaign:
    """The campaign the engine is working on."""

    id: int
    kind: str
    status: str


@dataclass(frozen=True)
class Recorded:
    """A push's outcome as the store writes it: status sent, blocked, failed or pending (to retry)."""

    delivery: Delivery
    status: str
    error: str = ""
    message_id: int | None = None


class Store(Protocol):
    """Where campaigns and delivery rows live (SQLite in production)."""

    async def prepare_next(self) -> None: ...
    def next_campaign(self) -> Campaign | None: ...
    def next_batch(self, campaign_id: int, after_id: int, limit: int) -> list[Delivery]: ...
    def mark_sending(self, delivery_ids: list[int]) -> set[int] | None: ...  # the rows marked (None: all)
    def release(self, delivery_ids: list[int]) -> None: ...
    def record(self, outcomes: list[Recorded]) -> None: ...
    def finish(self, campaign_id: int, status: Status, reason: str = "") -> None: ...
    def counts(self, campaign_id: int) -> dict[str, int]: ...


class Messenger(Protocol):
    """Pushes one message; never raises for Bot API errors."""

    async def push(self, delivery: Delivery) -> PushResult: ...


# seconds a campaign must wait before its next send (e.g. quiet hours), 0 when it may send now
Hold = Callable[[Campaign], float]


class Reporter(Protocol):
    """Tells staff how a campaign goes; failures here never stop a send."""

    async def progress(self, campaign: Campaign, counts: dict[str, int], rate: float) -> None: ...
    async def finished(self, campaign: Campaign, counts: dict[str, int], status: Status, reason: str) -> None: ...


def backoff(attempts: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_MAX) -> float:
    """Seconds to wait before retry number `attempts` (1-based): base, 2*base, 4*base... capped."""
    delay: float = base * 2 ** max(0, attempts - 1)  # typeshed says Any: int ** int may be a float
    return min(cap, delay)


@dataclass
class EngineConfig:
    """Tunables; tests and benchmarks change them, production uses the settings."""

    rate: float = DEFAULT_RATE
    per_chat_interval: float = PER_CHAT_INTERVAL
    max_attempts: int = MAX_ATTEMPTS
    backoff_base: float = BACKOFF_BASE
    error_threshold: int = ERROR_THRESHOLD
    consecutive_error_limit: int = CONSECUTIVE_ERROR_LIMIT
    max_in_flight: int = MAX_IN_FLIGHT
    batch_size: int = BATCH_SIZE
    progress_every: float = 3.0  # seconds between progress reports
    window_limit: int | None = None  # TELEGRAM_LIMIT when aiming under it (see config_for)
    catch_up: float = CATCH_UP  # seconds a late slot may be made up (PAID_CATCH_UP above TELEGRAM_LIMIT)
    mark_ahead: int = 1  # rows marked 'sending' per commit at most (see mark_ahead_for)


def engine_config(extra: Mapping[str, str]) -> tuple[EngineConfig, bool]:
    """The engine's settings from the environment: (config, paid broadcast on?); ConfigError if malformed."""
    paid_text = extra.get(PAID_SETTING, "").strip().lower()
    if paid_text not in TRUE_WORDS + FALSE_WORDS:
        raise ConfigError(PAID_SETTING, f"{paid_text!r} is not on or off")
    paid = paid_text in TRUE_WORDS
    rate_text = extra.get(RATE_SETTING, "").strip()
    if not rate_text:
        rate = PAID_RATE if paid else DEFAULT_RATE
        return config_for(rate, paid), paid
    try:
        rate = float(rate_text)
    except ValueError:
        raise ConfigError(RATE_SETTING, f"{rate_text!r} is not a number of messages per second") from None
    if not 0 < rate <= MAX_RATE:
        raise ConfigError(RATE_SETTING, f"must be more than 0 and at most {MAX_RATE:g} messages per second")
    return config_for(rate, paid), paid


def config_for(rate: float, paid: bool = False) -> EngineConfig:
    """The engine's tunables for a send rate: the in-flight bound, and Telegram's window unless paid or above it."""
    guard = not paid and rate <= TELEGRAM_LIMIT  # above it the operator points at a server with other limits
    return EngineConfig(rate=rate, max_in_flight=in_flight_for(rate), window_limit=TELEGRAM_LIMIT if guard else None,
                        mark_ahead=mark_ahead_for(rate), catch_up=CATCH_UP if rate <= TELEGRAM_LIMIT else PAID_CATCH_UP)


def mark_ahead_for(rate: float) -> int:
    """Rows to mark 'sending' in one commit: the sends due within MARK_HORIZON, 1 to MARK_AHEAD_MAX.

    At 29/s that is 1 (each row is marked just before its push); only at
    paid-broadcast rates do the commits cost more than the pushes.
    """
    return max(1, min(MARK_AHEAD_MAX, math.floor(rate * MARK_HORIZON)))


def in_flight_for(rate: float) -> int:
    """Pushes in flight that keep `rate` up with LATENCY_ALLOWANCE of latency, within IN_FLIGHT_BOUNDS."""
    low, high = IN_FLIGHT_BOUNDS
    return max(low, min(high, math.ceil(rate * LATENCY_ALLOWANCE)))


@dataclass
class _Run:
    """Bookkeeping for one campaign run."""

    campaign: Campaign
    after_id: int = 0
    batch: list[Delivery] = field(default_factory=list)
    ahead: deque[Delivery] = field(default_factory=deque)  # marked 'sending', next to go
    marked: set[int] = field(default_factory=set)  # delivery ids marked 'sending' but not pushed yet
    exhausted: bool = False
    retries: list[tuple[float, int, Delivery]] = field(default_factory=list)  # (due, seq, delivery) heap
    in_flight: set[asyncio.Task[None]] = field(default_factory=set)
    failures: int = 0
    consecutive_errors: int = 0
    pause_reason: str = ""
    seq: int = 0
    sent: int = 0
    started: float = 0.0
    report_task: asyncio.Task[None] | None = None
    outcomes: list[Recorded] = field(default_factory=list)  # not yet written
    buffered: set[int] = field(default_factory=set)  # delivery ids among them
    last_flush: float = 0.0
    sends: dict[int, list[float]] = field(default_factory=dict)  # delivery id -> the pacer's record of its send


class Engine:
    """Sends queued campaigns one at a time, forever, until stopped."""

    def __init__(self, store: Store, messenger: Messenger, reporter: Reporter | None = None,
                 config: EngineConfig | None = None, *, now: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, hold: Hold | None = None,
                 pacer: Pacer | None = None) -> None:
        self.store = store
        self.hold = hold
        self.messenger = messenger
        self.reporter = reporter
        self.config = config or EngineConfig()
        self.now = now
        self.sleep = sleep
        # The bot's one send budget (wellbot.core.budget) when given: replies and reminders take its
        # slots first, and a 429 from any of them pauses this engine too.
        self.pacer = pacer or Pacer(self.config.rate, self.config.per_chat_interval, now, self.config.window_limit,
                                    self.config.catch_up)
        self._wake = asyncio.Event()
        self._stopping = False
        self._cancelled: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self.current: _Run | None = None

    # --- control -----------------------------------------------------------
    def start(self) -> None:
        """Run in the background (resuming whatever the store says is running or queued)."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="newsletter-engine")

    def wake(self) -> None:
        """A campaign was queued or resumed: look at the store again."""
        self._wake.set()

    def cancel(self, campaign_id: int) -> None:
        """Stop sending this campaign after the pushes in flight."""
        self._cancelled.add(campaign_id)
        self._wake.set()

    async def stop(self) -> None:
        """Finish the pushes in flight and stop; unsent rows stay pending for the next start."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def run(self) -> None:
        """Send campaigns until stopped; a campaign error is logged and the campaign paused."""
        while not self._stopping:
            try:
                await self.store.prepare_next()  # a big audience is planned in steps, between other work
                campaign = self.store.next_campaign()
            except Exception as exc:
                if not is_busy(exc):
                    raise
                await self._busy_wait("starting the next campaign")
                continue
            if campaign is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                await self.run_campaign(campaign)
            except Exception:  # a bug must not kill the sender for every later campaign
                log.exception("campaign failed campaign_id=%s", campaign.id)
                self.store.finish(campaign.id, Status.PAUSED, "internal error (see the log)")

    # --- one campaign ------------------------------------------------------
    async def run_campaign(self, campaign: Campaign) -> Status | None:
        """Send one campaign to the end, a pause, a cancel or a stop; return its final status."""
        run = _Run(campaign, started=self.now(), last_flush=self.now())
        self.current = run
        log.info("campaign sending campaign_id=%s kind=%s", campaign.id, campaign.kind)
        last_report = self.now()
        while not self._should_leave(run):
            if self._store_busy():
                await self._busy_wait("sending")
                continue
            if len(run.outcomes) >= FLUSH_SIZE or self.now() - run.last_flush >= FLUSH_INTERVAL:
                self._flush(run)
            if (held := self._held(campaign)) > 0:
                await self._sit_out(run, held)
                continue
            free = self.config.max_in_flight - len(run.in_flight)
            if free <= 0:
                await asyncio.wait(run.in_flight, return_when=asyncio.FIRST_COMPLETED)
                continue
            group = await self._next_group(run, free)
            if group is None:
                break
            if not group:
                continue
            if self._held(campaign) > 0:  # the hold began while waiting for the slot: these go after it
                for delivery in group:
                    self._retry_later(run, delivery, 0.0)
                continue
            for delivery in self._mark(run, group):
                run.marked.discard(delivery.id)
                task = asyncio.create_task(self._push(run, delivery))
                run.in_flight.add(task)
                task.add_done_callback(run.in_flight.discard)
            if self.now() - last_report >= self.config.progress_every and not self._reporting(run):
                last_report = self.now()
                # In the background: a slow edit of the staff's progress message must not stall sends.
                self._flush(run)
                run.report_task = asyncio.create_task(self._report_progress(run))
        if run.in_flight:
            await asyncio.gather(*run.in_flight)
        await self._written(lambda: self._flush(run) and self._release(run), "recording outcomes")
        if run.report_task is not None:
            await run.report_task
        self.current = None
        return await self._conclude(run)

    def _held(self, campaign: Campaign) -> float:
        """Seconds this campaign must still wait (quiet hours), 0 if it may send."""
        return self.hold(campaign) if self.hold is not None else 0.0

    async def _sit_out(self, run: _Run, held: float) -> None:
        """Hold the campaign: finish the pushes in flight, release rows marked ahead, wait a step."""
        if run.in_flight:
            log.info("campaign held campaign_id=%s for=%.0fs", run.campaign.id, held)
            await asyncio.gather(*run.in_flight)
        await self._written(lambda: self._flush(run) and self._release(run),  # a crash in a long hold must
                            "holding the campaign")                             # not leave them 'uncertain'
        if not self._should_leave(run):
            await self._hold_wait(min(held, HOLD_STEP))

    async def _hold_wait(self, seconds: float) -> None:
        """Sleep through a hold, but wake at once for a stop or a cancel."""
        self._wake.clear()
        waker = asyncio.ensure_future(self._wake.wait())
        sleeper = asyncio.ensure_future(self.sleep(seconds))
        await asyncio.wait({waker, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        waker.cancel()
        sleeper.cancel()

    def _release(self, run: _Run) -> bool:
        """Rows marked 'sending' but never pushed go back to pending (marked again before a push); False if busy."""
        if run.marked:
            try:
                self.store.release(sorted(run.marked))
            except Exception as exc:
                if not is_busy(exc):
                    raise
                return False
            run.marked.clear()
        return True

    async def _written(self, write: Callable[[], bool], what: str) -> None:
        """Repeat a write until it succeeds, waiting off the loop while the database is locked (False or busy)."""
        while True:
            try:
                if write():
                    return
            except Exception as exc:
                if not is_busy(exc):
                    raise
            await self._busy_wait(what)

    async def _busy_wait(self, what: str) -> None:
        """Another process holds the database's write lock: wait for it off the loop (others are served meanwhile)."""
        log.info("database busy (another process is writing): %s again when it is free", what)
        wait_unlocked = getattr(self.store, "wait_unlocked", None)
        if wait_unlocked is not None:
            await wait_unlocked()
        else:
            await self.sleep(BUSY_STEP)

    def _store_busy(self) -> bool:
        """True while the store knows its database is locked by another process (writing would only wait)."""
        busy = getattr(self.store, "busy", None)
        return bool(busy and busy())

    @staticmethod
    def _reporting(run: _Run) -> bool:
        return run.report_task is not None and not run.report_task.done()

    def _should_leave(self, run: _Run) -> bool:
        return self._stopping or run.campaign.id in self._cancelled or bool(run.pause_reason)

    async def _next_group(self, run: _Run, free: int) -> list[Delivery] | None:
        """Deliveries whose slots have come, up to `free`; [] to look again; None when all is done.

        At 30/s this is one delivery per slot; with no pacing limit it gathers
        several, so their 'sending' marks share one database commit.
        """
        delivery = self._next_ready(run)
        if delivery is None:
            if not run.in_flight and not run.retries and not run.ahead and run.exhausted:
                return None
            await self.sleep(self._idle_time(run))
            return []
        if not await self._wait_for_slot(run, delivery):
            return []
        run.sends[delivery.id] = self.pacer.take(delivery.chat_id)
        group = [delivery]
        while len(group) < free and self.pacer.wait_global() <= 0:
            following = self._next_ready(run)
            if following is None:
                break
            if (chat_wait := self.pacer.wait_chat(following.chat_id)) > 0:
                self._retry_later(run, following, chat_wait)
                continue
            run.sends[following.id] = self.pacer.take(following.chat_id)
            group.append(following)
        return group

    def _mark(self, run: _Run, group: list[Delivery]) -> list[Delivery]:
        """Commit 'sending' for the group's unmarked rows, with up to mark_ahead fresh rows that go next.

        Returns the group's deliveries to push: a row the store did not mark
        (another worker, or a cancel, changed it first) is dropped, unsent.
        """
        unmarked = [delivery for delivery in group if delivery.id not in run.marked]
        if not unmarked:
            return group
        # A retried row's old outcome must land before its new 'sending'; if the database is busy, later.
        if any(delivery.id in run.buffered for delivery in unmarked) and not self._flush(run):
            return self._mark_later(run, group, [])
        extra: list[Delivery] = []
        while len(unmarked) + len(extra) < self.config.mark_ahead and (fresh := self._next_fresh(run)) is not None:
            extra.append(fresh)
        wanted = [delivery.id for delivery in unmarked + extra]
        try:
            marked = self.store.mark_sending(wanted)  # one commit; a compare-and-set on 'pending'
        except Exception as exc:
            if not is_busy(exc):
                raise
            return self._mark_later(run, group, extra)
        taken = set(wanted) if marked is None else set(marked)
        if len(taken) < len(wanted):
            log.warning("campaign_id=%s: %s deliveries were no longer pending; not sent", run.campaign.id,
                        len(wanted) - len(taken))
        run.marked.update(taken)
        run.ahead.extend(delivery for delivery in extra if delivery.id in taken)
        for delivery in group:
            if delivery.id not in taken and delivery.id not in run.marked:
                run.sends.pop(delivery.id, None)
        return [delivery for delivery in group if delivery.id in run.marked]

    def _mark_later(self, run: _Run, group: list[Delivery], extra: list[Delivery]) -> list[Delivery]:
        """The database was locked: nothing is pushed now; the group and the extra rows go again shortly."""
        for delivery in group:
            if delivery.id not in run.marked:
                run.sends.pop(delivery.id, None)
                self._retry_later(run, delivery, BUSY_STEP)
        for delivery in extra:
            self._retry_later(run, delivery, BUSY_STEP)
        return [delivery for delivery in group if delivery.id in run.marked]

    def _next_ready(self, run: _Run) -> Delivery | None:
        """A due retry first, then a row marked ahead, else the next fresh row."""
        if run.retries and run.retries[0][0] <= self.now():
            return heapq.heappop(run.retries)[2]
        if run.ahead:
            return run.ahead.popleft()
        return self._next_fresh(run)

    def _next_fresh(self, run: _Run) -> Delivery | None:
        """The next pending row in id order (fetching a batch when needed), or None."""
        if not run.batch and not run.exhausted:
            try:
                run.batch = self.store.next_batch(run.campaign.id, run.after_id, self.config.batch_size)
            except Exception as exc:
                if not is_busy(exc):
                    raise
                return None  # not exhausted: asked again on the next look
            run.batch.reverse()  # pop() from the end in id order
            if not run.batch:
                run.exhausted = True
        if run.batch:
            delivery = run.batch.pop()
            run.after_id = max(run.after_id, delivery.id)
            return delivery
        return None

    def _idle_time(self, run: _Run) -> float:
        if run.retries:
            return max(0.0, min(IDLE_STEP * 10, run.retries[0][0] - self.now()))
        return IDLE_STEP

    async def _wait_for_slot(self, run: _Run, delivery: Delivery) -> bool:
        """Wait for the global slot; a chat still in its interval is deferred instead of blocking all."""
        chat_wait = self.pacer.wait_chat(delivery.chat_id)
        if chat_wait > max(0.0, self.pacer.wait_global()):
            self._retry_later(run, delivery, chat_wait)
            return False
        while (wait := self.pacer.wait_global()) > 0:
            if self._should_leave(run):
                self._retry_later(run, delivery, 0.0)  # keep it pending; it is not lost
                return False
            await self.sleep(wait)
        return True

    def _retry_later(self, run: _Run, delivery: Delivery, delay: float) -> None:
        run.seq += 1
        heapq.heappush(run.retries, (self.now() + delay, run.seq, delivery))

    async def _push(self, run: _Run, delivery: Delivery) -> None:
        """Push one delivery and note its outcome."""
        try:
            result = await self.messenger.push(delivery)
        except Exception as exc:  # the messenger should not raise; treat it as transient
            log.warning("messenger raised delivery_id=%s error=%s", delivery.id, type(exc).__name__)
            result = PushResult(Outcome.TRANSIENT, error=type(exc).__name__)
        self.pacer.answered(run.sends.pop(delivery.id))
        self._record(run, delivery, result)

    def _note(self, run: _Run, delivery: Delivery, status: str, error: str = "",
              message_id: int | None = None) -> None:
        """Buffer an outcome; they are written in groups (a crash leaves those rows 'sending': never resent)."""
        run.outcomes.append(Recorded(delivery, status, error, message_id))
        run.buffered.add(delivery.id)

    def _flush(self, run: _Run) -> bool:
        """Write the buffered outcomes in one commit (before any pause, stop, finish or progress report)."""
        # A hard crash loses only these unwritten outcomes: their rows are still 'sending', become
        # 'uncertain' on the next start and are never resent, exactly as rows caught in flight.
        if run.outcomes:
            try:
                self.store.record(run.outcomes)
            except Exception as exc:
                if not is_busy(exc):
                    raise
                return False  # still buffered: written on a later look
            run.outcomes = []
            run.buffered = set()
        run.last_flush = self.now()
        return True

    def _record(self, run: _Run, delivery: Delivery, result: PushResult) -> None:
        attempts = delivery.attempts + 1
        outcome = result.outcome
        if outcome is Outcome.SENT:
            self._note(run, delivery, "sent", message_id=result.message_id)
            run.sent += 1
            run.consecutive_errors = 0
        elif outcome is Outcome.BLOCKED:
            self._note(run, delivery, "blocked", result.error)
            run.consecutive_errors = 0
        elif outcome is Outcome.UNCERTAIN:
            run.consecutive_errors += 1  # counts towards "the API is down", never towards a resend
            self._note(run, delivery, "uncertain", result.error)
            self._check_threshold(run)
        elif outcome is Outcome.RETRY_AFTER:
            log.warning("429 from Telegram: pausing every send retry_after=%.1f", result.retry_after)
            self.pacer.pause(result.retry_after)
            self._note(run, delivery, "pending", "429")
            self._retry_later(run, delivery, 0.0)  # same attempt count: a 429 is our pacing, not its fault
        elif outcome is Outcome.TRANSIENT and attempts < self.config.max_attempts:
            run.consecutive_errors += 1
            self._note(run, delivery, "pending", result.error)
            retry = Delivery(delivery.id, delivery.campaign_id, delivery.user_id, delivery.chat_id,
                             delivery.text, attempts, delivery.language)
            self._retry_later(run, retry, backoff(attempts, self.config.backoff_base))
            self._check_threshold(run)
        else:
            run.consecutive_errors += outcome is Outcome.TRANSIENT
            run.failures += 1
            self._note(run, delivery, "failed", result.error or outcome.value)
            self._check_threshold(run)

    def _check_threshold(self, run: _Run) -> None:
        if run.failures >= self.config.error_threshold:
            run.pause_reason = f"{run.failures} messages failed"
        elif run.consecutive_errors >= self.config.consecutive_error_limit:
            run.pause_reason = f"{run.consecutive_errors} network or server errors in a row"

    async def _conclude(self, run: _Run) -> Status | None:
        """Record how the run ended and tell staff; None when stopping (resume on the next start)."""
        campaign = run.campaign
        if run.pause_reason:
            status, reason = Status.PAUSED, run.pause_reason
        elif campaign.id in self._cancelled:
            status, reason = Status.CANCELLED, ""
            self._cancelled.discard(campaign.id)
        elif self._stopping:
            log.info("engine stopping; campaign resumes on the next start campaign_id=%s", campaign.id)
            return None
        else:
            status, reason = Status.DONE, ""
        def record_end() -> bool:
            self.store.finish(campaign.id, status, reason)
            return True

        await self._written(record_end, "recording the end")
        counts = self.store.counts(campaign.id)
        log.info("campaign %s campaign_id=%s counts=%s", status.value, campaign.id, counts)
        if self.reporter is not None:
            try:
                await self.reporter.finished(campaign, counts, status, reason)
            except Exception:  # reporting must not undo a finished send
                log.exception("could not report campaign end campaign_id=%s", campaign.id)
        return status

    async def _report_progress(self, run: _Run) -> None:
        if self.reporter is None:
            return
        elapsed = max(self.now() - run.started, 1e-9)
        try:
            await self.reporter.progress(run.campaign, self.store.counts(run.campaign.id), run.sent / elapsed)
        except Exception:
            log.exception("could not report progress campaign_id=%s", run.campaign.id)

