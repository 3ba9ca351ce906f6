"""Injection: hostile names and text are shown as text, never interpreted as HTML or template code.

Runs every patient journey in tests/scripts.py `JOURNEYS` (features add
theirs there) with hostile input in place of "{text}" and as the patient's
name, against the devserver, which refuses malformed HTML as Telegram does.
"""

from __future__ import annotations

import pytest

from tests.scripts import JOURNEYS, STAFF_JOURNEYS, no_flood_limit, run_journey

# Each is hostile in its own way; `{{ 7*191 }}` would render as 1337 if evaluated.
HOSTILE = [
    "<b>INJECTED</b>",
    "a < b & c > d &amp; &lt;x&gt; &#60;",
    '<a href="tg://user?id=1">INJECTED</a><script>alert(1)</script>',
    "{{ 7*191 }} {% for x in clinic %}{{ x }}{% endfor %} {{ clinic.__class__ }}",
    "</b></i><pre><code>unclosed",
]
EVALUATED = "1337"


def _formatted_spans(message) -> list[str]:
    """The text of every entity (bold, link, code...) the bot's message has."""
    units = message.text.encode("utf-16-le")
    return [units[2 * e["offset"]: 2 * (e["offset"] + e["length"])].decode("utf-16-le") for e in message.entities]


@pytest.fixture
def errors(bot):
    seen = []

    async def record(update, context):
        seen.append(context.error)

    bot.app.add_error_handler(record)
    return seen


@pytest.mark.parametrize("journey", JOURNEYS, ids=[name for name, _ in JOURNEYS])
@pytest.mark.parametrize("hostile", HOSTILE)
async def test_hostile_input_is_shown_as_text_in_every_journey(bot, errors, journey, hostile):
    no_flood_limit(bot)
    _name, steps = journey
    patient = bot.user(6001, hostile[:64])
    await run_journey(bot, patient, steps, text=hostile)
    refused = [(c.method, c.description) for c in bot.server.calls if c.status != 200]
    assert refused == [], "the strict server accepted every message"
    assert errors == []
    for message in patient.history:
        assert EVALUATED not in message.text, "template syntax was evaluated"
        assert "INJECTED" not in " ".join(_formatted_spans(message)), "user text became formatting"


async def test_the_greeting_shows_a_hostile_name_literally(bot):
    name = "<i>Ann</i> & {{ clinic.phone }}"
    patient = bot.user(6002, name)
    await patient.send("/start")
    greeting = await patient.next_message()
    assert f"Hello, {name}!" in greeting.text
    assert not any("Ann" in span for span in _formatted_spans(greeting))



@pytest.mark.parametrize("journey", STAFF_JOURNEYS, ids=[name for name, _ in STAFF_JOURNEYS])
@pytest.mark.parametrize("hostile", HOSTILE)
async def test_staff_written_text_is_never_evaluated_nor_refused_by_telegram(bot, errors, journey, hostile):
    _name, steps = journey
    staff = bot.staff()
    await run_journey(bot, staff, steps, text=hostile)
    refused = [(c.method, c.description) for c in bot.server.calls if c.status != 200]
    assert refused == [], "the strict server accepted every message"
    assert errors == []
    assert all(EVALUATED not in message.text for message in staff.history), "template syntax was evaluated"
