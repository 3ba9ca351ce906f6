"""The callback_data codec: `prefix:part:part`, at most 64 bytes.

Handlers never build or split callback_data by hand. Each feature owns a
prefix; ids inside are never trusted on their own (handlers re-check that the
presser owns what an id names).
"""

from __future__ import annotations

SEPARATOR = ":"
MAX_BYTES = 64  # Telegram refuses the whole message beyond this


class CallbackDataError(ValueError):
    """callback_data that this bot could not have produced."""


def encode(prefix: str, *parts: object) -> str:
    """Build callback_data; raise ValueError if it would not fit Telegram's limit."""
    texts = [prefix, *(str(part) for part in parts)]
    if any(SEPARATOR in text for text in texts) or not prefix:
        raise ValueError(f"callback parts may not contain {SEPARATOR!r}: {texts!r}")
    data = SEPARATOR.join(texts)
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"callback_data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> tuple[str, list[str]]:
    """Split callback_data into (prefix, parts); raise CallbackDataError if malformed."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        raise CallbackDataError("empty or oversized callback_data")
    prefix, *parts = data.split(SEPARATOR)
    if not prefix:
        raise CallbackDataError("callback_data without a prefix")
    return prefix, parts


def int_part(parts: list[str], index: int) -> int:
    """An integer part, or CallbackDataError (forged or stale data)."""
    try:
        return int(parts[index])
    except (IndexError, ValueError):
        raise CallbackDataError(f"expected a number at part {index}") from None
