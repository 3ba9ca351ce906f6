"""Secrets and files: an owner-only database, a token that is never logged or written."""

import io
import logging
import os
import stat

import pytest

from tests.harness import TOKEN as HARNESS_TOKEN
from wellbot.cli import main
from wellbot.core.db import open_database
from wellbot.core.logs import REDACTED, setup_logging


@pytest.fixture
def open_umask():
    """A permissive umask, as on a carelessly set-up server."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_database_file_is_created_owner_only_whatever_the_umask(tmp_path, open_umask):
    path = tmp_path / "wellbot.db"
    open_database(path).close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_check_warns_when_the_database_is_readable_by_others(tmp_path, capsys):
    path = tmp_path / "wellbot.db"
    open_database(path).close()
    env = {"WELLBOT_DATABASE": str(path)}
    assert main(["check"], env) == 0
    assert "warning" not in capsys.readouterr().out
    os.chmod(path, 0o644)
    assert main(["check"], env) == 0
    out = capsys.readouterr().out
    assert f"warning: {path} is readable by other users" in out
    assert f"chmod 600 {path}" in out


async def test_a_debug_session_never_logs_or_writes_the_token(bot, tmp_path, restore_logging):
    out = io.StringIO()
    setup_logging(logging.DEBUG, [HARNESS_TOKEN], stream=out)
    logging.getLogger("httpx").setLevel(logging.DEBUG)  # puts the token in every request URL it logs
    patient = bot.user(3001, "Ada")
    await patient.send("/start")
    await patient.next_message()
    await patient.send("/mydata")
    await patient.next_message()
    await patient.send("/forget")
    await patient.press(await patient.next_message(), "Yes")
    await patient.wait_for("erased")
    await bot.settle()
    logged = out.getvalue()
    assert "getUpdates" in logged, "the session was logged"
    assert REDACTED in logged, "the token was redacted"
    assert HARNESS_TOKEN not in logged
    secret = HARNESS_TOKEN.split(":", 1)[1].encode()
    written = [path for path in tmp_path.rglob("*") if path.is_file() and secret in path.read_bytes()]
    assert written == [], "no file the bot wrote holds the token"
