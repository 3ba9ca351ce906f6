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
        """Redact in place (message and traceback text); always keep the record."""
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when set: a traceback may quote a URL with the token.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True

    def redact(self, text: str) -> str:
        """`text` with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text


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
