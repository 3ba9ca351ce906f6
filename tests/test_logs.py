"""Logs: one line per event, stable keys, no personal data, never the token."""

import io
import json
import logging

import pytest

from wellbot.core.errors import ConfigError
from wellbot.core.logs import REDACTED, JsonFormatter, TextFormatter, redact, setup_logging
from wellbot.core.settings import Settings

TOKEN = "123456789:AAEsecretsecretsecretsecretsecret_x"
OTHER_TOKEN = "987654321:BBBotherotherotherotherotherother-y"


def _record(msg, *args, level=logging.INFO, exc_info=None):
    return logging.LogRecord("wellbot.test", level, __file__, 1, msg, args, exc_info)


def test_json_line_has_stable_keys_and_the_events_pairs():
    line = JsonFormatter([]).format(_record("visit booked user_id=%s visit_id=%s service=%s", 42, 7, "acu"))
    entry = json.loads(line)
    assert list(entry)[:4] == ["ts", "level", "logger", "event"]
    assert entry["event"] == "visit booked"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "wellbot.test"
    assert (entry["user_id"], entry["visit_id"], entry["service"]) == (42, 7, "acu"), "numbers are numbers"
    assert entry["ts"].endswith("Z")


def test_a_pair_cannot_overwrite_the_fixed_keys():
    entry = json.loads(JsonFormatter([]).format(_record("x level=fake logger=fake user_id=1")))
    assert entry["level"] == "INFO"
    assert entry["logger"] == "wellbot.test"
    assert entry["user_id"] == 1


def test_traceback_stays_on_one_line_in_both_formats():
    try:
        raise RuntimeError(f"failed calling https://api.telegram.org/bot{TOKEN}/getMe")
    except RuntimeError:
        import sys

        record = _record("update failed update_id=%s", 5, level=logging.ERROR, exc_info=sys.exc_info())
    text = TextFormatter([TOKEN]).format(record)
    assert "\n" not in text
    assert "RuntimeError" in text
    assert TOKEN not in text
    assert REDACTED in text
    line = JsonFormatter([TOKEN]).format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["exc_type"] == "RuntimeError"
    assert TOKEN not in entry["exc"]


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


# --- a whole conversation through the real bot ------------------------------------------------------------------

FIRST_NAME = "Zelda"
PHONE = "+1 555 0199"
SECRET_TEXT = "my lower back hurts since Tuesday"


class _RawCounter(logging.Handler):
    """Sees each record before the redacting handler does, to prove the token was really there."""

    def __init__(self, needle):
        super().__init__(logging.DEBUG)
        self.needle, self.hits = needle, 0

    def emit(self, record):
        self.hits += self.needle in record.getMessage()


async def _converse(bot):
    user = bot.user(1001, FIRST_NAME, last_name="Quist", username="zq_patient")
    await user.send("/start")
    start = await user.wait_for(f"Hello, {FIRST_NAME}")
    for label in start.button_labels():  # every main-menu entry the installed features offer
        await user.send("/start")  # a fresh menu: some entries edit the pressed message in place
        menu = await user.wait_for(f"Hello, {FIRST_NAME}")
        await user.press(menu, label)
        await bot.settle()
    await user.send(SECRET_TEXT)
    await user.send(f"call me on {PHONE}")
    await user.send_contact(PHONE)
    await user.send("/nosuchcommand please")
    await user.send("/help")
    await user.send("/cancel")
    await bot.settle()


@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_a_conversation_logs_no_text_names_or_phones_at_info(bot, fmt, restore_logging):
    out = io.StringIO()
    setup_logging(logging.INFO, [bot.env["TELEGRAM_BOT_TOKEN"]], fmt, stream=out)
    await _converse(bot)
    logged = out.getvalue()
    assert "user_id=1001" in logged or '"user_id": 1001' in logged, "the conversation was logged by id"
    for secret in (FIRST_NAME, "Quist", "zq_patient", "lower back", "Tuesday", PHONE, PHONE.replace(" ", ""),
                   "0199", "please", bot.env["TELEGRAM_BOT_TOKEN"]):
        assert secret not in logged, secret
    if fmt == "json":
        assert all(json.loads(line)["event"] for line in logged.splitlines())


async def test_the_token_never_appears_even_at_debug_with_http_logging_on(bot, restore_logging):
    token = bot.env["TELEGRAM_BOT_TOKEN"]
    out = io.StringIO()
    handler = setup_logging(logging.DEBUG, [token], "text", stream=out)
    counter = _RawCounter(token)
    logging.getLogger().handlers.insert(0, counter)
    for name in ("httpx", "httpcore", "telegram"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        await _converse(bot)
    finally:
        logging.getLogger().removeHandler(counter)
        logging.getLogger("telegram").setLevel(logging.NOTSET)
    assert counter.hits > 0, "httpx logged URLs with the token: the redaction was exercised"
    assert token not in out.getvalue()
    assert REDACTED in out.getvalue()
    assert handler in logging.getLogger().handlers


def _update(data):
    from telegram import Update

    return Update.de_json(data, None)


@pytest.mark.parametrize("payload, described", [
    ({"message": {"text": "/start book", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}},
     "kind=command command=start"),
    ({"message": {"text": "/zelda_quist_5550199"}}, "kind=command command=unknown"),
    ({"message": {"text": "my back hurts"}}, "kind=text"),
    ({"message": {"contact": {"phone_number": "+15550199", "first_name": "Zelda"}}}, "kind=contact"),
    ({"callback_query": {"id": "1", "chat_instance": "1", "data": "menu:book",
                         "from": {"id": 1, "is_bot": False, "first_name": "Zelda"}}}, "kind=button button=menu"),
    ({"callback_query": {"id": "1", "chat_instance": "1", "data": "Zelda:forged",
                         "from": {"id": 1, "is_bot": False, "first_name": "Zelda"}}}, "kind=button button=unknown"),
])
def test_each_update_is_described_without_anything_typed(payload, described):
    from wellbot.bot.heartbeat import describe_update

    base = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
            "from": {"id": 1, "is_bot": False, "first_name": "Zelda"}}
    if "message" in payload:
        payload = {"message": {**base, **payload["message"]}}
    assert describe_update(_update({"update_id": 1, **payload}), {"start", "help"}, {"menu"}) == described
