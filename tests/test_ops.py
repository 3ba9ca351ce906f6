"""Operating the bot: backups while the worker writes, CSV exports, `wellbot status`."""

import csv
import io
import os
import sqlite3
import stat
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlite_utils import Database

from wellbot.bot import heartbeat
from wellbot.bot.features import Feature
from wellbot.cli import main
from wellbot.core.clock import to_db
from wellbot.core.db import open_database, schema_version
from wellbot.ops import (
    OpsError,
    age,
    backup_database,
    export_csv,
    format_status,
    spreadsheet_safe,
    status_report,
)

TZ = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "wellbot.db"
    db = open_database(path)
    yield path, db
    db.close()


def _patient(db, user_id, status="active"):
    db.execute("insert into patients (user_id, chat_id, status, created_at, last_seen_at) values (?, ?, ?, ?, ?)",
               [user_id, user_id, status, to_db(NOW), to_db(NOW)])


def _visit(db, user_id, name, phone, start=NOW):
    db.execute(
        """insert into visits (user_id, service_key, start_utc, end_utc, status, patient_name, patient_phone,
           created_at, updated_at) values (?, 'acupuncture', ?, ?, 'booked', ?, ?, ?, ?)""",
        [user_id, to_db(start), to_db(start + timedelta(minutes=45)), name, phone, to_db(NOW), to_db(NOW)],
    )


def _subscribe(db, user_id, status, topics='["back"]'):
    db.execute("insert into subscriptions (user_id, status, topics, updated_at) values (?, ?, ?, ?)",
               [user_id, status, topics, to_db(NOW)])


# --- backup -----------------------------------------------------------------------------------------------------


def test_backup_is_a_complete_owner_only_single_file(database, tmp_path):
    path, db = database
    _patient(db, 1)
    _visit(db, 1, "Ann", "+1 555 0101")
    target = tmp_path / "backup.db"
    result = backup_database(path, target)
    assert result.schema == schema_version(db)
    assert result.size == target.stat().st_size
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    copy = sqlite3.connect(target)
    assert copy.execute("pragma journal_mode").fetchone()[0] == "delete"
    assert copy.execute("select patient_name from visits").fetchall() == [("Ann",)]
    copy.close()
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_backup_refuses_to_overwrite_without_force(database, tmp_path):
    path, _db = database
    target = tmp_path / "backup.db"
    target.write_text("precious")
    with pytest.raises(OpsError, match=r"already exists.*--force"):
        backup_database(path, target)
    assert target.read_text() == "precious"
    backup_database(path, target, force=True)
    assert sqlite3.connect(target).execute("select count(*) from patients").fetchone() == (0,)


def test_backup_refuses_a_missing_database_and_itself(tmp_path, database):
    path, _db = database
    with pytest.raises(OpsError, match="no database"):
        backup_database(tmp_path / "nope.db", tmp_path / "b.db")
    with pytest.raises(OpsError, match="cannot replace the database"):
        backup_database(path, path, force=True)


def test_backup_is_consistent_while_another_connection_writes(database, tmp_path):
    """Pairs of rows are written in one transaction each: a consistent copy never holds half a pair."""
    path, _db = database
    stop = threading.Event()

    def writer():
        conn = sqlite3.connect(path, timeout=5)
        n = 0
        while not stop.is_set():
            with conn:
                for _ in range(2):
                    n += 1
                    conn.execute("insert into worker_state (key, value, updated_at) values (?, 'x', 'y')",
                                 [f"k{n}"])
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        counts = []
        for index in range(5):
            target = tmp_path / f"b{index}.db"
            backup_database(path, target)
            counts.append(sqlite3.connect(target).execute("select count(*) from worker_state").fetchone()[0])
    finally:
        stop.set()
        thread.join()
    assert all(count % 2 == 0 for count in counts), counts
    assert counts[-1] > 0


def test_backup_cli_and_restore_by_copying(database, tmp_path, capsys):
    path, db = database
    _patient(db, 7)
    target = tmp_path / "nightly.db"
    env = {"WELLBOT_DATABASE": str(path)}
    assert main(["backup", str(target)], env) == 0
    assert "backup written" in capsys.readouterr().out
    assert main(["backup", str(target)], env) == 2
    assert "already exists" in capsys.readouterr().err
    # Restoring (README): stop the worker, put the copy in place, start again.
    restored = tmp_path / "restored.db"
    restored.write_bytes(target.read_bytes())
    again = open_database(restored)
    assert [r["user_id"] for r in again.query("select user_id from patients")] == [7]


# --- exports ----------------------------------------------------------------------------------------------------


def test_visits_export_has_local_times_and_neutralised_formulas(database):
    _path, db = database
    _patient(db, 1)
    _visit(db, 1, "=HYPERLINK(\"http://evil\")", "+1 (555) 010-1")
    out = io.StringIO()
    assert export_csv(db, "visits", out, TZ) == 1
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["start_local"] == "2026-06-10 09:00"
    assert rows[0]["start_utc"] == "2026-06-10T13:00:00Z"
    assert rows[0]["patient_name"].startswith("'=")
    assert rows[0]["patient_phone"] == "+1 (555) 010-1"


def test_subscribers_export_joins_reachability(database):
    _path, db = database
    _patient(db, 1)
    _patient(db, 2, "blocked")
    _subscribe(db, 1, "subscribed", '["back", "sleep"]')
    _subscribe(db, 2, "paused")
    out = io.StringIO()
    assert export_csv(db, "subscribers", out, TZ) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["user_id"], r["status"], r["topics"], r["reachable"]) for r in rows] == [
        ("1", "subscribed", "back;sleep", "yes"), ("2", "paused", "back", "no")]


@pytest.mark.parametrize("value, safe", [("=1+1", "'=1+1"), ("@SUM(A1)", "'@SUM(A1)"), ("-2+3", "'-2+3"),
                                         ("+1 555 0100", "+1 555 0100"), ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
                                         ("Ann", "Ann"), (5, 5), (None, None)])
def test_spreadsheet_safe(value, safe):
    assert spreadsheet_safe(value) == safe


def test_export_cli_warns_on_stderr_and_refuses_overwrite(database, tmp_path, capsys):
    path, db = database
    _patient(db, 1)
    _visit(db, 1, "Ann", "+1 555 0101")
    env = {"WELLBOT_DATABASE": str(path)}
    out_file = tmp_path / "visits.csv"
    assert main(["export", "visits", "--format", "csv", "--output", str(out_file)], env) == 0
    captured = capsys.readouterr()
    assert "personal data" in captured.err
    assert "Ann" not in captured.err
    assert captured.out == ""
    assert stat.S_IMODE(os.stat(out_file).st_mode) == 0o600
    assert "Ann" in out_file.read_text()
    assert main(["export", "visits", "--output", str(out_file)], env) == 2
    assert main(["export", "subscribers"], env) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("user_id,status,topics")
    assert "personal data" in captured.err


def test_ops_commands_never_create_a_database(tmp_path, capsys):
    env = {"WELLBOT_DATABASE": str(tmp_path / "missing.db")}
    for argv in (["status"], ["export", "visits"], ["backup", str(tmp_path / "b.db")]):
        assert main(argv, env) == 2
        assert "no database at" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# --- status -----------------------------------------------------------------------------------------------------


def test_age_is_short_and_readable():
    assert [age(NOW - timedelta(seconds=s), NOW) for s in (5, 303, 7800, 3 * 86400 + 4 * 3600)] == [
        "5s", "5m 3s", "2h 10m", "3d 4h"]


def _status(db, now=NOW, features=()):
    report = status_report(db, now, list(features))
    return dict(report.lines), report.healthy


def test_status_of_a_database_no_worker_ran_on(database):
    _path, db = database
    lines, healthy = _status(db)
    assert not healthy
    assert lines["heartbeat"].startswith("never")
    assert lines["last poll"] == "never"
    assert lines["schema version"] == schema_version(db)


def test_status_shows_a_live_worker_then_a_stalled_one_then_a_clean_stop(database):
    _path, db = database
    heartbeat.record(db, heartbeat.HEARTBEAT, "4242", NOW)
    heartbeat.record(db, heartbeat.LAST_POLL, "ok", NOW - timedelta(seconds=3))
    lines, healthy = _status(db, NOW + timedelta(seconds=20))
    assert healthy
    assert lines["heartbeat"].startswith("ok")
    assert "pid 4242" in lines["heartbeat"]
    assert lines["last poll"] == "2026-06-10T12:59:57Z (23s ago)"
    lines, healthy = _status(db, NOW + timedelta(minutes=5))
    assert not healthy
    assert lines["heartbeat"].startswith("STALLED")
    assert "5m 0s ago" in lines["heartbeat"]
    assert "OLD" in lines["last poll"]
    heartbeat.record(db, heartbeat.STOPPED, "4242", NOW + timedelta(seconds=1))
    lines, healthy = _status(db, NOW + timedelta(minutes=5))
    assert not healthy
    assert lines["heartbeat"].startswith("none: worker stopped cleanly")


def test_status_counts_subscribers_and_includes_every_features_lines(database):
    _path, db = database
    for user_id, status in ((1, "subscribed"), (2, "subscribed"), (3, "unsubscribed")):
        _patient(db, user_id)
        _subscribe(db, user_id, status)

    def reminders(db, now):
        return [("pending reminders", "2, next due 2026-06-11 09:00")]

    def broken(db, now):
        db.query("select * from no_such_table")
        return []

    features = [Feature("reminders", status=[reminders]), Feature("campaigns", status=[broken])]
    report = status_report(db, NOW, features)
    lines = dict(report.lines)
    assert lines["subscribers"] == "subscribed 2, paused 0, unsubscribed 1"
    assert lines["pending reminders"] == "2, next due 2026-06-11 09:00"
    assert lines["campaigns"].startswith("unavailable")
    text = format_status(report)
    assert "subscribers:" in text
    assert len(text.splitlines()) == len(report.lines)


def test_status_cli_exit_code_tells_monitoring_whether_the_worker_lives(database, capsys):
    path, db = database
    env = {"WELLBOT_DATABASE": str(path)}
    heartbeat.record(db, heartbeat.HEARTBEAT, "1", datetime.now(UTC))
    assert main(["status"], env) == 0
    assert "heartbeat:" in capsys.readouterr().out
    heartbeat.record(db, heartbeat.HEARTBEAT, "1", datetime.now(UTC) - timedelta(hours=1))
    assert main(["status"], env) == 1
    assert "STALLED" in capsys.readouterr().out


def test_status_reports_pending_migrations(tmp_path):
    db = Database(sqlite3.connect(tmp_path / "old.db"))
    lines, _ = _status(db)
    assert "pending: run wellbot migrate" in lines["schema version"]
