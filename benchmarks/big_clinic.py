"""Benchmark (not a test): wellbot at a big clinic, driven through `wellbot run` as patients and staff use it.

Needs a database from `big_clinic_db.py`. Each run copies nothing: it starts a
fresh `wellbot run` process on the database (pointing WELLBOT_CLINIC at the
clinic.toml beside it) against `wellbot.sim.devserver` in this process, then:

- booking screens: a patient sends /book, and we time "Acupuncture" pressed
  until the days screen shows, and the first day pressed until the times
  screen shows (each sample a fresh patient flow, one every 0.1 s at most:
  under Telegram's 30 messages a second);
- availability for the next 30 days: `busy_between` + `blocks_between` +
  `days_with_slots` in this process, on a read connection of its own;
- staff /subscribers, and staff /schedule for the day holding 500 visits:
  until its first page (25 visits, a button each, paging and the day's
  buttons, in one message) lands, then each "Later visits ›" press until the
  next page shows;
- another patient's /help, sent every 100 ms while four patients click
  through booking screens (0.2 s between presses) and a staff member repeats /subscribers, from send
  until the reply arrives;
- and the worker's "event loop held" warnings (WELLBOT_LOOP_LAG_WARN_MS=50).

Latency is measured at the stand-in server: from the moment the update is
queued for the bot until the bot's answer (a new or edited message) lands.

    python benchmarks/big_clinic_db.py /tmp/big/wellbot.db            # once, about a minute
    python benchmarks/big_clinic.py /tmp/big/wellbot.db               # 3 runs, about 4 minutes
    python benchmarks/big_clinic.py /tmp/big/wellbot.db --runs 1 --samples 10   # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark the checkout, as the tests do

from big_clinic_db import BIG_DAY_AGO  # noqa: E402

from wellbot.booking import store  # noqa: E402
from wellbot.booking.availability import days_with_slots  # noqa: E402
from wellbot.booking.rules import rules_from_clinic  # noqa: E402
from wellbot.core.clinic import load_clinic  # noqa: E402
from wellbot.core.db import open_database  # noqa: E402
from wellbot.sim.devserver import BotAPIServer, SimUser  # noqa: E402

TOKEN = "123456:BIG-clinic-benchmark-token"
STAFF = list(range(900, 912))  # staff take turns: each stays under the flood guard's 20 updates per 10 s
BOOKERS = list(range(100, 700))  # many, so fast loops stay under the flood guard (20 updates per 10 s each)
OTHERS = list(range(200, 215))
WAIT = 30.0  # seconds before a missing answer counts as a failure of the run
HELP_EVERY = 0.1  # seconds between the other patient's /help messages
# Seconds one sample (/book, two screens, another patient's /help: two messages sent) takes at least, so the
# bot is asked for at most 20 messages a second. Unpaced, a quiet machine ran 25 samples a second, 50 messages
# a second, and the bot (rightly) held replies back for Telegram's 30 a second: /help "alone" then timed the
# send budget, up to 128 ms, not the bot.
SAMPLE_EVERY = 0.1
CONCURRENT_BOOKERS = 4
PAGE_TURNS = 4  # "Later visits ›" presses timed after each /schedule (pages 2 to 5 of the 500-visit day)
THINK = 0.2  # seconds each of them takes between presses (quick fingers): about 10 booking screens a second
LAG_PATTERN = re.compile(r"event loop held lag_ms=(\d+)")


class Clock:
    """Time since an update was queued, read when the answer lands (both in this process)."""

    @staticmethod
    def now() -> float:
        return time.perf_counter()


async def answer(user: SimUser, find, what: str) -> float:
    """Wait for the bot's answer in this chat; return when it landed."""
    await user._wait(find, WAIT, what)
    return Clock.now()


def changed_since(user: SimUser, mark: int, text: str):
    """A finder: a message new or edited after `mark` containing `text`."""
    return lambda: next((m for m in reversed(user.history) if m.seq > mark and text in m.text), None)


async def timed(user: SimUser, act, find_factory, what: str) -> tuple[float, object]:
    """Do `act` (send or press) and return (seconds until the answer landed, the answer)."""
    mark = user._server._seq
    began = Clock.now()
    await act()
    found = await user._wait(find_factory(user, mark), WAIT, what)
    return Clock.now() - began, found


async def booking_screens(user: SimUser, think: float = 0.0) -> tuple[float, float]:
    """One patient flow: /book, then (service -> days, day -> times) timed, `think` seconds between steps."""
    _, services = await timed(user, lambda: user.send("/book"),
                              lambda u, m: changed_since(u, m, "which service"), "services")
    await asyncio.sleep(think)
    days_time, days = await timed(user, lambda: user.press(services, "Acupuncture"),
                                  lambda u, m: changed_since(u, m, "Choose a day"), "days screen")
    day_data = next(b["callback_data"] for row in days.buttons() for b in row
                    if b.get("callback_data", "").split(":")[1:2] == ["day"])
    await asyncio.sleep(think)
    times_time, _ = await timed(user, lambda: user.press(days, day_data),
                                lambda u, m: changed_since(u, m, "Choose a time"), "times screen")
    return days_time, times_time


async def subscribers(user: SimUser) -> float:
    """Staff /subscribers until the counts arrive."""
    seconds, _ = await timed(user, lambda: user.send("/subscribers"),
                             lambda u, m: changed_since(u, m, "Health-news subscribers"), "subscriber counts")
    return seconds


def page_of(user: SimUser, mark: int, page: int):
    """A finder: the agenda new or edited after `mark` showing `page`, with the day's buttons on it."""
    return lambda: next((m for m in reversed(user.history) if m.seq > mark and f"(page {page} of " in m.text
                         and "Next day ›" in m.button_labels()), None)


async def schedule(user: SimUser, day: str, turns: int) -> tuple[float, list[float]]:
    """Staff /schedule <day>: (until its first page lands with its buttons, each of `turns` "Later visits" presses).

    What a staff member waits for: the first 25 visits with a button each, the
    paging and the day's buttons in one message; then each press of "Later
    visits ›" until the message shows the next page.
    """
    first, shown = await timed(user, lambda: user.send(f"/schedule {day}"),
                               lambda u, m: page_of(u, m, 1), "schedule, first page")
    turned = []
    for page in range(2, 2 + turns):
        seconds, shown = await timed(user, lambda message=shown: user.press(message, "Later visits ›"),
                                     lambda u, m, wanted=page: page_of(u, m, wanted), f"schedule, page {page}")
        turned.append(seconds)
    return first, turned


async def other_help(user: SimUser) -> float:
    """Another patient's /help until the reply arrives."""
    seconds, _ = await timed(user, lambda: user.send("/help"),
                             lambda u, m: changed_since(u, m, "What I can do"), "help")
    return seconds


def availability_30_days(database: Path) -> float:
    """busy_between + blocks_between + days_with_slots for the next 30 days, on our own connection."""
    clinic = load_clinic(database.parent / "clinic.toml")
    rules, tz = rules_from_clinic(clinic), clinic.timezone
    db = open_database(database, migrate=False)
    now = datetime.now(UTC)
    today = now.astimezone(tz).date()
    began = Clock.now()
    start = datetime.combine(today - timedelta(days=1), datetime.min.time(), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(today + timedelta(days=31), datetime.min.time(), tzinfo=tz).astimezone(UTC)
    busy, blocks = store.busy_between(db, start, end), store.blocks_between(db, start, end)
    days_with_slots(rules, today, today + timedelta(days=29), 60, busy, blocks, now, tz)
    elapsed = Clock.now() - began
    db.close()
    return elapsed


class Worker:
    """`wellbot run` in its own process, its log in a file."""

    def __init__(self, database: Path, server: BotAPIServer, log_path: Path) -> None:
        self.env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "WELLBOT_DATABASE": str(database),
                    "WELLBOT_CLINIC": str(database.parent / "clinic.toml"), "WELLBOT_API_URL": server.base_url,
                    "WELLBOT_STAFF_IDS": ",".join(map(str, STAFF)), "WELLBOT_LOOP_LAG_WARN_MS": "50"}
        self.log_path = log_path
        self.child: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the worker (it applies pending migrations first)."""
        with self.log_path.open("wb") as log:
            self.child = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "wellbot", "run", env=self.env, stdout=log, stderr=log, cwd=str(ROOT))

    def peak_rss_mb(self) -> float:
        """The worker's peak resident memory so far."""
        for line in Path(f"/proc/{self.child.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    async def stop(self) -> None:
        """SIGTERM, as a deploy does."""
        self.child.terminate()
        await self.child.wait()

    def lag_warnings(self) -> list[int]:
        """The lags (ms) the worker's monitor warned about."""
        return [int(m) for m in LAG_PATTERN.findall(self.log_path.read_text(errors="replace"))]


def summary(values: list[float]) -> str:
    """`p50 / p99 / max` in ms."""
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"{1000 * statistics.median(ordered):7.1f} {1000 * p99:7.1f} {1000 * ordered[-1]:7.1f}"


async def contention(server: BotAPIServer, seconds: float) -> tuple[list[float], int, int]:
    """Other patients' /help latencies while bookers and a staff member keep the worker busy."""
    stop = asyncio.Event()
    screens = 0
    counts_shown = 0
    bookers = itertools.cycle(BOOKERS)
    staff = itertools.cycle(STAFF)

    async def book_loop() -> None:
        nonlocal screens
        while not stop.is_set():
            await booking_screens(server.user(next(bookers)), THINK)
            screens += 2
            await asyncio.sleep(THINK)

    async def staff_loop() -> None:
        nonlocal counts_shown
        while not stop.is_set():
            await subscribers(server.user(next(staff)))
            counts_shown += 1
            await asyncio.sleep(0.3)  # twelve staff ids take turns: each stays under 20 updates per 10 s

    load = [asyncio.create_task(book_loop()) for _ in range(CONCURRENT_BOOKERS)]
    load.append(asyncio.create_task(staff_loop()))
    latencies = []
    others = itertools.cycle(OTHERS)
    deadline = Clock.now() + seconds
    while Clock.now() < deadline:
        began = Clock.now()
        latencies.append(await other_help(server.user(next(others), "Other")))
        await asyncio.sleep(max(0.0, HELP_EVERY - (Clock.now() - began)))
    stop.set()
    await asyncio.gather(*load)
    return latencies, screens, counts_shown


async def one_run(number: int, database: Path, args: argparse.Namespace, folder: Path) -> dict[str, list[float]]:
    """Start a worker, take every figure, stop it."""
    server = BotAPIServer(token=TOKEN)
    await server.start()
    for user_id in STAFF:
        server.user(user_id, "Staff")
    worker = Worker(database, server, folder / f"worker-{number}.log")
    started = Clock.now()
    await worker.start()
    first = server.user(OTHERS[0], "Other")
    await other_help(first)
    startup = Clock.now() - started
    samples: dict[str, list[float]] = {name: [] for name in
                                       ("service -> days", "day -> times", "availability 30 days", "/subscribers",
                                        "/schedule 500, first page", "/schedule 500, next page",
                                        "other's /help, alone", "other's /help, under load")}
    users = itertools.cycle(BOOKERS)
    staff = itertools.cycle(STAFF)
    others = itertools.cycle(OTHERS)
    for _ in range(args.samples):
        began = Clock.now()
        days_time, times_time = await booking_screens(server.user(next(users)))
        samples["service -> days"].append(days_time)
        samples["day -> times"].append(times_time)
        samples["availability 30 days"].append(availability_30_days(database))
        samples["other's /help, alone"].append(await other_help(server.user(next(others), "Other")))
        await asyncio.sleep(max(0.0, SAMPLE_EVERY - (Clock.now() - began)))
    tz = load_clinic(database.parent / "clinic.toml").timezone
    big_day = (datetime.now(tz).date() - timedelta(days=BIG_DAY_AGO)).isoformat()
    for _ in range(max(3, args.samples // 3)):
        samples["/subscribers"].append(await subscribers(server.user(next(staff))))
        first, turned = await schedule(server.user(next(staff)), big_day, PAGE_TURNS)
        samples["/schedule 500, first page"].append(first)
        samples["/schedule 500, next page"] += turned
        await asyncio.sleep(0.5)  # twelve staff ids in turn, under the flood guard
    latencies, screens, counts = await contention(server, args.contention)
    samples["other's /help, under load"] = latencies
    rss = worker.peak_rss_mb()
    await worker.stop()
    await server.stop()
    lags = worker.lag_warnings()
    print(f"run {number}: start-up {startup:.2f} s, worker peak RSS {rss:.0f} MB; under load {screens} booking "
          f"screens and {counts} /subscribers for others; loop-held warnings (>= 50 ms): {len(lags)}"
          + (f", worst {max(lags)} ms" if lags else ""))
    print(f"  {'figure':<28}{'n':>5} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for name, values in samples.items():
        print(f"  {name:<28}{len(values):>5} {summary(values)}")
    sys.stdout.flush()
    return samples


async def main() -> None:
    """Parse options, run, print each run and the spread over runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path, help="a database made by benchmarks/big_clinic_db.py")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=100,
                        help="booking flows per run (default 100: with 30, a run's p99 was its maximum)")
    parser.add_argument("--contention", type=float, default=10.0, help="seconds of the load phase (default 10)")
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min)")
    folder = args.database.parent
    runs = [await one_run(number, args.database.resolve(), args, folder) for number in range(1, args.runs + 1)]
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min)")
    print(f"over {len(runs)} runs, min / median / max of each run's p50 and p99 (ms):")
    for name in runs[0]:
        for label, pick in (("p50", statistics.median), ("p99", lambda v: sorted(v)[round(0.99 * (len(v) - 1))])):
            per_run = [1000 * pick(run[name]) for run in runs]
            print(f"  {name:<28}{label}  {min(per_run):7.1f} {statistics.median(per_run):7.1f} {max(per_run):7.1f}")


if __name__ == "__main__":
    asyncio.run(main())
