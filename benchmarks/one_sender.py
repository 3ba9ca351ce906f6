"""Benchmark: one worker, one send budget, a loop that never waits on the disk (issue 15).

The worker is a real `wellbot run` child process (SystemClock, the PTB
Application as production builds it); this process runs the Bot API
stand-in and the simulated patients, so every time below is the server's
(wall clock, 127.0.0.1).

(a) `stall`: 50 patients chat (a message every 1-3 s each, waiting for the
    answer) while another process holds a SQLite write transaction for 2 s,
    three times. Reply latency = patient's message queued -> the bot's
    first answer in that chat, overall and for messages sent during a stall.
(b) `mixed`: a strict 30/s server; a 3,000-recipient digest, 500 reminders
    coming due spread over the digest's first 80 s, and 50 patients chatting,
    all at once. Combined rate = messages the server accepted per second
    while the digest ran, as a share of 30; 429 answers as a share of sends;
    reminder lateness = arrival - due time (due times are whole seconds);
    reply latency as in (a).

Run from the repository root:

    python benchmarks/one_sender.py            # both parts, about 3 minutes
    python benchmarks/one_sender.py stall      # (a) only
    python benchmarks/one_sender.py mixed      # (b) only

Not a test: nothing here asserts; it prints figures for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.harness import TOKEN
from tests.workers import Worker, prepare_database, worker_env
from wellbot.core.clinic import load_clinic
from wellbot.core.clock import to_db
from wellbot.core.db import open_database
from wellbot.core.resources import example_clinic_file
from wellbot.reminders import store as reminders
from wellbot.reminders.config import policy_from_clinic
from wellbot.sim.devserver import BotAPIServer

LIMIT = 30  # the strict server's messages per second
CHATTERS = 50
CHAT_PAUSE = (1.0, 3.0)  # seconds a patient waits between messages in (a): a busy desk, ~20 messages/s
MIXED_CHAT_PAUSE = (5.0, 10.0)  # in (b): people typing, ~7 messages/s (replies go first: more would starve news)
TEXTS = ("/help", "does acupuncture hurt?", "/start", "what should I bring?")
CHATTER_BASE, SUBSCRIBER_BASE, REMINDED_BASE = 10_000, 100_000, 200_000
DIGEST_SIZE, REMINDERS, REMINDER_SPREAD, FIRST_DUE = 3000, 500, 80.0, 15.0
STALLS, STALL_GAP = 3, 5.0
STALL_SECONDS = float(os.environ.get("STALL_SECONDS", "2.0"))  # 0: the same run with no lock held (a baseline)
REPLY_TIMEOUT = 30.0


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def clinic_copy(folder: Path) -> Path:
    """The example clinic without quiet hours, so the digest may start whatever the hour."""
    source = example_clinic_file().parent
    target = folder / "clinic"
    shutil.copytree(source, target, dirs_exist_ok=True)
    path = target / "clinic.toml"
    path.write_text("\n".join(line for line in path.read_text().splitlines() if not line.startswith("quiet_hours")))
    return path


class Chatter:
    """Simulated patients talking to the bot; every answer's latency is kept with the time it was asked."""

    def __init__(self, server: BotAPIServer, pause: tuple[float, float] = CHAT_PAUSE) -> None:
        self.server = server
        self.pause = pause
        self.latencies: list[tuple[float, float]] = []  # (asked at, seconds to the first answer)
        self.by_text: dict[str, list[float]] = {}
        self.lost = 0

    async def run(self, until: float) -> None:
        """Every patient chats until `until` (monotonic)."""
        await asyncio.gather(*(self._patient(CHATTER_BASE + n, until) for n in range(CHATTERS)))

    async def _patient(self, user_id: int, until: float) -> None:
        user = self.server.user(user_id)
        await asyncio.sleep(random.uniform(0, self.pause[1]))
        turn = 0
        while time.monotonic() < until:
            while user._take_next() is not None:  # skip the rest of the last answer
                pass
            asked = time.monotonic()
            await user.send(TEXTS[turn % len(TEXTS)])
            turn += 1
            try:
                await user.next_message(timeout=REPLY_TIMEOUT)
                self.latencies.append((asked, time.monotonic() - asked))
                self.by_text.setdefault(TEXTS[(turn - 1) % len(TEXTS)], []).append(time.monotonic() - asked)
            except (TimeoutError, AssertionError):
                self.lost += 1
            await asyncio.sleep(random.uniform(*self.pause))

    def report(self, label: str, windows: list[tuple[float, float]] = ()) -> str:
        """p50/p99/max of every answer, and of those asked during `windows`."""
        values = [lat for _, lat in self.latencies]
        text = (f"{label}: {len(values)} answers, p50 {percentile(values, 0.5):.3f} s, "
                f"p99 {percentile(values, 0.99):.3f} s, max {max(values):.3f} s, unanswered {self.lost}")
        during = [lat for at, lat in self.latencies if any(start <= at <= end for start, end in windows)]
        if during:
            text += (f"; asked during a stall: {len(during)}, p50 {percentile(during, 0.5):.3f} s, "
                     f"p99 {percentile(during, 0.99):.3f} s, max {max(during):.3f} s")
        slowest = {key: round(max(values), 2) for key, values in self.by_text.items()}
        return text + f"\n    slowest answer by message: {slowest}"


def hold_write_lock(database: Path, seconds: float) -> subprocess.Popen:
    """Another process (as an operator's CLI would) holds a write transaction for `seconds`."""
    code = ("import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('begin immediate')\n"
            "c.execute(\"update worker_state set value = value where key = 'heartbeat'\")\n"
            "print('locked', flush=True)\n"
            "time.sleep(float(sys.argv[2]))\n"
            "c.execute('commit')\n")
    return subprocess.Popen([sys.executable, "-c", code, str(database), str(seconds)], stdout=subprocess.PIPE)


async def start_worker(server: BotAPIServer, database: Path, clinic: Path, folder: Path) -> Worker:
    """A `wellbot run` on this database, once it holds the lease and polls."""
    env = worker_env(server, database, WELLBOT_CLINIC=str(clinic), WELLBOT_LOG_LEVEL="WARNING")
    env["WELLBOT_LOG_LEVEL"] = "INFO"
    worker = await Worker("worker", env, folder).start()
    await worker.wait_log("lease taken", timeout=60)
    await worker.wait_log("Application started", timeout=60)
    return worker


async def stall(folder: Path) -> None:
    """(a) Reply latency while another process holds the write lock for 2 s, three times."""
    server = BotAPIServer(token=TOKEN, clock=time.time)
    await server.start()
    database = folder / "stall.db"
    prepare_database(database, [])
    worker = await start_worker(server, database, clinic_copy(folder), folder)
    chatter = Chatter(server)
    began = time.monotonic()
    until = began + STALL_GAP * (STALLS + 1) + STALL_SECONDS * STALLS
    talk = asyncio.create_task(chatter.run(until))
    windows = []
    await asyncio.sleep(STALL_GAP)
    for _ in range(STALLS):
        locker = hold_write_lock(database, STALL_SECONDS)
        await asyncio.get_running_loop().run_in_executor(None, locker.stdout.readline)
        start = time.monotonic()
        await asyncio.get_running_loop().run_in_executor(None, locker.wait)
        windows.append((start, time.monotonic()))
        await asyncio.sleep(STALL_GAP)
    await talk
    await worker.stop()
    await server.stop()
    shutil.copy(worker.log_path, Path(tempfile.gettempdir()) / "one_sender_stall_worker.log")
    print(chatter.report("(a) replies with a 2 s write lock held 3 times", windows))
    print(f"    worker log lines mentioning a busy database: "
          f"{sum(1 for line in worker.log().splitlines() if 'busy' in line or 'locked' in line)}")


def fill_mixed(database: Path, clinic_path: Path, server: BotAPIServer, start: float) -> list[tuple[int, float]]:
    """Subscribers with news to get, and visits whose day-before reminders fall due from `start` on."""
    subscribers = [SUBSCRIBER_BASE + n for n in range(DIGEST_SIZE)]
    for user_id in subscribers:
        server.user(user_id)
    prepare_database(database, subscribers)
    clinic = load_clinic(clinic_path)
    policy = policy_from_clinic(clinic)
    db = open_database(database, migrate=False)
    now = datetime.now(UTC)
    stamp = to_db(now)
    due = []
    with db.atomic():
        db.execute("insert into news_items (title, body, link, topics, publish_at, author, created_at, updated_at) "
                   "values ('Winter hours', 'We open at 8 from Monday.', '', ?, ?, '', ?, ?)",
                   [json.dumps(["pain"]), stamp, stamp, stamp])
        for n in range(REMINDERS):
            user_id = REMINDED_BASE + n
            server.user(user_id)
            due_at = datetime.fromtimestamp(int(start + n * REMINDER_SPREAD / REMINDERS), UTC)
            visit_start = due_at + timedelta(hours=24)
            db.execute("insert into patients (user_id, chat_id, status, created_at, last_seen_at) "
                       "values (?, ?, 'active', ?, ?)", [user_id, user_id, stamp, stamp])
            visit_id = db.execute(
                "insert into visits (user_id, service_key, start_utc, end_utc, status, patient_name, patient_phone, "
                "created_at, updated_at, confirmed_at) values (?, 'acupuncture', ?, ?, 'booked', 'Bench', "
                "'+1 555 0100', ?, ?, ?)",
                [user_id, to_db(visit_start), to_db(visit_start + timedelta(minutes=60)), stamp, stamp, stamp],
            ).lastrowid
            reminders.replan_visit(db, visit_id, policy, clinic.timezone, now)
            due.append((user_id, due_at.timestamp()))
    db.close()
    return due


async def mixed(folder: Path) -> None:
    """(b) Digest, reminders and chat against a strict 30/s server."""
    server = BotAPIServer(token=TOKEN, global_rate=LIMIT, clock=time.time)
    await server.start()
    database = folder / "mixed.db"
    clinic = clinic_copy(folder)
    first_due = time.time() + FIRST_DUE
    due = fill_mixed(database, clinic, server, first_due)
    db = open_database(database, migrate=False)  # queued before the start: the engine takes it up at once
    db.execute("insert into campaigns (kind, status, audience, body, created_by, created_at) "
               "values ('digest', 'queued', 'all', '', null, ?)", [to_db(datetime.now(UTC))])
    db.close()
    worker = await start_worker(server, database, clinic, folder)
    chatter = Chatter(server, MIXED_CHAT_PAUSE)
    began = time.time()
    talk = asyncio.create_task(chatter.run(time.monotonic() + 10_000))
    digest_chats = set(range(SUBSCRIBER_BASE, SUBSCRIBER_BASE + DIGEST_SIZE))
    while sum(1 for m in server.sent if m.chat_id in digest_chats) < DIGEST_SIZE:
        await asyncio.sleep(0.5)
        if time.time() - began > 300:
            print("digest did not finish in 5 minutes")
            break
    ended = time.time()
    talk.cancel()
    await asyncio.gather(talk, return_exceptions=True)
    await worker.stop()
    await server.stop()
    sends = [c for c in server.calls if c.method.lower() in ("sendmessage", "senddocument")]
    digest_times = [c.time for c in sends if c.status == 200 and c.params.get("chat_id") in digest_chats]
    first, last = (min(digest_times), max(digest_times)) if digest_times else (began, ended)
    during = [c for c in sends if first <= c.time <= last]
    accepted = sum(1 for c in during if c.status == 200)
    refused = sum(1 for c in sends if c.status == 429)
    arrivals = {}
    for c in sends:
        if c.status == 200 and c.params.get("chat_id", 0) >= REMINDED_BASE:
            arrivals.setdefault(c.params["chat_id"], c.time)
    lateness = [arrivals[user] - due_at for user, due_at in due if user in arrivals]
    rate = accepted / max(1e-9, last - first)
    print(f"(b) strict {LIMIT}/s server, digest {DIGEST_SIZE:,} + reminders {REMINDERS} + {CHATTERS} patients chatting")
    print(f"    digest planned and sent in {ended - began:.1f} s after the worker was up; from its first to its "
          f"last message {last - first:.1f} s, the server accepted {accepted:,} sends = {rate:.2f}/s = "
          f"{rate / LIMIT:.3f} of the limit")
    print(f"    429 answers: {refused} of {len(sends):,} sends = {refused / max(1, len(sends)):.2%}")
    if lateness:
        print(f"    reminders delivered {len(lateness)}/{REMINDERS}; lateness p50 {percentile(lateness, 0.5):.3f} s, "
              f"p99 {percentile(lateness, 0.99):.3f} s, max {max(lateness):.3f} s")
    print("    " + chatter.report("replies"))


async def main(args: argparse.Namespace) -> None:
    """Run the chosen parts."""
    random.seed(15)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores)")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if args.part in ("stall", "all"):
            await stall(folder)
        if args.part in ("mixed", "all"):
            await mixed(folder)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", nargs="?", choices=("stall", "mixed", "all"), default="all")
    asyncio.run(main(parser.parse_args()))
