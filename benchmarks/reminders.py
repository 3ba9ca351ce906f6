"""Reminder dispatcher benchmark (not a test): lateness, cost per wake, start-up time and memory.

Run from the repository root:

    python benchmarks/reminders.py            # 100,000 pending, 1,000 due within a minute (~2.5 min)
    python benchmarks/reminders.py --quick    # 10,000 pending, 100 due within 10 s (a smoke run)

The bot runs for real (SystemClock, PTB Application with its AIORateLimiter,
JobQueue) against `wellbot.sim.devserver` on 127.0.0.1 with no server-side rate
limit. The database is filled with plain SQL (the same row shape the visit
listener writes), so set-up time is not part of any figure.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram import Update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark the checkout, as the tests do

from wellbot.app import build_application, build_deps  # noqa: E402
from wellbot.core.clock import SystemClock, to_db  # noqa: E402
from wellbot.core.db import open_database  # noqa: E402
from wellbot.core.settings import Settings  # noqa: E402
from wellbot.reminders import dispatcher as dispatcher_module  # noqa: E402
from wellbot.reminders import store  # noqa: E402
from wellbot.reminders.feature import dispatcher_of  # noqa: E402
from wellbot.sim.devserver import BotAPIServer  # noqa: E402

TOKEN = "123456:BENCHMARK-token-for-the-local-server"
FUTURE_USER_BASE = 10_000_000
DUE_USER_BASE = 5_000_000
WAKES_PER_SAMPLE = 300
BUSY_WAKES = 30
PROFILED_WAKES = 10
DUE_PER_WAKE = 20
SETTLE_SECONDS = 5


def fill(path: Path, pending: int, due: int, window: float, lead: float) -> datetime:
    """A database with `pending` reminders 1-60 days ahead and `due` spread over `window` s after `lead` s."""
    db = open_database(path)
    now = datetime.now(UTC)
    stamp = to_db(now)
    rng = random.Random(6)
    visits, reminders, people = [], [], []
    for i in range(pending + due):
        is_due = i >= pending
        user_id = (DUE_USER_BASE + i - pending) if is_due else (FUTURE_USER_BASE + i)
        if is_due:
            remind_at = now + timedelta(seconds=lead + window * (i - pending) / max(due, 1))
        else:
            remind_at = now + timedelta(days=rng.uniform(1, 60))
        start = remind_at + timedelta(hours=2)
        people.append((user_id, user_id, stamp, stamp))
        visits.append((i + 1, user_id, "acupuncture", to_db(start), to_db(start + timedelta(hours=1)), stamp, stamp))
        reminders.append((i + 1, "reminder", 120, to_db(remind_at),
                          store.idempotency_key(i + 1, "reminder", 120, to_db(start)), stamp, stamp))
    with db.atomic():
        db.conn.executemany("insert into patients (user_id, chat_id, status, created_at, last_seen_at) "
                            "values (?, ?, 'active', ?, ?)", people)
        db.conn.executemany("insert into visits (id, user_id, service_key, start_utc, end_utc, created_at, updated_at) "
                            "values (?, ?, ?, ?, ?, ?, ?)", visits)
        db.conn.executemany("insert into reminders (visit_id, kind, offset_minutes, due_at, idempotency_key, "
                            "created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)", reminders)
    db.execute("analyze")
    db.close()
    return now


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB, from /proc."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def import_seconds() -> float:
    """Time for a fresh interpreter to import the worker's code (part of every start-up)."""
    begin = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import wellbot.app"], check=True)
    return time.perf_counter() - begin


class Worker:
    """A real worker on a file database, polling the local server."""

    def __init__(self, server: BotAPIServer, database: Path, *, rate_limiter: bool = True) -> None:
        self.server = server
        self.rate_limiter = rate_limiter
        self.settings = Settings.from_env({
            "TELEGRAM_BOT_TOKEN": TOKEN, "WELLBOT_DATABASE": str(database), "WELLBOT_STAFF_IDS": "900",
            "WELLBOT_API_URL": server.base_url,
        })
        self.app = None

    async def start(self) -> float:
        """Start as `wellbot run` does; return the seconds it took."""
        begin = time.perf_counter()
        deps = build_deps(self.settings)
        deps.clock = SystemClock(deps.clinic.timezone)
        self.app = build_application(deps, rate_limiter=self.rate_limiter)
        await self.app.initialize()
        await self.app.post_init(self.app)
        await self.app.start()
        await self.app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
        return time.perf_counter() - begin

    async def stop(self) -> None:
        """Stop as SIGTERM does."""
        app = self.app
        await app.updater.stop()
        await app.stop()
        await app.post_stop(app)
        await app.shutdown()
        app.bot_data["deps"].db.close()


async def lateness(args: argparse.Namespace, folder: Path) -> dict:
    """Start on a big database and measure how late the due reminders arrive."""
    server = BotAPIServer(token=TOKEN, clock=time.time)  # call times in wall-clock seconds
    await server.start()
    path = folder / "lateness.db"
    lead = 10.0  # time to start the worker before the first reminder is due
    fill(path, args.pending, args.due, args.window, lead)
    for i in range(args.due):
        server.user(DUE_USER_BASE + i)
    server.user(900)
    worker = Worker(server, path)
    rss_before = rss_mb()[0]
    startup = await worker.start()
    rss_started = rss_mb()[0]
    db = worker.app.bot_data["deps"].db
    dues = {row["user_id"]: datetime.strptime(row["due_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
            for row in db.query("select v.user_id, r.due_at from reminders r join visits v on v.id = r.visit_id "
                                "where v.user_id >= ? and v.user_id < ?", [DUE_USER_BASE, FUTURE_USER_BASE])}
    deadline = max(dues.values()) + SETTLE_SECONDS
    while time.time() < deadline and server.stats["sent"] < args.due:
        await asyncio.sleep(0.2)
    sends = [c for c in server.calls if c.method.lower() == "sendmessage" and c.status == 200]
    late = sorted(call.time - dues[int(call.params["chat_id"])]
                  for call in sends if int(call.params["chat_id"]) in dues)
    wakes = dispatcher_of(worker.app).wakes
    await worker.stop()
    await server.stop()
    return {"startup": startup, "rss_before": rss_before, "rss_started": rss_started, "late": late, "wakes": wakes}


async def wake_cost(pending: int, folder: Path) -> dict:
    """Median cost of one wake with nothing due, and with DUE_PER_WAKE due, at `pending` pending.

    Without AIORateLimiter, whose 30 msg/s pacing would otherwise be most of a busy wake.
    """
    server = BotAPIServer(token=TOKEN, clock=time.time)
    await server.start()
    path = folder / f"wake-{pending}.db"
    fill(path, pending, 0, 0, 0)
    worker = Worker(server, path, rate_limiter=False)
    await worker.start()
    dispatcher = dispatcher_of(worker.app)
    db = worker.app.bot_data["deps"].db
    empty = []
    for _ in range(WAKES_PER_SAMPLE):
        begin = time.perf_counter()
        await dispatcher.run_due()
        empty.append(time.perf_counter() - begin)
    busy = []
    for round_ in range(BUSY_WAKES):
        _add_due(db, server, round_)
        begin = time.perf_counter()
        sent = await dispatcher.run_due()
        busy.append(time.perf_counter() - begin)
        assert sent == DUE_PER_WAKE, sent
    parts = PartTimer(dispatcher)  # then a few more wakes with their parts timed (not counted above)
    totals = []
    for round_ in range(BUSY_WAKES, BUSY_WAKES + PROFILED_WAKES):
        _add_due(db, server, round_)
        begin = time.perf_counter()
        await dispatcher.run_due()
        totals.append(time.perf_counter() - begin)
    parts.undo()
    plan = [row["detail"] for row in db.query(
        "explain query plan select id from reminders where status = 'pending' and due_at <= ? order by due_at "
        "limit 50", ["2026-01-01T00:00:00Z"])]
    await worker.stop()
    await server.stop()
    quartiles = statistics.quantiles(busy, n=4)
    return {"empty": statistics.median(empty), "busy": statistics.median(busy),
            "busy_iqr": (quartiles[0], quartiles[2]), "plan": plan,
            "parts": {label: spent / PROFILED_WAKES for label, spent in parts.spent.items()},
            "parts_total": sum(totals) / PROFILED_WAKES}


class PartTimer:
    """Times the dispatcher's synchronous steps (database, rendering) and its sends, by wrapping them."""

    def __init__(self, dispatcher) -> None:
        self.spent: dict[str, float] = dict.fromkeys(
            ("claim", "visit look-ups", "render", "record outcomes (a commit each)", "sends (8 at once)"), 0.0)
        self._undo = []
        self._wrap(store, "claim_due", "claim")
        self._wrap(store, "visit", "visit look-ups")
        self._wrap(store, "finish", "record outcomes (a commit each)")
        self._wrap(dispatcher.deps.renderer, "render_parts", "render")
        self._wrap(dispatcher_module, "send_html", "sends (8 at once)", awaited=True)

    def _wrap(self, owner, name: str, label: str, awaited: bool = False) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            begin = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[label] += time.perf_counter() - begin

        async def timed_async(*args, **kwargs):
            begin = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                self.spent[label] += time.perf_counter() - begin

        setattr(owner, name, timed_async if awaited else timed)
        self._undo.append((owner, name, original))

    def undo(self) -> None:
        """Put the originals back."""
        for owner, name, original in self._undo:
            setattr(owner, name, original)


def _add_due(db, server: BotAPIServer, round_: int) -> None:
    """DUE_PER_WAKE reminders due now, for patients the server knows."""
    stamp = to_db(datetime.now(UTC))
    start = to_db(datetime.now(UTC) + timedelta(hours=2))
    with db.atomic():
        for n in range(DUE_PER_WAKE):
            user_id = DUE_USER_BASE + round_ * DUE_PER_WAKE + n
            server.user(user_id)
            db.execute("insert into patients (user_id, chat_id, status, created_at, last_seen_at) "
                       "values (?, ?, 'active', ?, ?)", [user_id, user_id, stamp, stamp])
            visit_id = db.execute("insert into visits (user_id, service_key, start_utc, end_utc, created_at, "
                                  "updated_at) values (?, 'acupuncture', ?, ?, ?, ?)",
                                  [user_id, start, start, stamp, stamp]).lastrowid
            db.execute("insert into reminders (visit_id, kind, offset_minutes, due_at, idempotency_key, created_at, "
                       "updated_at) values (?, 'reminder', 120, ?, ?, ?, ?)",
                       [visit_id, stamp, store.idempotency_key(visit_id, "reminder", 120, start), stamp, stamp])


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the sorted values lie (nearest rank)."""
    return values[min(len(values) - 1, max(0, round(fraction * len(values)) - 1))]


async def main(args: argparse.Namespace) -> None:
    """Run every measurement and print the figures."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        imports = import_seconds()
        result = await lateness(args, folder)
        late = result["late"]
        print(f"pending reminders: {args.pending:,}; due within {args.window:.0f} s: {args.due:,}")
        print(f"start-up: {imports:.2f} s imports (fresh interpreter) + {result['startup']:.2f} s "
              f"build, migrate check, recover, arm, start polling = {imports + result['startup']:.2f} s")
        print(f"resident memory: {result['rss_before']:.0f} MB before start, {result['rss_started']:.0f} MB after "
              f"(this process also runs the local Bot API server)")
        if late:
            print(f"delivered {len(late)}/{args.due} in {result['wakes']} wakes; lateness p50 "
                  f"{percentile(late, 0.5):.3f} s, p99 {percentile(late, 0.99):.3f} s, max {late[-1]:.3f} s "
                  f"(due times are stored to the second)")
        for pending in (args.pending // 10, args.pending):
            cost = await wake_cost(pending, folder)
            low, high = cost["busy_iqr"]
            print(f"wake cost at {pending:>7,} pending: nothing due {cost['empty'] * 1000:.2f} ms, "
                  f"{DUE_PER_WAKE} due {cost['busy'] * 1000:.1f} ms (IQR {low * 1000:.0f}-{high * 1000:.0f} ms) "
                  f"(medians; no client rate limiter)")
            print(f"  a wake with {DUE_PER_WAKE} due, {PROFILED_WAKES} more timed by part: "
                  f"{cost['parts_total'] * 1000:.1f} ms each on average, of which "
                  + ", ".join(f"{label} {spent * 1000:.1f} ms" for label, spent in cost["parts"].items())
                  + " (the sends overlap, so their wall time adds up to more than it takes)")
        print(f"claim query plan: {'; '.join(cost['plan'])}")
        print(f"peak resident memory of the whole run: {rss_mb()[1]:.0f} MB")


def parse(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds over which the due reminders spread")
    parser.add_argument("--quick", action="store_true", help="10,000 pending, 100 due within 10 s")
    args = parser.parse_args(argv)
    if args.quick:
        args.pending, args.due, args.window = 10_000, 100, 10.0
    return args


if __name__ == "__main__":
    asyncio.run(main(parse(sys.argv[1:])))
