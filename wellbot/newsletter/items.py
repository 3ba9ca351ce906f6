"""News items: validated storage, and import from Markdown or CSV.

Bodies are Telegram's HTML subset, checked with the same validator the
renderer uses, so an item that saves is an item Telegram accepts. Bad input
writes nothing (an import is all or nothing) and says which item and why.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import escape
from sqlite_utils import Database

from wellbot.bot.telegram_html import check_text
from wellbot.core.clinic import Clinic
from wellbot.core.clock import Clock, from_db, to_db
from wellbot.core.db import inserted_id
from wellbot.core.i18n import N_, Reason

MAX_TITLE = 120
MAX_BODY = 3000  # visible characters: leaves room for the digest's headings and other items
MAX_LINK = 500
LOCAL_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d")
FIELDS = ("title", "body", "link", "topics", "publish_at")


class ItemError(Reason):
    """A news item that cannot be saved, with a reason staff can act on (in their language: `shown()`)."""


@dataclass(frozen=True)
class NewsItem:
    """One piece of health news."""

    title: str
    body: str  # Telegram HTML
    topics: tuple[str, ...]
    publish_at: datetime  # aware, UTC
    link: str = ""
    author: str = ""
    id: int | None = None


def check_title(text: str) -> str:
    """A non-empty one-line title of at most MAX_TITLE characters."""
    text = " ".join(text.split())
    if not text:
        raise ItemError(N_("the title is empty"))
    if len(text) > MAX_TITLE:
        raise ItemError(N_("the title is longer than {limit} characters"), limit=MAX_TITLE)
    return text


def check_body(html: str) -> str:
    """Valid Telegram HTML of at most MAX_BODY visible characters."""
    try:
        return check_text(html, MAX_BODY, N_("text"))
    except Reason as exc:
        raise ItemError.like(exc) from None


def check_link(text: str) -> str:
    """Empty, or an http(s) address."""
    text = text.strip()
    if text and (not re.match(r"^https?://[^\s<>\"]+$", text) or len(text) > MAX_LINK):
        raise ItemError(N_("the link must be a web address starting with http:// or https://"))
    return text


def check_topics(clinic: Clinic, keys: Iterable[str]) -> tuple[str, ...]:
    """At least one of the clinic's topic keys, without repeats, in the clinic's order."""
    wanted = {key.strip() for key in keys if key.strip()}
    unknown = sorted(wanted - {t.key for t in clinic.topics})
    if unknown:
        raise ItemError(N_("unknown topic {unknown} (known: {known})"), unknown=", ".join(unknown),
                        known=", ".join(t.key for t in clinic.topics))
    if not wanted:
        raise ItemError(N_("choose at least one topic"))
    return tuple(t.key for t in clinic.topics if t.key in wanted)


def parse_local_time(text: str, tz: ZoneInfo, clock: Clock) -> datetime:
    """'now', 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM' in the clinic's time zone, as aware UTC."""
    text = text.strip()
    if text.lower() in ("", "now"):
        return clock.now()
    for fmt in LOCAL_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=tz).astimezone(clock.now().tzinfo)
        except ValueError:
            continue
    raise ItemError(N_("{text} is not a time like 2026-06-15 09:00 (clinic time) or 'now'"), text=repr(text))


def make_item(clinic: Clinic, clock: Clock, *, title: str, body: str, topics: Iterable[str], publish: str = "now",
              link: str = "", author: str = "") -> NewsItem:
    """Validate raw values into a NewsItem; ItemError names the first problem."""
    return NewsItem(check_title(title), check_body(body), check_topics(clinic, topics),
                    parse_local_time(publish, clinic.timezone, clock), check_link(link), author[:64])


def add_items(db: Database, clock: Clock, items: list[NewsItem]) -> list[int]:
    """Save items in one transaction; return their ids."""
    now = to_db(clock.now())
    ids = []
    with db.atomic():
        for item in items:
            cursor = db.execute(
                "insert into news_items (title, body, link, topics, publish_at, author, created_at, updated_at) "
                "values (?, ?, ?, ?, ?, ?, ?, ?)",
                [item.title, item.body, item.link, json.dumps(list(item.topics)), to_db(item.publish_at),
                 item.author, now, now])
            ids.append(inserted_id(cursor))
    return ids


def _item(row: dict[str, Any]) -> NewsItem:
    return NewsItem(row["title"], row["body"], tuple(json.loads(row["topics"])), from_db(row["publish_at"]),
                    row["link"], row["author"], row["id"])


def get_item(db: Database, item_id: int) -> NewsItem | None:
    """One item, or None."""
    row = next(db.query("select * from news_items where id = ?", [item_id]), None)
    return _item(row) if row else None


def list_items(db: Database, limit: int = 20) -> list[NewsItem]:
    """The latest items by publish time, newest first."""
    return [_item(row) for row in db.query("select * from news_items order by publish_at desc, id desc limit ?",
                                           [limit])]


def update_item(db: Database, clock: Clock, item: NewsItem) -> bool:
    """Save an edited (already validated) item; False if it no longer exists."""
    return bool(db.execute(
        "update news_items set title = ?, body = ?, link = ?, topics = ?, publish_at = ?, updated_at = ? "
        "where id = ?",
        [item.title, item.body, item.link, json.dumps(list(item.topics)), to_db(item.publish_at),
         to_db(clock.now()), item.id]).rowcount)


def delete_item(db: Database, item_id: int) -> bool:
    """Delete an item; False if it was already gone."""
    return bool(db.execute("delete from news_items where id = ?", [item_id]).rowcount)


# --- import -----------------------------------------------------------------------

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_HEADER = re.compile(r"^([a-z_]+):\s*(.*)$")


def markdown_to_html(text: str) -> str:
    """The little Markdown news is written in (**bold**, *italic*, [text](url)) as Telegram HTML."""
    html = str(escape(text.strip()))
    html = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', html)
    html = _BOLD.sub(r"<b>\1</b>", html)
    return _ITALIC.sub(r"<i>\1</i>", html)


def parse_markdown(text: str) -> list[dict[str, str]]:
    """Items as `# Title`, then `topics:`, `publish:`, `link:` lines, a blank line and the body."""
    raw_items: list[dict[str, str]] = []
    for block in re.split(r"(?m)^(?=# )", text):
        lines = block.strip().splitlines()
        if not lines or not lines[0].startswith("# "):
            if block.strip():
                raise ItemError("text before the first '# Title' line")
            continue
        fields = {"title": lines[0][2:], "topics": "", "publish": "now", "link": ""}
        index = 1
        while index < len(lines) and (match := _HEADER.match(lines[index].strip())):
            fields[match.group(1)] = match.group(2)
            index += 1
        fields["body"] = markdown_to_html("\n".join(lines[index:]))
        raw_items.append(fields)
    return raw_items


def parse_csv(text: str) -> list[dict[str, str]]:
    """Rows with columns title, body (Telegram HTML), topics, and optional publish and link."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"title", "body", "topics"} - set(reader.fieldnames or [])
    if missing:
        raise ItemError(f"the CSV needs the columns {', '.join(sorted(missing))}")
    return [{k: (v or "") for k, v in row.items() if k} for row in reader]


def import_items(db: Database, clinic: Clinic, clock: Clock, text: str, fmt: str, author: str = "") -> list[int]:
    """Validate every item in a Markdown or CSV text, then save all of them (or none)."""
    raw_items = parse_markdown(text) if fmt == "md" else parse_csv(text)
    if not raw_items:
        raise ItemError("no items found")
    items = []
    for number, fields in enumerate(raw_items, start=1):
        try:
            items.append(make_item(clinic, clock, title=fields.get("title", ""), body=fields.get("body", ""),
                                   topics=re.split(r"[,;\s]+", fields.get("topics", "")),
                                   publish=fields.get("publish", "now"), link=fields.get("link", ""),
                                   author=author))
        except ItemError as exc:
            raise ItemError(f"item {number} ({fields.get('title', '')[:40]!r}): {exc}") from None
    return add_items(db, clock, items)


def set_item_text(db: Database, item_id: int, language: str, title: str, body: str) -> bool:
    """A news item's title and text in one more language; False if the item is gone."""
    if get_item(db, item_id) is None:
        return False
    db.execute("insert into news_item_texts (item_id, language, title, body) values (?, ?, ?, ?) "
               "on conflict(item_id, language) do update set title = excluded.title, body = excluded.body",
               [item_id, language, title, body])
    return True


def item_languages(db: Database, item_id: int) -> list[str]:
    """The languages a news item has a version in, besides the default."""
    return [row["language"] for row in db.query(
        "select language from news_item_texts where item_id = ? order by language", [item_id])]
