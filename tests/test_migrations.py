"""Schema changes only through named migrations, applied idempotently."""

import os
import stat

from sqlite_utils import Database

from wellbot.cli import main
from wellbot.core.db import apply_migrations, migration_sets, open_database, pending_migrations, schema_version


def test_migrations_apply_twice_to_a_fresh_database():
    db = Database(memory=True)
    first = apply_migrations(db)
    assert first, "a fresh database gets every migration"
    tables = set(db.table_names())
    assert apply_migrations(db) == []
    assert set(db.table_names()) == tables
    assert pending_migrations(db) == []
    recorded = db.execute("select count(*) from _sqlite_migrations").fetchone()[0]
    assert recorded == sum(len(m._migrations) for m in migration_sets())


def test_database_file_is_owner_only_with_wal_and_foreign_keys(tmp_path):
    path = tmp_path / "wellbot.db"
    db = open_database(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.execute("pragma foreign_keys").fetchone()[0] == 1
    assert schema_version(db) != "empty"


def test_migrate_command_is_idempotent(tmp_path, capsys):
    env = {"WELLBOT_DATABASE": str(tmp_path / "wellbot.db")}
    assert main(["migrate"], env) == 0
    first = capsys.readouterr().out
    assert main(["migrate"], env) == 0
    second = capsys.readouterr().out
    assert "applied 0 migration(s)" not in first
    assert "applied 0 migration(s)" in second
