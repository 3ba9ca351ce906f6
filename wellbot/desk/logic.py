"""Pure rules of the staff desk: opening hours for the inbox's auto-reply, Mini App initData checks.

No I/O and no Telegram: the clock, the rules and the token are parameters.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from wellbot.booking.rules import Rules
from wellbot.core import dates

LOOKAHEAD_DAYS = 14  # a clinic closed longer than this gets the "we'll reply when we reopen" wording
WEB_APP_KEY = b"WebAppData"  # Telegram's fixed key for deriving the Mini App secret from the bot token
MAX_INIT_DATA_CHARS = 4096  # Telegram's initData is far shorter; anything longer is not from a client


def next_opening(rules: Rules, now: datetime, tz: ZoneInfo) -> datetime | None:
    """None while the clinic is open; else the local time it next opens (None past the lookahead too)."""
    local = now.astimezone(tz)
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        for start, end in rules.open_ranges(day):
            opens = datetime.combine(day, start, tz)
            closes = datetime.combine(day, end, tz)
            if opens <= local < closes:
                return None
            if opens > local:
                return opens
    return None


def is_open(rules: Rules, now: datetime, tz: ZoneInfo) -> bool:
    """True while `now` falls inside one of today's opening ranges."""
    local = now.astimezone(tz)
    return any(datetime.combine(local.date(), start, tz) <= local < datetime.combine(local.date(), end, tz)
               for start, end in rules.open_ranges(local.date()))


def day_word(opens: date, today: date, lang: str | None = None) -> str:
    """'today', 'tomorrow' or 'on Monday 15 June' for the auto-reply, in `lang` (default: the one being written)."""
    return dates.day_word(opens, today, lang)


def clock_time(value: time) -> str:
    """09:00 as '9:00' (how a receptionist would say it)."""
    return f"{value.hour}:{value.minute:02d}"


# ---- Mini App initData ---------------------------------------------------------------------------

class InitDataError(ValueError):
    """initData that did not come from Telegram for this bot, or is too old."""


@dataclass(frozen=True)
class WebAppUser:
    """Who opened the Mini App, as Telegram signed it."""

    id: int
    first_name: str
    auth_date: datetime


def secret_key(bot_token: str) -> bytes:
    """HMAC_SHA256(key="WebAppData", msg=bot_token): the key initData hashes are signed with."""
    return hmac.new(WEB_APP_KEY, bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    """Every field but hash and signature, sorted by key, as key=value lines."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key not in ("hash", "signature"))


def sign(fields: dict[str, str], bot_token: str) -> str:
    """The hash Telegram puts on these fields (used to check, and by tests to play the client)."""
    return hmac.new(secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256).hexdigest()


def validate_init_data(raw: str, bot_token: str, now: datetime, max_age: timedelta) -> WebAppUser:
    """The signed user of a Mini App request; raise InitDataError unless the signature and age hold."""
    if not raw or len(raw) > MAX_INIT_DATA_CHARS:
        raise InitDataError("missing or oversized")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field twice")
    given = fields.get("hash", "")
    if not hmac.compare_digest(sign(fields, bot_token).encode(), given.encode()):
        raise InitDataError("bad signature")
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), now.tzinfo)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise InitDataError("signed, but without auth_date or user") from None
    if not timedelta(minutes=-5) <= now - signed_at <= max_age:  # a few minutes of clock skew allowed
        raise InitDataError("expired")
    return WebAppUser(user_id, str(user.get("first_name", "")), signed_at)
