"""A running wellbot against the local Bot API server, for end-to-end tests.

The real `telegram.ext.Application` polls the strict stand-in over HTTP on
127.0.0.1; simulated patients send messages and press buttons; tests assert
what a patient would see. Time is a ManualClock in the clinic's zone.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from telegram import Update
from telegram.ext import Application

from wellbot.app import build_application, build_deps, start_polling, stop_polling, wait_until_handled
from wellbot.bot.deps import Deps
from wellbot.bot.guards import FloodControl
from wellbot.bot.webhook import WebhookConfig, webhook_config
from wellbot.core.clinic import load_clinic
from wellbot.core.clock import ManualClock
from wellbot.core.deps import WEBHOOK
from wellbot.core.resources import example_clinic_file
from wellbot.core.settings import Settings
from wellbot.sim.devserver import BotAPIServer, SimUser

TOKEN = "123456:TEST-token-for-the-local-server-only"
STAFF_ID = 900
UNLIMITED_RATE = 1_000_000
POLL_TIMEOUT = 1  # seconds a getUpdates may hang: keeps shutdown quick


class Harness:
    """One bot worker, its server and its clock; can be restarted on the same database."""

    def __init__(self, server: BotAPIServer, database: Path, start: datetime,
                 env: Mapping[str, str] | None = None, clinic_path: Path | None = None) -> None:
        self.server = server
        self.database = database
        clinic = load_clinic(clinic_path or example_clinic_file())
        self.clock = ManualClock(clinic.timezone, start)
        self.env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "WELLBOT_DATABASE": str(database),
            "WELLBOT_STAFF_IDS": str(STAFF_ID),
            "WELLBOT_API_URL": server.base_url,
            "WELLBOT_CLINIC": str(clinic.path),
            **(env or {}),
        }
        self.app: Application | None = None
        self.deps: Deps | None = None
        self.overrides: dict = {}  # Deps fields set at each start (test-only tunables)

    async def start(self) -> None:
        """Build and start a worker, as `wellbot run` would."""
        settings = Settings.from_env(self.env)
        self.deps = build_deps(settings, clock=self.clock)
        # Simulated patients type faster than any person: flood control would cut them off.
        # Its own tests (test_guards.py) install a real limiter.
        self.deps.flood = FloodControl(limit=UNLIMITED_RATE)
        for name, value in self.overrides.items():
            setattr(self.deps, name, value)
        self.app = build_application(self.deps)
        await start_polling(self.app, POLL_TIMEOUT)

    async def stop(self) -> None:
        """Stop the worker the way SIGTERM does."""
        if self.app is None:
            return
        app, self.app = self.app, None
        await stop_polling(app)

    async def restart(self) -> None:
        """Stop and start again on the same database (a deploy or a crash recovery)."""
        await self.stop()
        await self.start()

    @property
    def db(self):
        """The running worker's database."""
        return self.deps.db

    def user(self, user_id: int = 1001, first_name: str = "Pat", **kwargs) -> SimUser:
        """A simulated patient."""
        return self.server.user(user_id, first_name, **kwargs)

    def staff(self) -> SimUser:
        """The simulated staff member."""
        return self.server.user(STAFF_ID, "Sam")

    async def settle(self, timeout: float = 5) -> None:
        """Wait until the bot has handled everything sent so far."""
        await wait_until_handled(self.app, self.server.wait_idle, timeout)


async def until(condition: Callable[[], object], timeout: float = 10.0, interval: float = 0.02) -> None:
    """Wait (briefly polling) until condition() is true; fail the test after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(interval)


def free_port() -> int:
    """A local TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def command_update(user: SimUser, update_id: int, text: str) -> dict:
    """The JSON of an update carrying `text` (a command) from `user`, as Telegram posts it to a webhook."""
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "from": user.user_json(), "chat": user.chat_json(),
        "text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]}}


@asynccontextmanager
async def webhook_worker(server: BotAPIServer, database: Path, public_url: str, env: Mapping[str, str] | None = None,
                         ) -> AsyncIterator[tuple[WebhookConfig, Deps, Application]]:
    """A worker taking updates by webhook on a free local port, started and stopped step by step as
    `wellbot run --webhook` does; yields its webhook options, its Deps and its Application."""
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "WELLBOT_DATABASE": str(database),
                                  "WELLBOT_API_URL": server.base_url, **(env or {})})
    hook = webhook_config(settings, public_url, free_port())
    deps = build_deps(settings)
    deps.worker_mode = WEBHOOK
    app = build_application(deps)
    await app.initialize()
    await app.post_init(app)
    await app.updater.start_webhook(**hook.options(), allowed_updates=Update.ALL_TYPES)
    await app.start()
    try:
        yield hook, deps, app
    finally:
        await stop_polling(app)  # stops the webhook's updater the same way, and closes the database


async def book_to_name_step(user: SimUser, service: str = "Acupuncture", day: str = "Thu 11 Jun",
                            slot: str = "10:00") -> None:
    """Take a patient through /book up to the step that asks for their full name (the default clinic's first slot)."""
    await user.send("/book")
    await user.press(await user.wait_for("which service"), service)
    await user.press(await user.wait_for("Choose a day"), day)
    await user.press(await user.wait_for("Choose a time"), slot)
    await user.wait_for("full name")
