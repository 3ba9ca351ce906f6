"""Secrets and files: an owner-only database, a token that is never logged or written."""

import io
import logging
import os
import stat

import pytest

from wellbot.cli import main
from wellbot.db import open_database
from wellbot.logs import RedactFilter

TOKEN = "123456:SECRETsecretSECRETsecret_0123456789"


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


def test_redaction_covers_messages_arguments_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter([TOKEN]))
    logger = logging.getLogger("wellbot.test_secrets")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("url=%s", f"https://api.telegram.org/bot{TOKEN}/getMe")
        try:
            raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getUpdates")
        except ConnectionError:
            logger.exception("poll failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert TOKEN not in text
    assert text.count("[redacted]") == 2
    assert "ConnectionError" in text, "the traceback itself is still logged"
