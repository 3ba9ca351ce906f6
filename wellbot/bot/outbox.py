"""Delivers the outbox: each promised side effect once, right after its commit, retried until it is done.

The handler that committed a change calls `deliver_now` with the new rows;
what fails there (502, a timeout, Telegram down) stays pending, and the
background loop tries again with backoff, also after a restart. Nothing a
push raises reaches the update's error handler, so a patient is never told
"nothing was changed" about a change that was made.

How a failure is judged: a push that may have arrived (the request was
written, no answer came) is not repeated unless its kind is an edit (editing
twice shows the same text); Forbidden means the patient blocked the bot;
BadRequest means the message itself was refused. Each feature declares the
kinds it delivers (`Feature.effects`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from wellbot.bot.deps import DEPS_KEY
from wellbot.bot.features import Feature
from wellbot.bot.messaging import may_have_arrived
from wellbot.core import outbox
from wellbot.core.busy import before_writing, wait_while_busy
from wellbot.core.db import is_busy
from wellbot.core.deps import Deps
from wellbot.core.i18n import speaking

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # then 'failed' (logged); at the backoff below that is about two minutes of trying
BACKOFF_BASE = 0.5  # seconds before the first retry; doubles each time
BACKOFF_MAX = 60.0
IDLE_SECONDS = 30.0  # look at the table at least this often (rows another process added)

# async (deps, bot, effect) -> None; raises TelegramError when the push failed
Performer = Callable[[Deps, Any, outbox.Effect], Awaitable[None]]


class Outbox:
    """The worker's one deliverer of outbox rows."""

    def __init__(self, deps: Deps, bot: Any, performers: dict[str, Performer], *,
                 idempotent: frozenset[str] = frozenset(), backoff_base: float = BACKOFF_BASE) -> None:
        self.deps = deps
        self.bot = bot
        self.performers = performers
        self.idempotent = idempotent  # kinds safe to push twice (edits)
        self.backoff_base = backoff_base
        self._due: dict[int, float] = {}  # effect id -> monotonic time of its next try
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._recovered = False

    def start(self) -> None:
        """Recover rows a crash cut off, then deliver in the background."""
        try:
            self._recover()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            # Another process holds the write lock (a CLI, a backup) and the worker's connection waits only
            # 10 ms (wellbot.core.db): recover first thing in the background loop instead of failing the start.
        self._task = asyncio.create_task(self._run(), name="wellbot-outbox")

    def _recover(self) -> None:
        """Rows left 'sending' by a crash: pending again once, then uncertain."""
        retried, given_up = outbox.recover(self.deps.db, self.deps.clock.now())
        self._recovered = True
        if retried or given_up:
            log.warning("outbox after a crash retried=%s uncertain=%s", retried, given_up)

    async def stop(self) -> None:
        """Finish the push in flight and stop; what is pending waits for the next start."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def deliver_now(self, effect_ids: list[int | None]) -> None:
        """Push these rows now (right after their commit); failures are left to the background loop."""
        for effect_id in effect_ids:
            if effect_id is not None:
                try:
                    await self._attempt(effect_id)
                except sqlite3.OperationalError as exc:
                    if not is_busy(exc):
                        raise
                    break  # not claimed while another process writes: the background loop sends it when free
        self._wake.set()

    async def _run(self) -> None:
        """Deliver due rows until stopped; a database error is logged and the loop tries again later."""
        while not self._stopping:
            try:
                if not self._recovered:
                    self._recover()
                await self._deliver_due()
            except sqlite3.Error as exc:
                if is_busy(exc):  # another process holds the write lock: try again as soon as it is free
                    log.info("database busy (another process is writing): outbox delivered when it is free")
                    await wait_while_busy(self.deps.db)
                    continue
                # a full or read-only disk: the rows wait, the worker goes on
                log.error("outbox delivery stalled error=%s", type(exc).__name__)
                self._wake.clear()
                with contextlib.suppress(TimeoutError):  # a stop still ends the wait at once
                    await asyncio.wait_for(self._wake.wait(), BACKOFF_MAX)
                continue
            self._wake.clear()
            now = time.monotonic()  # only pending rows have a due time (see _deliver_due), so none is stale
            waits = [max(0.0, due - now) for due in self._due.values()]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), min(waits, default=IDLE_SECONDS))

    async def _deliver_due(self) -> None:
        """One pass over the pending rows whose next try has come."""
        now = time.monotonic()
        pending = outbox.pending_ids(self.deps.db)
        self._due = {i: due for i, due in self._due.items() if i in pending}  # erased or done elsewhere
        for effect_id in pending:
            if self._stopping:
                return
            if self._due.get(effect_id, 0.0) <= now:
                await self._attempt(effect_id)

    async def _attempt(self, effect_id: int) -> None:
        """Claim, push and record one row."""
        deps = self.deps
        effect = outbox.claim(deps.db, effect_id, deps.clock.now())
        if effect is None:
            return
        status, error = self._judge(effect, await self._push(effect))
        if status == outbox.PENDING:
            self._due[effect.id] = time.monotonic() + min(BACKOFF_MAX, self.backoff_base * 2 ** (effect.attempts - 1))
        else:
            self._due.pop(effect.id, None)
        await self._record(effect.id, status, error)
        log.info("outbox effect %s effect_id=%s kind=%s attempt=%s", status, effect.id, effect.kind, effect.attempts)

    async def _record(self, effect_id: int, status: str, error: str) -> None:
        """Record how a push ended, waiting off the loop while another process holds the write lock.

        It must be recorded: a row left 'sending' would be pushed again after the next restart.
        """
        while True:
            await before_writing(self.deps.db)
            try:
                outbox.finish(self.deps.db, effect_id, status, self.deps.clock.now(), error)
                return
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise
            await wait_while_busy(self.deps.db)

    async def _push(self, effect: outbox.Effect) -> BaseException | None:
        """Run the kind's performer; the exception it raised, or None."""
        performer = self.performers.get(effect.kind)
        if performer is None:
            return LookupError(f"no performer for {effect.kind}")
        try:
            # Written for the patient the effect concerns (a staff notice switches to its staff chat's language).
            with speaking(self.deps.language_of(effect.user_id)):
                await performer(self.deps, self.bot, effect)
        except Exception as exc:
            return exc
        return None

    def _judge(self, effect: outbox.Effect, error: BaseException | None) -> tuple[str, str]:
        """The row's next status for how its push ended."""
        if error is None:
            return outbox.DONE, ""
        kind = type(error).__name__
        if isinstance(error, Forbidden):
            return outbox.DONE, "forbidden"  # blocked: the performer's send recorded it; nothing more to do
        if isinstance(error, BadRequest):
            return outbox.FAILED, kind  # the message itself was refused: retrying cannot help
        if isinstance(error, NetworkError) and may_have_arrived(error) and effect.kind not in self.idempotent:
            return outbox.UNCERTAIN, kind  # it may have arrived: never a blind second copy
        if isinstance(error, (NetworkError, RetryAfter)) and effect.attempts < MAX_ATTEMPTS:
            return outbox.PENDING, kind
        if not isinstance(error, TelegramError):
            log.error("outbox effect raised effect_id=%s kind=%s error=%s", effect.id, effect.kind, kind)
        return outbox.FAILED, kind


async def deliver(deps: Deps, effect_ids: list[int | None]) -> None:
    """Deliver freshly committed effects now, if the worker's outbox runs (else they wait for it)."""
    if deps.outbox is not None:
        await deps.outbox.deliver_now(effect_ids)


def performers_of(features: list[Feature]) -> tuple[dict[str, Performer], frozenset[str]]:
    """Every feature's declared effect kinds, and which of them are edits (safe to repeat)."""
    performers: dict[str, Performer] = {}
    for feature in features:
        for kind, performer in feature.effects.items():
            if kind in performers:
                raise ValueError(f"outbox effect {kind} declared twice")
            performers[kind] = performer
    return performers, frozenset(kind for feature in features for kind in feature.idempotent_effects)


async def start_outbox(application: Application) -> None:
    """Build the deliverer on the application's bot and start it."""
    deps: Deps = application.bot_data[DEPS_KEY]
    performers, idempotent = performers_of(deps.features)
    deps.outbox = Outbox(deps, application.bot, performers, idempotent=idempotent)
    deps.outbox.start()


async def stop_outbox(application: Application) -> None:
    """Stop delivering; pending rows wait for the next start."""
    deps: Deps = application.bot_data[DEPS_KEY]
    runner, deps.outbox = deps.outbox, None
    if runner is not None:
        await runner.stop()


def status_lines(db: Any, now: Any) -> list[tuple[str, str]]:
    """`wellbot status`: effects waiting, and those that failed or may not have arrived."""
    found = outbox.counts(db)
    return [("outbox", f"pending {found['pending'] + found['sending']}, failed {found['failed']}, "
                       f"uncertain {found['uncertain']}")]


FEATURE = Feature(name="outbox", startup=[start_outbox], shutdown=[stop_outbox], status=[status_lines],
                  erase_data=outbox.erase, purge=outbox.purge)
