"""`wellbot status --json` with Telegram's own view, and `wellbot status --all` for several clinics on one host."""

import asyncio
import json
from datetime import UTC, datetime

from tests.harness import TOKEN
from wellbot.bot import heartbeat
from wellbot.cli import main
from wellbot.core.db import open_database
from wellbot.core.resources import example_clinic_file


def _live_database(path, pid="4242"):
    db = open_database(path)
    now = datetime.now(UTC)
    heartbeat.record(db, heartbeat.HEARTBEAT, pid, now)
    heartbeat.record(db, heartbeat.LAST_POLL, "ok", now)
    db.close()


async def _status(argv, env, capsys):
    code = await asyncio.to_thread(main, argv, env)  # the local Bot API server runs on this loop
    return code, capsys.readouterr()


async def test_status_json_without_a_token_says_telegram_was_not_asked(tmp_path, capsys):
    _live_database(tmp_path / "w.db")
    code, out = await _status(["status", "--json"], {"WELLBOT_DATABASE": str(tmp_path / "w.db")}, capsys)
    assert code == 0
    report = json.loads(out.out)
    assert report["healthy"] is True
    assert report["status"]["heartbeat"].startswith("ok")
    assert report["telegram"] == {"checked": False, "reason": "TELEGRAM_BOT_TOKEN is not set"}
    assert report["lease"]["enforced"] in (True, False)


async def test_status_json_includes_telegrams_view_and_a_failing_webhook_is_unhealthy(devserver, tmp_path, capsys):
    _live_database(tmp_path / "w.db")
    env = {"WELLBOT_DATABASE": str(tmp_path / "w.db"), "TELEGRAM_BOT_TOKEN": TOKEN,
           "WELLBOT_API_URL": devserver.base_url}
    code, out = await _status(["status", "--json"], env, capsys)
    assert code == 0, out
    telegram = json.loads(out.out)["telegram"]
    assert telegram["checked"]
    assert telegram["ok"]
    assert telegram["mode"] == "polling"
    assert telegram["pending_update_count"] == 0
    assert TOKEN not in out.out

    devserver.user(1001, "Pat")
    devserver._updates.append({"update_id": 7})  # an update the worker has not fetched
    devserver.webhook = {"url": "https://bot.example.org/hook", "secret_token": None}
    devserver.webhook_delivery_failed("Connection refused")
    code, out = await _status(["status", "--json"], env, capsys)
    assert code == 1, "the heartbeat is fine, but Telegram cannot deliver: a broken proxy must not look healthy"
    report = json.loads(out.out)
    assert report["healthy"] is False
    assert report["telegram"]["mode"] == "webhook"
    assert report["telegram"]["pending_update_count"] == 1
    assert report["telegram"]["last_error_message"] == "Connection refused"
    code, out = await _status(["status"], env, capsys)
    assert code == 1
    assert "FAILING: Connection refused" in out.out


async def test_status_with_a_refused_token_is_unhealthy(devserver, tmp_path, capsys):
    _live_database(tmp_path / "w.db")
    env = {"WELLBOT_DATABASE": str(tmp_path / "w.db"), "TELEGRAM_BOT_TOKEN": "999999:" + "x" * 35,
           "WELLBOT_API_URL": devserver.base_url}
    code, out = await _status(["status"], env, capsys)
    assert code == 1
    assert "Telegram answered 401: Unauthorized" in out.out
    assert "x" * 35 not in out.out + out.err


def _clinic_env(folder, name, database, **extra):
    path = folder / f"{name}.env"
    lines = [f"# clinic {name}", f"WELLBOT_DATABASE={database}", f'WELLBOT_CLINIC="{example_clinic_file()}"',
             *(f"{k}={v}" for k, v in extra.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_status_all_reports_every_clinic_and_exits_with_the_worst(tmp_path, capsys):
    clinics = tmp_path / "clinics"
    clinics.mkdir()
    _live_database(tmp_path / "north.db", pid="1")
    _live_database(tmp_path / "south.db", pid="2")
    north = _clinic_env(clinics, "north", tmp_path / "north.db")
    south = _clinic_env(clinics, "south", tmp_path / "south.db")
    assert main(["status", "--all", str(north), str(south)], {}) == 0
    out = capsys.readouterr()
    assert "== north" in out.out
    assert "== south" in out.out
    assert "pid 1" in out.out
    assert "pid 2" in out.out
    assert "2 of 2 clinics healthy" in out.err

    east = _clinic_env(clinics, "east", tmp_path / "east.db")  # its worker never ran: no database
    assert main(["status", "--json", "--all", str(north), str(south), str(east)], {}) == 2
    report = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in report["clinics"]] == ["north", "south", "east"]
    assert [c["healthy"] for c in report["clinics"]] == [True, True, False]
    assert "no database at" in report["clinics"][2]["error"]
    assert report["clinics"][0]["database"] == str(tmp_path / "north.db")

    assert not (tmp_path / "east.db").exists(), "status never creates a clinic's database"
    db = open_database(tmp_path / "south.db")
    heartbeat.record(db, heartbeat.STOPPED, "2", datetime.now(UTC))
    db.close()
    assert main(["status", "--all", str(north), str(south)], {}) == 1
    assert "== south" in capsys.readouterr().out


def test_status_all_refuses_a_malformed_environment_file(tmp_path, capsys):
    bad = tmp_path / "bad.env"
    bad.write_text("WELLBOT_DATABASE /no/equals/sign\n", encoding="utf-8")
    assert main(["status", "--all", str(bad)], {}) == 2
    assert "line 1 is not KEY=VALUE" in capsys.readouterr().out


async def test_two_clinics_run_side_by_side_each_with_its_own_bot_database_and_metrics(tmp_path, capsys):
    import socket

    import httpx

    from tests.conftest import DEFAULT_START
    from tests.harness import Harness
    from tests.test_monitor import hold_lease
    from wellbot.bot.monitor import refresh_now
    from wellbot.sim.devserver import BotAPIServer

    clinics, servers, env_files = {}, [], []
    (tmp_path / "clinics").mkdir()
    try:
        for number, name in enumerate(("north", "south")):
            token = f"{700000 + number}:clinic-{name}-token-for-the-local-server"
            server = BotAPIServer(token=token)
            await server.start()
            servers.append(server)
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            (tmp_path / name).mkdir()
            env = {"TELEGRAM_BOT_TOKEN": token, "WELLBOT_API_URL": server.base_url,
                   "WELLBOT_METRICS_ADDRESS": f"127.0.0.1:{port}"}
            harness = Harness(server, tmp_path / name / "wellbot.db", DEFAULT_START, env=env)
            await harness.start()
            clinics[name] = (harness, f"http://127.0.0.1:{port}")
            env_files.append(_clinic_env(tmp_path / "clinics", name, tmp_path / name / "wellbot.db", **env))
        for number, (name, (harness, _)) in enumerate(clinics.items()):
            patient = harness.user(5000 + number, name.title())
            await patient.send("/start")
            await patient.wait_for(f"Hello, {name.title()}!")
            await harness.settle()
            heartbeat.record(harness.db, heartbeat.LAST_POLL, "ok", harness.clock.now())
        async with httpx.AsyncClient() as client:
            for name, (harness, base) in clinics.items():
                hold_lease(harness.deps, name)
                refresh_now(harness.app, harness.deps)
                assert (await client.get(base + "/healthz")).status_code == 200, name
                metrics = (await client.get(base + "/metrics")).text
                assert "wellbot_updates_handled_total 1.0" in metrics, f"{name} counts only its own updates"
        assert [r["user_id"] for r in clinics["north"][0].db.query("select user_id from patients")] == [5000]
        assert [r["user_id"] for r in clinics["south"][0].db.query("select user_id from patients")] == [5001]
        for harness, _ in clinics.values():  # status reads the heartbeat in real time, not the test clock
            heartbeat.record(harness.db, heartbeat.HEARTBEAT, "1", datetime.now(UTC))
            heartbeat.record(harness.db, heartbeat.LAST_POLL, "ok", datetime.now(UTC))
        code, out = await _status(["status", "--json", "--all", *map(str, env_files)], {}, capsys)
        report = json.loads(out.out)
        assert code == 0, report
        assert [(c["name"], c["telegram"]["mode"]) for c in report["clinics"]] == [("north", "polling"),
                                                                                   ("south", "polling")]
    finally:
        for harness, _ in clinics.values():
            await harness.stop()
        for server in servers:
            await server.stop()
