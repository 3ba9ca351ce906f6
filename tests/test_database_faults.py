"""Database faults: a damaged table is found and reported; a read-only disk at start is one line (finding 11).

A corrupted page in one table went unnoticed (`/help` failed while
`wellbot status` said ok), and a read-only file system at start gave a
traceback and exit 1 instead of one line and exit 2.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import TOKEN
from wellbot.bot import heartbeat
from wellbot.cli import main
from wellbot.core.db import open_database
from wellbot.ops import status_report

PAGE_SIZE = 4096


def _corrupt_table(path: Path, table: str) -> None:
    """Overwrite the header of one table's root page, as a failing disk or a stray write would."""
    db = sqlite3.connect(path)
    db.execute("pragma wal_checkpoint(truncate)")
    page = db.execute("select rootpage from sqlite_master where name = ?", [table]).fetchone()[0]
    db.close()
    with open(path, "r+b") as file:
        file.seek((page - 1) * PAGE_SIZE)  # the page type byte first: no valid b-tree page is type 0xff
        file.write(b"\xff" * 64)


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wellbot", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60)


def test_check_finds_a_damaged_table(tmp_path, capsys):
    path = tmp_path / "wellbot.db"
    db = open_database(path)
    db.execute("insert into patients (user_id, chat_id, created_at, last_seen_at) values (1, 1, 'x', 'x')")
    db.close()
    env = {"WELLBOT_DATABASE": str(path)}
    assert main(["check"], env) == 0
    assert "database: ok (quick_check)" in capsys.readouterr().out
    _corrupt_table(path, "patients")
    assert main(["check"], env) != 0
    out = capsys.readouterr()
    assert "database" in out.err
    assert "damaged" in out.err


async def _restart_on_a_damaged_table(bot):
    """A patient writes (their row exists); the worker stops, its patients table is damaged, it starts again."""
    pat = bot.user(1001, "Pat")
    await pat.send("/start")
    await pat.next_message()
    await bot.settle()
    await bot.stop()
    _corrupt_table(bot.database, "patients")
    await bot.start()
    return pat


async def test_a_worker_starting_on_a_damaged_table_reports_it_to_status(bot):
    await _restart_on_a_damaged_table(bot)
    report = status_report(bot.db, bot.clock.now(), [])
    assert not report.healthy
    assert dict(report.lines)["database"].startswith("DAMAGED")


async def test_a_damaged_table_found_while_handling_an_update_is_reported(bot, monkeypatch):
    monkeypatch.setattr(heartbeat, "quick_check", lambda db: [])  # damage the start-up check will not see
    pat = await _restart_on_a_damaged_table(bot)
    assert status_report(bot.db, bot.clock.now(), []).lines  # the report itself never crashes
    await pat.send("/help")
    await pat.wait_for("something went wrong")
    await bot.settle()
    report = status_report(bot.db, bot.clock.now(), [], bot.database)  # the database refused the note itself
    assert not report.healthy
    assert dict(report.lines)["database"].startswith("DAMAGED")


def test_a_folder_the_worker_cannot_write_is_one_line_and_exit_2(tmp_path):
    result = _run({"TELEGRAM_BOT_TOKEN": TOKEN, "WELLBOT_DATABASE": "/sys/wellbot.db"}, "run")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "WELLBOT_DATABASE" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None, reason="needs root to mount a tmpfs")
def test_a_read_only_file_system_at_start_is_one_line_and_exit_2(tmp_path):
    mount = tmp_path / "ro"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        result = _run({"TELEGRAM_BOT_TOKEN": TOKEN, "WELLBOT_DATABASE": str(mount / "wellbot.db")}, "run")
    finally:
        subprocess.run(["umount", str(mount)])
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "read-only" in result.stderr.lower()


async def test_status_command_exits_1_and_says_damaged(bot, capsys, restore_logging):
    await _restart_on_a_damaged_table(bot)
    await bot.stop()
    env = {"WELLBOT_DATABASE": str(bot.database)}
    assert main(["status"], env) == 1
    assert "DAMAGED" in capsys.readouterr().out
