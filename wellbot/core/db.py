"""The SQLite database: opened safely, migrated by named migrations only.

SQLite is the one source of truth: scheduler jobs, conversation state and
caches are rebuilt from it after a restart. The connection belongs to the
event-loop thread; never `await` inside `db.atomic()` (another update's
writes would join the open transaction).
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
from pathlib import Path
from types import ModuleType

from sqlite_utils import Database, Migrations

from wellbot.core.errors import ConfigError
from wellbot.core.resources import migrations_dir

OWNER_ONLY = 0o600
BUSY_TIMEOUT_MS = 5000  # CLI commands and migrations: waiting for the worker's short writes is fine
# The worker's event-loop connection waits this long at most (per attempt) for another process's write lock, then
# gives up and its caller retries off the loop (an asyncio sleep), so a CLI command holding the lock for
# seconds never freezes every patient's replies (benchmarks/README.md, one sender (a)).
LOOP_BUSY_TIMEOUT_MS = 10
BUSY_WORDS = ("database is locked", "database table is locked", "database is busy")


def open_database(path: Path | str, *, migrate: bool = True) -> Database:
    """Open (creating owner-only) the database, turn on WAL and foreign keys, apply migrations."""
    if str(path) == ":memory:":
        db = Database(memory=True)
    else:
        path = Path(path)
        _create_owner_only(path)
        try:
            db = Database(sqlite3.connect(str(path), check_same_thread=True))
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.enable_wal()
            # WAL + NORMAL: commits skip the fsync (checkpoints still sync). Safe from corruption and
            # from a process crash; only an OS crash or power cut can undo the last commits. Bulk
            # sends commit before every push, and FULL made that commit cost more than the push.
            db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise ConfigError("WELLBOT_DATABASE", f"cannot open {path}: {exc}") from None
    db.execute("PRAGMA foreign_keys = ON")
    # Deleted rows are overwritten with zeros, not left in free pages: /forget and the retention purge
    # must remove names and phone numbers from the file itself.
    db.execute("PRAGMA secure_delete = ON")
    if migrate:
        try:
            apply_migrations(db)
        except sqlite3.Error as exc:  # a read-only file system, a full disk, a damaged file
            db.close()
            raise ConfigError("WELLBOT_DATABASE", f"cannot update {path}: {exc}") from None
    return db


QUICK_CHECK_LIMIT = 5  # problems listed at most: the first few say enough, the rest is noise


def quick_check(db: Database) -> list[str]:
    """SQLite's `PRAGMA quick_check`: [] when every page and table reads back, else the first problems."""
    try:
        rows = [row[0] for row in db.execute(f"PRAGMA quick_check({QUICK_CHECK_LIMIT})").fetchall()]
    except sqlite3.DatabaseError as exc:  # so damaged that the check itself cannot run
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def checkpoint(db: Database) -> bool:
    """Copy the WAL into the database file and truncate it, so deleted data leaves the -wal file; True if done."""
    try:
        busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    except sqlite3.Error:
        return False
    return not busy


def close_database(db: Database) -> None:
    """Checkpoint and close (the WAL is folded in and removed); safe to call twice."""
    try:
        checkpoint(db)
        db.close()
    except sqlite3.ProgrammingError:
        pass  # already closed


def open_existing(path: Path | str, *, migrate: bool = False) -> Database:
    """Open a database that must already exist: commands that read one never create it (ConfigError)."""
    if str(path) != ":memory:" and not Path(path).is_file():
        raise ConfigError("WELLBOT_DATABASE", f"no database at {path} (start the worker or run wellbot migrate first)")
    return open_database(path, migrate=migrate)


def set_busy_timeout(db: Database, milliseconds: int) -> None:
    """How long this connection waits for another connection's write lock before raising 'locked'."""
    db.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")


def is_busy(error: BaseException) -> bool:
    """True if SQLite refused because another connection holds the lock (worth retrying shortly)."""
    return isinstance(error, sqlite3.OperationalError) and any(word in str(error).lower() for word in BUSY_WORDS)


def _create_owner_only(path: Path) -> None:
    """Create the file readable by its owner only, before SQLite opens it."""
    if path.exists():
        return
    if not path.parent.is_dir():
        raise ConfigError("WELLBOT_DATABASE", f"folder {path.parent} does not exist")
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, OWNER_ONLY)
    except OSError as exc:
        raise ConfigError("WELLBOT_DATABASE", f"cannot create {path}: {exc.strerror} (is the file system "
                                              "read-only, or the folder not writable by the bot's user?)") from None
    os.close(fd)


def migration_sets() -> list[Migrations]:
    """Every migration set in `migrations/`, in file-name order."""
    sets = []
    for file in sorted(migrations_dir().glob("[0-9]*.py")):
        module = _load(file)
        migrations = getattr(module, "migrations", None)
        if not isinstance(migrations, Migrations):
            raise RuntimeError(f"{file.name} defines no `migrations = Migrations(...)`")
        sets.append(migrations)
    return sets


def _load(file: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"wellbot_migrations_{file.stem}", file)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pending_migrations(db: Database) -> list[str]:
    """Names (set/name) of migrations not yet applied."""
    return [f"{m.name}/{p.name}" for m in migration_sets() for p in m.pending(db)]


def apply_migrations(db: Database) -> list[str]:
    """Apply pending migrations in order; return what was applied. Idempotent."""
    applied: list[str] = []
    for migrations in migration_sets():
        names = [p.name for p in migrations.pending(db)]
        migrations.apply(db)
        applied.extend(f"{migrations.name}/{name}" for name in names)
    return applied


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The rowid an INSERT just wrote (sqlite3 types it Optional: it is None only before any insert)."""
    rowid = cursor.lastrowid
    if rowid is None:
        raise RuntimeError("the statement inserted no row")
    return rowid


def schema_version(db: Database) -> str:
    """The last applied migration, as `set/name`, or 'empty'."""
    if not db["_sqlite_migrations"].exists():
        return "empty"
    row = next(db.query("select migration_set, name from _sqlite_migrations order by id desc limit 1"), None)
    return f"{row['migration_set']}/{row['name']}" if row else "empty"
