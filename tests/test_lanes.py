"""LaneRequest: at most one request per lane, one keep-alive connection per lane, a pool timeout that sends nothing."""

from __future__ import annotations

import asyncio

import pytest
from telegram.error import TimedOut
from telegram.ext import ExtBot

from tests.harness import TOKEN, until
from wellbot.bot.lanes import LaneRequest
from wellbot.bot.ratelimit import BulkAwareRateLimiter
from wellbot.newsletter.messenger import bulk_bot
from wellbot.sim.devserver import BotAPIServer

OK_BODY = b'{"ok":true,"result":true}'


class HeldServer:
    """A tiny HTTP/1.1 server that answers each request only when `release` is set; it counts what it sees."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.requests = 0
        self.active = 0
        self.most_active = 0
        self.connections: set[int] = set()  # client ports

    async def start(self) -> str:
        """Listen on 127.0.0.1; return the base URL."""
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self.release.set()
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.add(writer.get_extra_info("peername")[1])
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                self.requests += 1
                self.active += 1
                self.most_active = max(self.most_active, self.active)
                await self.release.wait()
                self.active -= 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(OK_BODY), OK_BODY))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def held():
    server = HeldServer()
    base_url = await server.start()
    yield server, base_url
    await server.stop()


async def test_never_more_requests_at_once_than_lanes_and_one_connection_each(held):
    server, base_url = held
    request = LaneRequest(3)
    await request.initialize()
    calls = [asyncio.create_task(request.post(f"{base_url}/botX/getMe")) for _ in range(7)]
    await until(lambda: server.active == 3)
    await asyncio.sleep(0.05)  # the other four wait for a lane, not for the server
    assert server.requests == 3
    server.release.set()
    assert await asyncio.gather(*calls) == [True] * 7
    assert server.most_active == 3
    assert len(server.connections) == 3, "each lane keeps its one connection alive"
    await request.shutdown()


async def test_pool_timeout_raises_timed_out_and_sends_nothing(held):
    server, base_url = held
    request = LaneRequest(1, pool_timeout=0.05)
    await request.initialize()
    first = asyncio.create_task(request.post(f"{base_url}/botX/getMe"))
    await until(lambda: server.active == 1)
    with pytest.raises(TimedOut, match="every lane is busy"):
        await request.post(f"{base_url}/botX/getMe")
    assert server.requests == 1
    server.release.set()
    assert await first is True
    assert await request.post(f"{base_url}/botX/getMe") is True, "the lane is free again"
    await request.shutdown()


def test_needs_at_least_one_lane():
    with pytest.raises(ValueError, match="at least one lane"):
        LaneRequest(0)


async def test_bulk_bot_sends_to_the_same_server_with_the_same_limiter():
    async with BotAPIServer(token=TOKEN) as server:
        patient = server.user(4242)
        limiter = BulkAwareRateLimiter()
        app_bot = ExtBot(TOKEN, base_url=server.base_url, rate_limiter=limiter)
        bulk = bulk_bot(app_bot, 2)
        assert bulk.base_url == app_bot.base_url
        assert bulk.rate_limiter is limiter
        assert isinstance(bulk.request, LaneRequest)
        assert bulk.request.lanes == 2
        async with bulk:
            await bulk.send_message(4242, "Clinic news")
        assert [m.text for m in patient.messages] == ["Clinic news"]
