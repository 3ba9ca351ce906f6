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
        clinic = deps.clinic  # type: ignore[attr-defined]
        names = deps.renderer.check_all(clinic.languages[1:])  # type: ignore[attr-defined]
        yield f"templates: ok ({len(names)} rendered with sample data in {', '.join(clinic.languages)})"
        yield from language_report(deps)
        deps.db.close()
    if settings.database.is_file():
        yield database_line(settings.database)
    warning = database_permission_warning(settings.database)
    if warning:
        yield warning


SHOWN = 8  # names listed per missing kind; the count says how many more


def language_report(deps: object) -> Iterator[str]:
    """One line per configured language besides the default: what is still missing, and so shown in the default.

    Nothing missing is an error (every text falls back to the default language), so these lines never stop
    a start; they say what a translator still has to write.
    """
    from wellbot.conversation.actions import READERS
    from wellbot.core import i18n
    from wellbot.core.clinic import missing_overlay_texts
    from wellbot.faq import loading

    clinic = deps.base_clinic  # type: ignore[attr-defined]
    renderer = deps.renderer  # type: ignore[attr-defined]
    for lang in clinic.languages[1:]:
        parts = {
            "templates": renderer.missing_translations(lang),
            "clinic overrides": renderer.untranslated_overrides(lang),
            "catalogue strings": i18n.missing_messages(lang),
            f"{clinic.path.stem}.{lang}.toml texts": missing_overlay_texts(clinic, lang),
            "FAQ files": loading.missing_entries(deps, lang),  # type: ignore[arg-type]
            # "hello", "are you open?" typed in `lang`: read by wellbot/conversation/<lang>.py, else English only
            "typed requests read in English only": [] if lang in READERS or lang == i18n.SOURCE_LANGUAGE
            else [f"wellbot/conversation/ has no reader for {lang}"],
        }
        found = {kind: names for kind, names in parts.items() if names}
        if not found:
            yield f"language {lang}: complete"
            continue
        yield f"language {lang}: missing, shown in {clinic.default_language} until written:"
        for kind, names in found.items():
            more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
            yield f"  {kind} ({len(names)}): {', '.join(names[:SHOWN])}{more}"


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
