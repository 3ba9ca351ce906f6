"""Raw update JSON the library may reject never stops the bot answering other patients (issue 21).

Hypothesis builds updates of every kind the Bot API defines (and unknown
ones): random JSON bodies, and real message, button and poll shapes with a
required field dropped or given the wrong type. Each is queued on the local
Bot API server exactly as built; then another patient sends /help and must
get the answer, and nothing the broken update carried may reach the log.
"""

from __future__ import annotations

import itertools
import logging
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from tests.scripts import no_flood_limit

MARKER = "Zq-private-7731"  # stands for a phone number or typed text inside the broken update
_canaries = itertools.count(810_001)

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63), st.floats(allow_nan=False),
                    st.text(max_size=12), st.just(MARKER))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
kinds = st.sampled_from([*Update.ALL_TYPES, "unknown_kind"])


def _shapes(user_id: int) -> dict[str, dict]:
    """Valid bodies of a few kinds, to be broken one field at a time."""
    user = {"id": user_id, "is_bot": False, "first_name": MARKER}
    chat = {"id": user_id, "type": "private", "first_name": MARKER}
    message = {"message_id": 3, "from": user, "chat": chat, "date": int(time.time()), "text": MARKER}
    return {
        "message": message,
        "edited_message": dict(message, edit_date=int(time.time())),
        "callback_query": {"id": "77", "from": user, "chat_instance": "ci", "data": "menu:book",
                           "message": message},
        "poll": {"id": "5", "question": MARKER, "options": [{"text": MARKER, "voter_count": 0}],
                 "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
                 "allows_multiple_answers": False},
        "my_chat_member": {"chat": chat, "from": user, "date": 0,
                           "old_chat_member": {"status": "member", "user": user},
                           "new_chat_member": {"status": "kicked", "user": user, "until_date": 0}},
    }


@st.composite
def raw_updates(draw, user_id: int) -> dict:
    """One update: a random body of any kind, or a real shape with one field dropped or garbled."""
    if draw(st.booleans()):
        return {draw(kinds): draw(json_values)}
    shapes = _shapes(user_id)
    kind = draw(st.sampled_from(sorted(shapes)))
    body = shapes[kind]
    key = draw(st.sampled_from(sorted(body)))
    if draw(st.booleans()):
        body = {k: v for k, v in body.items() if k != key}
    else:
        body = dict(body, **{key: draw(json_values)})
    return {kind: body}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_broken_raw_updates_never_stop_the_bot_answering_others(bot, caplog, data):
    no_flood_limit(bot)
    sender = next(_canaries)
    updates = data.draw(st.lists(raw_updates(sender), min_size=1, max_size=3))
    canary = bot.user(next(_canaries), "Canary")
    caplog.clear()
    with caplog.at_level(logging.INFO):
        for update in updates:
            bot.server.enqueue_raw(update)
        await canary.send("/help")
        answer = await canary.next_message()
        await bot.settle()
    assert "/book" in answer.text
    assert bot.server.pending_updates() == 0
    leaked = [r.getMessage() for r in caplog.records if MARKER in r.getMessage()]
    assert leaked == [], "what the broken update carried reached the log"
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]
