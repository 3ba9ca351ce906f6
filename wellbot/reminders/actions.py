"""What a patient's taps on a reminder change: Confirm, and a pain score after the visit.

Plain functions over `store` (no Telegram): each checks the row belongs to the
presser, changes it once (a second tap changes nothing) and returns what
happened, for the handler to turn into a toast and a refreshed message.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from wellbot.core.deps import Deps
from wellbot.language.accents import without_accents
from wellbot.reminders import store

log = logging.getLogger(__name__)

MAX_SCORE = 10
# A bare number typed this soon after a check-in is its answer: patients often type instead of tapping.
TYPED_CHECKIN_WINDOW = timedelta(hours=48)
TYPED_SCORE = re.compile(r"\s*(\d{1,2})\s*(?:/\s*10|out of 10|de 10|sobre 10)?\s*[.!]?\s*", re.IGNORECASE)
# A yes typed this soon after a visit reminder confirms it, as the Confirm button does (reminders go 24 h ahead).
TYPED_CONFIRM_WINDOW = timedelta(hours=30)
YES_WORDS = r"(?:yes|yeah|yep|yup|sure|ok|okay|confirm|confirmed|i confirm|yes please|will do|definitely)"
WILL_COME = r"(?:i ?will|i ?ll|ill|i am|i m|we ?ll|we will) (?:be there|come|make it|attend)(?: then| tomorrow| today)?"
POLITE_END = r"(?: (?:thanks|thank you|see you(?: then| tomorrow| there)?))?"
TYPED_CONFIRM = re.compile(rf"(?:{YES_WORDS}(?: {WILL_COME})?|{WILL_COME}){POLITE_END}")
# The same in Spanish, read without accents ("sí, ahí estaré" -> "si ahi estare").
SI_WORDS = (r"(?:si|claro|claro que si|confirmo|confirmado|de acuerdo|ok|okey|vale|por supuesto|si confirmo"
            r"|si por favor)")
VOY = (r"(?:(?:ahi|alli|aca|aqui) (?:estare|estaremos|nos vemos)"
       r"|(?:si )?(?:voy|vamos|ire|iremos|asistire|llego|llegare)|nos vemos)(?: manana| hoy| entonces| alli| ahi)?")
GRACIAS_END = r"(?: (?:gracias|muchas gracias|nos vemos(?: manana| entonces)?))?"
TYPED_CONFIRM_ES = re.compile(rf"(?:{SI_WORDS}(?: {VOY})?|{VOY}){GRACIAS_END}")
NOT_YOURS = "not_yours"  # the row is someone else's, or gone: the handler treats the button as forged


def confirm(deps: Deps, *, visit_id: int, user_id: int) -> str:
    """Record that the patient will come; returns confirmed, already, not_open or not_yours."""
    result = store.confirm_visit(deps.db, visit_id, user_id, deps.clock.now())
    log.info("visit confirm visit_id=%s user_id=%s result=%s", visit_id, user_id, result)
    return result


def record_checkin(deps: Deps, *, reminder_id: int, user_id: int, score: int) -> tuple[str, int | None]:
    """Store a pain score once; returns (result, the score stored) or (not_yours, None) if out of range."""
    if not 0 <= score <= MAX_SCORE:
        return NOT_YOURS, None
    result, stored = store.record_checkin(deps.db, reminder_id, user_id, score, deps.clock.now())
    log.info("check-in answer reminder_id=%s user_id=%s result=%s", reminder_id, user_id, result)
    return result, stored


def typed_checkin(deps: Deps, *, user_id: int, text: str) -> tuple[str, int | None] | None:
    """A typed score ("7", "7/10") answering the patient's open check-in; None when the text is not one."""
    match = TYPED_SCORE.fullmatch(text)
    if match is None or int(match[1]) > MAX_SCORE:
        return None
    reminder_id = store.open_checkin(deps.db, user_id, deps.clock.now() - TYPED_CHECKIN_WINDOW)
    if reminder_id is None:
        return None
    return record_checkin(deps, reminder_id=reminder_id, user_id=user_id, score=int(match[1]))


def typed_confirm(deps: Deps, *, user_id: int, text: str) -> tuple[str, int] | None:
    """A typed yes ("confirm", "yes I'll be there", "sí, ahí estaré") to an unconfirmed reminder: (result, visit id)."""
    said = " ".join(re.findall(r"[a-z]+", without_accents(text.lower().replace("'", ""))))
    if not said or (TYPED_CONFIRM.fullmatch(said) is None and TYPED_CONFIRM_ES.fullmatch(said) is None):
        return None
    now = deps.clock.now()
    visit_id = store.reminded_unconfirmed_visit(deps.db, user_id, now - TYPED_CONFIRM_WINDOW, now)
    if visit_id is None:
        return None
    return confirm(deps, visit_id=visit_id, user_id=user_id), visit_id
