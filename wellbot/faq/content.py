"""FAQ content the clinic edits: Markdown files with TOML front matter.

One file per question in the folder the clinic file's `[faq]` table names,
plus `topics.toml` (the browse topics) and `synonyms.toml` (everyday words
patients use, mapped to the words the answers use). Everything is validated
here, completely, before anything reaches the database: a mistake in one
file must never replace content that works. No Telegram imports.
"""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wellbot.bot.telegram_html import MAX_MESSAGE_LENGTH, TelegramHTMLError, plain_text, validate, visible_length
from wellbot.core.errors import ConfigError

FRONT_MATTER = "+++"
ENTRY_SUFFIX = ".md"
TOPICS_FILE = "topics.toml"
SYNONYMS_FILE = "synonyms.toml"
DEFAULT_FOLDER = "faq"
ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")  # the file name; travels in callback_data
TOPIC_KEY = re.compile(r"^[a-z0-9_]{1,24}$")
ENTRY_FIELDS = {"question", "topic", "phrasings", "tags", "service", "clinical", "order"}
# Room left in one Telegram message for the question, the note and the
# markup around the answer, so a long answer fails `wellbot check`, not a send.
MAX_ANSWER_LENGTH = MAX_MESSAGE_LENGTH - 600
MAX_QUESTION_LENGTH = 200

DEFAULT_DISCLAIMER = "General information only, not medical advice: please ask your clinician about your own care."
# Extra red-flag phrases when the clinic file lists none: none, since
# wellbot.triage recognises emergencies as concepts; `red_flags` only adds to it.
DEFAULT_RED_FLAGS: tuple[str, ...] = ()


@dataclass(frozen=True)
class Topic:
    """A browse topic: a button on the first FAQ screen."""

    key: str
    label: str


@dataclass(frozen=True)
class Entry:
    """One question and its answer, from one file."""

    id: str
    topic: str
    question: str
    answer_html: str
    answer_text: str
    phrasings: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    service: str | None = None
    clinical: bool = True
    order: int = 0


@dataclass(frozen=True)
class Content:
    """Everything in one FAQ folder, validated."""

    topics: tuple[Topic, ...]
    entries: tuple[Entry, ...]
    synonyms: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FaqSettings:
    """The clinic file's `[faq]` table."""

    folder: Path
    folder_required: bool
    red_flags: tuple[str, ...]
    disclaimer: str


def faq_settings(section: dict[str, Any], clinic_dir: Path, where: str) -> FaqSettings:
    """Validate the `[faq]` table; a missing table means the defaults."""
    unknown = set(section) - {"folder", "red_flags", "disclaimer"}
    if unknown:
        raise ConfigError(where, f"unknown setting(s): {', '.join(sorted(unknown))}")
    folder = section.get("folder", DEFAULT_FOLDER)
    if not isinstance(folder, str) or not folder.strip():
        raise ConfigError(where, "`folder` must be the name of a folder next to the clinic file")
    flags = section.get("red_flags", list(DEFAULT_RED_FLAGS))
    if not isinstance(flags, list) or not all(isinstance(f, str) and f.strip() for f in flags):
        raise ConfigError(where, "`red_flags` must be a list of phrases, such as [\"chest pain\"]")
    disclaimer = section.get("disclaimer", DEFAULT_DISCLAIMER)
    if not isinstance(disclaimer, str) or not disclaimer.strip() or "\n" in disclaimer.strip():
        raise ConfigError(where, "`disclaimer` must be one line of text")
    return FaqSettings(
        folder=clinic_dir / folder,
        folder_required="folder" in section,
        red_flags=tuple(normalize(f) for f in flags),
        disclaimer=disclaimer.strip(),
    )


def normalize(text: str) -> str:
    """Lower case, curly quotes straightened, runs of spaces collapsed."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """The words of a text, lower case (apostrophes inside words kept)."""
    return re.findall(r"[^\W_]+(?:'[^\W_]+)*", normalize(text))


def load_content(folder: Path, services: Iterable[str], *, required: bool = True) -> Content:
    """Read and validate a whole FAQ folder; raise ConfigError naming the file and the problem."""
    if not folder.is_dir():
        if required:
            raise ConfigError(str(folder), "FAQ folder not found (see `folder` in the clinic file's [faq] table)")
        return Content(topics=(), entries=())
    topics = _topics(folder / TOPICS_FILE)
    synonyms = _synonyms(folder / SYNONYMS_FILE)
    known_services = set(services)
    entries = [_entry(path, topics, known_services) for path in sorted(folder.glob("*" + ENTRY_SUFFIX))]
    _check_duplicates(entries)
    entries.sort(key=lambda e: (e.order, e.id))
    return Content(topics=tuple(topics.values()), entries=tuple(entries), synonyms=synonyms)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"cannot be read: {exc}") from None


def _topics(path: Path) -> dict[str, Topic]:
    entries = _read_toml(path).get("topics")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(str(path), "needs topics = [{ key = \"...\", label = \"...\" }, ...]")
    topics: dict[str, Topic] = {}
    for index, item in enumerate(entries, start=1):
        where = f"{path} topic #{index}"
        if not isinstance(item, dict) or set(item) != {"key", "label"}:
            raise ConfigError(where, "must be { key = \"...\", label = \"...\" }")
        key, label = item["key"], item["label"]
        if not isinstance(key, str) or not TOPIC_KEY.match(key):
            raise ConfigError(where, f"key {key!r} must be 1-24 characters of a-z, 0-9 or _")
        if key in topics:
            raise ConfigError(where, f"duplicate topic key {key!r}")
        if not isinstance(label, str) or not label.strip() or len(label) > 60:
            raise ConfigError(where, "label must be text of at most 60 characters (it is a button)")
        topics[key] = Topic(key, label.strip())
    return topics


def _synonyms(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    table = _read_toml(path).get("synonyms", {})
    if not isinstance(table, dict):
        raise ConfigError(str(path), "needs a [synonyms] table of \"everyday words\" = \"answer words\"")
    synonyms: dict[str, str] = {}
    for phrase, meaning in table.items():
        if not isinstance(meaning, str) or not words(meaning) or not words(phrase):
            raise ConfigError(str(path), f"synonym {phrase!r} must map words to words")
        synonyms[" ".join(words(phrase))] = " ".join(words(meaning))
    return synonyms


def split_front_matter(text: str, where: str) -> tuple[dict[str, Any], str]:
    """Separate the TOML between the `+++` lines from the Markdown body."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != FRONT_MATTER:
        raise ConfigError(where, f"must start with a {FRONT_MATTER} line, then the question's details")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER)
    except StopIteration:
        raise ConfigError(where, f"the details are not closed by a second {FRONT_MATTER} line") from None
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(where, f"the details between {FRONT_MATTER} lines are not valid TOML: {exc}") from None
    return meta, "\n".join(lines[end + 1 :]).strip()


def _entry(path: Path, topics: dict[str, Topic], services: set[str]) -> Entry:
    where = str(path)
    entry_id = path.name.removesuffix(ENTRY_SUFFIX)
    if not ENTRY_ID.match(entry_id):
        raise ConfigError(where, "file name must be 1-40 characters of a-z, 0-9 or - (then .md)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(where, f"cannot be read: {exc}") from None
    meta, body = split_front_matter(text, where)
    unknown = set(meta) - ENTRY_FIELDS
    if unknown:
        raise ConfigError(where, f"unknown field(s) {', '.join(sorted(unknown))}; allowed: "
                                 f"{', '.join(sorted(ENTRY_FIELDS))}")
    question = _one_line(meta.get("question"), "question", where)
    topic = meta.get("topic")
    if topic not in topics:
        raise ConfigError(where, f"topic {topic!r} is not in {TOPICS_FILE} (known: {', '.join(topics)})")
    service = meta.get("service")
    if service is not None and service not in services:
        raise ConfigError(where, f"service {service!r} is not a [[services]] key in the clinic file")
    clinical, order = meta.get("clinical", True), meta.get("order", 0)
    if not isinstance(clinical, bool):
        raise ConfigError(where, "`clinical` must be true or false")
    if not isinstance(order, int) or isinstance(order, bool):
        raise ConfigError(where, "`order` must be a whole number")
    if not body:
        raise ConfigError(where, "the answer (below the second +++ line) is empty")
    answer_html = answer_to_html(body, where)
    return Entry(
        id=entry_id, topic=topic, question=question, answer_html=answer_html,
        answer_text=plain_text(answer_html),
        phrasings=_text_list(meta.get("phrasings", []), "phrasings", where),
        tags=_text_list(meta.get("tags", []), "tags", where),
        service=service, clinical=clinical, order=order,
    )


def _one_line(value: Any, name: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or "\n" in value.strip():
        raise ConfigError(where, f"`{name}` is required and must be one line of text")
    if len(value) > MAX_QUESTION_LENGTH:
        raise ConfigError(where, f"`{name}` is longer than {MAX_QUESTION_LENGTH} characters")
    return value.strip()


def _text_list(value: Any, name: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(where, f"`{name}` must be a list of texts, such as [\"...\", \"...\"]")
    return tuple(v.strip() for v in value)


def _check_duplicates(entries: list[Entry]) -> None:
    """The same question (or phrasing) in two files would make search pick one at random."""
    seen: dict[str, str] = {}
    for entry in entries:
        for text in (entry.question, *entry.phrasings):
            key = " ".join(words(text))
            other = seen.get(key)
            if other is not None and other != entry.id:
                raise ConfigError(f"{entry.id}{ENTRY_SUFFIX}", f"question {text!r} is also in {other}{ENTRY_SUFFIX}")
            seen[key] = entry.id


# --- The Markdown subset --------------------------------------------------
#
# Paragraphs (blank line between), "- " or "* " list items, **bold**,
# *italic* or _italic_, `code` and [text](https://link). Everything else is
# shown as typed: the text is escaped first, so no HTML gets through.

_INLINE = [
    (re.compile(r"`([^`\n]+)`"), "<code>{}</code>"),
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), "<b>{}</b>"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "<i>{}</i>"),
    (re.compile(r"(?<![\w])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w])"), "<i>{}</i>"),
]
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_BULLET = re.compile(r"^\s*[-*]\s+")
_HEADING = re.compile(r"^#{1,6}\s+")


def answer_to_html(markdown: str, where: str = "answer") -> str:
    """Convert the Markdown subset to Telegram HTML; raise ConfigError if it would not render."""
    blocks = re.split(r"\n\s*\n", markdown.strip())
    result = "\n\n".join(_block(block, where) for block in blocks if block.strip())
    try:
        validate(result)
    except TelegramHTMLError as exc:  # only reachable through odd nesting of marks
        raise ConfigError(where, f"answer would not render in Telegram: {exc}") from None
    if visible_length(result) > MAX_ANSWER_LENGTH:
        raise ConfigError(where, f"answer is longer than {MAX_ANSWER_LENGTH} characters; split it in two questions")
    return result


def _block(block: str, where: str) -> str:
    lines = []
    for line in block.strip().splitlines():
        if _HEADING.match(line):
            lines.append(f"<b>{_inline(_HEADING.sub('', line).strip(), where)}</b>")
        elif _BULLET.match(line):
            lines.append("• " + _inline(_BULLET.sub("", line).strip(), where))
        else:
            lines.append(_inline(line.strip(), where))
    return "\n".join(lines)


def _inline(text: str, where: str) -> str:
    """Escape a line, then apply links and inline marks."""
    pieces, last = [], 0
    for match in _LINK.finditer(text):
        url = match.group(2)
        if not url.startswith(("https://", "http://", "tel:", "mailto:")):
            raise ConfigError(where, f"link {url!r} must start with https://, http://, tel: or mailto:")
        pieces.append(_marks(html.escape(text[last : match.start()], quote=False)))
        pieces.append(f'<a href="{html.escape(url)}">{_marks(html.escape(match.group(1), quote=False))}</a>')
        last = match.end()
    pieces.append(_marks(html.escape(text[last:], quote=False)))
    return "".join(pieces)


def _marks(escaped: str) -> str:
    for pattern, template in _INLINE:
        escaped = pattern.sub(lambda m, t=template: t.format(m.group(1)), escaped)
    return escaped
