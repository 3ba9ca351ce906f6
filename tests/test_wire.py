"""The engine's wire messenger gives the same outcome as the PTB messenger for every Bot API answer.

Both push the same delivery to the strict local Bot API server over real
HTTP; the server is told to answer each way Telegram can (sent, blocked,
chat gone, bad HTML, 429, 5xx, bad token, conflict, a migrated group), and
the two PushResults must match (the message ids aside, which are per send).
"""

import asyncio

import pytest
from telegram.ext import ExtBot

from wellbot.bot.ratelimit import BulkAwareRateLimiter
from wellbot.newsletter.engine import Delivery, Outcome, PushResult
from wellbot.newsletter.messenger import TelegramMessenger, bulk_bot, subscription_keyboard
from wellbot.newsletter.wire import TIMED_OUT, WireError, WireMessenger, _take_response, outcome_of
from wellbot.sim.devserver import BotAPIServer

TOKEN = "123456:WIRE-test-token"
TEXT = "News from the clinic: <b>open on Saturday</b> &amp; Sunday"
USER, BLOCKED, UNKNOWN = 101, 102, 999

# (label, fail_next arguments or None, chat, text)
ANSWERS = [
    ("sent", None, USER, TEXT),
    ("blocked the bot", None, BLOCKED, TEXT),
    ("chat not found", None, UNKNOWN, TEXT),
    ("bad HTML", None, USER, "<b>unclosed"),
    ("429", {"status": 429, "description": "Too Many Requests: retry after 3", "retry_after": 3}, USER, TEXT),
    ("500", {"status": 500, "description": "Internal Server Error"}, USER, TEXT),
    ("502", {"status": 502, "description": "Bad Gateway"}, USER, TEXT),
    ("401", {"status": 401, "description": "Unauthorized"}, USER, TEXT),
    ("409", {"status": 409, "description": "Conflict: terminated by other request"}, USER, TEXT),
    ("deactivated", {"status": 403, "description": "Forbidden: user is deactivated"}, USER, TEXT),
    ("odd 400", {"status": 400, "description": "Bad Request: message is too long"}, USER, TEXT),
    ("no description", {"status": 503, "description": ""}, USER, TEXT),
]


@pytest.fixture
async def server():
    server = BotAPIServer(token=TOKEN)
    await server.start()
    server.user(USER)
    server.user(BLOCKED).block()
    yield server
    await server.stop()


async def push_both(server, fail, chat, text, paid=False):
    """(PTB result, wire result) for the same delivery and the same injected answer."""
    app_bot = ExtBot(TOKEN, base_url=server.base_url, rate_limiter=BulkAwareRateLimiter())
    ptb_bot = bulk_bot(app_bot, 2)
    delivery = Delivery(1, 1, chat, chat, text)
    async with ptb_bot:
        if fail:
            server.fail_next("sendMessage", **fail)
        ptb = await TelegramMessenger(ptb_bot, paid).push(delivery)
    wire = WireMessenger(app_bot.base_url, subscription_keyboard().to_dict(), lanes=2, paid=paid,
                         ready=app_bot.rate_limiter.bulk_ready)
    if fail:
        server.fail_next("sendMessage", **fail)
    try:
        result = await wire.push(delivery)
    finally:
        await wire.close()
    return ptb, result


@pytest.mark.parametrize("label,fail,chat,text", ANSWERS, ids=[a[0] for a in ANSWERS])
async def test_wire_and_ptb_messengers_agree(server, label, fail, chat, text):
    ptb, wire = await push_both(server, fail, chat, text)
    assert (ptb.outcome is Outcome.SENT) == (label == "sent")
    if ptb.outcome is Outcome.SENT:
        assert wire.outcome is Outcome.SENT
        assert wire.message_id == ptb.message_id + 1
    else:
        assert wire == ptb


async def test_the_wire_sends_what_ptb_sends(server):
    """The server receives the same parameters either way (paid broadcast on)."""
    await push_both(server, None, USER, TEXT, paid=True)
    ptb_call, wire_call = [c for c in server.calls if c.method == "sendMessage"]
    assert wire_call.params == ptb_call.params
    assert ptb_call.params["allow_paid_broadcast"] is True
    first, second = server.sent[-2:]
    assert (first.html, first.reply_markup) == (second.html, second.reply_markup)


async def test_connections_are_kept_and_reopened_after_the_server_drops_them(server):
    wire = WireMessenger(f"{server.base_url}{TOKEN}", subscription_keyboard().to_dict(), lanes=1)
    results = [await wire.push(Delivery(n, 1, USER, USER, f"message {n}")) for n in range(3)]
    for task in list(server._handlers):  # the server goes away and comes back (keep-alive connections die)
        task.cancel()
    await asyncio.sleep(0.05)
    results.append(await wire.push(Delivery(9, 1, USER, USER, "after")))
    results.append(await wire.push(Delivery(10, 1, USER, USER, "after again")))
    await wire.close()
    outcomes = [r.outcome for r in results]
    assert outcomes[:3] == [Outcome.SENT] * 3
    assert outcomes[-1] is Outcome.SENT
    # A dead connection is noticed before the write (then reopened: sent), or only after it: uncertain,
    # since the request went out (issue 21: never resent blindly).
    assert outcomes[3] in (Outcome.SENT, Outcome.UNCERTAIN)


async def test_no_answer_is_uncertain_and_nothing_listening_is_transient():
    silent = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    wire = WireMessenger(f"http://127.0.0.1:{port}/bot{TOKEN}", {}, lanes=1, read_timeout=0.05)
    # The request was written: Telegram may have delivered it, so it must not be sent again blindly.
    assert await wire.push(Delivery(1, 1, USER, USER, "x")) == PushResult(Outcome.UNCERTAIN, error=TIMED_OUT)
    await wire.close()
    silent.close()
    await silent.wait_closed()
    wire = WireMessenger(f"http://127.0.0.1:{port}/bot{TOKEN}", {}, lanes=1)
    refused = await wire.push(Delivery(1, 1, USER, USER, "x"))
    assert refused.outcome is Outcome.TRANSIENT
    assert "ConnectionRefused" in refused.error


async def test_every_lane_busy_is_a_transient_pool_timeout(server):
    wire = WireMessenger(f"{server.base_url}{TOKEN}", {}, lanes=1, pool_timeout=0.01)
    lane = await wire._free.get()  # the one lane is taken
    result = await wire.push(Delivery(1, 1, USER, USER, "x"))
    wire._free.put_nowait(lane)
    assert result.outcome is Outcome.TRANSIENT
    assert "not sent" in result.error
    assert server.stats["calls"] == 0


def test_responses_are_parsed_whole_chunked_or_not_at_all():
    buffer = bytearray(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"ok\":true}HTTP/1.1 200")
    assert _take_response(buffer) == (200, b'{"ok":true}', True)
    assert buffer == bytearray(b"HTTP/1.1 200")  # the next answer's start is kept
    chunked = bytearray(b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                        b"4\r\n{\"ok\r\n7\r\n\":false\r\n1\r\n}\r\n0\r\n\r\n")
    assert _take_response(chunked[:-3]) is None  # not all there yet
    assert _take_response(chunked) == (403, b'{"ok":false}', False)
    with pytest.raises(WireError):
        _take_response(bytearray(b"SSH-2.0-OpenSSH\r\n\r\n"))


def test_outcomes_of_answers_ptb_cannot_parse():
    assert outcome_of(200, b"not json").outcome is Outcome.FAILED
    assert outcome_of(502, b"<html>bad gateway</html>").outcome is Outcome.TRANSIENT
    assert outcome_of(400, b'{"ok":false,"description":"Bad Request: chat not found"}') == PushResult(
        Outcome.BLOCKED, error="Chat not found")
    migrated = outcome_of(400, b'{"ok":false,"description":"x","parameters":{"migrate_to_chat_id":-100}}')
    assert migrated == PushResult(Outcome.FAILED, error="Group migrated to supergroup. New chat id: -100")
