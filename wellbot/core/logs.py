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
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TextIO

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
# Values the JSON format writes as numbers (or null): no leading zeros, so codes like "007" stay text.
INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)\.[0-9]+")
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
                entry[key] = json_value(value)
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["exc"] = record.exc_text or self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str), self.secrets)


# A log argument kept as it is: the shape of ids, names of methods, keys, reasons and file paths. Anything
# else a library passes (request parameters, updates, JSON, free text) may carry a patient's name, phone
# number or words, so it is replaced by its type. Spaces and "+" are never kept: typed text and phone
# numbers have them.
SAFE_TEXT = re.compile(r"[A-Za-z0-9_.:/\\@=,#\-\[\]()<>]{0,200}")
SAFE_VALUE_TYPES = (bool, int, float, type(None))
# Errors whose message comes from the machinery (SQLite, the OS, Telegram), never from what a user typed.
SAFE_ERROR_MODULES = ("sqlite3", "telegram.error")


def safe_value(value: object) -> object:
    """The value if it cannot be personal data (ids, flags, method names), else a marker naming its type."""
    if isinstance(value, (SAFE_VALUE_TYPES, Enum)):
        return value
    if isinstance(value, str):
        return value if SAFE_TEXT.fullmatch(value) else f"<text:{len(value)}>"  # no space: one key=value token
    if isinstance(value, BaseException):
        return safe_error(value)
    if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(v, int) for v in value):
        return value  # lists of update ids
    if type(value).__name__ == "URL":  # httpx logs the request URL: a method name (the token is redacted)
        return str(value)
    return f"<{type(value).__name__}>"


def safe_error(error: BaseException) -> str:
    """An exception's type, with its message only when the machinery wrote it (SQLite, OS, Telegram)."""
    kind = type(error)
    trusted = isinstance(error, OSError) or kind.__module__.startswith(SAFE_ERROR_MODULES)
    return f"{kind.__name__}: {error}" if trusted and str(error) else kind.__name__


def safe_traceback(exc_info: tuple[Any, ...]) -> str:
    """A traceback with every frame but only the exceptions' types (their messages may quote a patient)."""
    error = exc_info[1]
    if error is None:
        return ""
    lines: list[str] = []
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        frames = "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
        lines.insert(0, f"Traceback (most recent call last):\n{frames}{safe_error(error)}")
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return "\nThe above exception led to:\n".join(lines)


class PersonalDataFilter(logging.Filter):
    """On the root handler: every record, from any logger at any level, keeps only values that cannot be personal.

    wellbot's own lines log ids and outcomes by design; libraries log whole
    updates and request parameters at DEBUG. Both pass through here, so a
    new library or a careless call site cannot leak a patient's data.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Make the record's arguments, message and traceback safe; always keep the record."""
        if not isinstance(record.msg, str):
            record.msg, record.args = f"<{type(record.msg).__name__}>", ()
        if isinstance(record.args, Mapping):
            record.args = {key: safe_value(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(safe_value(value) for value in record.args)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = safe_traceback(record.exc_info)
        return True


def json_value(text: str) -> object:
    """A pair's value as JSON wants it: numbers as numbers, `None` as null, anything else as text."""
    if INTEGER.fullmatch(text):
        return int(text)
    if DECIMAL.fullmatch(text):
        return float(text)
    return None if text == "None" else text


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
    handler.addFilter(PersonalDataFilter())
    handler.addFilter(RedactFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return handler
