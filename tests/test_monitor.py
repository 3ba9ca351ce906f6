"""Operators see the worker working: /metrics and /healthz in polling and webhook mode, through the real bot."""

import socket
import time
from datetime import timedelta

import httpx
import pytest

from tests.harness import TOKEN, command_update, free_port, until, webhook_worker
from wellbot.bot.heartbeat import LAST_POLL, record
from wellbot.bot.monitor import metrics_address, refresh_now, send_outcome
from wellbot.bot.webhook import SECRET_HEADER
from wellbot.core.errors import ConfigError
from wellbot.core.lease_view import read_lease

SECRET = "monitor-test-secret"


def _sample(text, name, **labels):
    """The value of one sample in the Prometheus text format (None if absent)."""
    wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def hold_lease(deps, worker_id="me"):
    """Make `deps`' worker the lease holder, as `wellbot run` does before it serves (the harness does not)."""
    deps.worker_id = worker_id
    _lease_table(deps.db, worker_id, time.time() + 30)


def _lease_table(db, holder, expires):
    """The lease row as issue 15's wellbot.core.lease writes it (the table too, on a database without it)."""
    db.execute("create table if not exists worker_lease (name text primary key, holder text not null, "
               "host text not null, pid integer not null, acquired_at text not null, renewed_at text not null, "
               "expires real not null)")
    db.execute("insert or replace into worker_lease values ('worker', ?, 'h', 1, 'x', 'x', ?)", [holder, expires])


@pytest.fixture
async def watched(start_bot):
    """A polling worker with its metrics server on a free port."""
    port = free_port()
    harness = await start_bot({"WELLBOT_METRICS_ADDRESS": f"127.0.0.1:{port}"})
    harness.base = f"http://127.0.0.1:{port}"
    return harness


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
    assert _sample(text, "wellbot_event_loop_lag_seconds_count") >= 1, "issue 22: the loop's lag is a metric"


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
        hold_lease(watched.deps)
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

        hold_lease(watched.deps)
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


def test_lease_view_reads_the_lease_table_or_assumes_one_worker():
    from sqlite_utils import Database

    db = Database(memory=True)  # a database from before the lease: no worker_lease table
    assert read_lease(db, 100.0).held_by(None), "no lease table: a single worker holds everything"
    _lease_table(db, "w1", 150.0)
    assert read_lease(db, 100.0).held_by("w1")
    assert not read_lease(db, 100.0).held_by("w2")
    assert not read_lease(db, 200.0).held_by("w1"), "an expired lease is held by nobody"
    db.execute("delete from worker_lease")
    assert not read_lease(db, 100.0).held_by("w1"), "a released lease is held by nobody"


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
    metrics_port = free_port()
    env = {"WELLBOT_WEBHOOK_SECRET": SECRET, "WELLBOT_METRICS_ADDRESS": f"127.0.0.1:{metrics_port}"}
    base = f"http://127.0.0.1:{metrics_port}"
    async with webhook_worker(devserver, tmp_path / "w.db", "https://bot.example.org/hook", env) as (hook, deps, app):
        user = devserver.user(1001, "Pat")
        update = command_update(user, 1, "/start")
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
            hold_lease(deps)
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


def test_refresh_reads_queue_depths_reminder_lateness_and_campaign_progress(fresh_db):
    from datetime import UTC, datetime

    from wellbot.core.clock import to_db
    from wellbot.core.monitor import Monitor

    db = fresh_db
    db.execute("pragma foreign_keys = off")  # reminder rows without their visits: only the counts matter here
    now = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)
    rows = [("pending", now - timedelta(seconds=90), None), ("pending", now + timedelta(hours=2), None),
            ("sent", now - timedelta(minutes=10), now - timedelta(minutes=10) + timedelta(seconds=3)),
            ("sent", now - timedelta(minutes=5), now - timedelta(minutes=5) + timedelta(seconds=40))]
    for number, (status, due, sent) in enumerate(rows):
        db.execute("insert into reminders (visit_id, kind, offset_minutes, due_at, status, idempotency_key, sent_at, "
                   "created_at, updated_at) values (1, 'reminder', 60, ?, ?, ?, ?, ?, ?)",
                   [to_db(due), status, f"k{number}", to_db(sent) if sent else None, to_db(now), to_db(now)])
    db.execute("insert into campaigns (id, kind, status, created_at) values (7, 'broadcast', 'running', ?)",
               [to_db(now)])
    db.execute("insert into campaigns (id, kind, status, created_at) values (6, 'broadcast', 'done', ?)",
               [to_db(now)])
    for user_id, status in enumerate(["sent"] * 5 + ["blocked"] + ["pending"] * 4):
        db.execute("insert into deliveries (campaign_id, user_id, chat_id, status, updated_at) values (7, ?, ?, ?, ?)",
                   [user_id, user_id, status, to_db(now)])
    db.execute("insert into deliveries (campaign_id, user_id, chat_id, status, updated_at) values (6, 1, 1, 'sent', ?)",
               [to_db(now)])
    monitor = Monitor()
    monitor.refresh(db, now, {"updates": 3})
    text = prometheus_text(monitor)
    assert _sample(text, "wellbot_queue_depth", queue="reminders_due") == 1
    assert _sample(text, "wellbot_queue_depth", queue="reminders_pending") == 2
    assert _sample(text, "wellbot_queue_depth", queue="campaign_deliveries") == 4
    assert _sample(text, "wellbot_queue_depth", queue="updates") == 3
    assert _sample(text, "wellbot_reminder_overdue_seconds") == 90
    assert _sample(text, "wellbot_reminder_lateness_seconds_count") == 2
    assert _sample(text, "wellbot_reminder_lateness_seconds_bucket", le="5.0") == 1
    assert _sample(text, "wellbot_reminder_lateness_seconds_bucket", le="60.0") == 2
    labels = {"campaign_id": "7", "kind": "broadcast", "campaign_status": "running"}
    assert _sample(text, "wellbot_campaign_deliveries", **labels, status="sent") == 5
    assert _sample(text, "wellbot_campaign_deliveries", **labels, status="pending") == 4
    assert 'campaign_id="6"' not in text, "finished campaigns leave the gauge"
    monitor.refresh(db, now + timedelta(seconds=10))
    assert _sample(prometheus_text(monitor), "wellbot_reminder_lateness_seconds_count") == 2, "each send counted once"


def test_refresh_counts_a_big_campaign_in_index_order_without_sorting_it(fresh_db):
    """Found when tried (issue 22): during a 100,000-recipient broadcast the 10 s refresh held the loop 108-193 ms.

    Its one `group by c.id, d.status` over the join sorted every delivery row in
    a temporary B-tree (75 ms on a quiet core); each campaign's counts come
    straight off the deliveries_by_status index instead (13 ms at 100,000).
    """
    from datetime import UTC, datetime

    from wellbot.core.clock import to_db
    from wellbot.core.monitor import Monitor

    db = fresh_db
    now = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)
    db.execute("insert into campaigns (id, kind, status, created_at) values (7, 'broadcast', 'running', ?)",
               [to_db(now)])
    db.execute("insert into deliveries (campaign_id, user_id, chat_id, status, updated_at) values (7, 1, 1, 'sent', ?)",
               [to_db(now)])
    seen = []
    db.conn.set_trace_callback(seen.append)
    try:
        Monitor().refresh(db, now)
    finally:
        db.conn.set_trace_callback(None)
    plans = [detail for sql in seen if "deliveries" in sql and sql.lstrip().lower().startswith("select")
             for *_, detail in db.execute("explain query plan " + sql)]
    assert any("deliveries_by_status" in detail for detail in plans)
    assert not any("TEMP B-TREE" in detail for detail in plans), plans


def prometheus_text(monitor):
    from prometheus_client import generate_latest

    return generate_latest(monitor.registry).decode()


async def test_bulk_sends_on_the_wire_are_counted_by_outcome(watched):
    from tests.test_broadcast import compose, subscribe
    from wellbot.newsletter import store

    subscribe(watched, range(3001, 3011))
    for user_id in (3009, 3010):
        watched.server.user(user_id).blocked = True
    confirm = await compose(watched, "Open on Saturday")
    # A subscriber's push, not the staff's progress message (sent first since the engine waits for it).
    watched.server.fail_next("sendMessage", status=502, description="Bad Gateway", chat_id=3001)
    await watched.staff().press(confirm, "Send now")
    await until(lambda: store.get_campaign(watched.db, 1)["status"] == "done")
    async with httpx.AsyncClient() as client:
        text = (await client.get(watched.base + "/metrics")).text
    assert _sample(text, "wellbot_sends_total", outcome="403") == 2
    assert _sample(text, "wellbot_sends_total", outcome="5xx") == 1
    assert _sample(text, "wellbot_sends_total", outcome="ok") >= 8


async def test_the_local_server_answers_get_webhook_info_as_strictly_as_telegram(devserver):
    api = f"{devserver.base_url}{TOKEN}"
    async with httpx.AsyncClient() as client:
        plain = (await client.post(api + "/getWebhookInfo")).json()
        assert plain == {"ok": True, "result": {"url": "", "has_custom_certificate": False,
                                                "pending_update_count": 0}}
        refused = await client.post(api + "/getWebhookInfo", json={"offset": 1})
        assert refused.status_code == 400
        bad = await client.post(api + "/setWebhook", json={"url": "https://bot.example.org/h", "max_connections": 0})
        assert bad.status_code == 400
        with pytest.raises(ValueError, match="no webhook"):
            devserver.webhook_delivery_failed("Connection refused")
        await client.post(api + "/setWebhook", json={"url": "https://bot.example.org/h",
                                                     "allowed_updates": ["message"]})
        devserver.webhook_delivery_failed("Connection refused", when=1_700_000_000)
        info = (await client.post(api + "/getWebhookInfo")).json()["result"]
        assert info == {"url": "https://bot.example.org/h", "has_custom_certificate": False,
                        "pending_update_count": 0, "max_connections": 40, "allowed_updates": ["message"],
                        "last_error_date": 1_700_000_000, "last_error_message": "Connection refused"}
        await client.post(api + "/setWebhook", json={"url": "https://bot.example.org/h"})
        assert "last_error_date" not in (await client.post(api + "/getWebhookInfo")).json()["result"]


async def test_a_metrics_port_already_taken_stops_the_start_with_a_configuration_error(start_bot):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"WELLBOT_METRICS_ADDRESS: cannot listen on 127.0.0.1:{port}"):
            await start_bot({"WELLBOT_METRICS_ADDRESS": f"127.0.0.1:{port}"})


def test_check_refuses_a_malformed_metrics_address(tmp_path, capsys):
    from wellbot.cli import main

    assert main(["check"], {"WELLBOT_DATABASE": str(tmp_path / "x.db"), "WELLBOT_METRICS_ADDRESS": "localhost"}) == 2
    assert "WELLBOT_METRICS_ADDRESS" in capsys.readouterr().err
