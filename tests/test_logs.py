"""Logs: one line per event, stable keys, no personal data, never the token."""

import io
import json
import logging

import pytest

from wellbot.errors import ConfigError
from wellbot.logs import REDACTED, JsonFormatter, TextFormatter, redact, setup_logging
from wellbot.settings import Settings

TOKEN = "123456789:AAEsecretsecretsecretsecretsecret_x"
OTHER_TOKEN = "987654321:BBBotherotherotherotherotherother-y"


def _record(msg, *args, level=logging.INFO, exc_info=None):
    return logging.LogRecord("wellbot.test", level, __file__, 1, msg, args, exc_info)


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    noisy = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "apscheduler")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, lvl in noisy.items():
        logging.getLogger(name).setLevel(lvl)


def test_json_line_has_stable_keys_and_the_events_pairs():
    line = JsonFormatter([]).format(_record("visit booked user_id=%s visit_id=%s service=%s", 42, 7, "acu"))
    entry = json.loads(line)
    assert list(entry)[:4] == ["ts", "level", "logger", "event"]
    assert entry["event"] == "visit booked"
    assert entry["level"] == "INFO" and entry["logger"] == "wellbot.test"
    assert (entry["user_id"], entry["visit_id"], entry["service"]) == ("42", "7", "acu")
    assert entry["ts"].endswith("Z")


def test_a_pair_cannot_overwrite_the_fixed_keys():
    entry = json.loads(JsonFormatter([]).format(_record("x level=fake logger=fake user_id=1")))
    assert entry["level"] == "INFO" and entry["logger"] == "wellbot.test" and entry["user_id"] == "1"


def test_traceback_stays_on_one_line_in_both_formats():
    try:
        raise RuntimeError(f"failed calling https://api.telegram.org/bot{TOKEN}/getMe")
    except RuntimeError:
        import sys

        record = _record("update failed update_id=%s", 5, level=logging.ERROR, exc_info=sys.exc_info())
    text = TextFormatter([TOKEN]).format(record)
    assert "\n" not in text and "RuntimeError" in text and TOKEN not in text and REDACTED in text
    line = JsonFormatter([TOKEN]).format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["exc_type"] == "RuntimeError" and TOKEN not in entry["exc"]


def test_redaction_covers_configured_secrets_and_anything_token_shaped():
    assert redact(f"url /bot{TOKEN}/x and {OTHER_TOKEN} and hook-secret-1", ["hook-secret-1"]) == (
        f"url /bot{REDACTED}/x and {REDACTED} and {REDACTED}"
    )
    assert redact("user_id=123456 visit at 10:30", []) == "user_id=123456 visit at 10:30"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_setup_logging_redacts_the_token_from_every_logger(fmt, restore_logging):
    out = io.StringIO()
    setup_logging(logging.DEBUG, [TOKEN], fmt, stream=out)
    logging.getLogger("httpx").setLevel(logging.DEBUG)  # the library that puts tokens in URLs
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
    logging.getLogger("wellbot").warning("token was %s", TOKEN)
    text = out.getvalue()
    assert TOKEN not in text
    assert len(text.strip().splitlines()) == 2
    if fmt == "json":
        assert all(json.loads(line)["event"] for line in text.splitlines())


def test_log_format_setting_is_validated():
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"WELLBOT_LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"WELLBOT_LOG_FORMAT": "xml"})
    assert error.value.where == "WELLBOT_LOG_FORMAT"
