"""Injection: hostile names and text are shown as text, never interpreted as HTML or template code.

Runs every patient journey in tests/scripts.py `JOURNEYS` (features add
theirs there) with hostile input in place of "{text}" and as the patient's
name, against the devserver, which refuses malformed HTML as Telegram does.
"""

from __future__ import annotations

import pytest
from markupsafe import escape

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


# --- Staff-written news items (/news_add, /news_edit) --------------------------------
# Staff format news in their Telegram app; what they type as characters (`<b>`, `&`,
# `{{ }}`) is text, and stays text in the preview, the saved item, /news_list and digests.

HOSTILE_TITLE = "a < b & <script>alert(1)</script> {{ clinic.phone }} {% if 1 %}yes{% endif %}"
TEMPLATE_BODY = "Take {{ 7*7 }} deep breaths {% if 1 %}daily{% endif %}"


def _news_count(bot) -> int:
    return bot.db.execute("select count(*) from news_items").fetchone()[0]


def _refused(bot) -> list[tuple]:
    return [(c.method, c.description) for c in bot.server.calls if c.status != 200]


async def _write_news(staff, title, body, *, formatted=False):
    """Staff: /news_add, title, body, no link, topic "Pain management", now; return (digest preview, Save prompt)."""
    await staff.send("/news_add")
    await staff.wait_for("Send the title")
    await staff.send(title)
    await staff.wait_for("Send the text")
    await (staff.send_formatted(body) if formatted else staff.send(body))
    await staff.wait_for("Send a link")
    await staff.send("none")
    topics = await staff.wait_for("Which topics")
    await staff.press(topics, "Pain management")
    await staff.press(await staff.wait_for("Which topics"), "Done")
    await staff.wait_for("When should it be published")
    await staff.send("now")
    prompt = await staff.wait_for("Save it?")
    shown = next(m for m in reversed(staff.history) if "health news" in m.text)
    return shown, prompt


async def _saved_item(bot, staff, prompt):
    await staff.press(prompt, "Save")
    await staff.wait_for("Saved news item #")
    return bot.db.execute("select title, body from news_items order by id desc limit 1").fetchone()


async def test_a_hostile_news_title_is_shown_and_saved_as_literal_text(bot, errors):
    staff = bot.staff()
    shown, prompt = await _write_news(staff, HOSTILE_TITLE, "Plain text")
    assert HOSTILE_TITLE in shown.text
    assert _formatted_spans(shown).count(HOSTILE_TITLE) == 1  # only the heading's bold, nothing from the title
    assert "<script>" not in " ".join(s for s in _formatted_spans(shown) if s != HOSTILE_TITLE)
    assert (await _saved_item(bot, staff, prompt))[0] == HOSTILE_TITLE
    await staff.send("/news_list")
    listed = await staff.wait_for("Health news")
    assert HOSTILE_TITLE in listed.text
    assert bot.deps.clinic.phone not in listed.text
    await staff.send("/news_delete 1")
    confirm = await staff.wait_for("Delete news item #1")
    assert HOSTILE_TITLE in confirm.text
    assert _refused(bot) == []
    assert errors == []


@pytest.mark.parametrize("typed", ["<p>x</p>", "a < b", "<b>unclosed", "x &nbsp; y", "</i>"])
async def test_html_typed_as_characters_in_a_news_body_stays_text(bot, errors, typed):
    staff = bot.staff()
    shown, prompt = await _write_news(staff, "Typed tags", typed)
    assert typed in shown.text
    assert typed not in " ".join(_formatted_spans(shown))
    _title, body = await _saved_item(bot, staff, prompt)
    assert body == escape(typed)  # stored escaped, so digests show exactly what was typed
    assert _refused(bot) == []
    assert errors == []


async def test_formatting_staff_apply_in_their_app_is_kept(bot, errors):
    staff = bot.staff()
    shown, prompt = await _write_news(staff, "Formatted", "<b>bold</b> &amp; <i>it</i>", formatted=True)
    assert "bold & it" in shown.text
    assert {"bold", "it"} <= set(_formatted_spans(shown))
    assert (await _saved_item(bot, staff, prompt))[1] == "<b>bold</b> &amp; <i>it</i>"
    assert _refused(bot) == []
    assert errors == []


async def test_an_invalid_news_body_gets_a_reason_and_nothing_is_saved(bot, errors):
    staff = bot.staff()
    await staff.send("/news_add")
    await staff.wait_for("Send the title")
    await staff.send("Too long")
    await staff.wait_for("Send the text")
    before = _news_count(bot)
    await staff.send("<b>" + "x" * 3001)
    refusal = await staff.wait_for("can't be saved")
    assert "longer than 3000" in refusal.text
    await staff.send("/cancel")
    await bot.settle()
    assert _news_count(bot) == before == 0
    assert _refused(bot) == []
    assert errors == []


async def test_template_syntax_in_a_news_body_is_not_evaluated_in_previews_or_digests(bot, errors):
    from tests.test_broadcast import subscribe

    subscribe(bot, [1501], topics=("pain",))
    staff = bot.staff()
    shown, prompt = await _write_news(staff, "Breathe {{ 7*7 }}", TEMPLATE_BODY)
    assert TEMPLATE_BODY in shown.text
    assert "Breathe {{ 7*7 }}" in shown.text
    assert "49" not in shown.text
    await _saved_item(bot, staff, prompt)
    await staff.send("/digest_preview 1501")
    await staff.wait_for("Subscriber 1501 would receive this next (1 item)")
    digest = await staff.wait_for("deep breaths")
    assert TEMPLATE_BODY in digest.text
    assert "Breathe {{ 7*7 }}" in digest.text
    assert "49" not in digest.text
    assert _refused(bot) == []
    assert errors == []


async def _edit(bot, staff, field, value):
    """Staff: /news_edit 1, change one field; return the digest preview, after saving."""
    await staff.send("/news_edit 1")
    await staff.press(await staff.wait_for("What would you like to change?"), field)
    await staff.wait_for("Send the t")
    await staff.send(value)
    prompt = await staff.wait_for("Save the changes?")
    shown = next(m for m in reversed(staff.history) if "health news" in m.text)
    await staff.press(prompt, "Save")
    await staff.wait_for("Saved news item #1")
    return shown


async def test_news_edit_keeps_a_hostile_title_and_body_literal(bot, errors):
    staff = bot.staff()
    _shown, prompt = await _write_news(staff, "Harmless", "Harmless")
    await _saved_item(bot, staff, prompt)
    shown = await _edit(bot, staff, "Title", HOSTILE_TITLE)
    assert HOSTILE_TITLE in shown.text
    body = TEMPLATE_BODY + " <p>x</p>"
    shown = await _edit(bot, staff, "Text", body)
    assert HOSTILE_TITLE in shown.text
    assert body in shown.text
    assert "49" not in shown.text
    assert bot.db.execute("select title, body from news_items where id = 1").fetchone() == (HOSTILE_TITLE, escape(body))
    assert _refused(bot) == []
    assert errors == []
