"""Operators see the worker working: /metrics and /healthz in polling and webhook mode, through the real bot."""

import socket
import time
from datetime import timedelta

import httpx
import pytest
from telegram import Update

from tests.conftest import DEFAULT_START
from tests.harness import TOKEN, Harness
from wellbot.app import build_application, build_deps
from wellbot.bot.heartbeat import LAST_POLL, record
from wellbot.bot.monitor import metrics_address, refresh_now, send_outcome
from wellbot.bot.webhook import SECRET_HEADER, webhook_config
from wellbot.core.deps import WEBHOOK
from wellbot.core.errors import ConfigError
from wellbot.core.lease_view import read_lease
from wellbot.core.settings import Settings

SECRET = "monitor-test-secret"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sample(text, name, **labels):
    """The value of one sample in the Prometheus text format (None if absent)."""
    wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def _lease_table(db, holder, expires):
    """The lease row as issue 15's wellbot.core.lease writes it."""
    db.execute("create table if not exists worker_lease (name text primary key, holder text not null, "
               "host text not null, pid integer not null, acquired_at text not null, renewed_at text not null, "
               "expires real not null)")
    db.execute("insert or replace into worker_lease values ('worker', ?, 'h', 1, 'x', 'x', ?)", [holder, expires])


@pytest.fixture
async def watched(devserver, tmp_path):
    """A polling worker with its metrics server on a free port."""
    port = _free_port()
    harness = Harness(devserver, tmp_path / "wellbot.db", DEFAULT_START,
                      env={"WELLBOT_METRICS_ADDRESS": f"127.0.0.1:{port}"})
    await harness.start()
    harness.base = f"http://127.0.0.1:{port}"
    yield harness
    await harness.stop()


async def test_polling_worker_serves_metrics_that_count_updates_and_sends(watched):
    patient = watched.user(1001, "Pat")
    await patient.send("/start")
    await patient.wait_for("Hello, Pat!")
    await watched.settle()
    async with httpx.AsyncClient() as client:
        answer = await client.get(watched.base + "/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    assert _sample(text, "wellbot_updates_handled_total") >= 1
    assert _sample(text, "wellbot_update_handling_seconds_count") >= 1
    assert _sample(text, "wellbot_sends_total", outcome="ok") >= 1
    assert _sample(text, "wellbot_sends_total", outcome="429") == 0
    assert "wellbot_lease_held" in text
    assert "wellbot_reminder_lateness_seconds_bucket" in text


async def test_sends_are_counted_by_outcome_when_telegram_refuses(watched):
    watched.server.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
    await watched.user(1002, "Blocked").send("/start")
    await watched.settle()
    watched.server.fail_next("sendMessage", status=502, description="Bad Gateway")
    await watched.user(1003, "Pat").send("/start")
    await watched.settle()
    async with httpx.AsyncClient() as client:
        text = (await client.get(watched.base + "/metrics")).text
    assert _sample(text, "wellbot_sends_total", outcome="5xx") >= 1
    assert _sample(text, "wellbot_sends_total", outcome="403") >= 1


async def test_healthz_is_healthy_only_while_polling_and_holding_the_lease(watched):
    async with httpx.AsyncClient() as client:
        record(watched.db, LAST_POLL, "ok", watched.clock.now())
        refresh_now(watched.app, watched.deps)
        answer = await client.get(watched.base + "/healthz")
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"healthy": True, "reasons": []}

        _lease_table(watched.db, "another-worker", time.time() + 30)
        refresh_now(watched.app, watched.deps)
        answer = await client.get(watched.base + "/healthz")
        assert answer.status_code == 503
        assert "does not hold the lease (held by another-worker)" in answer.json()["reasons"][0]
        metrics = (await client.get(watched.base + "/metrics")).text
        assert _sample(metrics, "wellbot_lease_held") == 0
        assert _sample(metrics, "wellbot_lease_holder", worker="another-worker") == 1

        watched.deps.worker_id = "me"
        _lease_table(watched.db, "me", time.time() + 30)
        refresh_now(watched.app, watched.deps)
        assert (await client.get(watched.base + "/healthz")).status_code == 200

        watched.clock.advance(timedelta(minutes=5))  # no successful poll recorded for five minutes
        refresh_now(watched.app, watched.deps)
        answer = await client.get(watched.base + "/healthz")
        assert answer.status_code == 503
        assert "Telegram or the network is unreachable" in answer.json()["reasons"][0]

        record(watched.db, LAST_POLL, "ok", watched.clock.now())
        await watched.app.updater.stop()  # the poller stops: no updates can arrive
        refresh_now(watched.app, watched.deps)
        answer = await client.get(watched.base + "/healthz")
        assert answer.status_code == 503
        assert answer.json()["reasons"] == ["not receiving updates (polling is not running)"]
        assert (await client.get(watched.base + "/other")).status_code == 404


def test_lease_view_reads_the_lease_table_or_assumes_one_worker(fresh_db):
    assert read_lease(fresh_db, 100.0).held_by(None), "no lease table: a single worker holds everything"
    _lease_table(fresh_db, "w1", 150.0)
    assert read_lease(fresh_db, 100.0).held_by("w1")
    assert not read_lease(fresh_db, 100.0).held_by("w2")
    assert not read_lease(fresh_db, 200.0).held_by("w1"), "an expired lease is held by nobody"


@pytest.mark.parametrize("value", ["nonsense", "host:99999", "127.0.0.1:"])
def test_a_bad_metrics_address_is_a_configuration_error(value):
    with pytest.raises(ConfigError, match="WELLBOT_METRICS_ADDRESS"):
        metrics_address({"WELLBOT_METRICS_ADDRESS": value})
    assert metrics_address({"WELLBOT_METRICS_ADDRESS": "9464"}).host == "127.0.0.1"
    assert metrics_address({}) is None


def test_send_outcome_labels():
    from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

    assert [send_outcome(e) for e in (None, RetryAfter(3), Forbidden("blocked"), BadRequest("x"),
                                      NetworkError("Bad Gateway"), TimedOut())] == [
        "ok", "429", "403", "400", "5xx", "network"]


async def test_webhook_worker_serves_metrics_and_healthz_and_reports_telegrams_delivery_errors(devserver, tmp_path):
    metrics_port = _free_port()
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "WELLBOT_DATABASE": str(tmp_path / "w.db"),
                                  "WELLBOT_API_URL": devserver.base_url, "WELLBOT_WEBHOOK_SECRET": SECRET,
                                  "WELLBOT_METRICS_ADDRESS": f"127.0.0.1:{metrics_port}"})
    hook = webhook_config(settings, "https://bot.example.org/hook", _free_port())
    deps = build_deps(settings)
    deps.worker_mode = WEBHOOK
    app = build_application(deps)
    await app.initialize()
    await app.post_init(app)
    await app.updater.start_webhook(**hook.options(), allowed_updates=Update.ALL_TYPES)
    await app.start()
    base = f"http://127.0.0.1:{metrics_port}"
    try:
        user = devserver.user(1001, "Pat")
        update = {"update_id": 1, "message": {"message_id": 1, "date": int(time.time()), "from": user.user_json(),
                                              "chat": user.chat_json(), "text": "/start",
                                              "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
        async with httpx.AsyncClient() as client:
            posted = await client.post(f"http://127.0.0.1:{hook.port}/hook", json=update,
                                       headers={SECRET_HEADER: SECRET})
            assert posted.status_code == 200
            await user.wait_for("Hello, Pat!")
            from wellbot.bot.monitor import ask_webhook_info

            class Context:  # what the job hands ask_webhook_info
                bot = app.bot
                deps = app.bot_data["deps"]

            await ask_webhook_info(Context)
            refresh_now(app, deps)
            answer = await client.get(base + "/healthz")
            assert answer.status_code == 200, answer.text
            assert _sample((await client.get(base + "/metrics")).text, "wellbot_updates_handled_total") == 1

            devserver.webhook_delivery_failed("Connection refused", when=time.time() + 1)
            await ask_webhook_info(Context)
            refresh_now(app, deps)
            answer = await client.get(base + "/healthz")
            assert answer.status_code == 503
            assert "Telegram cannot deliver to the webhook: Connection refused" in answer.json()["reasons"][0]
            metrics = (await client.get(base + "/metrics")).text
            assert _sample(metrics, "wellbot_telegram_webhook_last_error_timestamp_seconds") > 0
    finally:
        await app.updater.stop()
        await app.stop()
        await app.post_stop(app)
        await app.shutdown()
        deps.db.close()
