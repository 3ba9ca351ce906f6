"""Shared fixtures: a fresh database, the local Bot API server, a running bot."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from tests.harness import STAFF_ID, TOKEN, Harness
from wellbot.core.clinic import load_clinic
from wellbot.core.clock import ManualClock
from wellbot.core.db import open_database
from wellbot.core.resources import example_clinic_file
from wellbot.sim.devserver import BotAPIServer

CLINIC_TZ = ZoneInfo("America/New_York")
# A Wednesday morning, clinic time: far from daylight-saving changes.
DEFAULT_START = datetime(2026, 6, 10, 9, 0, tzinfo=CLINIC_TZ)


@pytest.fixture
def fresh_db():
    """A migrated in-memory database."""
    db = open_database(":memory:")
    yield db
    db.close()


@pytest.fixture
def db(fresh_db):
    """The same fresh database, under the name feature tests use."""
    return fresh_db


@pytest.fixture
def clinic():
    """The bundled example clinic."""
    return load_clinic(example_clinic_file())


@pytest.fixture
def clock():
    """A manual clock at DEFAULT_START (a Wednesday, 09:00 in New York)."""
    return ManualClock(CLINIC_TZ, DEFAULT_START)


@pytest_asyncio.fixture
async def devserver():
    """A strict local Bot API server."""
    server = BotAPIServer(token=TOKEN)
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def start_bot(devserver, tmp_path):
    """Start a worker polling the local server, with more settings (`env`) or another clinic file.

    Every worker it started is stopped after the test; then every pressed button must have been answered.
    """
    started: list[Harness] = []

    async def start(env: dict[str, str] | None = None, clinic_path: Path | None = None) -> Harness:
        harness = Harness(devserver, tmp_path / "wellbot.db", DEFAULT_START, env=env, clinic_path=clinic_path)
        started.append(harness)  # before starting: a start that fails is stopped too
        await harness.start()
        return harness

    yield start
    for harness in started:
        await harness.stop()
    assert devserver.unanswered_callbacks() == [], "every pressed button must be answered"


@pytest_asyncio.fixture
async def bot(start_bot):
    """A running wellbot worker polling the local server."""
    return await start_bot()


@pytest.fixture
def errors(bot):
    """Every exception that reaches the running bot's error handlers."""
    seen = []

    async def record(update, context):
        seen.append(context.error)

    bot.app.add_error_handler(record)
    return seen


@pytest.fixture
def restore_logging():
    """Put the root logger and the noisy libraries' levels back after a test reconfigures logging."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "telegram", "apscheduler")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)


@pytest_asyncio.fixture
async def desk_bot(devserver, start_bot):
    """A running worker with the staff desk switched on (any free port)."""
    devserver.user(STAFF_ID, "Sam")  # the staff member has a chat with the bot before the worker starts
    return await start_bot({"WELLBOT_DESK_LISTEN": "127.0.0.1:0"})
