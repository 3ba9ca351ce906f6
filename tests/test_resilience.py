"""Resilience: Telegram failing or unreachable for a while, a database that refuses writes."""

import asyncio
import errno
import logging
import sqlite3
from urllib.parse import urlsplit

import pytest
from sqlite_utils import Database

from wellbot import ops
from wellbot.app import FEATURES, database_reason
from wellbot.bot import heartbeat
from wellbot.core.db import open_database
from wellbot.ops import OpsError, backup_database, status_report

CATCH_UP_SECONDS = 8  # PTB backs off 1 s, then 1.5 s, ... between failed polls


def _snapshot(path):
    """Every table's rows except the worker's own pulse, from a separate connection."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' "
                                             "and name not in ('worker_state', 'sqlite_sequence')")]
        return {table: conn.execute(f"select * from {table} order by 1").fetchall() for table in tables}
    finally:
        conn.close()


async def test_polling_survives_502s_and_answers_what_queued_meanwhile(bot):
    user = bot.user(1001)
    await user.send("/start")
    await user.wait_for("Hello, Pat!")
    bot.server.fail_next("getUpdates", status=502, description="Bad Gateway", count=2)
    await user.send("/help")  # taken by the poll already waiting; the next polls fail
    await user.wait_for("What I can do")
    while bot.server.stats["injected"] < 1:
        await asyncio.sleep(0.01)
    await user.send("/cancel")  # queued while Telegram answers 502
    await user.send("/start")
    await user.wait_for("Hello, Pat!", timeout=CATCH_UP_SECONDS)
    await bot.settle(CATCH_UP_SECONDS)
    assert bot.server.stats["injected"] == 2
    assert bot.app.updater.running
    texts = [m.text.split("\n")[0] for m in user.messages]
    assert len(texts) == 4, texts
    assert texts[0] == texts[3], texts
    assert "What I can do" in texts[1], texts


async def test_polling_survives_losing_the_connection_and_catches_up(bot):
    user = bot.user(1001)
    await user.send("/start")
    await user.wait_for("Hello, Pat!")
    port = urlsplit(bot.server.base_url).port
    await bot.server.stop()  # the network is gone: connections drop, new ones are refused
    await user.send("/help")
    await user.send("/cancel")
    await asyncio.sleep(0.3)
    await bot.server.start(port=port)
    await user.wait_for("What I can do", timeout=CATCH_UP_SECONDS)
    await bot.settle(CATCH_UP_SECONDS)
    assert len(user.messages) == 3, [m.text for m in user.messages]
    assert bot.app.updater.running


async def test_a_read_only_database_gives_a_clear_error_and_writes_nothing(bot, caplog):
    user = bot.user(1001)
    await user.send("/start")
    await user.wait_for("Hello, Pat!")
    await bot.settle()
    before = _snapshot(bot.database)
    writable = bot.deps.db
    read_only = Database(sqlite3.connect(f"{bot.database.resolve().as_uri()}?mode=ro", uri=True))
    bot.deps.db = bot.deps.flows.db = read_only
    try:
        with caplog.at_level(logging.ERROR, logger="wellbot"):
            await bot.user(1002, "Robin").send("/start")
            await bot.user(1002).wait_for("something went wrong")
            await user.send("/cancel")
            await user.wait_for("something went wrong")
    finally:
        bot.deps.db = bot.deps.flows.db = writable
        read_only.close()
    assert caplog.text.count("database refused the update") == 2
    assert "reason=read_only" in caplog.text
    assert _snapshot(bot.database) == before, "nothing was written"
    await bot.user(1002).send("/start")  # writable again: the same worker carries on
    await bot.user(1002).wait_for("Hello, Robin!")


def test_heartbeat_on_a_read_only_database_warns_and_carries_on(tmp_path, caplog):
    path = tmp_path / "wellbot.db"
    open_database(path).close()
    read_only = Database(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True))
    from datetime import UTC, datetime

    with caplog.at_level(logging.WARNING, logger="wellbot"):
        assert heartbeat.record(read_only, heartbeat.HEARTBEAT, "1", datetime(2026, 6, 10, tzinfo=UTC)) is False
    assert "worker state not recorded key=heartbeat" in caplog.text


@pytest.mark.parametrize("message, reason", [("attempt to write a readonly database", "read_only"),
                                             ("database or disk is full", "disk_full"),
                                             ("database is locked", "locked"), ("no such table: x", "other")])
def test_database_errors_get_a_stable_reason(message, reason):
    assert database_reason(sqlite3.OperationalError(message)) == reason


def test_a_full_disk_during_backup_leaves_no_half_file(tmp_path, monkeypatch):
    source = tmp_path / "wellbot.db"
    open_database(source).close()

    def full(src, partial):
        partial.write_bytes(b"half a database")
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(ops, "_copy_snapshot", full)
    with pytest.raises(OpsError, match="disk is full"):
        backup_database(source, tmp_path / "backup.db")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wellbot.db"]


def test_a_full_disk_while_writing_an_export_leaves_no_half_file(tmp_path, monkeypatch, capsys):
    from wellbot.cli import main

    source = tmp_path / "wellbot.db"
    open_database(source).close()

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ops, "export_csv", full)
    assert main(["export", "visits", "--output", str(tmp_path / "v.csv")], {"WELLBOT_DATABASE": str(source)}) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wellbot.db"]


async def test_a_running_worker_records_heartbeat_and_polls_then_a_clean_stop(bot):
    await bot.user(1001).send("/start")
    await bot.settle()
    report = status_report(bot.db, bot.clock.now(), FEATURES)
    lines = dict(report.lines)
    assert report.healthy
    assert lines["heartbeat"].startswith("ok")
    assert lines["last poll"].startswith("2026-06-10T13:00")
    assert bot.app.job_queue.get_jobs_by_name(heartbeat.JOB_NAME)
    await bot.stop()
    db = open_database(bot.database, migrate=False)
    lines = dict(status_report(db, bot.clock.now(), FEATURES).lines)
    db.close()
    assert lines["heartbeat"].startswith("none: worker stopped cleanly")
