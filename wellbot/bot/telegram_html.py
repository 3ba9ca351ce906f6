"""Telegram's HTML parse mode: validation, visible length and safe splitting.

One parser serves three places: the renderer (so the bot never sends what
Telegram would refuse), news validation (staff-written bodies) and the local
Bot API stand-in (so tests are as strict as Telegram).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wellbot.core.i18n import N_, Reason

MAX_MESSAGE_LENGTH = 4096  # Telegram counts UTF-16 code units after parsing.

# Tag name -> attributes it may carry. Telegram refuses anything else.
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "span": frozenset({"class"}),
    "tg-spoiler": frozenset(),
    "a": frozenset({"href"}),
    "tg-emoji": frozenset({"emoji-id"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*?)?)\s*>")
_ATTR = re.compile(r'\s*([A-Za-z-]+)(?:\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s"\'>]+)))?')
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]+);")


class TelegramHTMLError(ValueError):
    """Text that Telegram would refuse with "can't parse entities"."""


@dataclass(frozen=True)
class Token:
    """One piece of parsed HTML: text (already unescaped) or a tag."""

    kind: str  # "text", "open" or "close"
    value: str  # the text, or the tag name
    raw: str  # the source characters


def _decode_entity(body: str, offset: int) -> str:
    if body.startswith(("#x", "#X")):
        code = int(body[2:], 16)
    elif body.startswith("#"):
        code = int(body[1:])
    elif body in NAMED_ENTITIES:
        return NAMED_ENTITIES[body]
    else:
        raise TelegramHTMLError(
            f"Can't parse entities: unsupported HTML entity \"&{body};\" at byte offset {offset}"
        )
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise TelegramHTMLError(f"Can't parse entities: invalid character reference at offset {offset}")
    return chr(code)


def _check_attributes(name: str, attrs: str, offset: int) -> None:
    pos = 0
    attrs = attrs.strip()
    while pos < len(attrs):
        match = _ATTR.match(attrs, pos)
        if not match or match.end() == pos:
            raise TelegramHTMLError(f"Can't parse entities: bad attributes of tag \"{name}\" at offset {offset}")
        attr = match.group(1).lower()
        if attr not in ALLOWED_TAGS[name]:
            raise TelegramHTMLError(
                f"Can't parse entities: unsupported attribute \"{attr}\" of tag \"{name}\" at offset {offset}"
            )
        value = next((g for g in match.groups()[1:] if g is not None), "")
        if name == "span" and attr == "class" and value != "tg-spoiler":
            raise TelegramHTMLError(f"Can't parse entities: span needs class=\"tg-spoiler\" at offset {offset}")
        pos = match.end()
    if name == "span" and "class" not in attrs:
        raise TelegramHTMLError(f"Can't parse entities: span needs class=\"tg-spoiler\" at offset {offset}")


_PLAIN = re.compile(r"[^<&>]+")  # text up to the next character the tokenizer must look at


def tokenize(text: str) -> list[Token]:
    """Split Telegram HTML into tokens, raising TelegramHTMLError where Telegram would."""
    tokens: list[Token] = []
    stack: list[str] = []
    buffer: list[str] = []
    raw_buffer: list[str] = []
    pos = 0

    def flush() -> None:
        if buffer:
            tokens.append(Token("text", "".join(buffer), "".join(raw_buffer)))
            buffer.clear()
            raw_buffer.clear()

    while pos < len(text):
        char = text[pos]
        if char == "<":
            match = _TAG.match(text, pos)
            if not match:
                raise TelegramHTMLError(f"Can't parse entities: unexpected \"<\" at offset {pos}")
            closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3) or ""
            if name not in ALLOWED_TAGS:
                raise TelegramHTMLError(f"Can't parse entities: unsupported start tag \"{name}\" at offset {pos}")
            flush()
            if closing:
                if attrs.strip():
                    raise TelegramHTMLError(f"Can't parse entities: end tag \"{name}\" has attributes at offset {pos}")
                if not stack or stack[-1] != name:
                    raise TelegramHTMLError(
                        f"Can't find end tag corresponding to start tag \"{stack[-1] if stack else name}\""
                    )
                stack.pop()
                tokens.append(Token("close", name, match.group(0)))
            else:
                _check_attributes(name, attrs, pos)
                stack.append(name)
                tokens.append(Token("open", name, match.group(0)))
            pos = match.end()
        elif char == "&":
            match = _ENTITY.match(text, pos)
            if not match:
                raise TelegramHTMLError(f"Can't parse entities: unescaped \"&\" at offset {pos}")
            buffer.append(_decode_entity(match.group(1), pos))
            raw_buffer.append(match.group(0))
            pos = match.end()
        elif char == ">":
            raise TelegramHTMLError(f"Can't parse entities: unescaped \">\" at offset {pos}")
        else:  # a run of plain text at once: one character at a time made a 500-visit agenda cost 80 ms
            run = _PLAIN.match(text, pos).group(0)
            buffer.append(run)
            raw_buffer.append(run)
            pos += len(run)
    flush()
    if stack:
        raise TelegramHTMLError(f"Can't find end tag corresponding to start tag \"{stack[-1]}\"")
    return tokens


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def plain_text(html: str) -> str:
    """The text a reader sees, tags removed and entities decoded."""
    return "".join(token.value for token in tokenize(html) if token.kind == "text")


def visible_length(html: str) -> int:
    """Length of the message after entity parsing, in Telegram's units."""
    return utf16_len(plain_text(html))


def validate(html: str) -> None:
    """Raise TelegramHTMLError if Telegram would refuse this text."""
    tokenize(html)


def check_text(html: str, limit: int, noun: str, markup_noun: str | None = None) -> str:
    """Stripped `html` if non-empty, valid and at most `limit` visible units; a Reason (a ValueError) saying why.

    `noun` (a catalogue message, `N_()`) names the text in the reasons ("the message is empty"); `markup_noun`,
    if given, names it where the HTML is at fault ("the formatting is not valid").
    """
    html = html.strip()
    if not html:
        raise Reason(N_("the {noun} is empty"), {"noun": noun})
    try:
        validate(html)
    except TelegramHTMLError as exc:  # Telegram's own words for what is wrong, as Telegram says them
        raise Reason(N_("the {noun} is not valid Telegram HTML ({detail})"), {"noun": markup_noun or noun},
                     detail=str(exc)) from None
    if visible_length(html) > limit:
        raise Reason(N_("the {noun} is longer than {limit} characters"), {"noun": noun}, limit=limit)
    return html


def split_message(html: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split valid HTML into parts of at most `limit` visible units.

    Cuts at line boundaries where possible, else at spaces, else anywhere;
    tags open at a cut are closed and reopened so every part stays valid.
    """
    tokens = tokenize(html)  # once: a 500-visit agenda is 40,000 characters
    if utf16_len("".join(token.value for token in tokens if token.kind == "text")) <= limit:
        return [html]
    parts: list[str] = []
    current: list[str] = []
    open_tags: list[Token] = []
    used = 0

    def cut() -> None:
        nonlocal used
        closing = "".join(f"</{tag.value}>" for tag in reversed(open_tags))
        text = ("".join(current) + closing).strip("\n")
        if text.strip():
            parts.append(text)
        current.clear()
        current.extend(tag.raw for tag in open_tags)
        used = 0

    for token in tokens:
        if token.kind == "open":
            open_tags.append(token)
            current.append(token.raw)
            continue
        if token.kind == "close":
            open_tags.pop()
            current.append(token.raw)
            continue
        for piece in _pieces(token.value, limit):
            size = utf16_len(piece)
            if used + size > limit:
                cut()
            current.append(_escape(piece))
            used += size
    cut()
    return parts


def _pieces(text: str, limit: int) -> list[str]:
    """Break text into lines (keeping newlines), and over-long lines into words or chunks."""
    pieces: list[str] = []
    for line in text.splitlines(keepends=True):
        if utf16_len(line) <= limit:
            pieces.append(line)
            continue
        for word in re.split(r"(?<= )", line):
            while utf16_len(word) > limit:
                pieces.append(word[: limit // 2])
                word = word[limit // 2 :]
            pieces.append(word)
    return pieces


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
