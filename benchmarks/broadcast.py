"""Benchmark: the newsletter delivery engine against a Bot API server on 127.0.0.1.

(a) The server enforces N messages per second (a strict sliding 1 s window,
    answering 429 past it). The engine sends to every recipient; we report the
    achieved rate as a share of the limit, the 429 answers, and lost and
    duplicated messages. python-telegram-bot's own AIORateLimiter is measured
    the same way, side by side.
(b) No server limit: the engine's throughput as a share of a bare sequential
    `send_message` loop, measured in the same run.

Run from the repository root (takes about 4 minutes with the defaults):

    python benchmarks/broadcast.py
    python benchmarks/broadcast.py --recipients 600 --skip-ptb   # a quick look

The server runs in a child process (as the real Bot API does not share our
event loop or CPU); `--inline-server` puts it on this process's loop.

Not a test: nothing here asserts; it prints figures for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Bot
from telegram.error import RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from wellbot.app import settle_heap
from wellbot.bot.ratelimit import BulkAwareRateLimiter
from wellbot.core.clock import ManualClock, to_db
from wellbot.core.db import open_database
from wellbot.newsletter import broadcast, store
from wellbot.newsletter.engine import IN_FLIGHT_BOUNDS, Engine, config_for
from wellbot.newsletter.handlers import bulk_messenger
from wellbot.newsletter.messenger import subscription_keyboard
from wellbot.newsletter.wire import WireMessenger
from wellbot.sim.devserver import BotAPIServer

TOKEN = "123456:BENCH-token-for-the-local-server-only"
TEXT = "Our clinic is closed on Monday for the holiday. <b>See you on Tuesday!</b>"
FIRST_USER = 100_000
POOL = 32  # HTTP connections for the bare loop and the AIORateLimiter run (the engine has a lane per push)
UNLIMITED_RATE = 1_000_000.0  # (b): pacing effectively off, everything else as in production
TZ = ZoneInfo("America/New_York")


def recipients(count: int) -> list[int]:
    """Simulated subscriber ids."""
    return list(range(FIRST_USER, FIRST_USER + count))


class ServerProcess:
    """wellbot.sim.devserver in a child process, as the real Bot API is: it does not share our loop or core."""

    def __init__(self, child: asyncio.subprocess.Process, base_url: str) -> None:
        self.child = child
        self.base_url = base_url
        self.stats: dict[str, int] = {}
        self.received: dict[int, int] = {}

    async def collect(self) -> None:
        """Fetch the child's counters (sends, 429 answers, copies per chat)."""
        self.child.stdin.write(b"stats\n")
        await self.child.stdin.drain()
        answer = json.loads(await self.child.stdout.readline())
        self.stats = answer["stats"]
        self.received = {int(chat): n for chat, n in answer["received"].items()}

    async def stop(self) -> None:
        """Close the child's stdin: it stops its server and exits."""
        self.child.stdin.close()
        await self.child.wait()


PER_CHAT = 1.0  # messages per second one private chat takes (Telegram's), with --per-chat


async def new_server(limit: float | None, users: list[int], inline: bool = False,
                     per_chat: bool = False) -> BotAPIServer | ServerProcess:
    """A fresh server (fresh counters and window) that knows every recipient; in a child process unless inline."""
    if inline:
        server = BotAPIServer(token=TOKEN, global_rate=limit, per_chat_rate=PER_CHAT if per_chat else None)
        await server.start()
        for user_id in users:
            server.user(user_id)
        return server
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", "none" if limit is None else repr(limit), str(len(users)),
        *(["--per-chat"] if per_chat else []),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    base_url = (await child.stdout.readline()).decode().strip()
    return ServerProcess(child, base_url)


async def serve(limit: float | None, count: int, per_chat: bool) -> None:
    """The child's side: run a server, print its base_url, answer `stats` on stdin until EOF."""
    server = await new_server(limit, recipients(count), inline=True, per_chat=per_chat)
    print(server.base_url, flush=True)
    loop = asyncio.get_running_loop()
    while (line := await loop.run_in_executor(None, sys.stdin.readline)):
        if line.strip() == "stats":
            received = Counter(message.chat_id for message in server.sent)
            print(json.dumps({"stats": server.stats, "received": received}), flush=True)
    await server.stop()


async def finish(server: BotAPIServer | ServerProcess) -> None:
    """Collect a child's counters, then stop the server."""
    if isinstance(server, ServerProcess):
        await server.collect()
    await server.stop()


def received(server: BotAPIServer | ServerProcess) -> Counter:
    """Copies per chat the server delivered."""
    if isinstance(server, ServerProcess):
        return Counter(server.received)
    return Counter(message.chat_id for message in server.sent)


def copies(server: BotAPIServer | ServerProcess, users: list[int]) -> tuple[int, int]:
    """(lost, duplicated): recipients with no copy, and copies beyond the first."""
    counts = received(server)
    lost = sum(1 for user_id in users if counts[user_id] == 0)
    duplicated = sum(max(0, counts[user_id] - 1) for user_id in users)
    return lost, duplicated


async def run_engine(server: BotAPIServer | ServerProcess, users: list[int], rate: float, folder: Path,
                     in_flight: int | None = None) -> float:
    """Send one broadcast to `users` through the engine on a real SQLite file; return seconds."""
    clock = ManualClock(TZ, datetime(2026, 6, 10, 13, 0, tzinfo=UTC))
    db = open_database(folder / f"bench-{time.monotonic_ns()}.db")
    now = to_db(clock.now())
    with db.atomic():
        for user_id in users:
            db.execute("insert into patients (user_id, chat_id, status, created_at, last_seen_at) "
                       "values (?, ?, 'active', ?, ?)", [user_id, user_id, now, now])
            db.execute("insert into subscriptions (user_id, status, topics, updated_at) "
                       "values (?, 'subscribed', ?, ?)", [user_id, json.dumps(["pain"]), now])
    store.create_campaign(db, clock, broadcast.KIND, store.ALL, TEXT, None)
    sqlite_store = store.SqliteStore(db, clock, {broadcast.KIND: broadcast.planner})
    config = config_for(rate)  # what WELLBOT_SEND_RATE=rate gives in production
    config.max_in_flight = in_flight or config.max_in_flight
    # As start_engine builds it: the app's bot (with its rate limiter), and the engine's messenger
    # (straight on the wire, a lane per push in flight; through PTB only behind a proxy).
    app_bot = ExtBot(TOKEN, base_url=server.base_url, rate_limiter=BulkAwareRateLimiter())
    messenger = await bulk_messenger(app_bot, config.max_in_flight, paid=False)
    engine = Engine(sqlite_store, messenger, None, config)
    settle_heap()  # as `wellbot run` does after start-up, for every sender alike
    started = time.perf_counter()
    campaign = sqlite_store.next_campaign()
    await engine.run_campaign(campaign)
    elapsed = time.perf_counter() - started
    await messenger.close() if isinstance(messenger, WireMessenger) else await messenger.bot.shutdown()
    db.close()
    return elapsed


async def run_ptb_limiter(server: BotAPIServer | ServerProcess, users: list[int]) -> tuple[float, int]:
    """Send to `users` through PTB's AIORateLimiter(max_retries=5), all at once; return (seconds, failures)."""
    bot = ExtBot(TOKEN, base_url=server.base_url, request=HTTPXRequest(connection_pool_size=POOL),
                 rate_limiter=AIORateLimiter(max_retries=5))
    keyboard = subscription_keyboard()
    failures = 0

    async def one(user_id: int) -> None:
        nonlocal failures
        try:
            await bot.send_message(user_id, TEXT, parse_mode="HTML", reply_markup=keyboard)
        except (RetryAfter, TelegramError):
            failures += 1

    async with bot:
        settle_heap()  # as `wellbot run` does after start-up, for every sender alike
        started = time.perf_counter()
        await asyncio.gather(*(one(user_id) for user_id in users))
        elapsed = time.perf_counter() - started
    return elapsed, failures


async def run_bare_loop(server: BotAPIServer | ServerProcess, users: list[int]) -> float:
    """A bare sequential send_message loop: the ceiling for one process on this machine."""
    bot = Bot(TOKEN, base_url=server.base_url, request=HTTPXRequest(connection_pool_size=POOL))
    keyboard = subscription_keyboard()
    async with bot:
        settle_heap()  # as `wellbot run` does after start-up, for every sender alike
        started = time.perf_counter()
        for user_id in users:
            await bot.send_message(user_id, TEXT, parse_mode="HTML", reply_markup=keyboard)
        return time.perf_counter() - started


async def limited(args: argparse.Namespace, folder: Path) -> None:
    """(a): engine and AIORateLimiter against a server enforcing the limit."""
    users = recipients(args.recipients)
    print(f"(a) {len(users)} recipients, server limit {args.limit:g}/s (sliding 1 s window)"
          f"{', per chat 1/s' if args.per_chat else ''}, {where(args)}")
    print(f"{'sender':<32}{'msg/s':>8}{'share':>8}{'429s':>7}{'429 %':>8}{'lost':>6}{'dupes':>7}")
    server = await new_server(args.limit, users, args.inline_server, args.per_chat)
    elapsed = await run_engine(server, users, args.rate, folder)
    await finish(server)
    report(f"wellbot engine (rate {args.rate:g}/s)", server, users, elapsed, args.limit)
    if not args.skip_ptb:
        server = await new_server(args.limit, users, args.inline_server, args.per_chat)
        elapsed, _failures = await run_ptb_limiter(server, users)
        await finish(server)
        report("PTB AIORateLimiter(max_retries=5)", server, users, elapsed, args.limit)


def report(name: str, server: BotAPIServer | ServerProcess, users: list[int], elapsed: float, limit: float) -> None:
    """One row of (a)."""
    sent = server.stats["sent"]
    rejected = server.stats["rejected_429"]
    lost, duplicated = copies(server, users)
    rate = sent / elapsed
    print(f"{name:<32}{rate:>8.2f}{rate / limit:>8.3f}{rejected:>7}{100 * rejected / max(sent, 1):>7.2f}%"
          f"{lost:>6}{duplicated:>7}")


async def unlimited(args: argparse.Namespace, folder: Path) -> None:
    """(b): engine throughput as a share of a bare send_message loop, no server limit, in alternating rounds."""
    users = recipients(args.recipients)
    print(f"(b) {len(users)} recipients, no server limit, {where(args)}, {args.rounds} rounds "
          f"(each: the bare loop, then the engine at {' and '.join(map(str, IN_FLIGHT_BOUNDS))} in flight)")
    print(f"{'round':<7}{'bare msg/s':>11}" + "".join(f"{f'{n} in flight':>14}{'share':>7}" for n in IN_FLIGHT_BOUNDS)
          + f"{'lost':>6}{'dupes':>7}")
    shares: dict[int, list[float]] = {n: [] for n in IN_FLIGHT_BOUNDS}
    for number in range(1, args.rounds + 1):
        # Each share compares runs of one round, so a busy spell on the machine hits both sides.
        server = await new_server(None, users, args.inline_server)
        bare = await run_bare_loop(server, users)
        await finish(server)
        row = f"{number:<7}{len(users) / bare:>11.1f}"
        lost = duplicated = 0
        for in_flight in IN_FLIGHT_BOUNDS:  # the engine's smallest and largest in-flight bound
            server = await new_server(None, users, args.inline_server)
            engine = await run_engine(server, users, UNLIMITED_RATE, folder, in_flight)
            await finish(server)
            missing, extra = copies(server, users)
            lost, duplicated = lost + missing, duplicated + extra
            shares[in_flight].append(bare / engine)
            row += f"{len(users) / engine:>14.1f}{bare / engine:>7.3f}"
        print(row + f"{lost:>6}{duplicated:>7}")
    print("median share: " + ", ".join(f"{n} in flight {statistics.median(values):.3f} (lowest {min(values):.3f})"
                                       for n, values in shares.items()))


def where(args: argparse.Namespace) -> str:
    """Where the server runs, for the printed heading."""
    return "server in this process" if args.inline_server else "server in a child process"


async def main() -> None:
    """Parse options and run the chosen parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--limit", type=float, default=30.0, help="server's messages per second in (a)")
    parser.add_argument("--rate", type=float, default=29.6, help="engine's WELLBOT_SEND_RATE in (a)")
    parser.add_argument("--skip-ptb", action="store_true", help="leave out the AIORateLimiter run")
    parser.add_argument("--only", choices=("a", "b"), help="run only part (a) or (b)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of (b)")
    parser.add_argument("--inline-server", action="store_true",
                        help="run the server on this process's event loop (the sender shares it and the CPU)")
    parser.add_argument("--per-chat", action="store_true", help="the server also limits each chat to 1 message/s")
    parser.add_argument("--serve", nargs=2, metavar=("LIMIT", "RECIPIENTS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        limit, count = args.serve
        await serve(None if limit == "none" else float(limit), int(count), args.per_chat)
        return
    with tempfile.TemporaryDirectory() as scratch:
        if args.only != "b":
            await limited(args, Path(scratch))
        if args.only != "a":
            await unlimited(args, Path(scratch))


if __name__ == "__main__":
    asyncio.run(main())
