"""Shared fixtures: a fresh database, the local Bot API server, a running bot."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from tests.harness import TOKEN, Harness
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
async def bot(devserver, tmp_path):
    """A running wellbot worker polling the local server."""
    harness = Harness(devserver, tmp_path / "wellbot.db", DEFAULT_START)
    await harness.start()
    yield harness
    await harness.stop()
    assert devserver.unanswered_callbacks() == [], "every pressed button must be answered"


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
async def desk_bot(devserver, tmp_path):
    """A running worker with the staff desk switched on (any free port)."""
    harness = Harness(devserver, tmp_path / "wellbot.db", DEFAULT_START, env={"WELLBOT_DESK_LISTEN": "127.0.0.1:0"})
    harness.staff()  # the staff member has a chat with the bot before the worker starts
    await harness.start()
    yield harness
    await harness.stop()
