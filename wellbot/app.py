"""Composition root: builds the dependencies and the PTB Application.

Features are listed in FEATURES, in one place; their order is the order of
the main menu ties and of /help. Everything else (handler order, staff
checks) is applied by `wellbot.bot.router`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sqlite3
import time
import traceback
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.constants import ParseMode
from telegram.error import Conflict, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, ContextTypes, Defaults

from wellbot import front_door
from wellbot.booking import feature as booking
from wellbot.bot import guards, heartbeat, monitor, outbox, router, webhook
from wellbot.bot.deps import DEPS_KEY, Deps, WellbotContext
from wellbot.bot.features import Command, Feature, all_commands, collect_hooks
from wellbot.bot.lanes import BotRequest
from wellbot.bot.messaging import reply
from wellbot.bot.ratelimit import BulkAwareRateLimiter
from wellbot.bot.render import Renderer
from wellbot.clinic_info import feature as clinic_info
from wellbot.conversation import feature as conversation
from wellbot.core.budget import REPLY_BURST, Pacer
from wellbot.core.clinic import Clinic, load_clinic
from wellbot.core.clock import Clock, SystemClock
from wellbot.core.db import LOOP_BUSY_TIMEOUT_MS, close_database, open_database, set_busy_timeout
from wellbot.core.deps import POLLING
from wellbot.core.errors import ConfigError
from wellbot.core.flows import FlowStore
from wellbot.core.i18n import translate
from wellbot.core.settings import Settings
from wellbot.desk import feature as desk
from wellbot.faq import feature as faq
from wellbot.languages import feature as languages
from wellbot.newsletter import feature as newsletter
from wellbot.newsletter.engine import engine_config
from wellbot.privacy import feature as privacy
from wellbot.privacy import store as privacy_store
from wellbot.reminders import feature as reminders
from wellbot.subscriptions import feature as subscriptions
from wellbot.triage import feature as triage

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 64
POLL_HEAD_START = 0.005  # seconds an update's handlers wait at most for the next getUpdates to go out first
RATE_LIMIT_RETRIES = 3
BUDGET_CATCH_UP = 0.02  # seconds a late slot of the shared send budget may be made up (see send_budget)

# The features, in menu/help order. Guards run before any handler.
FEATURES: list[Feature] = [
    triage.FEATURE,  # reads every typed text first: emergencies are answered before any flow sees them
    front_door.FEATURE,
    heartbeat.FEATURE,
    outbox.FEATURE,  # side effects promised by committed changes; delivered and retried (before the features)
    conversation.FEATURE,  # typed text outside a flow: greetings, requests, clinic facts, else the FAQ
    monitor.FEATURE,  # /metrics and /healthz on WELLBOT_METRICS_ADDRESS
    faq.FEATURE,
    subscriptions.FEATURE,
    booking.FEATURE,  # /book, /visits, staff schedule, waitlist
    reminders.FEATURE,
    newsletter.FEATURE,  # staff news: broadcasts, digests and their delivery engine
    desk.FEATURE,  # the staff desk: the front-desk inbox, the Mini App, calendar feeds
    privacy.FEATURE,
    clinic_info.FEATURE,  # "Clinic info": hours, address with a map pin, phone, parking, prices
    languages.FEATURE,  # /language and the "Language" menu item
]
GUARDS: list[router.Guard] = []
GUARDS += guards.GUARDS  # abuse guards: no-user updates, groups, flood, text length


def build_deps(settings: Settings, *, clock: Clock | None = None, clinic: Clinic | None = None,
               features: list[Feature] | None = None) -> Deps:
    """Load the clinic, open and migrate the database, wire the renderer."""
    clinic = clinic or load_clinic(settings.clinic_path)
    clock = clock or SystemClock(clinic.timezone)
    db = open_database(settings.database)  # start-up's writes wait for another process's lock as a CLI does
    renderer = Renderer(clinic.timezone, {"clinic": clinic}, extra_dirs=_override_dirs(clinic), region=clinic.region,
                        default_language=clinic.default_language)
    deps = Deps(settings=settings, clinic=clinic, db=db, clock=clock, renderer=renderer,
                flows=FlowStore(db, clock, _conversation_idle(clinic)),
                features=list(features if features is not None else FEATURES))
    deps.hooks = collect_hooks(deps.features)
    for feature in deps.features:
        for check in feature.checks:
            check(deps)
    return deps


def _conversation_idle(clinic: Clinic) -> timedelta:
    """How long an unfinished conversation lasts (the privacy table's conversation_idle_hours; checked there)."""
    try:
        return privacy_store.load_policy(clinic.section(privacy_store.SECTION)).conversation_idle
    except ConfigError:
        return privacy_store.Policy().conversation_idle  # the privacy feature's check names the problem


def _override_dirs(clinic: Clinic) -> list:
    """A clinic may override any template from a `templates` folder it names."""
    folder = clinic.section("templates").get("folder")
    return [clinic.directory / folder] if folder else []


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Processes different users' updates concurrently, each user's strictly in order.

    Flows expect a user's messages in order; patients should not wait for
    each other (nor for a staff member's slow command).
    """

    def __init__(self, max_concurrent_updates: int, on_handled: Callable[[float], None] | None = None,
                 polling: asyncio.Event | None = None, head_start: float = POLL_HEAD_START) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[Any, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._on_handled = on_handled  # the monitor's update count and handling-time histogram
        self._polling = polling  # set while the next getUpdates is out (None: updates come by webhook)
        self._head_start = head_start

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await the update's handlers under its user's lock."""
        key = _user_key(update)
        lock = self._locks[key]
        started = time.monotonic()
        try:
            await self._after_next_poll()
            async with lock:
                await coroutine
        finally:
            if self._on_handled is not None:
                self._on_handled(time.monotonic() - started)
            if not lock.locked() and not lock._waiters:  # forget idle users' locks
                self._locks.pop(key, None)

    async def _after_next_poll(self) -> None:
        """Let the next getUpdates go out before this update's handlers compute (waiting POLL_HEAD_START at most).

        PTB asks for the next batch only after several turns of the loop, and the
        handlers of the batch just fetched ran in those turns first: at a big clinic
        88% of the gaps over 20 ms between two polls were handlers computing, while
        other patients' messages waited at Telegram (benchmarks/README.md, a big clinic).
        """
        if self._polling is not None and not self._polling.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._polling.wait(), self._head_start)

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""


def _user_key(update: object) -> Any:
    if isinstance(update, Update) and update.effective_user:
        return update.effective_user.id
    return None


class WellbotApplication(Application):
    """PTB's Application with wellbot's webhook updater, which refuses a bad request before reading its body."""

    def __init__(self, *, on_skipped: Callable[[list[tuple[int, str, str]]], None], bot: Any,
                 update_queue: asyncio.Queue, updater: Any, **kwargs: Any) -> None:
        if updater is not None:
            updater = webhook.WebhookUpdater(bot, update_queue, on_skipped)
        super().__init__(bot=bot, update_queue=update_queue, updater=updater, **kwargs)

    async def stop(self) -> None:
        """Stop starting jobs first, then let PTB wait for the running ones and shut the scheduler down.

        PTB's JobQueue.stop waits only for the jobs running when it begins; APScheduler meanwhile starts any
        job that falls due (the reminder dispatcher re-arms itself and wakes it), and its shutdown cancels
        those and logs each with a CancelledError traceback. Paused, it starts nothing new.
        """
        scheduler = self.job_queue.scheduler if self.job_queue is not None else None
        if scheduler is not None and scheduler.running:
            scheduler.pause()
        await super().stop()


def build_application(deps: Deps, *, base_url: str | None = None, token: str | None = None,
                      rate_limiter: bool = True) -> Application:
    """The PTB Application with every feature installed; nothing is started."""
    poller = heartbeat.PollRecordingRequest(deps.db, deps.clock)
    builder = (
        ApplicationBuilder()
        .token(token or deps.settings.require_token())
        .base_url(base_url or deps.settings.api_url)
        .context_types(ContextTypes(context=WellbotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=deps.clinic.timezone))
        .concurrent_updates(PerUserUpdateProcessor(MAX_CONCURRENT_UPDATES, deps.monitor.update_handled,
                                                   poller.polling if deps.worker_mode == POLLING else None))
        .request(BotRequest())  # PTB's pool and our connect timeout; a proxy's HTML answer is logged in one line
        # getUpdates through a request that records each successful poll for `wellbot status`.
        .get_updates_request(poller)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .application_class(WellbotApplication,
                           {"on_skipped": lambda skipped: heartbeat.note_skipped(deps.db, deps.clock, skipped)})
    )
    if rate_limiter:
        # One send budget for replies, reminders and news, in that order (wellbot.core.budget); every send counted.
        builder = builder.rate_limiter(BulkAwareRateLimiter(send_budget(deps.settings), max_retries=RATE_LIMIT_RETRIES,
                                                            monitor=deps.monitor))
    application = builder.build()
    application.bot_data[DEPS_KEY] = deps
    router.install(application, deps.features, GUARDS)
    application.add_error_handler(on_error)
    return application


def send_budget(settings: Settings) -> Pacer:
    """The bot's one send budget at WELLBOT_SEND_RATE, guarding Telegram's 1 s window as the engine does."""
    config, _paid = engine_config(settings.extra)
    # Replies, reminders and news wake at their slots on a busy 2-core machine often more than the
    # engine's 4 ms late; each such wake restarted the grid and lost a slot (0.88 of the limit under
    # load, benchmarks/README.md, one sender (b)). Making up to 20 ms is safe under Telegram's limit:
    # the window guard still holds any second at 30.
    catch_up = max(config.catch_up, BUDGET_CATCH_UP) if config.window_limit else config.catch_up
    return Pacer(config.rate, config.per_chat_interval, window_limit=config.window_limit, catch_up=catch_up,
                 reply_burst=REPLY_BURST)


def settle_heap() -> None:
    """Collect once, then freeze what start-up built so later full collections skip it.

    A full collection walks every object the imports and the clinic set-up made:
    20-40 ms, long enough to hold one paced send back until 31 landed in Telegram's
    1 s window (benchmarks/README.md, broadcasts (a)), and a patient's reply with it.
    It must run after the features' start-up (the FAQ index, the triage tables):
    run before them it froze only the imports, and full collections still walked
    the rest, 25-55 ms each (benchmarks/README.md, a big clinic). Frozen objects
    are never collected, so call this once, in the worker, and not per test.
    """
    gc.collect()
    gc.freeze()
    log.info("heap settled after start-up objects_frozen=%d", gc.get_freeze_count())


async def _post_init(application: Application) -> None:
    """Publish the command lists, then start each feature's background work."""
    deps: Deps = application.bot_data[DEPS_KEY]
    await publish_commands(application, deps)
    for feature in deps.features:
        for hook in feature.startup:
            await hook(application)
    # From here this connection is the event loop's: it gives up on another process's lock after 10 ms and
    # callers wait off the loop (wellbot.core.busy). Start-up above (the FAQ index, recovering claimed rows)
    # waited as a CLI does: nothing is served yet, and a lock then is no reason to fail the start.
    set_busy_timeout(deps.db, LOOP_BUSY_TIMEOUT_MS)


async def _post_stop(application: Application) -> None:
    """Let features stop their background work before the bot goes."""
    deps: Deps = application.bot_data[DEPS_KEY]
    for feature in deps.features:
        for hook in feature.shutdown:
            await hook(application)


async def _post_shutdown(application: Application) -> None:
    """Fold the WAL into the database and close it: a stopped worker leaves one self-contained file."""
    close_database(application.bot_data[DEPS_KEY].db)


def command_menu(commands: list[Command], lang: str, *, staff: bool = False) -> list[BotCommand]:
    """The command menu in `lang`: patient commands, plus staff commands if `staff`."""
    return [BotCommand(c.name, translate(c.description, lang)) for c in commands if staff or not c.staff]


async def publish_commands(application: Application, deps: Deps) -> None:
    """setMyCommands: patients see patient commands in their app's language; each staff chat sees all, in its own.

    The menu without a language is in the clinic's default language (Telegram shows it when no menu matches
    the app's language); each other configured language gets its own (`language_code`). Failure is not fatal.
    """
    commands = all_commands(deps.features)
    clinic = deps.base_clinic
    try:
        await application.bot.set_my_commands(command_menu(commands, clinic.default_language),
                                              scope=BotCommandScopeDefault())
        for lang in clinic.languages[1:]:
            await application.bot.set_my_commands(command_menu(commands, lang), scope=BotCommandScopeDefault(),
                                                  language_code=lang)
        for staff_id in sorted(deps.settings.staff_ids):  # each in the staff member's own language
            await application.bot.set_my_commands(command_menu(commands, deps.staff_language(staff_id), staff=True),
                                                  scope=BotCommandScopeChat(staff_id))
    except TelegramError as exc:
        log.warning("could not publish the command list (the bot works without it): %s", exc)


def database_reason(error: sqlite3.Error) -> str:
    """A stable key for why SQLite refused: read_only, disk_full, locked, damaged or other."""
    text = str(error).lower()
    for needle, reason in (("readonly", "read_only"), ("read-only", "read_only"), ("full", "disk_full"),
                           ("locked", "locked"), ("busy", "locked"), ("malformed", "damaged"),
                           ("not a database", "damaged"), ("corrupt", "damaged")):
        if needle in text:
            return reason
    return "other"


async def on_error(update: object, context: WellbotContext) -> None:
    """Log what failed without personal data, and tell the user nothing was changed."""
    error = context.error
    if isinstance(error, Conflict):
        log.error("another process is polling with this bot token (Telegram 409 Conflict): "
                  "stop the other worker or delete its webhook; this worker keeps retrying")
        return
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, sqlite3.Error):
        # A stable reason key, not SQLite's message: enough for the operator, nothing from the update.
        reason = database_reason(error)
        log.error("database refused the update update_id=%s reason=%s (read_only: make WELLBOT_DATABASE and its "
                  "folder writable by the bot; disk_full: free space; damaged: run wellbot check, restore a backup)",
                  update_id, reason)
        if reason == "damaged":  # for `wellbot status` and the health check, which otherwise cannot know
            heartbeat.note_damage(context.deps, "a page could not be read while handling an update",
                                  context.deps.clock.now())
    # The exception's message may quote patient text, so INFO+ gets its type
    # and where it was raised; the full traceback only at DEBUG.
    log.error("update failed update_id=%s error=%s at=%s", update_id, type(error).__name__, _where(error))
    log.debug("traceback of update_id=%s", update_id, exc_info=(type(error), error, error.__traceback__))
    if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == "private":
        try:
            await reply(update, context, "error")
        except TelegramError:
            log.warning("could not tell the user about the failure update_id=%s", update_id)


def _where(error: BaseException | None) -> str:
    """file:line of the innermost frame of a traceback."""
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"


async def start_polling(application: Application, poll_timeout: int) -> None:
    """Start an Application step by step, as run_polling does (for `wellbot chat` and tests)."""
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES)


async def stop_polling(application: Application) -> None:
    """Stop an Application started by start_polling, the way SIGTERM does, and close its database."""
    if application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    if application.post_stop:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown:
        await application.post_shutdown(application)  # checkpoints and closes the database


IDLE_POLL_SECONDS = 0.01


async def wait_until_handled(application: Application, server_idle: Callable[[float], Awaitable[None]],
                             timeout: float) -> None:
    """Wait until the Bot API server is quiet AND the application has finished every update it fetched.

    The server alone cannot tell: an update can be fetched and still be
    busy in a handler (database work, no HTTP) when the server falls quiet.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await server_idle(max(0.1, deadline - loop.time()))
        processor = application.update_processor
        if application.update_queue.empty() and processor.current_concurrent_updates == 0:
            await asyncio.sleep(IDLE_POLL_SECONDS)  # let a just-finished handler's last request start
            if application.update_queue.empty() and processor.current_concurrent_updates == 0:
                await server_idle(max(0.1, deadline - loop.time()))
                return
        if loop.time() >= deadline:
            raise TimeoutError("the bot did not finish handling its updates in time")
        await asyncio.sleep(IDLE_POLL_SECONDS)
