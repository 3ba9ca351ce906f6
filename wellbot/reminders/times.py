"""When reminders, confirmation alerts and check-ins are due: pure functions, no I/O.

An offset that is a whole number of days ("24h", "1d", "2d") means the same
local wall-clock time that many calendar days away, so "the day before" stays
at the visit's hour across a daylight-saving change (23 or 25 real hours).
Any other offset ("2h", "90m", 30) is an exact duration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
MAX_OFFSET_MINUTES = 30 * MINUTES_PER_DAY  # a month: anything longer is a typo
OFFSET_PATTERN = re.compile(r"^\s*(\d+)\s*([dhm]?)\s*$")
UNIT_MINUTES = {"d": MINUTES_PER_DAY, "h": 60, "m": 1, "": 1}

# What a planned row is for.
REMINDER = "reminder"  # the patient's "see you soon" message, before the visit
CONFIRM_ALERT = "confirm_alert"  # tell staff if the visit is still unconfirmed
CHECKIN = "checkin"  # "how is your pain today?", after the visit
KINDS = (REMINDER, CONFIRM_ALERT, CHECKIN)


@dataclass(frozen=True)
class Policy:
    """The clinic's reminder rules, in minutes."""

    offsets: tuple[int, ...] = (MINUTES_PER_DAY, 120)
    grace_minutes: int = 30
    confirm_by_minutes: int | None = 180
    checkin_after_minutes: int | None = None


@dataclass(frozen=True)
class Planned:
    """One row the store should hold for a visit."""

    kind: str
    offset_minutes: int
    due: datetime  # aware UTC


def parse_offset(value: object) -> int:
    """Minutes from "24h", "2d", "90m", "45" or an integer; ValueError if malformed."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int):
        minutes = value
    elif isinstance(value, str) and (match := OFFSET_PATTERN.match(value.lower())):
        minutes = int(match.group(1)) * UNIT_MINUTES[match.group(2)]
    else:
        raise ValueError(f"{value!r} is not a duration like \"24h\", \"90m\" or 30 (minutes)")
    if not 1 <= minutes <= MAX_OFFSET_MINUTES:
        raise ValueError(f"{value!r} must be between 1 minute and 30 days")
    return minutes


def shift(moment: datetime, minutes: int, tz: ZoneInfo) -> datetime:
    """`moment` moved by `minutes` (negative: earlier): whole days by the calendar, else exactly."""
    if moment.tzinfo is None:
        raise ValueError("shift needs an aware datetime")
    days, rest = divmod(abs(minutes), MINUTES_PER_DAY)
    if rest:
        return (moment + timedelta(minutes=minutes)).astimezone(UTC)
    sign = 1 if minutes > 0 else -1
    local = moment.astimezone(tz)
    wall = local.replace(tzinfo=None) + timedelta(days=sign * days)
    # fold=0: a wall time that happens twice takes the first; one that never
    # happens (spring gap) resolves, via UTC, to the hour after the gap.
    return wall.replace(tzinfo=tz).astimezone(UTC)


def plan_visit(start: datetime, end: datetime, status: str, policy: Policy, tz: ZoneInfo,
               now: datetime) -> list[Planned]:
    """Every row a visit should have that is still ahead of `now`; nothing for a cancelled visit."""
    planned: list[Planned] = []
    if status == "booked":
        for offset in sorted(set(policy.offsets), reverse=True):
            planned.append(Planned(REMINDER, offset, shift(start, -offset, tz)))
        if policy.confirm_by_minutes:
            planned.append(Planned(CONFIRM_ALERT, policy.confirm_by_minutes,
                                   shift(start, -policy.confirm_by_minutes, tz)))
    if status in ("booked", "attended") and policy.checkin_after_minutes:
        planned.append(Planned(CHECKIN, policy.checkin_after_minutes, shift(end, policy.checkin_after_minutes, tz)))
    return [p for p in planned if p.due > now]


def overdue_fate(due: datetime, kind: str, visit_start: datetime, now: datetime, grace_minutes: int) -> str | None:
    """Why an overdue row must be skipped rather than sent, or None if it may still go."""
    if due < now - timedelta(minutes=grace_minutes):
        return "grace_expired"
    if kind in (REMINDER, CONFIRM_ALERT) and visit_start <= now:
        return "visit_started"
    return None
