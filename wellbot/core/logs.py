"""Logging set-up: one line per event with stable keys, quiet HTTP libraries, no secrets.

Log lines carry ids and outcomes, never message text, names or phone
numbers. Call sites log `event words key=value key=value` with `%s`
arguments; the JSON format turns those pairs into fields, so a log shipper
sees the same keys whatever the format. The bot token (and anything shaped
like one) is redacted from the final formatted line, tracebacks included, as
a last line of defence: HTTP libraries put the token in URLs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import TextIO

TEXT = "text"
JSON = "json"
LOG_FORMATS = (TEXT, JSON)
TEXT_LAYOUT = "%(asctime)s %(levelname)s %(name)s %(message)s"
NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler", "telegram.ext.Updater")
REDACTED = "[redacted]"
# Anything shaped like a bot token is redacted even if it is not ours (a
# copied log line must not leak another bot's token either).
TOKEN_SHAPE = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}")
# `key=value` pairs in a message; a value runs to the next space.
PAIR = re.compile(r"(?<![^\s])([a-z_][a-z0-9_]*)=(\S*)")
# Keys every JSON line has; pairs from the message never overwrite them.
FIXED_KEYS = ("ts", "level", "logger", "event")


def redact(text: str, secrets: list[str]) -> str:
    """Replace each secret, and anything shaped like a bot token, with a marker."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return TOKEN_SHAPE.sub(REDACTED, text)


class RedactFilter(logging.Filter):
    """Replaces secrets in a record's message (for handlers this module did not build)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; always keep the record."""
        message = record.getMessage()
        redacted = redact(message, self.secrets)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class TextFormatter(logging.Formatter):
    """`time LEVEL logger message`, one physical line per record, secrets redacted."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__(TEXT_LAYOUT)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """Format, fold a traceback onto the same line, then redact."""
        line = super().format(record)
        return redact(line.replace("\r", "").replace("\n", " | "), self.secrets)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, event, then the message's key=value pairs."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """Serialise the record; redact the finished line so no field can leak a secret."""
        message = record.getMessage()
        event = PAIR.sub("", message).strip()
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "level": record.levelname,
            "logger": record.name,
            "event": " ".join(event.split()),
        }
        for key, value in PAIR.findall(message):
            if key not in FIXED_KEYS:
                entry[key] = value
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str), self.secrets)


def make_formatter(fmt: str, secrets: list[str]) -> logging.Formatter:
    """The formatter for `fmt` (text or json)."""
    if fmt not in LOG_FORMATS:
        raise ValueError(f"unknown log format {fmt!r}")
    return JsonFormatter(secrets) if fmt == JSON else TextFormatter(secrets)


def add_secret(secret: str) -> None:
    """Redact one more secret (known only after start, such as a derived webhook secret) everywhere."""
    if not secret:
        return
    for handler in logging.getLogger().handlers:
        for part in (handler.formatter, *handler.filters):
            secrets = getattr(part, "secrets", None)
            if isinstance(secrets, list) and secret not in secrets:
                secrets.append(secret)


def setup_logging(level: int, secrets: list[str], fmt: str = TEXT, stream: TextIO | None = None) -> logging.Handler:
    """Configure the root logger once for the worker and CLI; return its handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(make_formatter(fmt, secrets))
    handler.addFilter(RedactFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return handler
