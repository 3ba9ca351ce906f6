"""Configuration: validated once, one clear line per problem, exit code 2."""

from pathlib import Path

import pytest

from wellbot.cli import main
from wellbot.core.errors import ConfigError
from wellbot.core.resources import example_clinic_file
from wellbot.core.settings import DEFAULT_API_URL, Settings

GOOD_TOKEN = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def test_defaults():
    settings = Settings.from_env({})
    assert settings.token is None
    assert settings.database == Path("wellbot.db")
    assert settings.staff_ids == frozenset()
    assert settings.api_url == DEFAULT_API_URL
    assert settings.clinic_path == example_clinic_file()
    assert settings.log_level == "INFO"


def test_staff_ids_are_numbers_only():
    assert Settings.from_env({"WELLBOT_STAFF_IDS": " 12, 34 ,"}).staff_ids == {12, 34}
    with pytest.raises(ConfigError, match=r"WELLBOT_STAFF_IDS.*@frontdesk"):
        Settings.from_env({"WELLBOT_STAFF_IDS": "12,@frontdesk"})


@pytest.mark.parametrize(
    "env, setting",
    [
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
        ({"WELLBOT_API_URL": "api.telegram.org"}, "WELLBOT_API_URL"),
        ({"WELLBOT_CLINIC": "/nonexistent/clinic.toml"}, "WELLBOT_CLINIC"),
        ({"WELLBOT_LOG_LEVEL": "chatty"}, "WELLBOT_LOG_LEVEL"),
    ],
)
def test_bad_setting_names_itself(env, setting):
    with pytest.raises(ConfigError) as error:
        Settings.from_env(env)
    assert error.value.where == setting


def test_token_is_never_echoed_in_errors():
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"TELEGRAM_BOT_TOKEN": "12345:short-secret"})
    assert "short-secret" not in str(error.value)


def test_run_without_token_exits_2_with_one_line(capsys):
    assert main(["run"], {}) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["wellbot: error: TELEGRAM_BOT_TOKEN: is not set; get a token from @BotFather (see README)"]


def test_malformed_clinic_file_exits_2(tmp_path, capsys):
    clinic = tmp_path / "clinic.toml"
    clinic.write_text("[clinic\nname = 'x'\n")
    assert main(["check"], {"WELLBOT_CLINIC": str(clinic), "WELLBOT_DATABASE": str(tmp_path / "db")}) == 2
    err = capsys.readouterr().err
    assert "is not valid TOML" in err
    assert "Traceback" not in err


def test_clinic_with_bad_timezone_exits_2(tmp_path, capsys):
    text = example_clinic_file().read_text().replace('timezone = "America/New_York"', 'timezone = "Mars/Olympus"')
    clinic = tmp_path / "clinic.toml"
    clinic.write_text(text)
    assert main(["check"], {"WELLBOT_CLINIC": str(clinic), "WELLBOT_DATABASE": str(tmp_path / "db")}) == 2
    assert "Mars/Olympus" in capsys.readouterr().err


def test_check_passes_on_the_example_clinic(tmp_path, capsys):
    assert main(["check"], {"WELLBOT_DATABASE": str(tmp_path / "db")}) == 0
    out = capsys.readouterr().out
    assert "templates: ok" in out
    assert not (tmp_path / "db").exists(), "check must not create the real database"


def test_check_warns_about_a_world_readable_database(tmp_path, capsys):
    database = tmp_path / "wellbot.db"
    database.write_bytes(b"")
    database.chmod(0o644)
    assert main(["check"], {"WELLBOT_DATABASE": str(database)}) == 0
    assert "readable by other users" in capsys.readouterr().out


def test_every_subcommand_has_help_and_an_example(capsys):
    from wellbot.cli import all_subcommands

    for name in [command.name for command in all_subcommands()]:
        with pytest.raises(SystemExit) as done:
            main([name, "--help"], {})
        assert done.value.code == 0
        text = capsys.readouterr().out
        assert "Example:" in text, name
        assert f"wellbot {name}" in text.split("Example:")[1], name
