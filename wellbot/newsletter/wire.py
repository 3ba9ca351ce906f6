"""The bulk path on the wire: sendMessage as ready-made JSON over keep-alive HTTP/1.1, no PTB objects.

A profile of a paid broadcast through `wellbot run` (benchmarks/README.md,
paid broadcast) put the worker's CPU, not the network, in the way of 1,000
messages a second: per message about 1.8 ms, nearly all of it in building
PTB's request and `Message` objects and in httpx, httpcore, anyio and h11,
which the engine never needs (it keeps only the outcome and the message id).
`WireMessenger` writes each request in one `write` on a connection of its
own (a lane per push in flight, as `wellbot.bot.lanes`), reads the answer with a
small HTTP/1.1 parser, and maps it to the same `PushResult` the PTB
messenger gives for the same answer (`outcome_of`, checked against it in
tests/test_wire.py), so outcomes, retries and records are unchanged.

It speaks to the same base URL as the application's bot, TLS included, and
waits out a 429 pause the interactive side is sitting out, as the PTB path
did. Behind an HTTP proxy (proxy variables in the environment, which httpx
honours) the engine keeps the PTB messenger.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import urllib.request
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import httpx

from wellbot.bot.lanes import CONNECT_TIMEOUT, POOL_TIMEOUT, READ_TIMEOUT
from wellbot.newsletter.engine import Delivery, Outcome, PushResult

log = logging.getLogger(__name__)

CHAT_GONE = ("chat not found", "user is deactivated", "peer_id_invalid")  # 400s that mean the recipient is gone
ERROR_CHARS = 100  # as much of an error text as the delivery row keeps
PTB_PREFIXES = ("Error: ", "[Error]: ", "Bad Request: ")  # python-telegram-bot strips these from descriptions
TIMED_OUT = "Timed out"
POOL_TIMED_OUT = "Pool timeout: every lane is busy; the request was not sent"
HEAD_END = b"\r\n\r\n"


class WireError(Exception):
    """The connection failed or answered something that is not HTTP/1.1 (a transient failure)."""


def telegram_message(description: str) -> str:
    """An API error's description as python-telegram-bot words it (prefixes stripped, then capitalised)."""
    message = description
    for prefix in PTB_PREFIXES:
        message = message.removeprefix(prefix)
    return message.capitalize() if message != description else message


def outcome_of(status: int, payload: bytes) -> PushResult:
    """The PushResult TelegramMessenger gives for this HTTP answer to sendMessage (see PTB's _request_wrapper)."""
    try:
        data = json.loads(payload.decode("utf-8", "replace"))
    except ValueError:
        data = None
    if HTTPStatus.OK <= status <= 299:
        if not isinstance(data, dict) or not isinstance(data.get("result"), dict):
            return PushResult(Outcome.FAILED, error="Invalid server response")
        return PushResult(Outcome.SENT, message_id=data["result"].get("message_id"))
    try:
        message = f"{HTTPStatus(status).phrase} ({status})"
    except ValueError:
        message = f"Unknown HTTPError ({status})"
    if not isinstance(data, dict):
        message += f". Parsing the server response {payload!r} failed"
    else:
        message = data.get("description") or message
        parameters = data.get("parameters")
        if parameters:
            if parameters.get("migrate_to_chat_id"):
                return PushResult(Outcome.FAILED, error=(
                    f"Group migrated to supergroup. New chat id: {parameters['migrate_to_chat_id']}")[:ERROR_CHARS])
            if parameters.get("retry_after"):
                return PushResult(Outcome.RETRY_AFTER, retry_after=float(parameters["retry_after"]), error="429")
            message += f". The server response contained unknown parameters: {parameters}"
    error = telegram_message(message)[:ERROR_CHARS]
    if status == HTTPStatus.FORBIDDEN:
        return PushResult(Outcome.BLOCKED, error=error)
    if status == HTTPStatus.BAD_REQUEST:
        gone = any(text in error.lower() for text in CHAT_GONE)
        return PushResult(Outcome.BLOCKED if gone else Outcome.FAILED, error=error)
    if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT):
        return PushResult(Outcome.FAILED, error=error)
    return PushResult(Outcome.TRANSIENT, error=error)  # 5xx and the rest: PTB's NetworkError


def uses_proxy() -> bool:
    """True if the environment names an HTTP proxy (httpx, and so the PTB path, would use it)."""
    return bool(urllib.request.getproxies())


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        """Buffer the answer; complete the waiter once it is whole."""
        self.buffer += data
        if self.waiter is not None and not self.waiter.done():
            try:
                answer = _take_response(self.buffer)
            except WireError as exc:
                self.waiter.set_exception(exc)
                return
            if answer is not None:
                self.waiter.set_result(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        """The server closed or the network failed: fail a request still waiting."""
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(WireError(f"connection lost: {exc!r}" if exc else "connection closed"))

    def close(self) -> None:
        """Drop the connection (after an error, a timeout or `Connection: close`)."""
        self.closed = True
        if self.transport is not None:
            self.transport.close()


def _take_response(buffer: bytearray) -> tuple[int, bytes, bool] | None:
    """(status, body, keep-alive) of a whole response at the start of `buffer` (removed from it), else None."""
    end = buffer.find(HEAD_END)
    if end < 0:
        return None
    lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise WireError(f"not an HTTP/1.1 answer: {lines[0][:60]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    start = end + len(HEAD_END)
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body, used = _dechunk(buffer, start)
        if body is None:
            return None
    elif "content-length" in headers:
        used = start + int(headers["content-length"])
        if len(buffer) < used:
            return None
        body = bytes(buffer[start:used])
    else:
        raise WireError("an answer without Content-Length or chunks")
    del buffer[:used]
    keep = headers.get("connection", "").lower() != "close"
    return int(parts[1]), body, keep


def _dechunk(buffer: bytearray, start: int) -> tuple[bytes | None, int]:
    """A chunked body from `start`: (body, end), or (None, 0) while incomplete."""
    body = bytearray()
    position = start
    while True:
        line_end = buffer.find(b"\r\n", position)
        if line_end < 0:
            return None, 0
        size = int(bytes(buffer[position:line_end]).split(b";")[0], 16)
        chunk_start = line_end + 2
        if size == 0:
            trailer_end = buffer.find(b"\r\n", chunk_start)
            return (bytes(body), trailer_end + 2) if trailer_end >= 0 else (None, 0)
        if len(buffer) < chunk_start + size + 2:
            return None, 0
        body += buffer[chunk_start:chunk_start + size]
        position = chunk_start + size + 2


def _tail(keyboard: dict[str, Any], paid: bool) -> bytes:
    """What PTB sends for the same send_message call, minus chat_id and text (filled in per delivery)."""
    fixed: dict[str, Any] = {"parse_mode": "HTML", "reply_markup": keyboard,
                             "link_preview_options": {"is_disabled": True}}
    if paid:
        fixed["allow_paid_broadcast"] = True
    return json.dumps(fixed, ensure_ascii=False, separators=(",", ":"))[1:].encode()


class WireMessenger:
    """Pushes deliveries as sendMessage requests on `lanes` keep-alive connections; never raises for API errors."""

    def __init__(self, base_url: str, keyboard: dict[str, Any], *, lanes: int, paid: bool = False,
                 keyboards: dict[str, dict[str, Any]] | None = None,
                 ready: Callable[[], Awaitable[Any]] | None = None, read_timeout: float = READ_TIMEOUT,
                 connect_timeout: float = CONNECT_TIMEOUT, pool_timeout: float = POOL_TIMEOUT) -> None:
        url = urlsplit(f"{base_url}/sendMessage")  # base_url as PTB's bot has it: .../bot<token>
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"cannot send to {base_url!r}")
        self.host = url.hostname
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.tls = httpx.create_ssl_context() if url.scheme == "https" else None  # httpx's CA bundle, as PTB
        host_header = url.netloc.rpartition("@")[2]
        self.head = (f"POST {url.path} HTTP/1.1\r\nHost: {host_header}\r\nContent-Type: application/json\r\n"
                     "Connection: keep-alive\r\nContent-Length: ").encode("latin-1")
        # What PTB sends for the same send_message call, minus chat_id and text (filled in per delivery).
        self.tail = _tail(keyboard, paid)
        # The same buttons in each other language, chosen by the delivery's language.
        self.tails = {lang: _tail(markup, paid) for lang, markup in (keyboards or {}).items()}
        self.ready = ready
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        self.pool_timeout = pool_timeout
        self._text: tuple[str, bytes] = ("", b'""')
        self._lanes: list[_Connection | None] = [None] * lanes
        self._free: asyncio.LifoQueue[int] = asyncio.LifoQueue()  # last in, first out: warm connections first
        for lane in range(lanes):
            self._free.put_nowait(lane)

    def body(self, delivery: Delivery) -> bytes:
        """The JSON body of one sendMessage (the text's encoding is reused while it stays the same)."""
        if self._text[0] != delivery.text:
            self._text = (delivery.text, json.dumps(delivery.text, ensure_ascii=False).encode())
        tail = self.tails.get(delivery.language, self.tail)
        return b'{"chat_id":%d,"text":%s,%s' % (delivery.chat_id, self._text[1], tail)

    async def push(self, delivery: Delivery) -> PushResult:
        """Send one delivery; map the answer (or the failure) to an Outcome."""
        if self.ready is not None:
            await self.ready()  # a 429 pause the interactive side is sitting out
        try:
            lane = self._free.get_nowait()
        except asyncio.QueueEmpty:
            try:
                lane = await asyncio.wait_for(self._free.get(), self.pool_timeout)
            except TimeoutError:
                return PushResult(Outcome.TRANSIENT, error=POOL_TIMED_OUT)
        try:
            connection = await self._connection(lane)
        except (TimeoutError, OSError, ssl.SSLError) as exc:  # nothing was sent: a retry is safe
            self._free.put_nowait(lane)
            return PushResult(Outcome.TRANSIENT, error=f"connect: {type(exc).__name__}"[:ERROR_CHARS])
        try:
            status, payload = await self._roundtrip(lane, connection, self.body(delivery))
        except TimeoutError:  # written, no answer: Telegram may have delivered it (issue 21: never resend blindly)
            return PushResult(Outcome.UNCERTAIN, error=TIMED_OUT)
        except (OSError, WireError, ssl.SSLError) as exc:  # the connection dropped after the request went out
            return PushResult(Outcome.UNCERTAIN, error=f"{type(exc).__name__}: {exc}"[:ERROR_CHARS])
        finally:
            self._free.put_nowait(lane)
        return outcome_of(status, payload)

    async def _connection(self, lane: int) -> _Connection:
        """This lane's keep-alive connection, opened if it has none (or the server closed it)."""
        connection = self._lanes[lane]
        if connection is None or connection.closed:
            connection = self._lanes[lane] = await self._connect()
        return connection

    async def _roundtrip(self, lane: int, connection: _Connection, body: bytes) -> tuple[int, bytes]:
        """Write the request in one write on the lane's connection; await the answer."""
        loop = asyncio.get_running_loop()
        connection.buffer.clear()
        waiter = connection.waiter = loop.create_future()
        connection.transport.write(b"%s%d\r\n\r\n%s" % (self.head, len(body), body))
        timer = loop.call_later(self.read_timeout, _expire, waiter)
        try:
            status, payload, keep = await waiter
        except BaseException:
            connection.close()  # a late answer must never be read as the next request's
            self._lanes[lane] = None
            raise
        finally:
            timer.cancel()
            connection.waiter = None
        if not keep:
            connection.close()
            self._lanes[lane] = None
        return status, payload

    async def _connect(self) -> _Connection:
        """A new connection to the Bot API (TLS when the base URL is https)."""
        loop = asyncio.get_running_loop()
        _, connection = await asyncio.wait_for(
            loop.create_connection(_Connection, self.host, self.port, ssl=self.tls,
                                   server_hostname=self.host if self.tls else None),
            self.connect_timeout)
        return connection

    async def close(self) -> None:
        """Close every connection."""
        for index, connection in enumerate(self._lanes):
            if connection is not None:
                connection.close()
            self._lanes[index] = None


def _expire(waiter: asyncio.Future) -> None:
    """The read timeout passed: fail the request still waiting."""
    if not waiter.done():
        waiter.set_exception(TimeoutError())
