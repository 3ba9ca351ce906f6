"""Benchmark (not a test): a broadcast through `wellbot run`: paid at Telegram's ceiling, or free at 29/s.

The database holds 100,000 subscribed patients and one queued broadcast
(as staff queue it with /broadcast). A real worker, `python -m wellbot run`
with WELLBOT_PAID_BROADCAST=on and WELLBOT_SEND_RATE=1000, starts on it and
sends the broadcast through its delivery engine. The stand-in Bot API server
(`wellbot.sim.devserver`) runs in a process of its own (`--serve`), as the real
Bot API does not share the worker's core; by default it has no rate limit.

From the moment the worker has started (its start-up hooks also start the
broadcast), patients who are not recipients send /help every 200 ms (each a
different patient, as many at once), and the server times each reply
(update queued -> reply landed). The worker's resident memory is
sampled every 0.5 s from /proc.

Printed per run: messages per second at the server (first to last send),
the time from start to the last send, the worker's memory (start, peak, end),
patients' reply latency (p50/p99/max), the 429 answers, and the delivery rows
by status (every one of 100,000 must be `sent`).

    python benchmarks/run_broadcast.py                      # paid: 3 runs of 100,000 (about 6 minutes)
    python benchmarks/run_broadcast.py --recipients 20000 --runs 1   # a quick look
    python benchmarks/run_broadcast.py --profile /tmp/worker.txt     # py-spy profile of the worker (collapsed)
    python benchmarks/run_broadcast.py --free --recipients 3000 --limit 30 --per-chat --help-every 2
        # (a): the production default (paid off, WELLBOT_SEND_RATE unset: 29/s) against a server
        # enforcing 30/s overall and 1/s per chat (about 6 minutes for 3 runs)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark the checkout, as the tests do

from wellbot.core.clock import to_db  # noqa: E402
from wellbot.core.db import open_database  # noqa: E402
from wellbot.sim.devserver import BotAPIServer  # noqa: E402

TOKEN = "123456:PAID-broadcast-benchmark-token"
TEXT = "Our clinic is closed on Monday for the holiday. <b>See you on Tuesday!</b>"
FIRST_RECIPIENT = 1_000_000
PATIENTS = range(500, 800)  # not recipients: they ask for /help while the broadcast runs
HELP_EVERY = 0.2  # seconds between two patients' /help (--help-every)
PER_CHAT = 1.0  # messages per second one private chat takes, with --per-chat (Telegram's)
STAFF_ID = 900
RSS_EVERY = 0.5
GAP = 0.02  # a pause between two copies landing longer than the paid catch-up (20 ms) lost sends for good
FREEZE_EVERY = 1.0  # seconds between the stand-in server's gc.freeze() calls (see keep_heap_frozen)


def fill(path: Path, count: int) -> None:
    """`count` subscribed patients and one queued broadcast to all of them."""
    db = open_database(path)
    now = to_db(datetime.now(UTC))
    with db.atomic():
        db.conn.executemany("insert into patients (user_id, chat_id, status, created_at, last_seen_at) "
                            "values (?, ?, 'active', ?, ?)",
                            ((u, u, now, now) for u in range(FIRST_RECIPIENT, FIRST_RECIPIENT + count)))
        db.conn.executemany("insert into subscriptions (user_id, status, topics, updated_at) "
                            "values (?, 'subscribed', '[\"pain\"]', ?)",
                            ((u, now) for u in range(FIRST_RECIPIENT, FIRST_RECIPIENT + count)))
        db.execute("insert into campaigns (kind, status, audience, body, created_by, created_at) "
                   "values ('broadcast', 'queued', 'all', ?, ?, ?)", [TEXT, STAFF_ID, now])
    db.close()


# ---- the server's side (a child process) ----------------------------------------------------------

async def serve(count: int, limit: float | None, per_chat: bool, every: float) -> None:
    """Run the server, print its base_url, answer `stats` on stdin until EOF; patients ask for /help meanwhile."""
    server = BotAPIServer(token=TOKEN, global_rate=limit, per_chat_rate=PER_CHAT if per_chat else None)
    await server.start()
    for user_id in range(FIRST_RECIPIENT, FIRST_RECIPIENT + count):
        server.user(user_id)
    print(server.base_url, flush=True)
    latencies: list[float] = []
    first_send = last_send = 0.0
    sends = 0
    original = server._deliver

    gaps: list[float] = []  # pauses over GAP seconds between two copies landing: where a stall cost sends

    def deliver(chat, **fields):  # note when each broadcast copy lands
        nonlocal first_send, last_send, sends
        if chat.chat_id >= FIRST_RECIPIENT:
            now = time.perf_counter()
            if last_send and now - last_send > GAP:
                gaps.append(now - last_send)
            last_send = now
            first_send = first_send or last_send
            sends += 1
        return original(chat, **fields)

    server._deliver = deliver
    pauses = gc_pauses()
    freezer = asyncio.create_task(keep_heap_frozen())
    helper = None
    loop = asyncio.get_running_loop()
    while (line := await loop.run_in_executor(None, sys.stdin.readline)):
        if line.strip() == "go" and helper is None:  # the worker is up: patients start asking
            helper = asyncio.create_task(ask_for_help(server, latencies, every))
        elif line.strip() == "cpu":  # the sending starts: CPU so far, to leave out start-up and the 100,000 chats
            print(json.dumps({"cpu": time.process_time()}), flush=True)
        elif line.strip() == "stats":
            print(json.dumps({"sends": sends, "first": first_send, "last": last_send, "latencies": latencies,
                              "rejected_429": server.stats["rejected_429"], "calls": server.stats["calls"],
                              "cpu": time.process_time(), "gc": sorted(pauses)[-3:], "gc_count": len(pauses),
                              "gaps": len(gaps), "gap_seconds": sum(gaps), "gap_max": max(gaps, default=0.0)}),
                  flush=True)
            latencies.clear()
    if helper is not None:
        helper.cancel()
    freezer.cancel()
    await server.stop()


async def keep_heap_frozen() -> None:
    """Freeze the stand-in server's heap every FREEZE_EVERY seconds, so its full collections walk only new objects.

    The stand-in keeps every message and call it saw (tests read them), and a
    full collection walks them all: at 100,000 messages it stopped the server
    for up to 1.9 s at a time, with the worker's pushes waiting on it. Telegram
    does not pause so; what it kept here is not garbage (no cycles to free).
    """
    gc.collect()
    while True:
        gc.freeze()
        await asyncio.sleep(FREEZE_EVERY)


def gc_pauses() -> list[float]:
    """Durations (s) of this process's full (generation 2) collections from now on: the loop stops for each."""
    pauses: list[float] = []
    began = [0.0]

    def timer(phase: str, info: dict) -> None:
        if info["generation"] == 2:
            if phase == "start":
                began[0] = time.perf_counter()
            else:
                pauses.append(time.perf_counter() - began[0])

    gc.callbacks.append(timer)
    return pauses


async def ask_for_help(server: BotAPIServer, latencies: list[float], every: float) -> None:
    """Every `every` seconds a different patient sends /help; record each reply's latency (at most 5 s waited)."""
    patients = [server.user(user_id, "Pat") for user_id in PATIENTS]
    index = 0

    async def one(patient) -> None:
        mark = server._seq
        began = time.perf_counter()
        await patient.send("/help")
        try:
            await patient._wait(lambda: next((m for m in reversed(patient.history)
                                              if m.seq > mark and "What I can do" in m.text), None), 5, "help")
            latencies.append(time.perf_counter() - began)
        except TimeoutError:
            latencies.append(float("inf"))

    asking: set[asyncio.Task] = set()  # kept until done (the loop holds tasks only weakly)
    while True:
        task = asyncio.create_task(one(patients[index % len(patients)]))
        asking.add(task)
        task.add_done_callback(asking.discard)
        index += 1
        await asyncio.sleep(every)


# ---- the benchmark's side -------------------------------------------------------------------------

class Child:
    """A child process speaking one JSON line per `stats` request."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def go(self) -> None:
        """Start the patients' /help messages."""
        self.process.stdin.write(b"go\n")
        await self.process.stdin.drain()

    async def cpu(self) -> float:
        """CPU seconds the server has used so far."""
        self.process.stdin.write(b"cpu\n")
        await self.process.stdin.drain()
        return float(json.loads(await self.process.stdout.readline())["cpu"])

    async def stats(self) -> dict:
        self.process.stdin.write(b"stats\n")
        await self.process.stdin.drain()
        return json.loads(await self.process.stdout.readline())

    async def stop(self) -> None:
        self.process.stdin.close()
        await self.process.wait()


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process, MB (VmHWM: its high-water mark, start-up included)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def campaign_state(db: sqlite3.Connection) -> tuple[bool, str]:
    """(worker started?, the campaign's status): two indexed looks, cheap enough to repeat every 0.5 s.

    The benchmark shares the two cores with the worker and the server, so it
    does not count 100,000 delivery rows while they work.
    """
    started = db.execute("select count(*) from sqlite_master where name = 'worker_state'").fetchone()[0] and \
        db.execute("select count(*) from worker_state where key = 'worker_started'").fetchone()[0]
    return bool(started), db.execute("select status from campaigns order by id desc limit 1").fetchone()[0]


def delivery_counts(path: Path) -> dict[str, int]:
    """Delivery rows by status, and the campaign's status."""
    db = open_database(path, migrate=False)
    counts = {row["status"]: row["n"] for row in db.query("select status, count(*) n from deliveries group by status")}
    counts["campaign"] = next(db.query("select status from campaigns order by id desc limit 1"))["status"]
    counts["worker started"] = bool(db["worker_state"].exists() and next(
        db.query("select count(*) n from worker_state where key = 'worker_started'"))["n"])
    db.close()
    return counts


async def one_run(number: int, args: argparse.Namespace, folder: Path) -> dict:
    """Fill a database, start the server and a worker, wait for the campaign to finish, report."""
    database = folder / f"broadcast-{number}.db"
    fill(database, args.recipients)
    serve_command = [sys.executable]
    if args.profile_server:
        serve_command = [str(Path(sys.executable).parent / "py-spy"), "record", "-o", args.profile_server, "-f", "raw",
                         "-r", "200", "--nonblocking", "--", sys.executable]
    child = await asyncio.create_subprocess_exec(
        *serve_command, __file__, "--serve", str(args.recipients), "none" if args.limit is None else str(args.limit),
        "1" if args.per_chat else "0", str(args.help_every),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    base_url = ""
    while not base_url.startswith("http"):  # py-spy, when profiling the server, says a word first
        base_url = (await child.stdout.readline()).decode().strip()
    server = Child(child)
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "WELLBOT_DATABASE": str(database),
           "WELLBOT_API_URL": base_url, "WELLBOT_STAFF_IDS": str(STAFF_ID)}
    if not args.free:
        env.update({"WELLBOT_PAID_BROADCAST": "on", "WELLBOT_SEND_RATE": str(args.rate)})
    command = [sys.executable, "-m", "wellbot", "run"]
    if args.profile:
        command = [str(Path(sys.executable).parent / "py-spy"), "record", "-o", args.profile, "-f", "raw", "-r", "200",
                   "--nonblocking", "--", *command]
    log = (folder / f"worker-{number}.log").open("wb")
    started = time.perf_counter()
    worker = await asyncio.create_subprocess_exec(*command, env=env, stdout=log, stderr=log, cwd=str(ROOT))
    pid = worker.pid
    memory = []
    asking = False
    watch = sqlite3.connect(database, timeout=5)
    sending_cpu: tuple[float, float] | None = None  # (worker, server) CPU seconds when the campaign began to send
    while True:
        await asyncio.sleep(RSS_EVERY)
        try:
            memory.append(rss_mb(pid if not args.profile else _python_child(pid)))
        except (FileNotFoundError, ProcessLookupError):
            break
        up, status = campaign_state(watch)
        if not asking and up:  # start-up done (its post_init starts the engine)
            await server.go()
            asking = True
        if sending_cpu is None and status != "queued":  # planned: the sending begins
            sending_cpu = (cpu_seconds(pid if not args.profile else _python_child(pid)), await server.cpu())
        if status in ("done", "paused", "cancelled"):
            break
        if time.perf_counter() - started > args.timeout:
            print("timed out")
            break
    elapsed = time.perf_counter() - started
    watch.close()
    worker_cpu = cpu_seconds(pid if not args.profile else _python_child(pid))
    high_water = rss_mb(pid if not args.profile else _python_child(pid), "VmHWM")
    stats = await server.stats()
    worker_sending, server_sending = (worker_cpu - sending_cpu[0], stats["cpu"] - sending_cpu[1]) if sending_cpu \
        else (worker_cpu, stats["cpu"])
    if args.profile:  # stop the worker under py-spy, which then writes its profile
        os.kill(_python_child(pid), signal.SIGTERM)
    else:
        worker.terminate()
    await worker.wait()
    await server.stop()
    log.close()
    counts = delivery_counts(database)
    rate = (stats["sends"] - 1) / max(stats["last"] - stats["first"], 1e-9)
    latencies = sorted(stats["latencies"])
    p99 = latencies[round(0.99 * (len(latencies) - 1))]
    print(f"run {number}: {stats['sends']} copies at {rate:.0f} msg/s (first to last send), {elapsed:.1f} s from "
          f"start-up to done; worker RSS start {memory[0]:.0f} MB, peak {max(memory):.0f}, end {memory[-1]:.0f} "
          f"(high-water mark {high_water:.0f}); "
          f"/help replies n={len(latencies)} p50 {1000 * statistics.median(latencies):.0f} ms, "
          f"p99 {1000 * p99:.0f} ms, max {1000 * latencies[-1]:.0f} ms; 429s {stats['rejected_429']}; "
          f"deliveries {counts}; CPU worker {worker_cpu:.1f} s, server {stats['cpu']:.1f} s; while sending "
          f"(from the campaign's start, sampled every {RSS_EVERY:g} s) worker {worker_sending:.1f} s "
          f"({1000 * worker_sending / stats['sends']:.3f} ms/msg), server {server_sending:.1f} s "
          f"({1000 * server_sending / stats['sends']:.3f} ms/msg); server full GCs {stats['gc_count']}, longest "
          f"{', '.join(f'{1000 * x:.0f}' for x in stats['gc'])} ms; {stats['gaps']} gaps over {1000 * GAP:.0f} ms "
          f"between copies, {stats['gap_seconds']:.1f} s in all, longest {1000 * stats['gap_max']:.0f} ms",
          flush=True)
    database.unlink()
    return {"rate": rate, "peak": max(memory), "hwm": high_water, "p99": p99}


def _python_child(pid: int) -> int:
    """Under py-spy, the worker is py-spy's child."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(children[0]) if children else pid


async def main() -> None:
    """Parse options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=1000.0, help="WELLBOT_SEND_RATE with paid broadcast (1000)")
    parser.add_argument("--free", action="store_true", help="paid broadcast off, WELLBOT_SEND_RATE unset (29/s)")
    parser.add_argument("--limit", type=float, help="server's global messages per second (default: none)")
    parser.add_argument("--per-chat", action="store_true", help="server limits each chat to 1 message/s")
    parser.add_argument("--help-every", type=float, default=HELP_EVERY, help="seconds between patients' /help")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--profile", help="record the worker with py-spy into this file (collapsed stacks)")
    parser.add_argument("--logs", type=Path, help="keep the worker logs (worker-N.log) in this folder")
    parser.add_argument("--profile-server", help="record the stand-in server with py-spy into this file")
    parser.add_argument("--serve", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        count, limit, per_chat, every = args.serve
        await serve(int(count), None if limit == "none" else float(limit), per_chat == "1", float(every))
        return
    mode = "paid off, default rate" if args.free else f"paid, WELLBOT_SEND_RATE={args.rate:g}"
    print(f"{args.recipients} recipients, {mode}; server limit {args.limit or 'none'}/s"
          f"{', 1/s per chat' if args.per_chat else ''}; /help every {args.help_every:g} s", flush=True)
    print(f"load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15 min)", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.logs or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        results = [await one_run(number, args, folder) for number in range(1, args.runs + 1)]
    print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15 min)")
    for key, unit in (("rate", "msg/s"), ("peak", "MB peak RSS"), ("hwm", "MB high-water"), ("p99", "s reply p99")):
        values = [r[key] for r in results]
        print(f"{unit:>14}: min {min(values):.2f}  median {statistics.median(values):.2f}  max {max(values):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
