"""The one renderer: escaping, Telegram's tag whitelist, splitting."""

from zoneinfo import ZoneInfo

import pytest

from wellbot.bot.render import Renderer
from wellbot.bot.telegram_html import (
    MAX_MESSAGE_LENGTH,
    TelegramHTMLError,
    plain_text,
    split_message,
    validate,
    visible_length,
)
from wellbot.core.errors import ConfigError

TZ = ZoneInfo("America/New_York")


@pytest.fixture
def renderer():
    return Renderer(TZ, {"clinic": {"name": "Clinic & Co", "phone": "+1 555 0100"}})


def test_user_text_is_escaped(renderer):
    text = renderer.render("start", first_name="<b>Eve</b> & {{ clinic }}")
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp; {{ clinic }}" in text
    validate(text)
    assert "Hello, <b>Eve</b> & {{ clinic }}!" in plain_text(text)


def test_missing_values_fail_loudly(renderer):
    with pytest.raises(ConfigError, match="first_name"):
        renderer.render("start")


@pytest.mark.parametrize("bad", ["<p>x</p>", "a & b", "<b>open", "<b><i>x</b></i>", "x<br>y", "1 > 0",
                                 '<a href="x" onclick="y">z</a>', "&nbsp;"])
def test_tags_outside_telegrams_subset_are_refused(bad):
    with pytest.raises(TelegramHTMLError):
        validate(bad)


@pytest.mark.parametrize("good", ["<b>b</b> <i>i</i> <u>u</u> <s>s</s> <code>c</code> <pre>p</pre>",
                                  '<a href="https://example.org/?a=1&amp;b=2">link</a>',
                                  '<span class="tg-spoiler">x</span> <tg-spoiler>y</tg-spoiler>',
                                  "<blockquote expandable>q</blockquote> &lt;&gt;&amp;&quot;&#39;&#x1F600;"])
def test_telegrams_subset_is_accepted(good):
    validate(good)


def test_staff_template_string_is_sandboxed(renderer):
    with pytest.raises(ConfigError):
        renderer.render_string("{{ ''.__class__.__mro__ }}")


def test_long_text_is_split_at_lines_and_each_part_is_valid():
    line = "Acupuncture & cupping <today>\n"
    html = "<b>" + "".join(line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                           for _ in range(400)) + "</b>"
    parts = split_message(html)
    assert len(parts) == 3
    for part in parts:
        validate(part)
        assert visible_length(part) <= MAX_MESSAGE_LENGTH
        assert part.startswith("<b>")
        assert part.endswith("</b>")
    joined = "".join(plain_text(p) + "\n" for p in parts)
    assert joined.count("Acupuncture & cupping <today>") == 400


def test_a_single_huge_line_is_split_too():
    html = "word " * 3000
    parts = split_message(html)
    assert len(parts) == 4
    assert all(visible_length(p) <= MAX_MESSAGE_LENGTH for p in parts)


def test_length_counts_utf16_units_like_telegram():
    assert visible_length("😀") == 2
    assert visible_length("&lt;b&gt;") == 3


def test_every_bundled_template_renders_with_its_sample(renderer):
    from wellbot.core.clinic import load_clinic
    from wellbot.core.resources import example_clinic_file

    clinic = load_clinic(example_clinic_file())
    full = Renderer(TZ, {"clinic": clinic})
    assert len(full.check_all()) >= 9
