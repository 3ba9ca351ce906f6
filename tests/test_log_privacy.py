"""Personal data never reaches any log at any level, library loggers included (issue 21, finding 5).

At DEBUG, python-telegram-bot's own loggers (`telegram.ext.ExtBot`,
`telegram.ext.Application`) printed every request's parameters and every
update: names, phone numbers, typed questions, broadcast text. A filter on
the root handler now keeps ids and outcomes and drops everything else.
"""

from __future__ import annotations

import io
import json
import logging

import pytest

from tests.booking_helpers import to_summary
from tests.test_broadcast import compose, subscribe
from wellbot.core.logs import setup_logging

NAME = "Zelda Quist"
PHONE = "+1 555 0199"
QUESTION = "does cupping leave marks on my shoulders"
BROADCAST = "Flu clinic Saturday morning at the annex"
SECRETS = (NAME, "Zelda", "Quist", "zq_patient", PHONE, "5550199", "555 0199", "0199", QUESTION,
           "shoulders", BROADCAST, "annex")
LIBRARIES = ("telegram", "httpx", "httpcore", "apscheduler", "asyncio", "hpack")


async def _journey(bot):
    """A patient books and asks; staff broadcast; everything a log might repeat."""
    zelda = bot.user(1001, "Zelda", last_name="Quist", username="zq_patient")
    summary = await to_summary(bot, zelda, name=NAME, phone=PHONE)
    await zelda.press(summary, "Confirm")
    await zelda.wait_for("Booked!")
    await zelda.send(QUESTION)
    await zelda.send_contact(PHONE)
    await bot.settle()
    subscribe(bot, [1001])
    confirm = await compose(bot, BROADCAST)
    await bot.staff().press(confirm, "Send now")
    await zelda.wait_for("Flu clinic")
    await bot.settle()


@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_debug_logs_of_every_library_carry_no_personal_data(bot, fmt, restore_logging):
    out = io.StringIO()
    setup_logging(logging.DEBUG, [bot.env["TELEGRAM_BOT_TOKEN"]], fmt, stream=out)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        await _journey(bot)
    finally:
        for name in LIBRARIES:
            logging.getLogger(name).setLevel(logging.NOTSET)
    logged = out.getvalue()
    assert "sendMessage" in logged, "library DEBUG lines were written"
    assert "Calling Bot API endpoint" in logged
    assert "user_id=1001" in logged or '"user_id": 1001' in logged
    for secret in SECRETS:
        assert secret not in logged, secret
    if fmt == "json":
        assert all(json.loads(line)["event"] for line in logged.splitlines())


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_traceback_keeps_its_frames_but_not_the_message_that_quoted_a_patient(fmt, restore_logging):
    out = io.StringIO()
    setup_logging(logging.DEBUG, [], fmt, stream=out)
    try:
        try:
            raise KeyError(f"no slot for {NAME}")
        except KeyError as inner:
            raise ValueError(PHONE) from inner
    except ValueError:
        logging.getLogger("some.library").exception("failed on %s", {"text": QUESTION})
    logged = out.getvalue()
    assert "ValueError" in logged
    assert "KeyError" in logged
    assert "test_log_privacy.py" in logged
    for secret in (NAME, PHONE, QUESTION):
        assert secret not in logged, secret


@pytest.mark.parametrize("value, kept", [
    (1001, True), (None, True), ("sendMessage", True), ([500000001, 500000002], True),
    ("/var/lib/wellbot/wellbot.db", True), (PHONE, False), ("+15550199", False), (QUESTION, False),
    ({"chat_id": 1, "text": "hi"}, False), (OSError(28, "No space left on device"), True),
])
def test_only_values_that_cannot_be_personal_are_kept(value, kept):
    from wellbot.core.logs import safe_value

    assert (safe_value(value) == value or safe_value(value) == f"OSError: {value}") is kept
