"""News items: validation, storage, Markdown/CSV import (all or nothing) and the `wellbot news` CLI."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from wellbot.cli import main
from wellbot.newsletter import items

TZ = ZoneInfo("America/New_York")


def test_a_valid_item_is_saved_and_read_back(db, clinic, clock):
    item = items.make_item(clinic, clock, title="  Open   Saturday ", body="<b>We</b> are open",
                           topics=["clinic", "tcm"], publish="2026-06-15 09:00", link="https://example.org/x",
                           author="900")
    assert item.topics == ("tcm", "clinic")  # clinic order
    assert item.publish_at == datetime(2026, 6, 15, 13, 0, tzinfo=UTC)  # 09:00 New York in June
    [item_id] = items.add_items(db, clock, [item])
    saved = items.get_item(db, item_id)
    assert (saved.title, saved.body, saved.link) == ("Open Saturday", "<b>We</b> are open", "https://example.org/x")
    assert [i.id for i in items.list_items(db)] == [item_id]
    assert items.delete_item(db, item_id)
    assert not items.delete_item(db, item_id)


@pytest.mark.parametrize("field, value, reason", [
    ("title", "", "title is empty"),
    ("title", "x" * 121, "longer than 120"),
    ("body", "<p>hi</p>", "not valid Telegram HTML"),
    ("body", "a & b", "not valid Telegram HTML"),
    ("body", "x" * 3001, "longer than 3000"),
    ("topics", ["astrology"], "unknown topic astrology"),
    ("topics", [], "at least one topic"),
    ("publish", "next week", "not a time"),
    ("link", "javascript:alert(1)", "web address"),
])
def test_bad_input_is_refused_with_a_reason(clinic, clock, field, value, reason):
    values = {"title": "T", "body": "B", "topics": ["pain"], "publish": "now", "link": ""} | {field: value}
    with pytest.raises(items.ItemError, match=reason):
        items.make_item(clinic, clock, **values)


def test_markdown_import_converts_formatting_and_escapes_the_rest(db, clinic, clock):
    text = """# Moxa & you
topics: tcm, wellness
publish: 2026-06-20
link: https://example.org/moxa

Warmth **helps** *tight* muscles. See [our page](https://example.org/m) <3

# Clinic open Saturday
topics: clinic

We are open 9-13.
"""
    ids = items.import_items(db, clinic, clock, text, "md")
    first, second = items.get_item(db, ids[0]), items.get_item(db, ids[1])
    assert first.title == "Moxa & you"
    assert first.body == ('Warmth <b>helps</b> <i>tight</i> muscles. See <a href="https://example.org/m">our page</a>'
                          " &lt;3")
    assert first.topics == ("tcm", "wellness")
    assert first.link == "https://example.org/moxa"
    assert second.publish_at == clock.now()


def test_an_import_with_one_bad_item_saves_nothing(db, clinic, clock):
    text = "title,body,topics\nGood,Fine text,pain\nBad,<p>no</p>,pain\n"
    with pytest.raises(items.ItemError, match=r"item 2 .*'Bad'"):
        items.import_items(db, clinic, clock, text, "csv")
    assert items.list_items(db) == []


def test_csv_import(db, clinic, clock):
    text = 'title,body,topics,publish,link\nA,"<i>one</i>","pain;tcm",2026-07-01 10:00,\nB,two,clinic,,\n'
    ids = items.import_items(db, clinic, clock, text, "csv")
    assert [items.get_item(db, i).topics for i in ids] == [("tcm", "pain"), ("clinic",)]
    with pytest.raises(items.ItemError, match="columns body"):
        items.import_items(db, clinic, clock, "title,topics\nA,pain\n", "csv")


def test_cli_add_list_import_delete(tmp_path, capsys):
    env = {"WELLBOT_DATABASE": str(tmp_path / "w.db")}
    assert main(["migrate"], env) == 0  # news never creates a database
    assert main(["news", "add", "--title", "Open Saturday", "--body", "<b>Yes</b>", "--topics", "clinic"], env) == 0
    news = tmp_path / "news.md"
    news.write_text("# Stretch daily\ntopics: wellness\n\nFive minutes a day.\n", encoding="utf-8")
    assert main(["news", "import", str(news)], env) == 0
    assert main(["news", "list"], env) == 0
    out = capsys.readouterr().out
    assert "imported 1 item(s)" in out
    assert "Open Saturday" in out
    assert "Stretch daily" in out
    assert main(["news", "add", "--title", "X", "--body", "<p>", "--topics", "clinic"], env) == 2
    assert "not valid Telegram HTML" in capsys.readouterr().err
    assert main(["news", "delete", "1"], env) == 0
    assert main(["news", "delete", "1"], env) == 2


# --- End to end: the staff flow in the bot ------------------------------------------

async def test_news_add_guided_flow_with_preview_then_list_edit_delete(bot):
    staff = bot.staff()
    await staff.send("/news_add")
    assert "Send the title" in (await staff.next_message()).text
    await staff.send("   ")
    await staff.send("Moxa & warmth")
    await staff.wait_for("Send the text")
    await staff.send("Gentle warmth eases tight muscles.")
    await staff.wait_for("Send a link")
    await staff.send("not a link")
    await staff.wait_for("web address")
    await staff.send("none")
    topics = await staff.wait_for("Which topics")
    await staff.press(topics, "Done")  # nothing chosen yet: refused
    await staff.press(topics, "Pain management")
    topics = await staff.wait_for("Which topics")
    assert "✓ Pain management" in topics.button_labels()
    await staff.press(topics, "Done")
    await staff.wait_for("When should it be published")
    await staff.send("tomorrow-ish")
    await staff.wait_for("not a time")
    await staff.send("2026-06-15 09:00")
    confirm = await staff.wait_for("Save it?")
    preview = staff.messages[-2]
    assert "Moxa &amp; warmth" in preview.html
    assert "Gentle warmth" in preview.text
    assert preview.button_labels() == ["Unsubscribe", "Manage topics"]
    assert "Pain management" in confirm.text
    assert "Mon 15 Jun 2026, 09:00" in confirm.text
    save_data = confirm.buttons()[0][0]["callback_data"]
    await staff.press(confirm, "Save")
    await staff.wait_for("Saved news item #1")
    await staff.press_data(confirm.message_id, save_data)  # a second tap: the flow is over, nothing saved twice
    await bot.settle()
    assert len(items.list_items(bot.db)) == 1
    item = items.get_item(bot.db, 1)
    assert item.title == "Moxa & warmth"
    assert item.topics == ("pain",)
    assert item.author == "900"

    await staff.send("/news_list")
    assert "#1 Mon 15 Jun 2026, 09:00: Moxa &amp; warmth" in (await staff.wait_for("Health news")).html
    await staff.send("/news_edit 1")
    pick = await staff.wait_for("What would you like to change?")
    await staff.press(pick, "Title")
    await staff.wait_for("Send the title")
    await staff.send("Moxa and warmth")
    await staff.press(await staff.wait_for("Save the changes?"), "Save")
    await staff.wait_for("Saved news item #1")
    assert items.get_item(bot.db, 1).title == "Moxa and warmth"

    await staff.send("/news_delete 7")
    await staff.wait_for("No such item")
    await staff.send("/news_delete 1")
    ask = await staff.wait_for("Delete news item #1")
    await staff.press(ask, "Delete")
    await staff.wait_for("News item #1 deleted")
    await staff.press_data(ask.message_id, "nw:del:1")  # pressed again
    await staff.wait_for("already gone")
    assert items.list_items(bot.db) == []


async def test_patients_cannot_add_news_or_press_news_buttons(bot):
    patient = bot.user(1201)
    await patient.send("/news_add")
    assert "staff" in (await patient.next_message()).text.lower()
    await patient.press_data(1, "nw:del:1")
    await bot.settle()
    assert any("staff" in (a.get("text") or "").lower() for a in patient.callback_answers)
