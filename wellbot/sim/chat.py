"""`wellbot chat`: talk to the real bot in a terminal, with no token and no network.

The same Application `wellbot run` builds polls `wellbot.sim.devserver`'s strict
Bot API stand-in on 127.0.0.1, in this event loop. You are one simulated
person: what you type is sent as a message, a number presses that button of
the last message with buttons, and the bot's messages are printed as they
would read (bold in a terminal, links as `text (url)`, buttons as numbered
choices). Reader and writer are injectable, so a test drives it line by line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html as html_lib
import logging
import re
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from sqlite_utils import Database
from telegram.ext import Application

from wellbot.bot.features import Feature
from wellbot.bot.telegram_html import tokenize
from wellbot.core.errors import ConfigError
from wellbot.core.lease_view import read_lease
from wellbot.core.settings import Settings
from wellbot.sim.devserver import BotAPIServer, SentMessage, SimUser

log = logging.getLogger(__name__)

# A fixed fake token: the stand-in accepts it, Telegram never sees it.
FAKE_TOKEN = "123456:wellbot-chat-local-only-not-a-real-token"
from wellbot.sim.cli import DEFAULT_NAME, DEFAULT_USER_ID  # noqa: E402  (one definition, shared with the CLI)

DEMO_PHONE = "+15550100123"  # what "share my phone number" shares
QUIT = "/quit"
MAX_CHOICE_DIGITS = 2  # longer numbers (a phone number typed as digits) are sent as text
PROMPT = "you> "
BOT = "bot> "
INDENT = " " * len(BOT)
POLL_TIMEOUT = 1  # seconds a getUpdates may hang: /quit stops quickly
SETTLE_SECONDS = 10  # how long one answer may take before the chat gives the prompt back
CHAT_LOG_LEVEL = logging.WARNING  # INFO lines would drown the conversation

RESET = "\x1b[0m"
STYLES = {"b": "1", "strong": "1", "i": "3", "em": "3", "u": "4", "ins": "4", "s": "9", "strike": "9", "del": "9"}
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)


# --- rendering (plain functions) --------------------------------------------------------------------------------


def html_to_terminal(html: str, *, ansi: bool) -> str:
    """Telegram HTML as a terminal shows it: styles as ANSI codes if `ansi`, links as `text (url)`."""
    out: list[str] = []
    styles: list[str] = []
    links: list[tuple[str, int]] = []  # (href, where the link's text starts in `out`)
    for token in tokenize(html):
        if token.kind == "text":
            out.append(token.value)
        elif token.value == "a" and token.kind == "open":
            links.append((_href(token.raw), len(out)))
        elif token.value == "a":
            href, start = links.pop()
            if href and "".join(out[start:]).strip() != href:
                out.append(f" ({href})")
        elif token.value in STYLES and ansi:
            if token.kind == "open":
                styles.append(STYLES[token.value])
            else:
                styles.remove(STYLES[token.value])
            out.append(RESET + "".join(f"\x1b[{code}m" for code in styles))
    return "".join(out)


def _href(raw_tag: str) -> str:
    match = _HREF.search(raw_tag)
    return html_lib.unescape(next((g for g in match.groups() if g is not None), "")) if match else ""


@dataclass(frozen=True)
class Choice:
    """One numbered button: an inline button (callback or link) or a reply-keyboard button."""

    label: str
    callback_data: str | None = None
    url: str | None = None
    send_text: str | None = None  # a reply-keyboard button sends its label as text
    share_contact: bool = False


def choices_of(markup: dict | None) -> list[Choice]:
    """The buttons of a message's markup, in reading order."""
    if not markup:
        return []
    found: list[Choice] = []
    for row in markup.get("inline_keyboard", []):
        for button in row:
            found.append(Choice(button["text"], callback_data=button.get("callback_data"), url=button.get("url")))
    for row in markup.get("keyboard", []):
        for button in row:
            button = button if isinstance(button, dict) else {"text": button}
            found.append(Choice(button["text"], send_text=button["text"],
                                share_contact=bool(button.get("request_contact"))))
    return found


def render_message(message: SentMessage, *, ansi: bool, edited: bool = False) -> str:
    """A bot message as printed lines: a file or map line, its text, then its numbered choices."""
    lines: list[str] = []
    if message.document is not None:
        lines.append(f"[file: {message.document['filename']}]")
    if message.venue is not None:  # a map pin: its title and address, where a phone would show the map
        venue = message.venue
        lines.append(f"[map: {venue['title']}, {venue['address']} ({venue['latitude']}, {venue['longitude']})]")
    if message.html:
        lines.extend(html_to_terminal(message.html, ansi=ansi).splitlines() or [""])
    for number, choice in enumerate(choices_of(message.reply_markup), start=1):
        suffix = f" ({choice.url})" if choice.url else ""
        lines.append(f"[{number}] {choice.label}{suffix}")
    head = "bot (edited)> " if edited else BOT
    pad = " " * len(head)
    return "\n".join(head + line if index == 0 else pad + line for index, line in enumerate(lines or [""]))


def chat_settings(base: Settings, *, user_id: int, as_staff: bool, database: Path,
                  clinic: Path | None) -> Settings:
    """The settings for a chat session: fake token, local database, optional staff rights."""
    if clinic is not None and not clinic.is_file():
        raise ConfigError("--clinic", f"no clinic file at {clinic}")
    refuse_a_served_database(database, time.time())
    staff = base.staff_ids | {user_id} if as_staff else base.staff_ids - {user_id}
    return replace(base, token=FAKE_TOKEN, database=database, staff_ids=frozenset(staff),
                   clinic_path=clinic or base.clinic_path)


def refuse_a_served_database(database: Path, now: float) -> None:
    """ConfigError if a running worker holds this database's lease (`now` in Unix seconds).

    A chat session runs the reminder dispatcher, the delivery engine and the outbox like a worker, but
    against the stand-in: on a database a worker serves, it would claim real reminders and deliveries
    and "send" them where no patient sees them.
    """
    if not database.is_file():
        return
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        held = read_lease(Database(connection), now)
    finally:
        connection.close()
    if held.live:
        raise ConfigError("--database", f"worker {held.holder} holds the lease on {database}: a chat would take "
                                        "its reminders and news to the stand-in; chat on a copy (wellbot backup)")


# --- the session ------------------------------------------------------------------------------------------------


EARLIER_NAME = "Earlier"  # first name of the people known from earlier sessions on the same database


class ChatSession:
    """The real bot, the local server and one simulated person."""

    def __init__(self, settings: Settings, *, user_id: int = DEFAULT_USER_ID, first_name: str = DEFAULT_NAME,
                 ansi: bool = False, features: list[Feature] | None = None, language: str = "en") -> None:
        self.settings = settings
        self.features = features
        self.ansi = ansi
        self.server = BotAPIServer(token=FAKE_TOKEN)
        self.user_id = user_id
        self.first_name = first_name
        self.language = language  # Telegram's language_code: the bot's language at first contact
        self.user: SimUser | None = None
        self.app: Application | None = None
        self._shown: dict[int, tuple[str, str]] = {}  # message id -> (html, markup) already printed

    async def start(self) -> None:
        """Start the server and the bot, exactly as `wellbot run` builds it."""
        from wellbot.app import build_application, build_deps, start_polling

        await self.server.start()
        self.user = self.server.user(self.user_id, self.first_name, language_code=self.language)
        deps = build_deps(replace(self.settings, api_url=self.server.base_url), features=self.features)
        self._know_earlier_people(deps.db)
        self.app = build_application(deps, base_url=self.server.base_url, token=FAKE_TOKEN)
        await start_polling(self.app, POLL_TIMEOUT)

    def _know_earlier_people(self, db) -> None:
        """Give the stand-in a chat for everyone a kept database knows (earlier sessions' --user ids).

        Telegram knows them; without this, broadcasts and digests got "chat not found" for them,
        counted them as having blocked the bot, and /subscribers then listed them as blocked.
        """
        for row in db.query("select user_id, chat_id from patients where user_id = chat_id and user_id != ?",
                            [self.user_id]):
            self.server.user(row["user_id"], EARLIER_NAME)

    async def stop(self) -> None:
        """Stop the bot the way SIGTERM does, then the server."""
        from wellbot.app import stop_polling

        app, self.app = self.app, None
        if app is not None:
            await stop_polling(app)
        await self.server.stop()

    def _choices_message(self) -> SentMessage | None:
        """The last message in the chat that has buttons now."""
        return next((m for m in reversed(self.user.messages) if choices_of(m.reply_markup)), None)

    @property
    def choices(self) -> list[Choice]:
        """The buttons a number presses now: those of the last message that has buttons."""
        message = self._choices_message()
        return choices_of(message.reply_markup) if message else []

    async def say(self, line: str) -> list[str]:
        """Act on one typed line (a number presses a button) and return what the bot answered."""
        line = line.strip()
        notes: list[str] = []
        if line.isdigit() and len(line) <= MAX_CHOICE_DIGITS and self.choices:
            notes.extend(await self._press(int(line)))
        elif line:
            await self.user.send(line)
        else:
            return []
        return notes + await self.updates()

    async def _press(self, number: int) -> list[str]:
        choices = self.choices
        if not 1 <= number <= len(choices):
            return [f"(there is no choice {number}; choose 1 to {len(choices)})"]
        choice = choices[number - 1]
        if choice.url:
            return [f"(that button opens {choice.url})"]
        if choice.share_contact:
            await self.user.send_contact(DEMO_PHONE)
            return [f"(you shared your phone number {DEMO_PHONE})"]
        if choice.send_text is not None:
            await self.user.send(choice.send_text)
            return []
        await self.user.press(self._choices_message(), choice.callback_data)
        return []

    async def updates(self) -> list[str]:
        """Wait until the bot is idle, then render what is new or changed since last time."""
        from wellbot.app import wait_until_handled

        await wait_until_handled(self.app, self.server.wait_idle, SETTLE_SECONDS)
        out: list[str] = []
        for answer in self.user.callback_answers:
            if answer.get("text"):
                out.append(f"(notice: {answer['text']})")
        self.user.callback_answers.clear()
        for message in self.user.messages:
            state = (message.html, repr(message.reply_markup))
            previous = self._shown.get(message.message_id)
            if previous == state:
                continue
            out.append(render_message(message, ansi=self.ansi, edited=previous is not None))
            self._shown[message.message_id] = state
        return out


async def run_chat(session: ChatSession, reader: TextIO, writer: TextIO) -> None:
    """The terminal loop: print the bot's answers, read a line, until /quit or end of input."""
    await session.start()
    try:
        writer.write(f"Talking to the bot as user {session.user_id}"
                     f"{' (staff)' if session.settings.is_staff(session.user_id) else ''}. "
                     f"Type a message, a number to press a button, {QUIT} to leave.\n")
        for block in await session.say("/start"):
            writer.write(block + "\n")
        while True:
            writer.write(PROMPT)
            writer.flush()
            line = await asyncio.to_thread(reader.readline)
            if line and not _isatty(reader):
                writer.write(line if line.endswith("\n") else line + "\n")  # a transcript shows what was typed
            if not line:
                writer.write("\n")  # end of input (Ctrl-D): leave the prompt line
                break
            if line.strip() == QUIT:
                break
            for block in await session.say(line):
                writer.write(block + "\n")
    finally:
        await session.stop()
    writer.write("bye\n")
    writer.flush()


def _isatty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


# --- the subcommand ---------------------------------------------------------------------------------------------


def cmd_chat(args: argparse.Namespace, settings: Settings, reader: TextIO | None = None,
             writer: TextIO | None = None) -> int:
    """Run a chat session on a temporary (or the given) database."""
    reader = reader or sys.stdin
    writer = writer or sys.stdout
    if "WELLBOT_LOG_LEVEL" not in settings.extra:
        logging.getLogger().setLevel(max(logging.getLogger().level, CHAT_LOG_LEVEL))
    with contextlib.ExitStack() as stack:
        database = args.database
        if database is None:
            database = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wellbot-chat-"))) / "chat.db"
        chat = chat_settings(settings, user_id=args.user, as_staff=args.as_staff, database=database,
                             clinic=args.clinic)
        session = ChatSession(chat, user_id=args.user, first_name=args.name, ansi=_isatty(writer),
                              language=getattr(args, "language", "en"))
        try:
            asyncio.run(run_chat(session, reader, writer))
        except BrokenPipeError:  # output piped into `head` and closed: nothing left to say
            return 0
    return 0

