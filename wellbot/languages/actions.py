"""Changing a patient's language (no Telegram here)."""

from __future__ import annotations

import logging

from wellbot.core import patients
from wellbot.core.deps import Deps

log = logging.getLogger(__name__)


def choose(deps: Deps, user_id: int, language: str) -> bool:
    """Store the language a patient chose; False if the clinic does not offer it (an old button)."""
    if language not in deps.base_clinic.languages:
        return False
    patients.set_language(deps.db, user_id, language)
    log.info("language chosen user_id=%s language=%s", user_id, language)
    return True
