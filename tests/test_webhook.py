"""Webhook mode: Telegram's secret header is checked on every request."""

import asyncio

import httpx
import pytest

from tests.harness import TOKEN, command_update, webhook_worker
from wellbot.bot import heartbeat
from wellbot.bot.webhook import SECRET_HEADER, SECRET_PATTERN, webhook_config, webhook_secret
from wellbot.core.errors import ConfigError
from wellbot.core.settings import Settings

PUBLIC_URL = "https://bot.example.org/hooks/telegram"
SECRET = "test-webhook-secret_42"


def _settings(**extra):
    return Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, **extra})


def test_secret_is_the_setting_or_derived_from_the_token():
    assert webhook_secret(_settings(WELLBOT_WEBHOOK_SECRET=SECRET)) == SECRET
    derived = webhook_secret(_settings())
    assert SECRET_PATTERN.fullmatch(derived)
    assert TOKEN not in derived
    assert derived == webhook_secret(_settings()), "stable across restarts"
    other = Settings.from_env({"TELEGRAM_BOT_TOKEN": "654321:" + "z" * 30})
    assert webhook_secret(other) != derived
    with pytest.raises(ConfigError) as error:
        webhook_secret(_settings(WELLBOT_WEBHOOK_SECRET="has spaces!"))
    assert error.value.where == "WELLBOT_WEBHOOK_SECRET"


@pytest.mark.parametrize("url, port", [("http://bot.example.org/x", 8443), ("https:///x", 8443),
                                       ("https://bot.example.org/x?a=1", 8443), (PUBLIC_URL, 70000)])
def test_bad_webhook_options_are_refused(url, port):
    with pytest.raises(ConfigError):
        webhook_config(_settings(), url, port)


def test_run_refuses_a_plain_http_webhook_before_touching_the_database(tmp_path, capsys):
    from wellbot.cli import main

    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "WELLBOT_DATABASE": str(tmp_path / "db")}
    assert main(["run", "--webhook", "http://bot.example.org/x"], env) == 2
    assert "https://" in capsys.readouterr().err
    assert not (tmp_path / "db").exists()


def _running_webhook(devserver, tmp_path):
    """A webhook worker with this file's secret, at PUBLIC_URL."""
    return webhook_worker(devserver, tmp_path / "w.db", PUBLIC_URL, {"WELLBOT_WEBHOOK_SECRET": SECRET})


async def test_webhook_refuses_requests_without_the_secret_and_processes_the_right_one(devserver, tmp_path):
    async with _running_webhook(devserver, tmp_path) as (hook, deps, _):
        assert devserver.webhook == {"url": PUBLIC_URL, "secret_token": SECRET}
        user = devserver.user(1001, "Pat")
        local = f"http://127.0.0.1:{hook.port}/hooks/telegram"
        async with httpx.AsyncClient() as client:
            refused = [
                await client.post(local, json=command_update(user, 1, "/start")),
                await client.post(local, json=command_update(user, 2, "/start"), headers={SECRET_HEADER: "guessed"}),
                await client.post(local, json=command_update(user, 3, "/start"),
                                  headers={SECRET_HEADER: SECRET + "x"}),
            ]
            assert [r.status_code for r in refused] == [403, 403, 403]
            assert deps.db["patients"].count == 0, "a refused request changes nothing"
            accepted = await client.post(local, json=command_update(user, 4, "/start"),
                                         headers={SECRET_HEADER: SECRET})
        assert accepted.status_code == 200
        reply = await user.wait_for("Hello, Pat!")
        assert len(user.messages) == 1
        assert reply.text.startswith("Hello, Pat!")
        assert [r["user_id"] for r in deps.db.query("select user_id from patients")] == [1001]


BIG = 90 * 1024 * 1024  # what the attack posted, four at once


async def _answer_before_body(port, headers):
    """Send only the request head announcing a 90 MB body; return the status line the server answers with."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write(f"POST /hooks/telegram HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {BIG}\r\n{head}\r\n".encode())
    writer.write(b"{" + b" " * 65536)  # the start of the body, as a client streaming it would
    await writer.drain()
    try:
        return (await asyncio.wait_for(reader.readline(), 3)).decode().strip()
    finally:
        writer.close()


async def test_a_huge_body_is_refused_before_it_is_read(devserver, tmp_path):
    async with _running_webhook(devserver, tmp_path) as (hook, _, _):
        assert (await _answer_before_body(hook.port, {})).startswith("HTTP/1.1 403")
        assert (await _answer_before_body(hook.port, {SECRET_HEADER: "guessed"})).startswith("HTTP/1.1 403")
        too_big = await _answer_before_body(hook.port, {SECRET_HEADER: SECRET})
        assert too_big.startswith("HTTP/1.1 413") or too_big == "", too_big  # refused, or the connection closed
        user = devserver.user(1001, "Pat")
        async with httpx.AsyncClient() as client:
            ok = await client.post(f"http://127.0.0.1:{hook.port}/hooks/telegram",
                                   json=command_update(user, 9, "/start"), headers={SECRET_HEADER: SECRET})
        assert ok.status_code == 200
        await user.wait_for("Hello, Pat!")


async def test_an_unreadable_update_by_webhook_is_acknowledged_and_skipped(devserver, tmp_path):
    async with _running_webhook(devserver, tmp_path) as (hook, deps, _):
        user = devserver.user(1001, "Pat")
        local = f"http://127.0.0.1:{hook.port}/hooks/telegram"
        async with httpx.AsyncClient() as client:
            broken = await client.post(local, json={"update_id": 8, "poll": {"id": "1", "question": "+1 555 0199"}},
                                       headers={SECRET_HEADER: SECRET})
            ok = await client.post(local, json=command_update(user, 9, "/start"), headers={SECRET_HEADER: SECRET})
        assert broken.status_code == 200, "acknowledged, or Telegram would send it again and again"
        assert ok.status_code == 200
        await user.wait_for("Hello, Pat!")
        assert heartbeat.read_state(deps.db)[heartbeat.SKIPPED]["value"] == "1 8"
