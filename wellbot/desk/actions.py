"""What the staff desk changes: inbox messages both ways, closing threads, calendar-feed tokens.

The chat handlers and the Mini App call these same functions, so a reply
sent from either reaches the patient the same way. No Telegram here: the
caller's `Notifier` delivers, and the caller builds any keyboard.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from wellbot.booking.common import rules_of
from wellbot.core.deps import Deps
from wellbot.core.hooks import Notifier
from wellbot.desk import logic, store

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 3000  # leaves room in Telegram's 4096 for the clinic's framing around it
FEED_TOKEN_BYTES = 24  # 192 bits: the URL is the only secret a calendar app can hold


class Outcome(Enum):
    """How an inbox action ended."""

    SENT = "sent"
    CLOSED = "closed"  # the thread was closed meanwhile
    GONE = "gone"  # no such thread (erased by /forget)
    UNREACHABLE = "unreachable"  # saved, but the patient blocked the bot or erased their chat
    EMPTY = "empty"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class Received:
    """A patient's message saved to their thread, and when the front desk will answer."""

    thread: store.Thread
    opened: bool
    open_now: bool
    opens_at: datetime | None  # when closed: the next opening (None if not within two weeks)


def check_text(text: str | None) -> Outcome | None:
    """EMPTY or TOO_LONG for text that cannot be sent, else None."""
    if not text or not text.strip():
        return Outcome.EMPTY
    if len(text) > MAX_MESSAGE_CHARS:
        return Outcome.TOO_LONG
    return None


def patient_wrote(deps: Deps, user_id: int, text: str, name: str | None = None) -> Received:
    """Save a patient's message for the front desk; say when the clinic is next open."""
    now = deps.clock.now()
    thread, opened = store.add_patient_message(deps.db, user_id, text.strip(), now, name)
    log.info("inbox message from patient thread_id=%s user_id=%s opened=%s", thread.id, user_id, opened)
    rules, tz = rules_of(deps), deps.clinic.timezone
    return Received(thread, opened, logic.is_open(rules, now, tz), logic.next_opening(rules, now, tz))


async def staff_reply(deps: Deps, notifier: Notifier, *, thread_id: int, staff_id: int, text: str,
                      keyboard: Any = None) -> Outcome:
    """A staff reply into an open thread; the patient gets it as from the clinic."""
    problem = check_text(text)
    if problem is not None:
        return problem
    thread = store.get_thread(deps.db, thread_id)
    if thread is None:
        return Outcome.GONE
    if not store.add_staff_message(deps.db, thread_id, staff_id, text.strip(), deps.clock.now()):
        return Outcome.CLOSED
    return await _deliver(deps, notifier, thread, staff_id, text.strip(), keyboard)


async def staff_message(deps: Deps, notifier: Notifier, *, user_id: int, staff_id: int, text: str,
                        keyboard: Any = None) -> Outcome:
    """Staff write to a patient first (from the Mini App's patient card): into their open or a new thread."""
    problem = check_text(text)
    if problem is not None:
        return problem
    thread, _opened = store.add_staff_message_to(deps.db, user_id, staff_id, text.strip(), deps.clock.now())
    return await _deliver(deps, notifier, thread, staff_id, text.strip(), keyboard)


async def _deliver(deps: Deps, notifier: Notifier, thread: store.Thread, staff_id: int, text: str,
                   keyboard: Any) -> Outcome:
    """Send a saved staff message to the patient."""
    reached = await notifier.patient(thread.user_id, "desk_from_clinic", keyboard=keyboard, text=text)
    log.info("inbox reply thread_id=%s staff_id=%s reached=%s", thread.id, staff_id, reached)
    return Outcome.SENT if reached else Outcome.UNREACHABLE


async def close(deps: Deps, notifier: Notifier, *, thread_id: int, staff_id: int) -> Outcome:
    """Close a thread; the patient is told they can write again any time."""
    thread = store.get_thread(deps.db, thread_id)
    if thread is None:
        return Outcome.GONE
    if not store.close_thread(deps.db, thread_id, staff_id, deps.clock.now()):
        return Outcome.CLOSED
    log.info("inbox thread closed thread_id=%s staff_id=%s", thread_id, staff_id)
    await notifier.patient(thread.user_id, "desk_closed_patient")
    return Outcome.SENT


def new_feed(deps: Deps, staff_id: int) -> str:
    """A fresh secret calendar-feed token for a staff member (any earlier one stops working)."""
    token = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    store.new_feed(deps.db, staff_id, token, deps.clock.now())
    log.info("calendar feed issued staff_id=%s", staff_id)
    return token


def revoke_feed(deps: Deps, staff_id: int) -> int:
    """Stop every calendar feed of a staff member; return how many were live."""
    revoked = store.revoke_feeds(deps.db, staff_id, deps.clock.now())
    log.info("calendar feed revoked staff_id=%s count=%s", staff_id, revoked)
    return revoked
