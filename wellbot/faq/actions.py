"""Replacing the FAQ from the clinic's files: at start, on SIGHUP and by `wellbot faq reload`.

Plain functions (no Telegram): `loading` validates the whole folder first, so
a folder with a problem never replaces a FAQ that works.
"""

from __future__ import annotations

import logging
import sqlite3

from wellbot.core.deps import Deps
from wellbot.core.errors import ConfigError
from wellbot.faq import loading, store

log = logging.getLogger(__name__)


def reload(deps: Deps) -> bool:
    """Reload the FAQ files; False (and the current FAQ kept) if the folder or the database has a problem."""
    try:
        loading.reload(deps)
    except (ConfigError, sqlite3.Error) as exc:
        log.error("faq reload refused, the previous FAQ stays in use: %s", exc)
        return False
    return True


def load_at_start(deps: Deps) -> None:
    """Validate the [faq] table and load the folder; a broken folder only fails a bot with no FAQ yet.

    A broken folder fails `wellbot check` (whose database is empty) and a first
    start, but never takes down a worker that has a FAQ loaded already: it keeps
    answering from that one.
    """
    loading.settings_for(deps.clinic)  # the table itself must be right: handlers read it
    try:
        loading.reload(deps)
    except ConfigError as exc:
        if store.entry_count(deps.db, None) == 0:  # no FAQ in any language yet
            raise
        log.error("faq files have a problem, answering from the FAQ loaded before: %s", exc)
