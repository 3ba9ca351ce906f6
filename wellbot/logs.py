"""Logging set-up: stable key=value lines, quiet HTTP libraries, no secrets.

Log lines carry ids and outcomes, never message text, names or phone
numbers. The bot token is redacted from every record as a last line of
defence (HTTP libraries put it in URLs).
"""

from __future__ import annotations

import logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler", "telegram.ext.Updater")


class RedactFilter(logging.Filter):
    """Replaces secrets in a record's final message."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; always keep the record."""
        message = record.getMessage()
        redacted = message
        for secret in self.secrets:
            redacted = redacted.replace(secret, "[redacted]")
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def setup_logging(level: int, secrets: list[str]) -> None:
    """Configure the root logger once for the worker and CLI."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
