"""`wellbot run`: reach Telegram, hold the worker lease, serve; stand by while another worker holds it.

The steps, each logged in one line:
1. connect: `getMe` until it answers; no network is retried with backoff,
   one line per attempt (a refused token is a configuration error, exit 2);
2. the lease (wellbot.core.lease): taken at once when free, else this worker
   stands by, names the holder once, and takes over when the holder stops
   renewing;
3. serve: features start (reminders, the delivery engine, the heartbeat),
   then polling or the webhook. The lease is renewed off the event loop
   every third of its length; if it is lost (this worker was frozen longer
   than the lease and another took over) the worker stops sending at once
   and stands by again.
A signal (SIGTERM, SIGINT) stops any step; a clean stop releases the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sqlite3
import time
from collections.abc import Callable

from sqlite_utils import Database
from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from wellbot.bot.deps import Deps
from wellbot.bot.lanes import not_json_answer
from wellbot.core import lease
from wellbot.core.errors import ConfigError
from wellbot.core.settings import Settings

log = logging.getLogger(__name__)

CONNECT_BACKOFF_BASE = 1.0  # seconds before the second attempt to reach the Bot API; doubles each time
CONNECT_BACKOFF_MAX = 60.0
BOOTSTRAP_RETRIES = 3  # deleteWebhook/setWebhook at the start of polling; past it, connect again
LEASE_BUSY_TIMEOUT = 2.0  # seconds the lease's own connection waits for a writer (it runs off the loop)
NOT_TELEGRAM = "NonTelegramAnswer"  # a 401/404 without the Bot API's JSON (one token: the log filter hides spaces)
CONFLICT_LOG_EVERY = 60.0  # seconds between two 409 lines while the conflict lasts

BuildDeps = Callable[[Settings], Deps]
BuildApp = Callable[[Deps], Application]


def connect_delay(attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): 1, 2, 4 ... capped at a minute."""
    return min(CONNECT_BACKOFF_MAX, CONNECT_BACKOFF_BASE * 2 ** (attempt - 1))


def open_lease_db(path: object) -> Database:
    """A connection of its own for the lease, usable from the worker thread that renews it."""
    return Database(sqlite3.connect(str(path), check_same_thread=False, timeout=LEASE_BUSY_TIMEOUT))


class Runner:
    """One `wellbot run`: connect, take or wait for the lease, serve until a signal."""

    def __init__(self, settings: Settings, build_deps: BuildDeps, build_app: BuildApp, *,
                 mode: str, webhook_options: dict | None = None, me: lease.Worker | None = None,
                 settle: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.settle = settle  # called once, when the first start-up is done and before updates arrive
        self.build_deps = build_deps
        self.build_app = build_app
        self.mode = mode
        self.webhook_options = webhook_options
        self.me = me or lease.Worker.this_process()
        self.seconds = lease.lease_seconds(settings.extra)
        self.stop = asyncio.Event()
        self.lost = asyncio.Event()
        self._lease_db: Database | None = None
        self._last_conflict_log = float("-inf")

    # --- the whole run ------------------------------------------------------------------------
    async def run(self) -> int:
        """Until a signal: connect, hold the lease, serve; after a lost lease, stand by again."""
        self._install_signals()
        try:
            while not self.stop.is_set():
                if not await self._cycle():
                    break
        finally:
            if self._lease_db is not None:
                self._lease_db.close()
        log.info("worker stopped worker=%s", self.me.id)
        return 0

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not in the main thread
                loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        log.info("signal %s: stopping", sig.name)
        self.stop.set()

    async def _cycle(self) -> bool:
        """One connect-lease-serve round on a fresh Application; True to go round again (lease lost)."""
        deps = self.build_deps(self.settings)  # a database it cannot open or write is a ConfigError: exit 2
        deps.worker_mode, deps.worker_id = self.mode, self.me.id
        if self._lease_db is None:
            log.info("worker starting worker=%s clinic=%s database=%s staff=%d mode=%s", self.me.id,
                     deps.clinic.path.name, str(self.settings.database), len(self.settings.staff_ids), self.mode)
            self._lease_db = open_lease_db(self.settings.database)
        application = self.build_app(deps)
        self.lost.clear()
        served = False
        try:
            if not await self._connect(application):
                return False
            if not await self._wait_for_lease():
                return False
            await self._serve(application)
            served = True
        finally:
            await self._shutdown(application)
            if application.post_shutdown:
                await application.post_shutdown(application)  # checkpoints and closes the database
            else:
                deps.db.close()
            if not served:  # a start that failed holding the lease (a taken metrics port: exit 2) hands it over now
                await self._release()
        if self.lost.is_set():
            return True
        await self._release()
        return False

    # --- 1. connect --------------------------------------------------------------------------
    async def _connect(self, application: Application) -> bool:
        """getMe until Telegram answers (retrying with backoff); False if stopped first."""
        attempt = 0
        while not self.stop.is_set():
            attempt += 1
            try:
                await application.initialize()
            except TelegramError as exc:
                if isinstance(exc, InvalidToken) and not answered_by_something_else(exc):
                    raise ConfigError("TELEGRAM_BOT_TOKEN", "Telegram refused the token (revoked or mistyped); "
                                                            "get the current one from @BotFather") from None
                wait = connect_delay(attempt)
                if isinstance(exc, RetryAfter):
                    wait = max(wait, _seconds(exc.retry_after))
                reason = NOT_TELEGRAM if isinstance(exc, InvalidToken) or not_json_answer(exc) else type(exc).__name__
                log.warning("cannot reach the Bot API at %s (attempt %s): %s; retrying in %.0fs",
                            self.settings.api_url, attempt, reason, wait)
                await self._sleep(wait)
                continue
            log.info("connected to the Bot API as @%s (attempt %s)", application.bot.username, attempt)
            return True
        return False

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake at once for a signal."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)

    # --- 2. the lease ------------------------------------------------------------------------
    async def _lease_call(self, function: Callable, *args: object) -> object:
        """Run a lease statement in a worker thread: a writer holding the database never stalls the loop."""
        return await asyncio.to_thread(function, self._lease_db, *args)

    async def _wait_for_lease(self) -> bool:
        """Take the lease, or stand by naming its holder until it lapses; False if stopped first."""
        announced = None
        while not self.stop.is_set():
            try:
                holder = await self._lease_call(lease.acquire, self.me, self.seconds)
            except sqlite3.Error as exc:
                log.warning("lease not checked (database busy or unwritable): %s; trying again", exc)
                await self._sleep(lease.renew_interval(self.seconds))
                continue
            if holder.worker == self.me.id:
                log.info("lease taken: worker %s (host %s, pid %s) now polls, dispatches reminders and sends "
                         "campaigns; lease %gs", self.me.id, self.me.host, self.me.pid, self.seconds)
                return True
            if holder.worker != announced:
                announced = holder.worker
                # One token per argument: the log's personal-data filter hides any argument with spaces.
                log.warning("standby: worker %s (host %s, pid %s) holds the lease on %s until %s; this worker "
                            "(pid %s) sends nothing and takes over if it stops renewing for %gs", holder.worker,
                            holder.host, holder.pid, str(self.settings.database), lease.stamp(holder.expires),
                            self.me.pid, self.seconds)
            await self._sleep(lease.renew_interval(self.seconds))
        return False

    async def _keep_lease(self) -> None:
        """Renew every third of the lease; on losing it (or failing to renew in time) set `lost`."""
        interval = lease.renew_interval(self.seconds)
        valid_until = time.time() + self.seconds
        while not self.stop.is_set():
            await self._sleep(interval)
            if self.stop.is_set():
                return
            try:
                renewed = await self._lease_call(lease.renew, self.me, self.seconds)
            except sqlite3.Error as exc:
                renewed = None
                log.warning("lease not renewed (database busy or unwritable): %s", exc)
            if renewed:
                valid_until = time.time() + self.seconds
                continue
            if renewed is False or time.time() >= valid_until:
                holder = await self._lease_call(lease.current)
                log.error("lease lost (now held by worker %s, pid %s): this worker stops sending at once and "
                          "stands by", holder.worker if holder else "none", holder.pid if holder else "-")
                self.lost.set()
                return

    async def _release(self) -> None:
        """A clean stop gives the lease up, so a standby takes over at its next look."""
        with contextlib.suppress(sqlite3.Error):
            if await self._lease_call(lease.release, self.me):
                log.info("lease released worker=%s", self.me.id)

    # --- 3. serve ----------------------------------------------------------------------------
    async def _serve(self, application: Application) -> None:
        """Start the features and updates, then wait for a signal or a lost lease."""
        keeper = asyncio.create_task(self._keep_lease(), name="lease-keeper")
        try:
            if application.post_init:
                await application.post_init(application)
            await application.start()
            if self.settle is not None:
                # What start-up built (the FAQ index, the triage tables, the clinic) lives as long as the
                # worker: frozen, later full collections skip it (benchmarks/README.md, a big clinic).
                # Once only: a later cycle's objects stay collectable, so a lost lease leaks nothing.
                self.settle()
                self.settle = None
            if not await self._start_updates(application):
                return
            stop = asyncio.ensure_future(self.stop.wait())
            lost = asyncio.ensure_future(self.lost.wait())
            await asyncio.wait({stop, lost, keeper}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            lost.cancel()
        finally:
            if not keeper.done():
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper

    async def _start_updates(self, application: Application) -> bool:
        """Start polling (or the webhook); False if Telegram could not be reached to set it up."""
        try:
            if self.webhook_options is not None:
                await application.updater.start_webhook(**self.webhook_options, allowed_updates=Update.ALL_TYPES,
                                                        drop_pending_updates=False,
                                                        bootstrap_retries=BOOTSTRAP_RETRIES)
            else:
                await application.updater.start_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False,
                                                        bootstrap_retries=BOOTSTRAP_RETRIES,
                                                        error_callback=self.polling_error)
        except TelegramError as exc:
            log.warning("could not start receiving updates: %s; handing the lease back and connecting again",
                        type(exc).__name__)
            self.lost.set()  # go round again (the lease is released first: a standby may serve meanwhile)
            with contextlib.suppress(sqlite3.Error):
                await self._lease_call(lease.release, self.me)
            return False
        return True

    def polling_error(self, error: TelegramError) -> None:
        """getUpdates failed; PTB retries. Say what a 409 means instead of a traceback."""
        if isinstance(error, Conflict):
            now = time.monotonic()
            if now - self._last_conflict_log >= CONFLICT_LOG_EVERY:
                self._last_conflict_log = now
                log.error("Telegram answered 409 Conflict: another program is receiving this bot's updates "
                          "(a worker on a different database or host, another bot using this token, or a "
                          "webhook set elsewhere). This worker holds the lease on %s; stop the other one "
                          "(workers sharing one database coordinate by themselves). Retrying.",
                          str(self.settings.database))
            return
        log.warning("getUpdates failed: %s; retrying", type(error).__name__)

    async def _shutdown(self, application: Application) -> None:
        """Stop updates, features and the bot, whatever state start-up reached."""
        with contextlib.suppress(RuntimeError):
            if application.updater and application.updater.running:
                await application.updater.stop()
        if application.running:
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
        with contextlib.suppress(TelegramError, RuntimeError):
            await application.shutdown()


def answered_by_something_else(error: TelegramError) -> bool:
    """True if a 401/404 came without the Bot API's JSON body (a proxy, a captive portal, a wrong URL).

    Telegram refuses a token with a JSON answer; a network that is not really up yet often answers
    404 with an empty or HTML body, and that must be retried, not taken for a revoked token (exit 2,
    which systemd does not restart).
    """
    cause = error.__cause__  # PTB's initialize re-raises the request's InvalidToken from it
    while cause is not None:
        if isinstance(cause, TelegramError) and not isinstance(cause, InvalidToken):
            return True  # the body did not parse as the Bot API's JSON
        cause = cause.__cause__
    return False


def _seconds(value: object) -> float:
    """RetryAfter.retry_after as seconds (an int, or a timedelta with PTB_TIMEDELTA)."""
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
