"""Webhook mode: where Telegram posts updates, and the secret it must send with them.

Polling stays the default. A host that prefers inbound HTTPS runs
`wellbot run --webhook URL --port N` behind its TLS proxy; every request must
carry the secret in `X-Telegram-Bot-Api-Secret-Token` (answered 403 from the
headers alone otherwise, before any of the body is read), so nobody who
guesses the URL can inject updates or fill the worker's memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.web
from telegram.ext import Updater

from wellbot.bot import intake
from wellbot.core.errors import ConfigError
from wellbot.core.settings import Settings

SECRET_SETTING = "WELLBOT_WEBHOOK_SECRET"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram's setWebhook accepts
DERIVATION_LABEL = b"wellbot webhook secret v1"
DEFAULT_PORT = 8443
DEFAULT_LISTEN = "127.0.0.1"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookConfig:
    """Everything `Application.run_webhook` / `Updater.start_webhook` need from us."""

    url: str
    url_path: str
    listen: str
    port: int
    secret: str

    def options(self) -> dict[str, object]:
        """Keyword arguments for PTB's run_webhook/start_webhook."""
        return {"listen": self.listen, "port": self.port, "url_path": self.url_path, "webhook_url": self.url,
                "secret_token": self.secret}


def webhook_secret(settings: Settings) -> str:
    """The configured secret, or one derived from the token (stable across restarts, never logged)."""
    configured = settings.extra.get(SECRET_SETTING, "")
    if configured:
        if not SECRET_PATTERN.fullmatch(configured):
            raise ConfigError(SECRET_SETTING, "must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return configured
    return hmac.new(settings.require_token().encode(), DERIVATION_LABEL, hashlib.sha256).hexdigest()


def webhook_config(settings: Settings, url: str, port: int, listen: str = DEFAULT_LISTEN) -> WebhookConfig:
    """Validate the public URL and port; the local path served is the URL's path."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigError("--webhook", f"{url!r} must be a public https:// URL (Telegram only posts over HTTPS)")
    if parts.query or parts.fragment:
        raise ConfigError("--webhook", "the URL must not have a query or fragment")
    if not 1 <= port <= 65535:
        raise ConfigError("--port", f"{port} is not a TCP port")
    return WebhookConfig(url=url, url_path=parts.path.strip("/"), listen=listen, port=port,
                         secret=webhook_secret(settings))


# --- the server -------------------------------------------------------------------------------------------------

MAX_BODY_BYTES = 1024 * 1024  # an update is a few kilobytes; Telegram's largest are far below this
JSON_TYPE = "application/json"


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """Checks the method, the secret and the announced size from the headers alone, before any body is read.

    PTB's own handler reads the whole body first: four 90 MB posts without the
    secret took the worker past 500 MB. Here a request is judged by its
    headers: one announcing more than MAX_BODY_BYTES is refused before any of
    its body is read, and nothing of a request without the secret is kept. An
    update the library cannot read is acknowledged (Telegram would resend it
    forever otherwise), logged once by id and skipped.
    """

    SUPPORTED_METHODS = ("POST",)  # type: ignore[assignment]

    def initialize(self, updater: WebhookUpdater) -> None:
        """Per request: the updater that owns the queue, the bot and the secret."""
        self.updater = updater
        self.chunks: list[bytes] = []
        self.verdict: HTTPStatus | None = None  # why the request is refused, decided from its headers

    def prepare(self) -> None:
        """Judge the request from its headers: a wrong secret (403), no JSON (415), a body too big (413).

        A body over MAX_BODY_BYTES is refused at once, before any of it is
        read. A small one is read and thrown away before the answer (closing
        with unread data makes the peer's kernel reset the connection, and
        the answer is lost); nothing of a refused request is ever kept.
        """
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.updater.secret.encode()):
            self.verdict = HTTPStatus.FORBIDDEN
        elif self.request.headers.get("Content-Type", "").split(";")[0].strip() != JSON_TYPE:
            self.verdict = HTTPStatus.UNSUPPORTED_MEDIA_TYPE
        length = self.request.headers.get("Content-Length", "")
        if length and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            raise tornado.web.HTTPError(self.verdict or HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.request.connection.set_max_body_size(MAX_BODY_BYTES)  # chunked bodies too

    def data_received(self, chunk: bytes) -> None:
        """Keep the body of an accepted request (bounded by MAX_BODY_BYTES through the connection's limit)."""
        if self.verdict is None:
            self.chunks.append(chunk)

    async def post(self) -> None:
        """Parse the update (skipping one the library cannot read) and queue it; always 200 for a valid secret."""
        if self.verdict is not None:
            raise tornado.web.HTTPError(self.verdict)
        update, skipped = intake.parse_one(b"".join(self.chunks), self.updater.bot)
        if skipped is not None:
            self.updater.on_skipped([skipped])
        if update is not None:
            await self.updater.update_queue.put(update)
        self.set_status(HTTPStatus.OK)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """Refusals are expected; a real error is logged by type only (the body may be personal)."""
        if not isinstance(value, tornado.web.HTTPError):
            log.error("webhook request failed error=%s", type(value).__name__)


class WebhookUpdater(Updater):
    """PTB's Updater, with the webhook served by UpdateHandler instead of PTB's read-everything handler."""

    def __init__(self, bot: Any, update_queue: asyncio.Queue,
                 on_skipped: Callable[[list[tuple[int, str, str]]], None]) -> None:
        super().__init__(bot, update_queue)
        self.on_skipped = on_skipped
        self.secret = ""
        self._server: tornado.httpserver.HTTPServer | None = None

    async def start_webhook(self, listen: Any = DEFAULT_LISTEN, port: Any = DEFAULT_PORT, url_path: str = "",
                            *, webhook_url: str | None = None, secret_token: str | None = None,
                            allowed_updates: Any = None, drop_pending_updates: bool | None = None,
                            max_connections: int = 40, cert: Any = None, key: Any = None, unix: Any = None,
                            ip_address: str | None = None, bootstrap_retries: int = 0) -> asyncio.Queue:
        """Serve `url_path` on listen:port and register `webhook_url` with Telegram (TLS is the proxy's job)."""
        if self.running:
            raise RuntimeError("This Updater is already running!")
        if not secret_token or not webhook_url or cert or key or unix:
            raise ValueError("wellbot's webhook needs webhook_url and secret_token, and no certificate or socket")
        self.secret = secret_token
        app = tornado.web.Application([(rf"/{url_path.strip('/')}/?", UpdateHandler, {"updater": self})])
        self._server = tornado.httpserver.HTTPServer(app, max_body_size=MAX_BODY_BYTES,
                                                     max_buffer_size=MAX_BODY_BYTES)
        self._server.listen(int(port), address=str(listen))
        try:
            await self.bot.set_webhook(webhook_url, allowed_updates=allowed_updates, secret_token=secret_token,
                                       drop_pending_updates=drop_pending_updates, max_connections=max_connections,
                                       ip_address=ip_address)
        except BaseException:
            await self._close_server()
            raise
        self._running = True
        return self.update_queue

    async def stop(self) -> None:
        """Stop serving; requests in flight are cut off (Telegram retries them)."""
        if not self._server:
            await super().stop()
            return
        await self._close_server()
        self._running = False

    async def _close_server(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            server.stop()
            await server.close_all_connections()
