"""Operator commands behave alike: readers never create a database, bad input exits 2, check says what it skipped."""

import json
import logging

import pytest

from wellbot.cli import main
from wellbot.core.db import open_database
from wellbot.core.errors import ConfigError
from wellbot.core.logs import JsonFormatter
from wellbot.core.settings import Settings

TOKEN = "123456:" + "A" * 35


@pytest.mark.parametrize("argv", [["news", "list"], ["news", "delete", "3"], ["faq", "reload"],
                                  ["news", "add", "--title", "T", "--body", "B", "--topics", "pain"]])
def test_commands_that_read_a_database_never_create_one(tmp_path, capsys, argv):
    missing = tmp_path / "missing.db"
    assert main(argv, {"WELLBOT_DATABASE": str(missing)}) == 2
    assert "no database at" in capsys.readouterr().err
    assert not missing.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "wellbot.db"
    open_database(path).close()
    return path


@pytest.mark.parametrize("argv", [
    ["news", "add", "--title", "T", "--body", "B", "--topics", "no-such-topic"],
    ["news", "add", "--title", "T", "--body", "<b>unclosed", "--topics", "pain"],
    ["news", "add", "--title", "T", "--body", "B", "--topics", "pain", "--publish", "tomorrow-ish"],
    ["news", "delete", "999"],
    ["news", "import", "no-such-file.md"],
])
def test_news_usage_errors_exit_2_and_change_nothing(database, capsys, argv):
    env = {"WELLBOT_DATABASE": str(database)}
    assert main(argv, env) == 2
    assert capsys.readouterr().err.startswith("wellbot news:")
    assert main(["news", "list"], env) == 0
    assert capsys.readouterr().out == ""


def test_news_add_then_list_still_works(database, capsys):
    env = {"WELLBOT_DATABASE": str(database)}
    assert main(["news", "add", "--title", "Open Saturday", "--body", "We are open.", "--topics", "pain"], env) == 0
    assert main(["news", "list"], env) == 0
    assert "Open Saturday" in capsys.readouterr().out


def test_check_says_the_token_was_not_checked_when_none_is_set(tmp_path, capsys):
    env = {"WELLBOT_DATABASE": str(tmp_path / "x.db")}
    assert main(["check"], env) == 0
    out = capsys.readouterr().out
    assert "settings: ok" not in out.splitlines(), "an unchecked token must not read as all ok"
    assert "token: NOT CHECKED" in out
    assert main(["check"], {**env, "TELEGRAM_BOT_TOKEN": TOKEN}) == 0
    out = capsys.readouterr().out
    assert "token: set" in out
    assert "NOT CHECKED" not in out


@pytest.mark.parametrize("value", ["-5", "0", "+7", "12,-100123"])
def test_staff_ids_must_be_positive_user_ids(value):
    with pytest.raises(ConfigError, match="WELLBOT_STAFF_IDS"):
        Settings.from_env({"WELLBOT_STAFF_IDS": value})


def test_json_logs_write_numbers_as_numbers():
    record = logging.LogRecord("wellbot.test", logging.INFO, __file__, 1,
                               "sent user_id=%s lateness=%s ok=%s reason=%s code=%s", (4242, 1.5, None, "429x", "007"),
                               None)
    entry = json.loads(JsonFormatter([]).format(record))
    assert entry["user_id"] == 4242
    assert entry["lateness"] == 1.5
    assert entry["ok"] is None
    assert entry["reason"] == "429x"
    assert entry["code"] == "007", "a leading zero is text (an id or code), not a number"
