"""News items: validation, storage, Markdown/CSV import (all or nothing) and the `wellbot news` CLI."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from wellbot.cli import main
from wellbot.clinic import load_clinic
from wellbot.clock import ManualClock
from wellbot.db import open_database
from wellbot.newsletter import items
from wellbot.resources import example_clinic_file

TZ = ZoneInfo("America/New_York")


@pytest.fixture
def clinic():
    return load_clinic(example_clinic_file())


@pytest.fixture
def db():
    return open_database(":memory:")


@pytest.fixture
def clock():
    return ManualClock(TZ, datetime(2026, 6, 10, 13, 0, tzinfo=UTC))


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
    assert items.delete_item(db, item_id) and not items.delete_item(db, item_id)


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
    assert first.topics == ("tcm", "wellness") and first.link == "https://example.org/moxa"
    assert second.publish_at == clock.now()


def test_an_import_with_one_bad_item_saves_nothing(db, clinic, clock):
    text = "title,body,topics\nGood,Fine text,pain\nBad,<p>no</p>,pain\n"
    with pytest.raises(items.ItemError, match="item 2 .*'Bad'"):
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
    assert main(["news", "add", "--title", "Open Saturday", "--body", "<b>Yes</b>", "--topics", "clinic"], env) == 0
    news = tmp_path / "news.md"
    news.write_text("# Stretch daily\ntopics: wellness\n\nFive minutes a day.\n", encoding="utf-8")
    assert main(["news", "import", str(news)], env) == 0
    assert main(["news", "list"], env) == 0
    out = capsys.readouterr().out
    assert "imported 1 item(s)" in out and "Open Saturday" in out and "Stretch daily" in out
    assert main(["news", "add", "--title", "X", "--body", "<p>", "--topics", "clinic"], env) == 1
    assert "not valid Telegram HTML" in capsys.readouterr().err
    assert main(["news", "delete", "1"], env) == 0
    assert main(["news", "delete", "1"], env) == 1
