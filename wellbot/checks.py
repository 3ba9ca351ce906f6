"""`wellbot check`: everything the worker validates at start, plus templates."""

from __future__ import annotations

import os
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from sqlite_utils import Database

from wellbot.core.db import quick_check
from wellbot.core.errors import ConfigError
from wellbot.core.settings import Settings


def run_checks(settings: Settings, build_deps: Callable[[Settings], object]) -> Iterator[str]:
    """Yield one line per passed check; raise ConfigError on the first problem."""
    yield "settings: ok (format only)" if settings.token else "settings: ok apart from the token (see below)"
    yield token_line(settings)
    with tempfile.TemporaryDirectory() as scratch:
        # A throwaway database: check must not create or migrate the real one.
        deps = build_deps(replace(settings, database=Path(scratch) / "check.db"))
        yield f"clinic file: ok ({deps.clinic.path}, {len(deps.clinic.services)} services)"
        yield "feature checks: ok"
        names = deps.renderer.check_all()
        yield f"templates: ok ({len(names)} rendered with sample data)"
        deps.db.close()
    if settings.database.is_file():
        yield database_line(settings.database)
    warning = database_permission_warning(settings.database)
    if warning:
        yield warning


def database_line(path: Path) -> str:
    """`database: ok` after PRAGMA quick_check of the real database (read-only); ConfigError if it is damaged."""
    try:
        db = Database(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True))
    except sqlite3.Error as exc:
        raise ConfigError("WELLBOT_DATABASE", f"cannot open {path}: {exc}") from None
    try:
        problems = quick_check(db)
    finally:
        db.close()
    if problems:
        raise ConfigError("WELLBOT_DATABASE", f"{path} is damaged ({'; '.join(problems)[:300]}); stop the worker "
                                              "and restore the last good backup (see README, Backing up)")
    return "database: ok (quick_check)"


def token_line(settings: Settings) -> str:
    """Say what check did with the token, and what it could not check: it never calls Telegram."""
    if not settings.token:
        return ("token: NOT CHECKED: TELEGRAM_BOT_TOKEN is not set (wellbot run needs it; "
                "wellbot status --json shows Telegram's view once it is set)")
    return "token: set, well-formed (Telegram itself is asked only by wellbot run and wellbot status --json)"


def database_permission_warning(path: Path) -> str | None:
    """A warning line if the database file is readable by anyone but its owner."""
    if not path.exists():
        return None
    mode = os.stat(path).st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"warning: {path} is readable by other users (mode {stat.filemode(mode)}); run: chmod 600 {path}"
    return None
