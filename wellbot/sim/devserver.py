"""A local Telegram Bot API stand-in that answers as strictly as Telegram does.

Used by the end-to-end tests (the real ``telegram.ext.Application`` talks to it
over HTTP through ``ApplicationBuilder().base_url(server.base_url)``), by the
``wellbot chat`` terminal mode and by benchmarks. Standard library only: a small
HTTP/1.1 server (keep-alive, Content-Length and chunked bodies; JSON, urlencoded
and multipart forms) on asyncio streams, running in the caller's event loop.

Simulated people live here too: ``server.user(42)`` is a patient in a private
chat who sends text, contacts and media and presses inline buttons; every
message the bot sends is kept (``server.sent``, ``user.messages``) with edits
applied, and every API call is logged in ``server.calls``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html as html_lib
import inspect
import itertools
import json
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from wellbot.bot.telegram_html import (
    MAX_MESSAGE_LENGTH,
    TelegramHTMLError,
    Token,
    tokenize,
    utf16_len,
)

logger = logging.getLogger(__name__)

DEFAULT_BOT_ID = 7_000_000_001
DEFAULT_BOT_NAME = "Wellbot Test"
FIRST_UPDATE_ID = 500_000_001  # Telegram's ids are large; tests must not assume they start at 1
FIRST_CALLBACK_ID = 4_000_000_000_000_001
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256
MAX_UPDATES_LIMIT = 100
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # Telegram's cap for files a bot uploads
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Telegram's cap for photos a bot uploads
MAX_PHOTO_SIDES = 10000  # width + height
MAX_PHOTO_RATIO = 20
ERR_PHOTO_INVALID = "Bad Request: IMAGE_PROCESS_FAILED"
ERR_PHOTO_DIMENSIONS = "Bad Request: PHOTO_INVALID_DIMENSIONS"
ERR_NO_PHOTO = "Bad Request: there is no photo in the request"
MAX_HEADER_BYTES = 64 * 1024
PARSED_HTML_CACHE = 256  # texts whose HTML parse is kept (see _parsed_html)
PER_CHAT_BURST = 3  # Telegram lets a short burst through before ~1 msg/s per chat bites
RATE_WINDOW_SECONDS = 1.0
IDLE_QUIET_SECONDS = 0.05
IDLE_POLL_SECONDS = 0.005
DISCONNECT_CHECK_SECONDS = 0.25  # how soon an abandoned long poll notices its client left
DESCRIBE_LAST_MESSAGES = 10

# Update kinds Telegram holds back unless allowed_updates names them.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
BUTTON_ACTIONS = (
    "callback_data", "url", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game",
    "pay", "web_app", "copy_text",
)
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
LEADING_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")
ROUTE = re.compile(r"/bot([^/]*)/([A-Za-z0-9_]+)/?")
FILE_ROUTE = re.compile(r"/file/bot([^/]*)/(.+)")
TAG_ATTRIBUTE = re.compile(r'([A-Za-z-]+)(?:\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s"\'>]+)))?')
HEADER_PARAM = re.compile(r';\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')

# Parameters whose form-encoded values are JSON (PTB sends every non-string as JSON text).
JSON_FIELDS = frozenset({
    "reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope",
    "link_preview_options", "reply_parameters", "menu_button",
})
INT_FIELDS = frozenset({
    "message_id", "offset", "limit", "user_id", "cache_time",
    "reply_to_message_id", "message_thread_id", "max_connections",
})
BOOL_FIELDS = frozenset({
    "disable_notification", "protect_content", "show_alert", "drop_pending_updates",
    "disable_web_page_preview", "allow_sending_without_reply", "allow_paid_broadcast",
    "disable_content_type_detection",
})

# Telegram's descriptions, verbatim where known.
ERR_UNAUTHORIZED = "Unauthorized"
ERR_NOT_FOUND = "Not Found"
ERR_PARSE_ENTITIES = "Bad Request: can't parse entities: %s"
ERR_TEXT_TOO_LONG = "Bad Request: message is too long"
ERR_TEXT_EMPTY = "Bad Request: message text is empty"
ERR_CAPTION_TOO_LONG = "Bad Request: message caption is too long"
ERR_PARSE_MODE = "Bad Request: unsupported parse_mode"
ERR_BUTTON_DATA = "Bad Request: BUTTON_DATA_INVALID"
ERR_BUTTON_TEXT = "Bad Request: can't parse inline keyboard button: Can't find field \"text\""
ERR_BUTTON_NO_ACTION = (
    "Bad Request: can't parse inline keyboard button: "
    "Text buttons are unallowed in the inline keyboard"
)
ERR_BUTTON_TWO_ACTIONS = (
    "Bad Request: can't parse inline keyboard button: exactly one of the optional fields "
    "must be used"
)
ERR_BUTTON_URL = "Bad Request: inline keyboard button URL '%s' is invalid: Wrong HTTP URL"
ERR_BUTTON_OBJECT = (
    "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object"
)
ERR_MARKUP_JSON = "Bad Request: can't parse reply keyboard markup JSON object"
ERR_MARKUP_OBJECT = "Bad Request: object expected as reply markup"
ERR_ROWS = "Bad Request: field \"%s\" of the %s must be an Array%s"
ERR_KEYBOARD_BUTTON = "Bad Request: can't parse keyboard button: KeyboardButton must be a String or an Object"
ERR_KEYBOARD_TEXT = "Bad Request: can't parse keyboard button: Can't find field \"text\""
ERR_INLINE_ONLY = "Bad Request: inline keyboard expected"
# Telegram refuses inline keyboards over 100 buttons or 8 to a row, and any markup over about 10 kB.
ERR_MARKUP_TOO_LONG = "Bad Request: reply markup is too long"
MAX_INLINE_BUTTONS = 100
MAX_INLINE_ROW = 8
MAX_MARKUP_BYTES = 10_240
ERR_JSON_FIELD = "Bad Request: can't parse %s JSON object"
ERR_INT_FIELD = "Bad Request: wrong %s specified"
ERR_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
ERR_EDIT_NOT_FOUND = "Bad Request: message to edit not found"
ERR_EDIT_NO_TEXT = "Bad Request: there is no text in the message to edit"
ERR_EDIT_FOREIGN = "Bad Request: message can't be edited"
ERR_DELETE_NOT_FOUND = "Bad Request: message to delete not found"
ERR_REPLY_NOT_FOUND = "Bad Request: message to be replied not found"
ERR_INLINE_MESSAGE = "Bad Request: MESSAGE_ID_INVALID"
ERR_QUERY_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
ERR_ANSWER_TOO_LONG = "Bad Request: MESSAGE_TOO_LONG"
ERR_BLOCKED = "Forbidden: bot was blocked by the user"
ERR_NOT_MEMBER = "Forbidden: bot is not a member of the group chat"
ERR_CHAT_NOT_FOUND = "Bad Request: chat not found"
ERR_CHAT_ID_EMPTY = "Bad Request: chat_id is empty"
ERR_MENU_BUTTON = "Bad Request: can't parse menu button: %s"
ERR_WEB_APP_URL = "Bad Request: BUTTON_URL_INVALID"
ERR_NOT_PRIVATE = "Bad Request: chat is not a private chat"
MENU_BUTTON_TYPES = ("commands", "web_app", "default")
MAX_MENU_BUTTON_TEXT = 64
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
ERR_LEAVE_PRIVATE = "Bad Request: chat member status can't be changed in private chats"
ERR_TOO_MANY = "Too Many Requests: retry after %d"
ERR_COMMAND_INVALID = "Bad Request: BOT_COMMAND_INVALID"
ERR_COMMANDS_TOO_MANY = "Bad Request: BOT_COMMANDS_TOO_MUCH"
ERR_ACTION = "Bad Request: wrong parameter action in request"
ERR_NO_DOCUMENT = "Bad Request: there is no document in the request"
ERR_FILE_ID = "Bad Request: wrong file identifier/HTTP URL specified"
ERR_FILE_EMPTY = "Bad Request: file must be non-empty"
ERR_FILE_TOO_BIG = "Request Entity Too Large"
ERR_MAX_CONNECTIONS = "Bad Request: bad webhook: max_connections must be between 1 and 100"
ERR_NO_PARAMETERS = "Bad Request: %s takes no parameters"
DEFAULT_WEBHOOK_CONNECTIONS = 40  # Telegram's default for setWebhook's max_connections
MAX_WEBHOOK_CONNECTIONS = 100
ERR_SECRET_TOKEN = "Bad Request: secret token contains unallowed characters"
ERR_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
ERR_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)

HTML_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "tg-emoji": "custom_emoji",
    "code": "code", "pre": "pre", "blockquote": "blockquote",
}
API_METHODS = (
    "getMe", "logOut", "close", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo",
    "sendMessage", "sendDocument", "sendVenue", "sendPhoto", "sendChatAction", "editMessageText",
    "editMessageReplyMarkup", "deleteMessage", "answerCallbackQuery", "leaveChat", "getChat",
    "setMyCommands", "getMyCommands", "deleteMyCommands", "getFile",
    "setChatMenuButton", "getChatMenuButton",
)


MAX_VENUE_TEXT = 256  # characters of a venue's title or address


def _coordinate(params: dict, key: str, limit: float) -> float:
    """A latitude or longitude parameter: required, a number, within +-limit (as Telegram checks)."""
    value = params.get(key)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ApiError(HTTPStatus.BAD_REQUEST, f"Bad Request: parameter \"{key}\" is required") from None
    if number != number or not -limit <= number <= limit:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"Bad Request: wrong {key} specified")
    return number

class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class _DropConnection(Exception):
    """Close the connection without answering (the call itself was carried out)."""


class _HttpError(Exception):
    """A request we cannot parse as HTTP; the connection is answered and closed."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


@dataclass
class ApiCall:
    """One Bot API call as the server saw it."""

    method: str
    params: dict
    status: int
    description: str | None
    time: float


@dataclass
class SentMessage:
    """A message the bot sent, as it stands now (edits applied)."""

    message_id: int
    chat_id: int
    html: str
    text: str
    parse_mode: str | None = None
    reply_markup: dict | None = None
    document: dict | None = None
    venue: dict | None = None  # sendVenue: latitude, longitude, title, address
    photo: dict | None = None  # {"file_id", "content", "width", "height"} of a sendPhoto
    edits: int = 0
    history: list[str] = field(default_factory=list)
    entities: list[dict] = field(default_factory=list)
    date: int = 0
    deleted: bool = False
    seq: int = field(default=0, repr=False)  # server-wide change counter, for wait_for

    def buttons(self) -> list[list[dict]]:
        """Rows of the inline keyboard (empty when there is none)."""
        return [list(row) for row in (self.reply_markup or {}).get("inline_keyboard", [])]

    def button_labels(self) -> list[str]:
        """Labels of all inline buttons, row by row."""
        return [button["text"] for row in self.buttons() for button in row]


@dataclass
class _Upload:
    """A file part of a multipart request."""

    filename: str
    content: bytes
    mime_type: str


@dataclass
class _StoredFile:
    """A file known to the server by file_id (uploaded by the bot or sent by a user)."""

    file_id: str
    unique_id: str
    filename: str
    content: bytes | None
    mime_type: str
    path: str


@dataclass
class _Request:
    """A parsed HTTP request."""

    method: str
    path: str
    query: str
    version: str
    headers: dict[str, str]
    body: bytes


@dataclass
class _Incoming:
    """A Bot API call being handled: its parameters, file parts and connection."""

    method: str
    params: dict
    uploads: dict[str, _Upload]
    reader: asyncio.StreamReader


@dataclass
class _Poller:
    """A getUpdates request waiting for updates."""

    wake: asyncio.Event = field(default_factory=asyncio.Event)
    conflicted: bool = False


@dataclass
class _Callback:
    """A callback query the bot has to answer."""

    user: SimUser
    answered: bool = False


@dataclass
class _Failure:
    """An injected error for the next calls of one method."""

    status: int
    description: str
    count: int
    retry_after: int | None
    chat_id: int | None = None  # only calls to this chat (None: any)


class SimChat:
    """What every simulated chat has: the bot's messages and ways to wait for them."""

    type = "private"

    def __init__(self, server: BotAPIServer, chat_id: int):
        self._server = server
        self.chat_id = chat_id
        self.history: list[SentMessage] = []  # every bot message, deleted ones included
        self.keyboard: dict | None = None  # the reply keyboard the user currently sees
        self._by_id: dict[int, SentMessage] = {}
        self._user_messages: dict[int, dict] = {}
        self._message_ids = itertools.count(1)
        self._cursor = 0
        self._mark = 0
        self._changed = asyncio.Event()

    def chat_json(self) -> dict:
        """The chat as Telegram serialises it."""
        raise NotImplementedError

    @property
    def messages(self) -> list[SentMessage]:
        """The bot's messages still in the chat, edits applied."""
        return [message for message in self.history if not message.deleted]

    def last(self) -> SentMessage:
        """The bot's latest message still in the chat."""
        messages = self.messages
        if not messages:
            raise LookupError(f"the bot has sent nothing to chat {self.chat_id}")
        return messages[-1]

    async def next_message(self, timeout: float = 5) -> SentMessage:
        """Wait for the next bot message after the last one returned (or the last action)."""
        return await self._wait(self._take_next, timeout, "a new message")

    async def wait_for(self, substring: str, timeout: float = 5) -> SentMessage:
        """Wait for a message, new or edited since the last action, whose text has substring."""

        def find() -> SentMessage | None:
            return next(
                (m for m in self.history if m.seq > self._mark and substring in m.text), None
            )

        return await self._wait(find, timeout, f"a message containing {substring!r}")

    def _take_next(self) -> SentMessage | None:
        """Advance the next_message cursor if a message is there."""
        if self._cursor >= len(self.history):
            return None
        self._cursor += 1
        return self.history[self._cursor - 1]

    async def _wait(self, find: Callable[[], SentMessage | None], timeout: float, what: str):
        """Re-run find whenever the chat changes, until it returns a message or time is up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._changed.clear()  # cleared before looking, so no change is missed
            found = find()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(self._describe(what, timeout))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def _describe(self, what: str, timeout: float) -> str:
        """Explain a timeout: what the chat holds and which calls for it failed."""
        lines = [f"no {what} in chat {self.chat_id} within {timeout}s; the bot sent:"]
        for message in self.history[-DESCRIBE_LAST_MESSAGES:]:
            flags = " (deleted)" if message.deleted else ""
            flags += f" (edited {message.edits}x)" if message.edits else ""
            lines.append(f"  #{message.message_id}{flags}: {message.text[:120]!r}")
        if not self.history:
            lines.append("  nothing")
        failed = [
            call for call in self._server.calls
            if call.status != HTTPStatus.OK and call.params.get("chat_id") == self.chat_id
        ]
        for call in failed[-5:]:
            lines.append(f"  failed {call.method}: {call.status} {call.description}")
        return "\n".join(lines)

    def _mark_action(self) -> None:
        """A user acted: later waits look only at what the bot does from now on."""
        self._cursor = len(self.history)
        self._mark = self._server._seq

    def _notify(self) -> None:
        """Wake whoever waits on this chat."""
        self._changed.set()


class SimUser(SimChat):
    """A simulated patient in a private chat with the bot (chat_id == user id)."""

    def __init__(self, server: BotAPIServer, user_id: int, first_name: str, *,
                 last_name: str | None, username: str | None, language_code: str | None):
        super().__init__(server, user_id)
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked = False
        self.callback_answers: list[dict] = []

    def user_json(self) -> dict:
        """The user as Telegram serialises it."""
        data = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        optional = {"last_name": self.last_name, "username": self.username,
                    "language_code": self.language_code}
        data.update({key: value for key, value in optional.items() if value})
        return data

    def chat_json(self) -> dict:
        """The private chat as Telegram serialises it."""
        data = {"id": self.id, "type": "private", "first_name": self.first_name}
        optional = {"last_name": self.last_name, "username": self.username}
        data.update({key: value for key, value in optional.items() if value})
        return data

    async def send(self, text: str) -> int:
        """Send a text message to the bot; a leading /command gets a bot_command entity."""
        self._restart_if_blocked()
        return self._server._user_message(self, self, text=text, entities=_command_entities(text))

    async def send_formatted(self, html: str) -> int:
        """Send text the user formatted in their app (bold, italics, links), written here as Telegram HTML."""
        self._restart_if_blocked()
        text, entities = _html_entities(html)
        return self._server._user_message(self, self, text=text, entities=entities)

    async def send_contact(self, phone: str, *, own: bool = True, user_id: int | None = None) -> int:
        """Share a contact; own=True shares the user's own number (user_id set), else a card (`user_id` if given)."""
        contact = {"phone_number": phone, "first_name": self.first_name if own else "Alex"}
        if not own and user_id is not None:
            contact["user_id"] = user_id  # another Telegram user's contact
        if own:
            contact["user_id"] = self.id
            if self.last_name:
                contact["last_name"] = self.last_name
        return self._server._user_message(self, self, contact=contact)

    async def send_sticker(self) -> int:
        """Send a sticker."""
        stored = self._server._store_file("sticker.webp", b"RIFF-sticker", "image/webp", "stickers")
        sticker = {"file_id": stored.file_id, "file_unique_id": stored.unique_id,
                   "type": "regular", "width": 512, "height": 512, "is_animated": False,
                   "is_video": False, "emoji": "\U0001f44d"}
        return self._server._user_message(self, self, sticker=sticker)

    async def send_photo(self, caption: str | None = None) -> int:
        """Send a photo (two sizes, like Telegram), optionally captioned."""
        stored = self._server._store_file("photo.jpg", b"\xff\xd8photo", "image/jpeg", "photos")
        sizes = [
            {"file_id": f"{stored.file_id}_{side}", "file_unique_id": f"{stored.unique_id}{side}",
             "width": side, "height": side, "file_size": len(stored.content or b"")}
            for side in (90, 800)
        ]
        return self._server._user_message(self, self, photo=sizes, caption=caption)

    async def send_voice(self, duration: int = 3) -> int:
        """Send a voice note."""
        stored = self._server._store_file("voice.ogg", b"OggS-voice", "audio/ogg", "voice")
        voice = {"file_id": stored.file_id, "file_unique_id": stored.unique_id,
                 "duration": duration, "mime_type": stored.mime_type}
        return self._server._user_message(self, self, voice=voice)

    async def send_document(self, filename: str = "report.pdf", content: bytes = b"%PDF-1.4\n",
                            mime_type: str = "application/pdf") -> int:
        """Send a document; the bot can fetch it with getFile."""
        stored = self._server._store_file(filename, content, mime_type, "documents")
        document = {"file_id": stored.file_id, "file_unique_id": stored.unique_id,
                    "file_name": filename, "mime_type": mime_type, "file_size": len(content)}
        return self._server._user_message(self, self, document=document)

    async def edit(self, message_id: int, text: str) -> None:
        """Edit one of this user's earlier text messages (an edited_message update)."""
        original = self._user_messages.get(message_id)
        if original is None or "text" not in original:
            raise LookupError(f"user {self.id} sent no text message #{message_id}")
        edited = dict(original, text=text, edit_date=int(time.time()))
        edited.pop("entities", None)
        if entities := _command_entities(text):
            edited["entities"] = entities
        self._user_messages[message_id] = edited
        self._mark_action()
        self._server._enqueue("edited_message", edited)

    async def press(self, message: SentMessage, button: str) -> str:
        """Press an inline button (label containing `button`, or callback_data equal to it)."""
        chat = self._server._chats[message.chat_id]
        current = chat._by_id.get(message.message_id)
        if current is None or current.deleted:
            raise LookupError(f"message #{message.message_id} is not in chat {message.chat_id}")
        chosen = _find_button(current, button)
        if "callback_data" not in chosen:
            raise ValueError(f"button {chosen['text']!r} has no callback_data: {chosen}")
        message_json = self._server._message_json(current)
        return self._server._callback_query(self, chat, message_json, chosen["callback_data"])

    async def press_data(self, message_id: int, data: str) -> str:
        """Forge a callback query with arbitrary data for a message in this chat."""
        current = self._by_id.get(message_id)
        if current is not None and not current.deleted:
            message_json = self._server._message_json(current)
        else:  # Telegram sends an InaccessibleMessage (date 0) for messages it cannot show
            message_json = {"message_id": message_id, "chat": self.chat_json(), "date": 0}
        return self._server._callback_query(self, self, message_json, data)

    def block(self) -> None:
        """Block the bot: sends now get 403, and a my_chat_member (kicked) update arrives."""
        if not self.blocked:
            self.blocked = True
            self._server._member_update(self, self, "member", "kicked")

    def unblock(self) -> None:
        """Unblock the bot: a my_chat_member update back to member arrives."""
        if self.blocked:
            self.blocked = False
            self._server._member_update(self, self, "kicked", "member")

    def _restart_if_blocked(self) -> None:
        """Writing to a blocked bot restarts it in Telegram's apps, which unblocks it."""
        if self.blocked:
            self.unblock()


class SimGroup(SimChat):
    """A simulated group chat with the bot as a member."""

    type = "group"

    def __init__(self, server: BotAPIServer, chat_id: int, title: str):
        super().__init__(server, chat_id)
        self.title = title
        self.left = False

    def chat_json(self) -> dict:
        """The group as Telegram serialises it."""
        return {"id": self.chat_id, "type": "group", "title": self.title}

    async def send(self, from_user: SimUser, text: str) -> int:
        """A member writes to the group; the bot sees it unless it has left."""
        return self._server._user_message(
            self, from_user, text=text, entities=_command_entities(text)
        )


class BotAPIServer:
    """A strict local Bot API server with simulated users, for tests and local runs."""

    def __init__(self, *, token: str | None = None, bot_username: str = "wellbot_test_bot",
                 global_rate: float | None = None, per_chat_rate: float | None = None,
                 retry_after: int = 1, clock: Callable[[], float] = time.monotonic):
        self.token = token
        self.bot_username = bot_username
        self.bot_id = _bot_id(token)
        self.global_rate = global_rate
        self.per_chat_rate = per_chat_rate
        self.retry_after = retry_after
        self.clock = clock
        self.calls: list[ApiCall] = []
        self.sent: list[SentMessage] = []
        self.commands: dict[str, list[dict]] = {}
        self.menu_buttons: dict[int | None, dict] = {}  # chat id (None: the default) -> MenuButton
        self.webhook: dict | None = None
        self._webhook_options: dict[str, Any] = {}
        self._webhook_error: tuple[int, str] | None = None  # (unix time, message) of the last failed delivery
        self.stats: dict[str, int] = dict.fromkeys(
            ("calls", "errors", "sent", "edited", "deleted", "rejected_429", "injected",
             "updates"), 0)
        self.base_url = ""
        self.base_file_url = ""
        self._chats: dict[int, SimChat] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_paths: dict[str, _StoredFile] = {}
        self._callbacks: dict[str, _Callback] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._late: dict[str, list[tuple[int | None, float | None]]] = {}  # method -> (chat, delay) of late answers
        self._updates: list[dict] = []  # not yet acknowledged through getUpdates' offset
        self._update_ids = itertools.count(FIRST_UPDATE_ID)
        self._callback_ids = itertools.count(FIRST_CALLBACK_ID)
        self._file_ids = itertools.count(1)
        self._delivered_upto = 0
        self._allowed: frozenset[str] | None = None  # None: Telegram's default set
        self._poller: _Poller | None = None
        self._seq = 0
        self._in_flight = 0
        self._last_activity = 0.0
        self._global_window: deque[float] = deque()
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task] = set()
        self._stopping = False
        self._methods = {
            name.lower(): getattr(self, "_api_" + _snake(name)) for name in API_METHODS
        }

    # ----- lifecycle -------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0 picks a free port) and set base_url/base_file_url."""
        self._server = await asyncio.start_server(
            self._handle_connection, host, port, limit=MAX_HEADER_BYTES
        )
        bound_port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://{host}:{bound_port}/bot"
        self.base_file_url = f"http://{host}:{bound_port}/file/bot"
        self._last_activity = asyncio.get_running_loop().time()
        logger.info("Bot API stand-in listening on %s", self.base_url)

    async def stop(self) -> None:
        """Stop listening and drop every open connection, long polls included."""
        if self._server is None:
            return
        self._stopping = True
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None
        self._stopping = False

    async def __aenter__(self) -> BotAPIServer:
        """Start the server for an `async with` block."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop the server at the end of an `async with` block."""
        await self.stop()

    # ----- simulated people --------------------------------------------------

    def user(self, user_id: int, first_name: str = "Pat", *, last_name: str | None = None,
             username: str | None = None, language_code: str | None = "en") -> SimUser:
        """A patient in a private chat (chat_id == user_id); the same object on repeat calls."""
        existing = self._chats.get(user_id)
        if isinstance(existing, SimUser):
            return existing
        if existing is not None:
            raise ValueError(f"chat id {user_id} is already a group")
        user = SimUser(self, user_id, first_name, last_name=last_name, username=username,
                       language_code=language_code)
        self._chats[user_id] = user
        return user

    def group(self, chat_id: int, title: str) -> SimGroup:
        """A group chat the bot is a member of; the same object on repeat calls."""
        existing = self._chats.get(chat_id)
        if isinstance(existing, SimGroup):
            return existing
        if existing is not None:
            raise ValueError(f"chat id {chat_id} is already a private chat")
        group = SimGroup(self, chat_id, title)
        self._chats[chat_id] = group
        return group

    def fail_next(self, method: str, *, status: int = 500,
                  description: str = "Internal Server Error", count: int = 1,
                  retry_after: int | None = None, chat_id: int | None = None) -> None:
        """Make the next `count` calls of `method` (to `chat_id`, if given) fail with this status and description."""
        if status == HTTPStatus.TOO_MANY_REQUESTS and retry_after is None:
            retry_after = self.retry_after  # PTB only raises RetryAfter when it is given
        failure = _Failure(status, description, count, retry_after, chat_id)
        self._failures.setdefault(method.lower(), []).append(failure)

    def answer_late(self, method: str, seconds: float | None, *, chat_id: int | None = None, count: int = 1) -> None:
        """Carry out the next `count` calls of `method` (to `chat_id`, if given), then wait `seconds` to answer.

        What a slow Telegram does: the message is delivered, but a client with
        a shorter read timeout never learns it was. `seconds=None` closes the
        connection instead of answering (a dropped link or a crashed proxy).
        """
        self._late.setdefault(method.lower(), []).extend([(chat_id, seconds)] * count)

    def unanswered_callbacks(self) -> list[str]:
        """Ids of callback queries the bot never answered."""
        return [qid for qid, callback in self._callbacks.items() if not callback.answered]

    def pending_updates(self) -> int:
        """How many queued updates getUpdates has not yet handed to the bot."""
        return sum(1 for update in self._updates if update["update_id"] > self._delivered_upto)

    async def wait_idle(self, timeout: float = 5, quiet: float = IDLE_QUIET_SECONDS) -> None:
        """Wait until every update was fetched and no request was in flight for `quiet` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            now = loop.time()
            if (not self.pending_updates() and not self._in_flight
                    and now - self._last_activity >= quiet):
                return
            if now >= deadline:
                raise TimeoutError(
                    f"bot not idle after {timeout}s: {self.pending_updates()} updates not "
                    f"fetched, {self._in_flight} requests in flight "
                    f"(is the bot polling this server at {self.base_url}?)"
                )
            await asyncio.sleep(IDLE_POLL_SECONDS)

    # ----- HTTP ---------------------------------------------------------------

    async def _handle_connection(self, reader: asyncio.StreamReader,
                                 writer: asyncio.StreamWriter) -> None:
        """Serve requests on one keep-alive connection until the client closes it."""
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away mid-request
        except _HttpError as exc:
            self._write(writer, exc.status, b"", "text/plain", keep_alive=False)
        except _DropConnection:
            pass  # the call was carried out; closing without an answer is the point
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # Cancelled by stop(): end normally, or asyncio 3.11 logs the cancelled task.
        finally:
            if task is not None:
                self._handlers.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """The request loop of one connection."""
        while True:
            request = await _read_request(reader, writer)
            if request is None:
                return
            status, body, content_type = await self._respond(request, reader)
            keep_alive = _wants_keep_alive(request)
            self._write(writer, status, body, content_type, keep_alive=keep_alive)
            await writer.drain()
            if not keep_alive:
                return

    @staticmethod
    def _write(writer: asyncio.StreamWriter, status: int, body: bytes, content_type: str, *,
               keep_alive: bool) -> None:
        """Write one HTTP response in a single write (fewer syscalls, faster benchmarks)."""
        head = (
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + body)

    async def _respond(self, request: _Request, reader: asyncio.StreamReader
                       ) -> tuple[int, bytes, str]:
        """Route a request to a file download or a Bot API method."""
        file_match = FILE_ROUTE.fullmatch(request.path)
        if file_match and request.method in ("GET", "HEAD"):
            return self._serve_file(*file_match.groups())
        match = ROUTE.fullmatch(request.path)
        name = match.group(2) if match else request.path
        incoming = _Incoming(name, {}, {}, reader)
        status, payload = await self._call(match, incoming, request)
        return status, json.dumps(payload, ensure_ascii=False).encode(), "application/json"

    async def _call(self, match: re.Match | None, incoming: _Incoming, request: _Request
                    ) -> tuple[int, dict]:
        """Run one Bot API call, record it and build the JSON answer."""
        is_poll = incoming.method.lower() == "getupdates"
        if not is_poll:
            self._in_flight += 1
        try:
            result = await self._run(match, incoming, request)
            status, payload, description = HTTPStatus.OK, {"ok": True, "result": result}, None
        except _DropConnection:
            self.calls.append(ApiCall(incoming.method, incoming.params, 0, "dropped", self.clock()))
            raise
        except Exception as exc:  # a bug here must answer 500, not hang the bot
            if not isinstance(exc, ApiError):
                logger.exception("devserver bug while handling %s", incoming.method)
                exc = ApiError(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
            status, description = exc.status, exc.description
            payload = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                payload["parameters"] = exc.parameters
            self.stats["errors"] += 1
        finally:
            if not is_poll:
                self._in_flight -= 1
            self._last_activity = asyncio.get_running_loop().time()
        self.stats["calls"] += 1
        self.calls.append(ApiCall(incoming.method, incoming.params, status, description,
                                  self.clock()))
        logger.debug("%s -> %s %s", incoming.method, status, description or "")
        return status, payload

    async def _run(self, match: re.Match | None, incoming: _Incoming, request: _Request) -> Any:
        """Check token and method, parse parameters and run the handler."""
        if match is None:
            raise ApiError(HTTPStatus.NOT_FOUND, ERR_NOT_FOUND)
        if self.token is not None and match.group(1) != self.token:
            raise ApiError(HTTPStatus.UNAUTHORIZED, ERR_UNAUTHORIZED)
        handler = self._methods.get(incoming.method.lower())
        if handler is None:
            raise ApiError(HTTPStatus.NOT_FOUND, ERR_NOT_FOUND)
        raw, incoming.uploads = _parse_params(request)
        incoming.params = raw  # recorded even if coercion fails
        incoming.params = _coerce(raw)
        self._inject_failure(incoming.method, incoming.params.get("chat_id"))
        result = handler(incoming)
        if inspect.isawaitable(result):
            result = await result
        late = self._late.get(incoming.method.lower(), [])
        for index, (chat_id, seconds) in enumerate(late):
            if chat_id is None or chat_id == incoming.params.get("chat_id"):
                late.pop(index)
                if seconds is None:
                    raise _DropConnection
                await asyncio.sleep(seconds)  # done, but the answer comes late
                break
        return result

    def _inject_failure(self, method: str, chat_id: object = None) -> None:
        """Raise the next injected error for this method (and chat), if any."""
        queue = self._failures.get(method.lower()) or []
        failure = next((f for f in queue if f.chat_id is None or f.chat_id == chat_id), None)
        if failure is None:
            return
        failure.count -= 1
        if failure.count <= 0:
            queue.remove(failure)
        self.stats["injected"] += 1
        parameters = {"retry_after": failure.retry_after} if failure.retry_after else None
        raise ApiError(failure.status, failure.description, parameters)

    def _serve_file(self, token: str, path: str) -> tuple[int, bytes, str]:
        """Serve a stored file for download via base_file_url."""
        stored = self._file_paths.get(path)
        if (self.token is not None and token != self.token) or stored is None:
            body = json.dumps({"ok": False, "error_code": 404, "description": ERR_NOT_FOUND})
            return HTTPStatus.NOT_FOUND, body.encode(), "application/json"
        return HTTPStatus.OK, stored.content or b"", stored.mime_type

    # ----- updates -------------------------------------------------------------

    def _enqueue(self, kind: str, payload: dict) -> int:
        """Queue an update for getUpdates (unless allowed_updates excludes its kind)."""
        if not self._is_allowed(kind):
            logger.debug("dropping %s update: not in allowed_updates", kind)
            return 0
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, kind: payload})
        self.stats["updates"] += 1
        if self._poller is not None:
            self._poller.wake.set()
        return update_id

    def enqueue_raw(self, update: dict) -> int:
        """Queue a hand-made update such as {"channel_post": {...}} exactly as given (for fuzz tests).

        Nothing is validated or recorded: malformed updates are the point.
        Returns the update_id given to it (0 if allowed_updates excludes its kind).
        """
        kinds = [key for key in update if key != "update_id"]
        if len(kinds) != 1:
            raise ValueError(f"an update has exactly one kind besides update_id, got {kinds}")
        return self._enqueue(kinds[0], update[kinds[0]])

    def _is_allowed(self, kind: str) -> bool:
        """Whether getUpdates currently delivers updates of this kind."""
        if self._allowed is None:
            return kind not in OPT_IN_UPDATES
        return kind in self._allowed

    def _user_message(self, chat: SimChat, sender: SimUser, **content: Any) -> int:
        """Record a message from a user and queue it as a message update."""
        message_id = next(chat._message_ids)
        message = {"message_id": message_id, "from": sender.user_json(),
                   "chat": chat.chat_json(), "date": int(time.time())}
        message.update({key: value for key, value in content.items() if value})
        chat._user_messages[message_id] = message
        chat._mark_action()
        if isinstance(chat, SimGroup) and chat.left:
            return message_id  # a bot that left sees nothing
        self._enqueue("message", message)
        return message_id

    def _callback_query(self, user: SimUser, chat: SimChat, message: dict, data: str) -> str:
        """Queue a callback_query update and remember that it needs an answer."""
        query_id = str(next(self._callback_ids))
        self._callbacks[query_id] = _Callback(user)
        chat._mark_action()
        self._enqueue("callback_query", {
            "id": query_id, "from": user.user_json(), "message": message,
            "chat_instance": str(-abs(chat.chat_id) * 7919 - 1), "data": data,
        })
        return query_id

    def _member_update(self, chat: SimChat, actor: dict | SimUser, old: str, new: str) -> None:
        """Queue a my_chat_member update for the bot's status change in a chat."""
        bot = self._bot_json()

        def member(status: str) -> dict:
            data = {"status": status, "user": bot}
            if status == "kicked":
                data["until_date"] = 0
            return data

        sender = actor.user_json() if isinstance(actor, SimUser) else actor
        self._enqueue("my_chat_member", {
            "chat": chat.chat_json(), "from": sender, "date": int(time.time()),
            "old_chat_member": member(old), "new_chat_member": member(new),
        })

    def _acknowledge(self, offset: int | None) -> None:
        """Forget updates confirmed by offset (negative: keep only the last -offset)."""
        if not offset:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _set_allowed(self, allowed: list[str]) -> None:
        """Apply allowed_updates ([] means Telegram's default) and drop excluded updates."""
        self._allowed = frozenset(allowed) if allowed else None
        self._updates = [u for u in self._updates if self._is_allowed(_update_kind(u))]

    async def _api_get_updates(self, call: _Incoming) -> list[dict]:
        """Long-poll for updates; a newer poll ends an older one with 409."""
        if self.webhook is not None:
            raise ApiError(HTTPStatus.CONFLICT, ERR_CONFLICT_WEBHOOK)
        params = call.params
        limit = min(max(params.get("limit") or MAX_UPDATES_LIMIT, 1), MAX_UPDATES_LIMIT)
        timeout = max(params.get("timeout") or 0, 0)
        if self._poller is not None:
            self._poller.conflicted = True
            self._poller.wake.set()
        poller = self._poller = _Poller()
        try:
            self._acknowledge(params.get("offset"))
            if "allowed_updates" in params:
                self._set_allowed(params["allowed_updates"] or [])
            return await self._poll(poller, call.reader, limit, timeout)
        finally:
            if self._poller is poller:
                self._poller = None

    async def _poll(self, poller: _Poller, reader: asyncio.StreamReader, limit: int,
                    timeout: float) -> list[dict]:
        """Wait until updates are queued, the timeout passes, or the client leaves."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if poller.conflicted:
                raise ApiError(HTTPStatus.CONFLICT, ERR_CONFLICT_POLL)
            batch = self._updates[:limit]
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or reader.at_eof():
                break
            poller.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(poller.wake.wait(), min(remaining, DISCONNECT_CHECK_SECONDS))
        if batch and not reader.at_eof():  # an abandoned poll must not count as delivery
            self._delivered_upto = max(self._delivered_upto, batch[-1]["update_id"])
        return batch

    # ----- sending -------------------------------------------------------------

    def _target_chat(self, params: dict) -> SimChat:
        """The chat named by chat_id, if the bot may write there."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_CHAT_ID_EMPTY)
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_CHAT_NOT_FOUND)
        if isinstance(chat, SimUser) and chat.blocked:
            raise ApiError(HTTPStatus.FORBIDDEN, ERR_BLOCKED)
        if isinstance(chat, SimGroup) and chat.left:
            raise ApiError(HTTPStatus.FORBIDDEN, ERR_NOT_MEMBER)
        return chat

    def _check_rate(self, chat_id: int) -> None:
        """Refuse a send with 429 when the global or per-chat rate is exceeded.

        Only sends (sendMessage, sendDocument) count; edits and chat actions do not.
        Rejected sends use up no budget, as they were never delivered.
        """
        now = self.clock()
        tokens = None
        if self.per_chat_rate is not None:
            tokens, at = self._buckets.get(chat_id, (PER_CHAT_BURST, now))
            tokens = min(PER_CHAT_BURST, tokens + (now - at) * self.per_chat_rate)
            if tokens < 1:
                self._reject()
        if self.global_rate is not None:
            window = self._global_window
            while window and window[0] <= now - RATE_WINDOW_SECONDS:
                window.popleft()
            if len(window) >= self.global_rate:
                self._reject()
            window.append(now)
        if tokens is not None:
            self._buckets[chat_id] = (tokens - 1, now)

    def _reject(self) -> None:
        """Count and raise a 429 Too Many Requests."""
        self.stats["rejected_429"] += 1
        raise ApiError(HTTPStatus.TOO_MANY_REQUESTS, ERR_TOO_MANY % self.retry_after,
                       {"retry_after": self.retry_after})

    def _deliver(self, chat: SimChat, **fields: Any) -> SentMessage:
        """Put a bot message into a chat and wake whoever waits for it."""
        message = SentMessage(message_id=next(chat._message_ids), chat_id=chat.chat_id,
                              date=int(time.time()), seq=self._next_seq(), **fields)
        chat.history.append(message)
        chat._by_id[message.message_id] = message
        self.sent.append(message)
        self.stats["sent"] += 1
        chat._notify()
        return message

    def _next_seq(self) -> int:
        """The next value of the change counter."""
        self._seq += 1
        return self._seq

    def _check_reply(self, chat: SimChat, params: dict) -> None:
        """Refuse replies to messages that are not in the chat."""
        reply = params.get("reply_parameters") or {}
        target = reply.get("message_id") or params.get("reply_to_message_id")
        lenient = reply.get("allow_sending_without_reply") or params.get(
            "allow_sending_without_reply")
        if not target or lenient:
            return
        bot_message = chat._by_id.get(target)
        if target not in chat._user_messages and (bot_message is None or bot_message.deleted):
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_REPLY_NOT_FOUND)

    def _api_send_message(self, call: _Incoming) -> dict:
        """sendMessage: validate everything Telegram validates, then deliver."""
        params = call.params
        chat = self._target_chat(params)
        parse_mode = _parse_mode(params)
        text = params.get("text")
        plain, entities = _render(text, parse_mode, params.get("entities"),
                                  limit=MAX_MESSAGE_LENGTH, too_long=ERR_TEXT_TOO_LONG)
        markup = _check_markup(params.get("reply_markup"))
        self._check_reply(chat, params)
        self._check_rate(chat.chat_id)
        _apply_keyboard(chat, markup)
        message = self._deliver(chat, html=text, text=plain, parse_mode=parse_mode,
                                reply_markup=markup, entities=entities)
        return self._message_json(message)

    def _api_send_document(self, call: _Incoming) -> dict:
        """sendDocument: a multipart upload, an attach:// part or a known file_id."""
        params = call.params
        chat = self._target_chat(params)
        stored = self._document_from(params.get("document"), call.uploads)
        parse_mode = _parse_mode(params)
        caption = params.get("caption") or ""
        plain, entities = _render(caption, parse_mode, params.get("caption_entities"),
                                  limit=MAX_CAPTION_LENGTH, too_long=ERR_CAPTION_TOO_LONG,
                                  allow_empty=True)
        markup = _check_markup(params.get("reply_markup"))
        self._check_reply(chat, params)
        self._check_rate(chat.chat_id)
        _apply_keyboard(chat, markup)
        document = {"filename": stored.filename, "content": stored.content,
                    "mime_type": stored.mime_type, "caption": caption or None,
                    "file_id": stored.file_id}
        message = self._deliver(chat, html=caption, text=plain, parse_mode=parse_mode,
                                reply_markup=markup, entities=entities, document=document)
        return self._message_json(message)

    def _api_send_venue(self, call: _Incoming) -> dict:
        """sendVenue: a map pin with a title and an address; coordinates must be real numbers in range."""
        params = call.params
        chat = self._target_chat(params)
        venue = {"latitude": _coordinate(params, "latitude", 90), "longitude": _coordinate(params, "longitude", 180)}
        for key in ("title", "address"):
            value = params.get(key)
            if not isinstance(value, str) or not value.strip():
                raise ApiError(HTTPStatus.BAD_REQUEST, f"Bad Request: parameter \"{key}\" is required")
            if len(value) > MAX_VENUE_TEXT:
                raise ApiError(HTTPStatus.BAD_REQUEST, f"Bad Request: {key} is too long")
            venue[key] = value
        markup = _check_markup(params.get("reply_markup"))
        self._check_reply(chat, params)
        self._check_rate(chat.chat_id)
        _apply_keyboard(chat, markup)
        message = self._deliver(chat, html="", text="", reply_markup=markup, venue=venue)
        return self._message_json(message)

    def _api_send_photo(self, call: _Incoming) -> dict:
        """sendPhoto: an uploaded PNG or JPEG (checked like Telegram: real image, size, dimensions)."""
        params = call.params
        chat = self._target_chat(params)
        upload = call.uploads.get("photo")
        value = params.get("photo")
        if isinstance(value, str) and value.startswith("attach://"):
            upload = call.uploads.get(value.removeprefix("attach://"))
        if upload is None or not upload.content:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_NO_PHOTO)
        if len(upload.content) > MAX_PHOTO_BYTES:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_FILE_TOO_BIG)
        width, height = _image_size(upload.content)
        if width + height > MAX_PHOTO_SIDES or max(width, height) > MAX_PHOTO_RATIO * min(width, height):
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_PHOTO_DIMENSIONS)
        parse_mode = _parse_mode(params)
        caption = params.get("caption") or ""
        plain, entities = _render(caption, parse_mode, params.get("caption_entities"),
                                  limit=MAX_CAPTION_LENGTH, too_long=ERR_CAPTION_TOO_LONG, allow_empty=True)
        markup = _check_markup(params.get("reply_markup"))
        self._check_reply(chat, params)
        self._check_rate(chat.chat_id)
        _apply_keyboard(chat, markup)
        stored = self._store_file(upload.filename or "photo.png", upload.content, upload.mime_type, "photos")
        photo = {"file_id": stored.file_id, "unique_id": stored.unique_id, "content": upload.content,
                 "width": width, "height": height}
        message = self._deliver(chat, html=caption, text=plain, parse_mode=parse_mode,
                                reply_markup=markup, entities=entities, photo=photo)
        return self._message_json(message)

    def _document_from(self, value: Any, uploads: dict[str, _Upload]) -> _StoredFile:
        """Resolve the document parameter to a stored file."""
        upload = uploads.get("document")
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise ApiError(HTTPStatus.BAD_REQUEST, ERR_NO_DOCUMENT)
        if upload is not None:
            if not upload.content:
                raise ApiError(HTTPStatus.BAD_REQUEST, ERR_FILE_EMPTY)
            if len(upload.content) > MAX_UPLOAD_BYTES:
                raise ApiError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, ERR_FILE_TOO_BIG)
            return self._store_file(upload.filename, upload.content, upload.mime_type,
                                    "documents")
        if not value:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_NO_DOCUMENT)
        if value in self._files:
            return self._files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            # No network here: a URL is accepted with unknown content.
            name = urlsplit(value).path.rsplit("/", 1)[-1] or "file"
            return self._store_file(name, None, "application/octet-stream", "documents")
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_FILE_ID)

    def _store_file(self, filename: str, content: bytes | None, mime_type: str,
                    folder: str) -> _StoredFile:
        """Keep a file so it can be re-sent by file_id and downloaded with getFile."""
        number = next(self._file_ids)
        suffix = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
        stored = _StoredFile(
            file_id=f"BQACAgIAAxkDAAI{number:08d}", unique_id=f"AgAD{number:06d}",
            filename=filename, content=content, mime_type=mime_type,
            path=f"{folder}/file_{number}.{suffix}",
        )
        self._files[stored.file_id] = stored
        self._file_paths[stored.path] = stored
        return stored

    def _message_json(self, message: SentMessage) -> dict:
        """A bot message as Telegram returns it (inline keyboards only, like Telegram)."""
        chat = self._chats[message.chat_id]
        data: dict[str, Any] = {"message_id": message.message_id, "from": self._bot_json(),
                                "chat": chat.chat_json(), "date": message.date}
        text_key, entities_key = "text", "entities"
        if message.venue is not None:
            location = {"latitude": message.venue["latitude"], "longitude": message.venue["longitude"]}
            data["location"] = location
            data["venue"] = {"location": location, "title": message.venue["title"],
                             "address": message.venue["address"]}
        if message.photo is not None:
            text_key, entities_key = "caption", "caption_entities"
            data["photo"] = [{"file_id": message.photo["file_id"], "file_unique_id": message.photo["unique_id"],
                              "width": message.photo["width"], "height": message.photo["height"],
                              "file_size": len(message.photo["content"])}]
        if message.document is not None:
            text_key, entities_key = "caption", "caption_entities"
            stored = self._files.get(message.document["file_id"])
            data["document"] = {
                "file_id": message.document["file_id"],
                "file_unique_id": stored.unique_id if stored else "AgAD",
                "file_name": message.document["filename"],
                "mime_type": message.document["mime_type"],
                "file_size": len(message.document["content"] or b""),
            }
        if message.text:
            data[text_key] = message.text
        if message.entities:
            data[entities_key] = message.entities
        if message.edits:
            data["edit_date"] = int(time.time())
        if inline := _inline_only(message.reply_markup):
            data["reply_markup"] = inline
        return data

    def _bot_json(self) -> dict:
        """The bot as a User object."""
        return {"id": self.bot_id, "is_bot": True, "first_name": DEFAULT_BOT_NAME,
                "username": self.bot_username}

    # ----- editing and deleting --------------------------------------------------

    def _message_to_edit(self, params: dict) -> tuple[SimChat, SentMessage]:
        """The bot message named by chat_id and message_id."""
        if params.get("inline_message_id"):
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_INLINE_MESSAGE)
        chat = self._target_chat(params)
        message_id = params.get("message_id")
        message = chat._by_id.get(message_id)
        if message is None or message.deleted:
            if message_id in chat._user_messages:
                raise ApiError(HTTPStatus.BAD_REQUEST, ERR_EDIT_FOREIGN)
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_EDIT_NOT_FOUND)
        return chat, message

    def _api_edit_message_text(self, call: _Incoming) -> dict:
        """editMessageText; omitting reply_markup removes the inline keyboard, as in Telegram."""
        params = call.params
        chat, message = self._message_to_edit(params)
        if message.document is not None:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_EDIT_NO_TEXT)
        parse_mode = _parse_mode(params)
        text = params.get("text")
        plain, entities = _render(text, parse_mode, params.get("entities"),
                                  limit=MAX_MESSAGE_LENGTH, too_long=ERR_TEXT_TOO_LONG)
        markup = _check_markup(params.get("reply_markup"), inline_only=True)
        unchanged = (plain == message.text and entities == message.entities
                     and markup == _inline_only(message.reply_markup))
        if unchanged:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_NOT_MODIFIED)
        message.history.append(message.html)
        message.html, message.text, message.entities = text, plain, entities
        message.parse_mode = parse_mode
        return self._edited(chat, message, markup)

    def _api_edit_message_reply_markup(self, call: _Incoming) -> dict:
        """editMessageReplyMarkup; no reply_markup removes the inline keyboard."""
        params = call.params
        chat, message = self._message_to_edit(params)
        markup = _check_markup(params.get("reply_markup"), inline_only=True)
        if markup == _inline_only(message.reply_markup):
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_NOT_MODIFIED)
        message.history.append(message.html)
        return self._edited(chat, message, markup)

    def _edited(self, chat: SimChat, message: SentMessage, markup: dict | None) -> dict:
        """Finish an edit: new markup, counters, waiters woken."""
        message.reply_markup = markup
        message.edits += 1
        message.seq = self._next_seq()
        self.stats["edited"] += 1
        chat._notify()
        return self._message_json(message)

    def _api_delete_message(self, call: _Incoming) -> bool:
        """deleteMessage: the bot's own messages and users' messages."""
        params = call.params
        chat = self._target_chat(params)
        message_id = params.get("message_id")
        message = chat._by_id.get(message_id)
        if message is not None and not message.deleted:
            message.deleted = True
            message.seq = self._next_seq()
            chat._notify()
        elif chat._user_messages.pop(message_id, None) is None:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_DELETE_NOT_FOUND)
        self.stats["deleted"] += 1
        return True

    # ----- other methods --------------------------------------------------------------

    def _api_answer_callback_query(self, call: _Incoming) -> bool:
        """answerCallbackQuery: once per query, text at most 200 characters."""
        params = call.params
        callback = self._callbacks.get(str(params.get("callback_query_id")))
        if callback is None or callback.answered:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_QUERY_INVALID)
        if len(params.get("text") or "") > MAX_CALLBACK_ANSWER_LENGTH:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_ANSWER_TOO_LONG)
        callback.answered = True
        callback.user.callback_answers.append(params)
        return True

    def _api_send_chat_action(self, call: _Incoming) -> bool:
        """sendChatAction: checks the chat and the action name."""
        self._target_chat(call.params)
        if call.params.get("action") not in CHAT_ACTIONS:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_ACTION)
        return True

    def _api_leave_chat(self, call: _Incoming) -> bool:
        """leaveChat: the bot leaves a group (a my_chat_member update follows)."""
        chat = self._target_chat(call.params)
        if not isinstance(chat, SimGroup):
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_LEAVE_PRIVATE)
        chat.left = True
        self._member_update(chat, self._bot_json(), "member", "left")
        return True

    def _api_get_chat(self, call: _Incoming) -> dict:
        """getChat: a ChatFullInfo with the fields PTB requires."""
        chat_id = call.params.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_CHAT_NOT_FOUND)
        gifts = dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts",
                               "premium_subscription", "gifts_from_channels"), False)
        return {**chat.chat_json(), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": gifts}

    def _api_get_me(self, call: _Incoming) -> dict:
        """getMe: the bot user."""
        return {**self._bot_json(), "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _api_log_out(self, call: _Incoming) -> bool:
        """logOut: accepted, nothing to do locally."""
        return True

    def _api_close(self, call: _Incoming) -> bool:
        """close: accepted, nothing to do locally."""
        return True

    def _api_set_webhook(self, call: _Incoming) -> bool:
        """setWebhook: stores url and secret_token (updates are not pushed)."""
        params = call.params
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN.fullmatch(secret):
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_SECRET_TOKEN)
        if params.get("drop_pending_updates"):
            self._updates.clear()
        max_connections = params.get("max_connections", DEFAULT_WEBHOOK_CONNECTIONS)
        if not isinstance(max_connections, int) or not 1 <= max_connections <= MAX_WEBHOOK_CONNECTIONS:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_MAX_CONNECTIONS)
        self.webhook = {"url": params.get("url") or "", "secret_token": secret}
        self._webhook_options = {"max_connections": max_connections}
        if isinstance(params.get("allowed_updates"), list):
            self._webhook_options["allowed_updates"] = params["allowed_updates"]
        self._webhook_error = None  # a new webhook starts with a clean slate, as on Telegram
        if not self.webhook["url"]:
            self.webhook = None  # an empty url removes the webhook
        return True

    def _api_delete_webhook(self, call: _Incoming) -> bool:
        """deleteWebhook, optionally dropping pending updates."""
        self.webhook = None
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_get_webhook_info(self, call: _Incoming) -> dict:
        """getWebhookInfo, shaped like Telegram's WebhookInfo: optional fields only when they apply."""
        if call.params:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_NO_PARAMETERS % "getWebhookInfo")
        info: dict[str, Any] = {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                                "pending_update_count": len(self._updates)}
        if self.webhook is None:
            return info
        info.update(self._webhook_options)
        if self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    def webhook_delivery_failed(self, message: str, when: float | None = None) -> None:
        """Record that Telegram could not deliver to the webhook (a broken proxy), as getWebhookInfo reports it."""
        if self.webhook is None:
            raise ValueError("no webhook is set: Telegram only reports delivery errors for a webhook")
        self._webhook_error = (int(time.time() if when is None else when), message)

    def _api_set_my_commands(self, call: _Incoming) -> bool:
        """setMyCommands: validate like Telegram and store per scope (and language)."""
        params = call.params
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_JSON_FIELD % "commands")
        if len(commands) > MAX_COMMANDS:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_COMMANDS_TOO_MANY)
        for command in commands:
            if not _valid_command(command):
                raise ApiError(HTTPStatus.BAD_REQUEST, ERR_COMMAND_INVALID)
        cleaned = [{"command": c["command"], "description": c["description"]} for c in commands]
        self.commands[_scope_key(params)] = cleaned
        return True

    def _api_set_chat_menu_button(self, call: _Incoming) -> bool:
        """setChatMenuButton: one private chat's menu button (or the default without chat_id), strictly checked."""
        params = call.params
        button = params.get("menu_button", {"type": "default"})
        if not isinstance(button, dict) or button.get("type") not in MENU_BUTTON_TYPES:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_MENU_BUTTON % "unknown or missing type")
        if button["type"] == "web_app":
            text = button.get("text")
            if not isinstance(text, str) or not 1 <= len(text) <= MAX_MENU_BUTTON_TEXT:
                raise ApiError(HTTPStatus.BAD_REQUEST, ERR_MENU_BUTTON % 'Field "text" must be a non-empty String')
            _check_web_app(button.get("web_app"))
            button = {"type": "web_app", "text": text, "web_app": {"url": button["web_app"]["url"]}}
        else:
            button = {"type": button["type"]}
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            self.menu_buttons[None] = button
            return True
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_CHAT_NOT_FOUND)
        if not isinstance(chat, SimUser):
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_NOT_PRIVATE)
        self.menu_buttons[chat_id] = button
        return True

    def _api_get_chat_menu_button(self, call: _Incoming) -> dict:
        """getChatMenuButton: the chat's own button, else the default one, else "commands"."""
        chat_id = call.params.get("chat_id")
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "commands"}

    def _api_get_my_commands(self, call: _Incoming) -> list[dict]:
        """getMyCommands for a scope (and language)."""
        return self.commands.get(_scope_key(call.params), [])

    def _api_delete_my_commands(self, call: _Incoming) -> bool:
        """deleteMyCommands for a scope (and language)."""
        self.commands.pop(_scope_key(call.params), None)
        return True

    def _api_get_file(self, call: _Incoming) -> dict:
        """getFile: a file_path to download from base_file_url."""
        stored = self._files.get(call.params.get("file_id"))
        if stored is None:
            raise ApiError(HTTPStatus.BAD_REQUEST, "Bad Request: invalid file_id")
        return {"file_id": stored.file_id, "file_unique_id": stored.unique_id,
                "file_size": len(stored.content or b""), "file_path": stored.path}


# ----- helpers: text, markup, commands ----------------------------------------------


def _render(text: Any, parse_mode: str | None, entities: Any, *, limit: int, too_long: str,
            allow_empty: bool = False) -> tuple[str, list[dict]]:
    """Parse text as Telegram would: (plain text, entities), or raise its error."""
    if not text:
        if allow_empty:
            return "", []
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_TEXT_EMPTY)
    text = str(text)
    if parse_mode == "HTML":
        try:
            plain, parsed = _html_entities(text)
        except TelegramHTMLError as exc:
            raise ApiError(HTTPStatus.BAD_REQUEST, _parse_error(exc)) from None
    else:  # Markdown modes are not checked; wellbot sends HTML
        plain, parsed = text, list(entities or [])
    plain, parsed = _trim(plain, parsed)
    if not plain and not allow_empty:
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_TEXT_EMPTY)
    if utf16_len(plain) > limit:
        raise ApiError(HTTPStatus.BAD_REQUEST, too_long)
    return plain, parsed


def _trim(plain: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Strip surrounding whitespace as Telegram does, moving and clipping entities."""
    stripped = plain.strip()
    if stripped == plain:
        return plain, entities
    lead = utf16_len(plain[: len(plain) - len(plain.lstrip())])
    size = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def _parse_error(exc: TelegramHTMLError) -> str:
    """Telegram's wording: "can't parse entities: <Reason>"."""
    reason = re.sub(r"^can't parse entities:\s*", "", str(exc), flags=re.IGNORECASE)
    return ERR_PARSE_ENTITIES % (reason[:1].upper() + reason[1:])


def _html_entities(html: str) -> tuple[str, list[dict]]:
    """Plain text and MessageEntity dicts of valid Telegram HTML (offsets in UTF-16); fresh dicts each call."""
    plain, entities = _parsed_html(html)
    return plain, [dict(entity) for entity in entities]


# A broadcast sends one text many times: parsing it once leaves the stand-in server's core to the bot
# (the paid-broadcast benchmark runs both on two shared cores; benchmarks/README.md). Errors are not cached.
@functools.lru_cache(maxsize=PARSED_HTML_CACHE)
def _parsed_html(html: str) -> tuple[str, tuple[dict, ...]]:
    """Plain text and entities of valid Telegram HTML, parsed once per text (callers copy the dicts)."""
    parts: list[str] = []
    entities: list[dict] = []
    stack: list[dict] = []
    offset = 0
    for token in tokenize(html):
        if token.kind == "text":
            parts.append(token.value)
            offset += utf16_len(token.value)
        elif token.kind == "open":
            stack.append({"token": token, "start": offset, "language": None})
        else:
            frame = stack.pop()
            entity = _entity(frame, offset, stack[-1] if stack else None)
            if entity is not None:
                entities.append(entity)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(parts), tuple(entities)


def _entity(frame: dict, end: int, parent: dict | None) -> dict | None:
    """The entity a closed tag makes; None for empty ones and code merged into pre."""
    token: Token = frame["token"]
    attributes = _tag_attributes(token.raw)
    language = attributes.get("class", "")
    if token.value == "code" and parent and parent["token"].value == "pre" and language.startswith("language-"):
        parent["language"] = language.removeprefix("language-")
        return None  # Telegram folds <pre><code class="language-x"> into one pre entity
    length = end - frame["start"]
    if length <= 0:
        return None
    entity: dict[str, Any] = {"type": HTML_ENTITY_TYPES[token.value], "offset": frame["start"],
                              "length": length}
    if token.value == "a":
        if "href" not in attributes:
            return None
        entity["url"] = attributes["href"]
    elif token.value == "tg-emoji":
        entity["custom_emoji_id"] = attributes.get("emoji-id", "")
    elif token.value == "pre" and frame["language"]:
        entity["language"] = frame["language"]
    elif token.value == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    return entity


def _tag_attributes(raw: str) -> dict[str, str]:
    """Attributes of an opening tag, entity-decoded."""
    inner = raw[1:-1].strip()
    _, _, rest = inner.partition(" ")
    attributes = {}
    for match in TAG_ATTRIBUTE.finditer(rest):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        attributes[match.group(1).lower()] = html_lib.unescape(value)
    return attributes


def _parse_mode(params: dict) -> str | None:
    """The parse mode, normalised (Telegram ignores its case)."""
    value = params.get("parse_mode")
    if not value:
        return None
    modes = {"html": "HTML", "markdown": "Markdown", "markdownv2": "MarkdownV2"}
    if str(value).lower() not in modes:
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_PARSE_MODE)
    return modes[str(value).lower()]


def _image_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG or baseline/progressive JPEG; IMAGE_PROCESS_FAILED for anything else."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and content[12:16] == b"IHDR" and len(content) >= 24:
        width, height = int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
        if width and height:
            return width, height
    if content.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(content) and content[index] == 0xFF:
            marker, length = content[index + 1], int.from_bytes(content[index + 2:index + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):  # start of frame: height then width
                return int.from_bytes(content[index + 7:index + 9], "big"), int.from_bytes(
                    content[index + 5:index + 7], "big")
            index += 2 + length
    raise ApiError(HTTPStatus.BAD_REQUEST, ERR_PHOTO_INVALID)


def _check_markup(markup: Any, *, inline_only: bool = False) -> dict | None:
    """Validate reply_markup as Telegram's server does; None when it holds no keyboard.

    Like Telegram, `{}` and `{"inline_keyboard": []}` mean "no markup" (PTB sends `{}`
    for an empty InlineKeyboardMarkup), and a non-empty `keyboard` wins over the rest.
    """
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_MARKUP_OBJECT)
    keyboard = _rows(markup, "keyboard", "ReplyKeyboardMarkup")
    inline = _rows(markup, "inline_keyboard", "InlineKeyboardMarkup")
    for row in keyboard:
        for button in row:
            _check_reply_button(button)
    for row in inline:
        for button in row:
            _check_inline_button(button)
    too_many = sum(len(row) for row in inline) > MAX_INLINE_BUTTONS or any(len(row) > MAX_INLINE_ROW for row in inline)
    if too_many or len(json.dumps(markup, ensure_ascii=False).encode()) > MAX_MARKUP_BYTES:
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_MARKUP_TOO_LONG)
    if keyboard:
        result = {key: value for key, value in markup.items() if key != "inline_keyboard"}
    elif inline:
        return {"inline_keyboard": inline}
    elif markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        result = markup
    else:
        return None
    if inline_only:
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_INLINE_ONLY)
    return result


def _rows(markup: dict, key: str, kind: str) -> list[list]:
    """The rows of a keyboard field, or Telegram's error for any other shape."""
    rows = markup.get(key, [])
    if not isinstance(rows, list):
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_ROWS % (key, kind, ""))
    if not all(isinstance(row, list) for row in rows):
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_ROWS % (key, kind, " of Arrays"))
    return rows


def _check_inline_button(button: Any) -> None:
    """Text, exactly one action (empty strings count as absent), callback_data <= 64 bytes."""
    if not isinstance(button, dict):
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_BUTTON_OBJECT)
    if not isinstance(button.get("text"), str) or not button["text"]:
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_BUTTON_TEXT)
    actions = [key for key in BUTTON_ACTIONS if button.get(key) not in (None, "")]
    if not actions:
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_BUTTON_NO_ACTION)
    if len(actions) > 1:  # the documented rule; Telegram's server silently picks one
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_BUTTON_TWO_ACTIONS)
    data = button.get("callback_data")
    if data is not None and (not isinstance(data, str)
                             or len(data.encode()) > MAX_CALLBACK_DATA_BYTES):
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_BUTTON_DATA)
    if "url" in button and not _valid_button_url(button["url"]):
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_BUTTON_URL % button["url"])
    if "web_app" in button:
        _check_web_app(button["web_app"])


def _check_web_app(web_app: Any) -> None:
    """A WebAppInfo: an object with an https url (http only to this machine, as Telegram's test environment)."""
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str):
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_MENU_BUTTON % 'Field "url" must be of type String')
    parts = urlsplit(url)
    loopback = parts.scheme == "http" and parts.netloc.rsplit(":", 1)[0] in LOOPBACK_HOSTS
    if not ((parts.scheme == "https" and parts.netloc) or loopback):
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_WEB_APP_URL)


def _valid_button_url(url: Any) -> bool:
    """Telegram accepts http(s) and tg:// links in url buttons."""
    return isinstance(url, str) and url.startswith(("http://", "https://", "tg://"))


def _check_reply_button(button: Any) -> None:
    """Reply keyboard buttons are strings or objects with non-empty text."""
    if not isinstance(button, str | dict):
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_KEYBOARD_BUTTON)
    text = button.get("text") if isinstance(button, dict) else button
    if not isinstance(text, str) or not text:
        raise ApiError(HTTPStatus.BAD_REQUEST, ERR_KEYBOARD_TEXT)


def _inline_only(markup: dict | None) -> dict | None:
    """The markup if it is an inline keyboard (the only kind Telegram echoes back)."""
    return markup if markup and "inline_keyboard" in markup else None


def _apply_keyboard(chat: SimChat, markup: dict | None) -> None:
    """Track the reply keyboard the user sees."""
    if not markup:
        return
    if "keyboard" in markup:
        chat.keyboard = markup
    elif markup.get("remove_keyboard"):
        chat.keyboard = None


def _find_button(message: SentMessage, wanted: str) -> dict:
    """The inline button matching by exact callback_data, else by label substring."""
    buttons = [button for row in message.buttons() for button in row]
    for button in buttons:
        if button.get("callback_data") == wanted:
            return button
    for button in buttons:
        if wanted in button["text"]:
            return button
    raise LookupError(
        f"no button {wanted!r} on message #{message.message_id} "
        f"(labels: {message.button_labels()}, text: {message.text[:80]!r})"
    )


def _command_entities(text: str) -> list[dict]:
    """A bot_command entity for a leading /command (with optional @botname)."""
    match = LEADING_COMMAND.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


def _valid_command(command: Any) -> bool:
    """A BotCommand as Telegram accepts it."""
    if not isinstance(command, dict):
        return False
    name, description = command.get("command"), command.get("description")
    return (isinstance(name, str) and COMMAND_NAME.fullmatch(name) is not None
            and isinstance(description, str)
            and 1 <= len(description) <= MAX_COMMAND_DESCRIPTION)


def _scope_key(params: dict) -> str:
    """Key of self.commands: "default" or the scope's JSON, plus ":<lang>" if given."""
    scope = params.get("scope")
    key = "default"
    if isinstance(scope, dict) and scope.get("type", "default") != "default":
        key = json.dumps(scope, sort_keys=True, separators=(",", ":"))
    language = params.get("language_code")
    return f"{key}:{language}" if language else key


def _update_kind(update: dict) -> str:
    """The kind of an update (its one key besides update_id)."""
    return next(key for key in update if key != "update_id")


def _bot_id(token: str | None) -> int:
    """The bot id is the token's numeric prefix, as in Telegram."""
    prefix = (token or "").split(":", 1)[0]
    return int(prefix) if prefix.isdigit() else DEFAULT_BOT_ID


def _snake(name: str) -> str:
    """getMyCommands -> get_my_commands."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# ----- helpers: HTTP ----------------------------------------------------------------


async def _read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                        ) -> _Request | None:
    """Read one request; None when the client closed the connection between requests."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise _HttpError(HTTPStatus.BAD_REQUEST) from None
        return None
    except asyncio.LimitOverrunError:
        raise _HttpError(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE) from None
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, version = lines[0].split(" ", 2)
    except ValueError:
        raise _HttpError(HTTPStatus.BAD_REQUEST) from None
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    body = await _read_body(reader, headers)
    path, _, query = target.partition("?")
    # httpx percent-encodes the token's colon; Telegram decodes the path.
    return _Request(method.upper(), unquote(path), query, version, headers, body)


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    """A Content-Length or chunked body."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return await _read_chunked(reader)
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        raise _HttpError(HTTPStatus.BAD_REQUEST) from None
    if length > MAX_UPLOAD_BYTES + MAX_HEADER_BYTES:
        raise _HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    return await reader.readexactly(length) if length > 0 else b""


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    """A chunked transfer-encoded body (trailers are skipped)."""
    chunks = bytearray()
    while True:
        size_line = await reader.readline()
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _HttpError(HTTPStatus.BAD_REQUEST) from None
        if size == 0:
            break
        chunks += await reader.readexactly(size)
        await reader.readexactly(2)  # the CRLF after each chunk
        if len(chunks) > MAX_UPLOAD_BYTES + MAX_HEADER_BYTES:
            raise _HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    while (await reader.readline()).strip():
        pass
    return bytes(chunks)


def _wants_keep_alive(request: _Request) -> bool:
    """HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 only if asked."""
    connection = request.headers.get("connection", "").lower()
    if request.version.upper() == "HTTP/1.0":
        return connection == "keep-alive"
    return connection != "close"


def _parse_header_value(value: str) -> tuple[str, dict[str, str]]:
    """'multipart/form-data; boundary=x' -> ('multipart/form-data', {'boundary': 'x'})."""
    main = value.split(";", 1)[0].strip().lower()
    params = {}
    for match in HEADER_PARAM.finditer(value):
        raw = match.group(2).strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[match.group(1).lower()] = raw
    return main, params


def _parse_params(request: _Request) -> tuple[dict, dict[str, _Upload]]:
    """Parameters from the query string and the body (JSON, urlencoded or multipart)."""
    params: dict[str, Any] = dict(parse_qsl(request.query, keep_blank_values=True))
    uploads: dict[str, _Upload] = {}
    content_type, options = _parse_header_value(request.headers.get("content-type", ""))
    body = request.body
    if not body:
        return params, uploads
    if content_type == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            raise ApiError(HTTPStatus.BAD_REQUEST, "Bad Request: can't parse JSON") from None
        if not isinstance(data, dict):
            raise ApiError(HTTPStatus.BAD_REQUEST, "Bad Request: JSON object expected")
        params.update(data)
    elif content_type == "application/x-www-form-urlencoded":
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif content_type == "multipart/form-data" and options.get("boundary"):
        fields, uploads = _parse_multipart(body, options["boundary"])
        params.update(fields)
    return params, uploads


def _parse_multipart(body: bytes, boundary: str) -> tuple[dict[str, str], dict[str, _Upload]]:
    """Fields and file parts of a multipart/form-data body (binary-safe)."""
    fields: dict[str, str] = {}
    uploads: dict[str, _Upload] = {}
    # Every delimiter but the first is preceded by CRLF, which belongs to it.
    for part in (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))[1:]:
        if part.startswith(b"--"):
            break
        head, separator, content = part.partition(b"\r\n\r\n")
        if not separator:
            raise ApiError(HTTPStatus.BAD_REQUEST, "Bad Request: malformed multipart body")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            if value:
                headers[name.strip().lower()] = value.strip()
        _, disposition = _parse_header_value(headers.get("content-disposition", ""))
        name = _form_unescape(disposition.get("name", ""))
        filename = disposition.get("filename")
        if "filename*" in disposition:
            filename = unquote(disposition["filename*"].split("''", 1)[-1])
        if filename is None:
            fields[name] = content.decode("utf-8", "replace")
        else:
            mime = headers.get("content-type", "application/octet-stream")
            uploads[name] = _Upload(_form_unescape(filename), content, mime)
    return fields, uploads


def _form_unescape(value: str) -> str:
    """Undo httpx's HTML5 form escaping of names (%22 for quotes, %XX for controls)."""
    return re.sub(r"%(22|[01][0-9A-Fa-f])", lambda m: chr(int(m.group(1), 16)), value)


def _coerce(params: dict) -> dict:
    """Typed parameters: PTB form-encodes non-strings as JSON text."""
    return {key: _coerce_value(key, value) if isinstance(value, str) else value
            for key, value in params.items()}


def _coerce_value(key: str, value: str) -> Any:
    """One form value as the type Telegram expects for that parameter."""
    if key in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            error = ERR_MARKUP_JSON if key == "reply_markup" else ERR_JSON_FIELD % key
            raise ApiError(HTTPStatus.BAD_REQUEST, error) from None
    if key == "chat_id":
        return int(value) if re.fullmatch(r"-?\d+", value) else value
    if key in INT_FIELDS or key == "timeout":
        try:
            return float(value) if key == "timeout" else int(value)
        except ValueError:
            raise ApiError(HTTPStatus.BAD_REQUEST, ERR_INT_FIELD % key) from None
    if key in BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value
