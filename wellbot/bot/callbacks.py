"""The callback_data codec: `prefix:part:part`, at most 64 bytes.

Handlers never build or split callback_data by hand. Each feature owns a
prefix; ids inside are never trusted on their own (handlers re-check that the
presser owns what an id names).
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any, ClassVar, Self, get_type_hints

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


# ---- typed buttons ------------------------------------------------------------------------------

class Button:
    """One kind of inline button: a tag on the wire and typed fields, packed and unpacked in one place.

    Subclass as a frozen dataclass with the tag it answers to, e.g.::

        @dataclass(frozen=True)
        class CancelVisit(Button, tag="vis:cx"):
            visit_id: int

    `CancelVisit(7).pack()` gives ``"vis:cx:7"``; the router unpacks pressed data into
    `CancelVisit(visit_id=7)`, so handlers read named, typed fields instead of `parts[1]`.
    Fields may be `int` or `str`; the tag's own segments come first on the wire, so
    buttons already sent keep working when a handler moves to a typed button. Trailing
    fields with a default are left off the wire while they hold it.
    """

    TAG: ClassVar[str] = ""

    def __init_subclass__(cls, tag: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not tag or any(not segment for segment in tag.split(SEPARATOR)):
            raise TypeError(f"{cls.__name__} needs a tag such as 'vis:cx'")
        cls.TAG = tag

    def pack(self) -> str:
        """The callback_data for this button; ValueError if it would not fit in 64 bytes."""
        values = [getattr(self, f.name) for f in fields(self)]  # type: ignore[arg-type]
        defaults = [f.default for f in fields(self)]  # type: ignore[arg-type]
        while values and values[-1] == defaults[len(values) - 1]:
            values.pop()  # a trailing field at its default: leave it off the wire
        return encode(*self.TAG.split(SEPARATOR), *values)

    @classmethod
    def unpack(cls, parts: list[str]) -> Self:
        """The button from the parts after its tag; CallbackDataError if they do not fit its fields."""
        kinds = get_type_hints(cls)
        declared = fields(cls)  # type: ignore[arg-type]
        required = sum(1 for f in declared if f.default is MISSING)
        names = [f.name for f in declared][:len(parts)]
        if not required <= len(parts) <= len(declared):
            raise CallbackDataError(f"{cls.__name__} expects {required} to {len(declared)} parts")
        values: dict[str, Any] = {}
        for name, text in zip(names, parts, strict=True):
            values[name] = _field_value(kinds[name], text, name)
        return cls(**values)


def _field_value(kind: Any, text: str, name: str) -> Any:
    """One field's value from its text: int or str."""
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise CallbackDataError(f"expected a number for {name}") from None
    if kind is str:
        return text
    raise TypeError(f"button fields must be int or str, not {kind!r}")


def candidates(data: str | None) -> list[tuple[str, list[str]]]:
    """Tags the pressed data may carry, longest first, each with the parts after it."""
    prefix, parts = decode(data)
    found = [(f"{prefix}{SEPARATOR}{parts[0]}", parts[1:])] if parts else []
    return [*found, (prefix, parts)]
