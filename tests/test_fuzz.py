"""Bad input never crashes the bot: hypothesis feeds the running application random, malformed updates.

Each example is a raw update queued on the local Bot API server (so it goes
through PTB's parsing, the guards, the router and every feature's handlers,
as in production): Unicode from every plane, right-to-left text, texts of
4096 characters, empty and whitespace texts, unknown or forged
callback_data (including every registered prefix), edited messages, channel
posts and updates without a user. After each, no exception has reached the
error handlers, the user got a reply where one is due, no error log line
carries what the user typed, and the database has no half-written rows.
"""

from __future__ import annotations

import itertools
import logging
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scripts import no_flood_limit, settle_answered
from wellbot.app import FEATURES
from wellbot.bot.features import all_commands
from wellbot.sim.devserver import _command_entities

PREFIXES = sorted({r.prefix for f in FEATURES for r in f.buttons} | {"menu"})
COMMANDS = [c.name for c in all_commands(FEATURES)]
RTL = ["مرحبا، أين العيادة؟", "שלום, מתי התור שלי", "\u202eevil\u202c", "\u200f\u061c"]
BLANK = ["", " ", "\n\t ", "\u00a0", "\u200b", "\u3000"]
LONG = [4096, 4097, 1000, 1001]
_user_ids = itertools.count(700_001)

any_char = st.characters(exclude_categories=("Cs",))  # every plane, surrogates cannot travel in JSON text
astral = st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF)
texts = st.one_of(
    st.text(any_char, max_size=60),
    st.text(astral, min_size=1, max_size=20),
    st.sampled_from(RTL + BLANK),
    st.builds(lambda c, n: c * n, st.sampled_from(["x", "é", "\U0001f600", "ש", "<"]), st.sampled_from(LONG)),
    st.builds(lambda name, rest: f"/{name} {rest}", st.sampled_from(COMMANDS), st.text(any_char, max_size=40)),
    st.sampled_from(["/start", "/help", "/privacy", "/cancel", "/unknown_cmd", "/start faq", "/start x" * 9]),
)
parts = st.lists(st.one_of(st.integers(-10, 10**12).map(str), st.text(any_char, max_size=8)), max_size=4)
forged_data = st.one_of(
    st.none(),
    st.text(any_char, min_size=1, max_size=64),
    st.builds(lambda prefix, rest: ":".join([prefix, *rest]), st.sampled_from(PREFIXES), parts),
).filter(lambda data: data is None or 0 < len(data.encode("utf-8")) <= 64)

KINDS = ["message", "edited_message", "callback_query", "channel_post", "userless", "contact"]


def _message(user, text, message_id=1):
    message = {"message_id": message_id, "from": user.user_json(), "chat": user.chat_json(),
               "date": int(time.time()), "text": text}
    if entities := _command_entities(text):
        message["entities"] = entities
    return message


def _update(kind, user, text, data):
    """A raw update of `kind` from `user`, and whether the user is due a reply."""
    channel = {"id": -100_999, "type": "channel", "title": "Chan"}
    if kind == "message":
        return {"message": _message(user, text)}, bool(text)
    if kind == "edited_message":
        return {"edited_message": dict(_message(user, text), edit_date=int(time.time()))}, False
    if kind == "callback_query":
        return None, False  # pressed through the devserver, which tracks that it is answered
    if kind == "channel_post":
        return {"channel_post": {"message_id": 1, "chat": channel, "date": 0, "text": text}}, False
    if kind == "userless":
        return {"message": {"message_id": 1, "chat": {"id": -100_998, "type": "supergroup", "title": "G"},
                            "sender_chat": channel, "date": 0, "text": text}}, False
    contact = {"phone_number": text[:20] or "+1", "first_name": text[:30] or "x"}
    return {"message": dict(_message(user, ""), contact=contact, text=None)}, True


def _no_half_written_rows(db):
    assert not db.conn.in_transaction, "a transaction was left open"
    assert list(db.query("pragma foreign_key_check")) == []
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(KINDS), text=texts, data=forged_data)
async def test_random_and_malformed_updates_never_crash_the_bot(bot, caplog, kind, text, data):
    no_flood_limit(bot)
    errors = bot.app.bot_data.setdefault("fuzz_errors", [])
    if not bot.app.bot_data.get("fuzz_recorder"):
        async def record(update, context):
            errors.append(context.error)

        bot.app.add_error_handler(record)
        bot.app.bot_data["fuzz_recorder"] = True
    errors.clear()
    user = bot.user(next(_user_ids), "Fuzz")
    update, reply_due = _update(kind, user, text, data)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        if update is None:
            await user.press_data(99, data)  # a forged button on a message the user cannot see
        else:
            bot.server.enqueue_raw(update)
        await bot.settle()
    await settle_answered(bot)
    assert errors == [], f"{kind} {text!r} {data!r} raised {errors!r}"
    if reply_due and not user.history:
        await user.next_message()  # settle() can return while a slow handler is still thinking
    for foreign in (-100_999, -100_998):
        assert not [c for c in bot.server.calls if c.params.get("chat_id") == foreign]
    if len(text.strip()) >= 8 and not text.startswith("/"):
        leaked = [r.getMessage() for r in caplog.records if text in r.getMessage()]
        assert leaked == [], "what the user typed reached the log"
    _no_half_written_rows(bot.db)
