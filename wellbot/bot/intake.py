"""The door updates come in through: one update the library cannot read never blocks the others.

python-telegram-bot parses a whole getUpdates batch at once; one update it
rejects (a `poll` missing required fields, a shape from a newer Bot API)
failed the batch, the offset never advanced and the same batch came back
forever. Here each update of a batch is tried alone first. One that cannot
be parsed is replaced by a bare `{"update_id": N}`: the library accepts it,
the offset moves past it (Telegram counts it as acknowledged) and the guards
drop it, since it has no user. It is logged once, with ids only (its body
may hold a patient's phone number or text), and counted for `wellbot status`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

log = logging.getLogger(__name__)

# Update kinds named in logs; anything else is logged as "unknown" (forged keys stay out of the log).
KNOWN_KINDS = frozenset(Update.ALL_TYPES)


@dataclass
class Screened:
    """A getUpdates answer after screening: the payload to hand on and the update ids skipped."""

    payload: bytes
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (update_id, kind, error type)
    highest_id: int | None = None


def readable(raw: Any) -> str | None:
    """None if python-telegram-bot can parse this one update, else the error's type name."""
    try:
        Update.de_json(raw, None)
    except Exception as exc:
        return type(exc).__name__
    return None


def kind_of(raw: Any) -> str:
    """The update's kind if it is one the Bot API defines, else 'unknown'."""
    if isinstance(raw, dict):
        for key in raw:
            if key != "update_id" and key in KNOWN_KINDS:
                return key
    return "unknown"


def screen(payload: bytes) -> Screened:
    """Replace each update the library would reject with a bare one; leave anything else as it was."""
    try:
        answer = json.loads(payload)
    except ValueError:
        return Screened(payload)  # not JSON: the library reports that itself, as a TelegramError
    result = answer.get("result") if isinstance(answer, dict) and answer.get("ok") is True else None
    if not isinstance(result, list):
        return Screened(payload)
    screened = Screened(payload)
    kept: list[Any] = []
    for raw in result:
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            screened.skipped.append((-1, "unknown", "no update_id"))  # cannot be acknowledged alone
            continue
        screened.highest_id = max(update_id, screened.highest_id or update_id)
        error = readable(raw)
        if error is None:
            kept.append(raw)
        else:
            screened.skipped.append((update_id, kind_of(raw), error))
            kept.append({"update_id": update_id})
    if screened.skipped:
        answer["result"] = kept
        screened.payload = json.dumps(answer).encode()
    return screened


def parse_one(body: bytes, bot: Any) -> tuple[Update | None, tuple[int, str, str] | None]:
    """Parse one webhook body: (update or None, what was skipped or None); a bare update when unreadable."""
    try:
        raw = json.loads(body)
    except ValueError:
        return None, (-1, "unknown", "not JSON")
    update_id = raw.get("update_id") if isinstance(raw, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return None, (-1, "unknown", "no update_id")
    error = readable(raw)
    if error is not None:
        return Update(update_id), (update_id, kind_of(raw), error)
    return Update.de_json(raw, bot), None
