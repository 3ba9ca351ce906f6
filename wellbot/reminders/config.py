"""The clinic file's `[reminders]` table, validated into a Policy."""

from __future__ import annotations

from typing import Any

from wellbot.core.clinic import Clinic
from wellbot.core.errors import ConfigError
from wellbot.reminders.times import Policy, parse_offset

SECTION = "reminders"
DEFAULT_OFFSETS = ("24h", "2h")
DEFAULT_GRACE = "30m"
DEFAULT_CONFIRM_BY = "3h"
KNOWN_KEYS = {"offsets", "grace", "confirm_by", "checkin_after"}


def policy_from_clinic(clinic: Clinic) -> Policy:
    """The clinic's reminder rules; a missing table gives the defaults. Raises ConfigError."""
    table = clinic.section(SECTION)
    where = f"{clinic.path} [{SECTION}]"
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise ConfigError(where, f"unknown setting(s) {', '.join(sorted(unknown))}; "
                                 f"known: {', '.join(sorted(KNOWN_KEYS))}")
    offsets = table.get("offsets", list(DEFAULT_OFFSETS))
    if not isinstance(offsets, list):
        raise ConfigError(where, '`offsets` must be a list such as ["24h", "2h"] (may be empty)')
    return Policy(
        offsets=tuple(_duration(value, where, "offsets") for value in offsets),
        grace_minutes=_duration(table.get("grace", DEFAULT_GRACE), where, "grace"),
        confirm_by_minutes=_optional(table.get("confirm_by", DEFAULT_CONFIRM_BY), where, "confirm_by"),
        checkin_after_minutes=_optional(table.get("checkin_after", ""), where, "checkin_after"),
    )


def _duration(value: Any, where: str, key: str) -> int:
    """Minutes, or a ConfigError naming the key."""
    try:
        return parse_offset(value)
    except ValueError as exc:
        raise ConfigError(where, f"`{key}`: {exc}") from None


def _optional(value: Any, where: str, key: str) -> int | None:
    """A duration, or None for "" / false (turned off)."""
    if value == "" or value is False:
        return None
    return _duration(value, where, key)
