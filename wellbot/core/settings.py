"""Operator settings, read once from an environment mapping and validated.

Every setting is documented in README.md ("Configuration"); a test keeps the
table and `SETTINGS` in step.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wellbot.core.errors import ConfigError
from wellbot.core.resources import example_clinic_file

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE = "wellbot.db"
DEFAULT_LOG_LEVEL = "INFO"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_LOG_FORMAT = "text"
LOG_FORMATS = ("text", "json")

# name -> one-line description; the README's configuration table must list each.
SETTINGS: dict[str, str] = {
    "TELEGRAM_BOT_TOKEN": "Bot token from @BotFather; required by `wellbot run`.",
    "WELLBOT_DATABASE": "SQLite database file (default `wellbot.db` in the working directory).",
    "WELLBOT_STAFF_IDS": "Comma-separated Telegram user ids with staff rights.",
    "WELLBOT_API_URL": "Bot API base URL in python-telegram-bot's `base_url` form.",
    "WELLBOT_CLINIC": "Path to the clinic file (default: the bundled example clinic).",
    "WELLBOT_LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR (default INFO).",
    "WELLBOT_LOG_FORMAT": "`text` (default) or `json`: one line per event either way.",
    "WELLBOT_WEBHOOK_SECRET": "Secret Telegram sends with every webhook request (default: derived from the token).",
    "WELLBOT_SEND_RATE": "The one send budget: messages per second for replies, reminders and news (default 29.5).",
    "WELLBOT_LEASE_SECONDS": "Worker lease length: a standby takes over within it after the holder dies (default 30).",
    "WELLBOT_PAID_BROADCAST": "on: send bulk messages with allow_paid_broadcast (costs Stars; default off).",
    "WELLBOT_LOOP_LAG_WARN_MS": "Log a WARNING when the event loop is held this many milliseconds (default 100).",
    "WELLBOT_METRICS_ADDRESS": "host:port for /metrics (Prometheus) and /healthz; off when unset.",
    "WELLBOT_STAFF_GROUP_ID": "Optional Telegram group id (negative) where the bot also posts staff notifications.",
    "WELLBOT_DESK_LISTEN": "host:port where the worker serves the staff desk (Mini App, calendar feeds); unset: off.",
    "WELLBOT_DESK_URL": "Public https address that reaches WELLBOT_DESK_LISTEN (default http://<listen address>).",
}


@dataclass(frozen=True)
class Settings:
    """Everything an operator configures through the environment."""

    token: str | None
    database: Path
    staff_ids: frozenset[int]
    api_url: str
    clinic_path: Path
    log_level: str
    log_format: str = DEFAULT_LOG_FORMAT
    extra: Mapping[str, str] = field(default_factory=dict)
    staff_group_id: int | None = None  # the one group the bot stays in; staff notifications go there too

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Validate the environment; raise ConfigError naming the first bad setting."""
        return cls(
            token=_token(environ.get("TELEGRAM_BOT_TOKEN")),
            database=Path(environ.get("WELLBOT_DATABASE") or DEFAULT_DATABASE),
            staff_ids=_staff_ids(environ.get("WELLBOT_STAFF_IDS", "")),
            api_url=_api_url(environ.get("WELLBOT_API_URL") or DEFAULT_API_URL),
            clinic_path=_clinic_path(environ.get("WELLBOT_CLINIC")),
            log_level=_log_level(environ.get("WELLBOT_LOG_LEVEL") or DEFAULT_LOG_LEVEL),
            log_format=_log_format(environ.get("WELLBOT_LOG_FORMAT") or DEFAULT_LOG_FORMAT),
            extra={k: v for k, v in environ.items() if k.startswith("WELLBOT_")},
            staff_group_id=_staff_group_id(environ.get("WELLBOT_STAFF_GROUP_ID", "")),
        )

    def require_token(self) -> str:
        """The bot token, or a ConfigError for commands that must talk to Telegram."""
        if not self.token:
            raise ConfigError("TELEGRAM_BOT_TOKEN", "is not set; get a token from @BotFather (see README)")
        return self.token

    def is_staff(self, user_id: int | None) -> bool:
        """True only for configured staff user ids."""
        return user_id is not None and user_id in self.staff_ids

    @property
    def log_level_number(self) -> int:
        """The logging module's number for the configured level."""
        number: int = logging.getLevelName(self.log_level)  # typeshed says Any: it maps names and numbers both ways
        return number


def _token(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip()
    bot_id, _, secret = value.partition(":")
    if not bot_id.isdigit() or len(secret) < 20:
        # Never echo the value: it is a secret even when malformed.
        raise ConfigError("TELEGRAM_BOT_TOKEN", "does not look like a bot token (expected <digits>:<secret>)")
    return value


def _staff_ids(value: str) -> frozenset[int]:
    ids = set()
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) == 0:
            # User ids are positive; a negative number is a group or channel, never a person with staff rights.
            raise ConfigError("WELLBOT_STAFF_IDS",
                              f"{part!r} is not a Telegram user id (positive numbers only; usernames and "
                              "group ids are not accepted)")
        ids.add(int(part))
    return frozenset(ids)


def _staff_group_id(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.startswith("-") or not value[1:].isdigit():
        raise ConfigError("WELLBOT_STAFF_GROUP_ID",
                          f"{value!r} is not a Telegram group id (group ids are negative, e.g. -1001234567890)")
    return int(value)


def _api_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ConfigError("WELLBOT_API_URL", f"{value!r} must start with http:// or https://")
    return value


def _clinic_path(value: str | None) -> Path:
    if not value:
        return example_clinic_file()
    path = Path(value)
    if not path.is_file():
        raise ConfigError("WELLBOT_CLINIC", f"no clinic file at {value}")
    return path


def _log_level(value: str) -> str:
    level = value.strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigError("WELLBOT_LOG_LEVEL", f"{value!r} is not one of {', '.join(LOG_LEVELS)}")
    return level


def _log_format(value: str) -> str:
    fmt = value.strip().lower()
    if fmt not in LOG_FORMATS:
        raise ConfigError("WELLBOT_LOG_FORMAT", f"{value!r} is not one of {', '.join(LOG_FORMATS)}")
    return fmt
