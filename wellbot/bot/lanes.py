"""A PTB request of N single-connection lanes, for the delivery engine's concurrent pushes.

httpcore's connection pool hands every waiting request the first idle
connection it sees, so when many requests finish and start at once, all but
one of them find it taken, fail over and queue again; each round also walks
every connection. The work grows with the square of the requests in flight:
at 32 in flight it took about half of every loopback send (see
benchmarks/README.md, broadcasts (b)). The engine bounds its pushes in flight
anyway, so it sends through `LaneRequest`: each request takes a free lane (an
`HTTPXRequest` with one keep-alive connection) and gives it back when done.

It also keeps bulk sends off the connections that replies to patients use.

Every request of the bot reads answers through `BotApiJson`: a proxy's HTML
page is one TelegramError for the caller's single log line, not PTB's
traceback with the page copied into the log on every retry.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
from telegram.error import TelegramError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

CONNECT_TIMEOUT = 10.0  # seconds; every connection to the Bot API (the application's bot uses it too)
READ_TIMEOUT = 5.0  # PTB's HTTPXRequest defaults
WRITE_TIMEOUT = 5.0
MAIN_POOL_SIZE = 256  # what PTB's ApplicationBuilder gives the application's bot
POOL_TIMEOUT = 1.0  # seconds to wait for a free lane before giving up (the request is not sent)
POOL_TIMEOUT_TEXT = "Pool timeout: every lane is busy; the request was not sent"
NOT_JSON_TEXT = "The answer was not the Bot API's JSON (a proxy or captive portal answered?)"

log = logging.getLogger(__name__)


def parse_bot_api_json(payload: bytes) -> Any:
    """The Bot API's JSON answer; anything else raises one TelegramError, its page left out of the logs."""
    try:
        return json.loads(payload.decode("utf-8", "replace"))
    except ValueError as exc:
        # PTB logs this with a traceback and the whole page; the caller logs one line per attempt instead.
        log.debug("answer not JSON bytes=%s", len(payload))
        raise TelegramError(NOT_JSON_TEXT) from exc


def not_json_answer(error: BaseException) -> bool:
    """True if `error`, or what caused it, is an answer that was not the Bot API's JSON."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, TelegramError) and seen.message == NOT_JSON_TEXT:
            return True
        seen = seen.__cause__
    return False


class BotApiJson:
    """Mixed into every request class of the bot: answers are read by `parse_bot_api_json`."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> Any:
        """The Bot API's JSON, or one quiet TelegramError."""
        return parse_bot_api_json(payload)


class BotRequest(BotApiJson, HTTPXRequest):
    """The application bot's request (PTB's HTTPXRequest, with answers read quietly)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("connection_pool_size", MAIN_POOL_SIZE)
        kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT)
        super().__init__(**kwargs)


class LaneRequest(BotApiJson, BaseRequest):
    """A BaseRequest over `lanes` HTTPXRequests of one connection each; one request per lane at a time."""

    def __init__(self, lanes: int, *, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
                 write_timeout: float = WRITE_TIMEOUT, pool_timeout: float = POOL_TIMEOUT) -> None:
        if lanes < 1:
            raise ValueError("a LaneRequest needs at least one lane")
        # One CA bundle for all lanes: each HTTPXRequest would otherwise load its own (about 20 ms each).
        tls = httpx.create_ssl_context()
        self._lanes = [HTTPXRequest(connection_pool_size=1, connect_timeout=connect_timeout,
                                    read_timeout=read_timeout, write_timeout=write_timeout,
                                    pool_timeout=pool_timeout, httpx_kwargs={"verify": tls})
                       for _ in range(lanes)]
        # Last in, first out: at low load the same few connections stay warm and in order,
        # instead of a round-robin over every lane that spreads sends across idle sockets.
        self._free: asyncio.LifoQueue[HTTPXRequest] = asyncio.LifoQueue()
        for lane in self._lanes:
            self._free.put_nowait(lane)
        self._pool_timeout = pool_timeout

    @property
    def lanes(self) -> int:
        """How many requests may run at once."""
        return len(self._lanes)

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout in seconds (BaseRequest requires it)."""
        return self._lanes[0].read_timeout

    async def initialize(self) -> None:
        """Open every lane's client (connections are made on first use)."""
        await asyncio.gather(*(lane.initialize() for lane in self._lanes))

    async def shutdown(self) -> None:
        """Close every lane's client."""
        await asyncio.gather(*(lane.shutdown() for lane in self._lanes))

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: object = BaseRequest.DEFAULT_NONE,
                         write_timeout: object = BaseRequest.DEFAULT_NONE,
                         connect_timeout: object = BaseRequest.DEFAULT_NONE,
                         pool_timeout: object = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        """Send on a free lane; TimedOut (nothing sent) when none frees up within the pool timeout."""
        lane = await self._take(pool_timeout)
        try:
            return await lane.do_request(url, method, request_data, read_timeout, write_timeout,
                                         connect_timeout, pool_timeout)
        finally:
            self._free.put_nowait(lane)

    async def _take(self, pool_timeout: object) -> HTTPXRequest:
        """A free lane, waiting up to the pool timeout for one."""
        try:
            return self._free.get_nowait()
        except asyncio.QueueEmpty:
            pass
        timeout = self._pool_timeout if pool_timeout is BaseRequest.DEFAULT_NONE else pool_timeout
        try:
            return await asyncio.wait_for(self._free.get(), timeout)
        except TimeoutError:
            raise TimedOut(POOL_TIMEOUT_TEXT) from None
