"""The worker process as an operator runs it: `wellbot run`, SIGTERM, 409 Conflict."""

import asyncio
import gc
import logging
import os
import signal
import sys

from tests.harness import TOKEN
from wellbot.app import settle_heap

STOP_LIMIT_SECONDS = 10
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


async def start_worker(devserver, tmp_path, *args, **env):
    """Start `python -m wellbot run [args]` against the local server."""
    environ = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "WELLBOT_API_URL": devserver.base_url,
        "WELLBOT_DATABASE": str(tmp_path / "wellbot.db"),
        "WELLBOT_LOG_LEVEL": "INFO",
        **env,
    }
    environ.pop("WELLBOT_CLINIC", None)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wellbot", "run", *args, env=environ,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def wait_for_call(devserver, method, timeout=60.0):
    """Wait until the worker has called `method` on the server.

    A worker's start-up (imports, the word lists) took over 20 s once in a CI run sharing 2 cores at load 7; the
    wait ends as soon as the call is seen, so a long limit costs nothing when the machine is quiet.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not any(call.method == method for call in devserver.calls):
        assert loop.time() < deadline, f"worker never called {method}"
        await asyncio.sleep(0.05)


async def test_worker_answers_and_stops_on_sigterm_within_ten_seconds(devserver, tmp_path):
    worker = await start_worker(devserver, tmp_path)
    patient = devserver.user(4242, "Ada")
    await patient.send("/start")
    reply = await patient.next_message(timeout=20)
    assert "Hello, Ada!" in reply.text
    loop = asyncio.get_running_loop()
    started = loop.time()
    worker.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(worker.communicate(), timeout=STOP_LIMIT_SECONDS)
    assert loop.time() - started < STOP_LIMIT_SECONDS
    assert worker.returncode == 0, stderr.decode()
    log = stderr.decode()
    assert "worker stopped" in log
    assert log.index("heap settled after start-up") > log.index("lease taken"), "frozen once start-up is done"
    assert TOKEN not in log
    assert "Ada" not in log
    wal = tmp_path / "wellbot.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0, "the worker checkpoints and closes the database on exit"


async def test_webhook_worker_refuses_without_the_secret_answers_with_it_and_stops_on_sigterm(devserver, tmp_path):
    import httpx

    from tests.harness import command_update, free_port
    from tests.test_webhook import SECRET

    port = free_port()
    worker = await start_worker(devserver, tmp_path, "--webhook", "https://bot.example.org/hook", "--port", str(port),
                                WELLBOT_WEBHOOK_SECRET=SECRET)
    await wait_for_call(devserver, "setWebhook")
    patient = devserver.user(4243, "Ada")
    local = f"http://127.0.0.1:{port}/hook"
    async with httpx.AsyncClient() as client:
        for _ in range(100):  # setWebhook comes just before the server listens
            try:
                refused = await client.post(local, json=command_update(patient, 1, "/start"))
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.05)
        accepted = await client.post(local, json=command_update(patient, 2, "/start"),
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert (refused.status_code, accepted.status_code) == (403, 200)
    assert "Hello, Ada!" in (await patient.next_message(timeout=20)).text
    worker.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(worker.communicate(), timeout=STOP_LIMIT_SECONDS)
    assert worker.returncode == 0, stderr.decode()
    assert len(patient.messages) == 1


async def test_second_poller_conflict_is_reported_clearly(devserver, tmp_path):
    devserver.fail_next("getUpdates", status=409, description=CONFLICT, count=3)
    worker = await start_worker(devserver, tmp_path)
    try:
        await wait_for_call(devserver, "getUpdates")
        patient = devserver.user(4343, "Bo")
        await patient.send("/start")
        assert "Hello, Bo!" in (await patient.next_message(timeout=30)).text
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(worker.communicate(), timeout=STOP_LIMIT_SECONDS)
    assert "409 Conflict: another program is receiving this bot's updates" in stderr.decode()


def test_settle_heap_freezes_what_start_up_built():
    """`wellbot run` freezes its start-up objects so a full collection does not stall paced sends."""
    before = gc.get_freeze_count()
    try:
        settle_heap()
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


class StartingApplication:
    """Just enough of an Application for Runner._serve: records the order start-up happens in."""

    def __init__(self, order: list[str]) -> None:
        self.order = order
        self.updater = self

    async def post_init(self, application) -> None:
        self.order.append("features started")

    async def start(self) -> None:
        self.order.append("application started")

    async def start_polling(self, **kwargs) -> None:
        self.order.append("polling")


async def test_the_heap_is_settled_once_after_the_features_start_and_before_updates(tmp_path):
    """Found when tried: settled before start-up, the FAQ index and triage tables stayed in full collections."""
    from wellbot.bot.runner import Runner
    from wellbot.core.deps import POLLING
    from wellbot.core.settings import Settings

    order: list[str] = []
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "WELLBOT_DATABASE": str(tmp_path / "w.db")})
    runner = Runner(settings, None, None, mode=POLLING, settle=lambda: order.append("settled"))
    runner.stop.set()  # serve returns once updates have started
    for _ in range(2):  # a second cycle (after a lost lease) settles nothing again
        await runner._serve(StartingApplication(order))
    assert order == ["features started", "application started", "settled", "polling",
                     "features started", "application started", "polling"]


async def test_loop_lag_monitor_warns_when_the_loop_is_held(caplog):
    """Holding the event loop past the threshold logs one WARNING with the lag; short waits do not."""
    import asyncio
    import logging
    import time

    from wellbot.bot.heartbeat import LoopLagMonitor

    monitor = LoopLagMonitor(warn_ms=50, tick=0.01)
    monitor.start()
    await asyncio.sleep(0.03)
    with caplog.at_level(logging.WARNING, logger="wellbot.bot.heartbeat"):
        time.sleep(0.2)  # noqa: ASYNC251 - the point: a handler computing without awaiting
        await asyncio.sleep(0.03)
    await monitor.stop()
    held = [r for r in caplog.records if "event loop held" in r.getMessage()]
    assert len(held) == 1
    assert monitor.warnings == 1
    assert monitor.take_worst() >= 150
    assert monitor.take_worst() == 0


def test_loop_lag_setting_is_validated():
    import pytest

    from wellbot.bot.heartbeat import LAG_WARN_MS, lag_threshold
    from wellbot.core.errors import ConfigError

    assert lag_threshold({}) == LAG_WARN_MS
    assert lag_threshold({"WELLBOT_LOOP_LAG_WARN_MS": "50"}) == 50
    for bad in ("fast", "0", "-5"):
        with pytest.raises(ConfigError, match="WELLBOT_LOOP_LAG_WARN_MS"):
            lag_threshold({"WELLBOT_LOOP_LAG_WARN_MS": bad})


async def test_a_job_falling_due_while_the_worker_stops_is_not_cancelled_with_a_traceback(bot, caplog):
    """Found in a full-suite run of test_failover.py: a worker's log held a CancelledError traceback on a clean stop.

    PTB's JobQueue.stop waits for the jobs running when it starts, but APScheduler keeps starting jobs that
    fall due meanwhile (the reminder dispatcher re-arms itself and wakes the scheduler), then cancels those at
    shutdown and logs each as an error with its traceback.
    """
    harness = bot
    started = asyncio.Event()
    late_ran = []

    async def running(context):
        """A job still running when the stop begins: the stop waits for it."""
        started.set()
        await asyncio.sleep(0.3)

    async def late(context):
        """A job that falls due while the stop waits for the first."""
        late_ran.append(True)
        await asyncio.sleep(1.0)

    jobs = harness.app.job_queue
    jobs.run_once(running, 0)
    jobs.run_once(late, 0.1)
    await started.wait()
    with caplog.at_level(logging.INFO):
        await harness.stop()
    logged = [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], asyncio.CancelledError)]
    assert logged == [], [r.getMessage() for r in logged]
    assert late_ran == [], "nothing new starts once the worker is stopping"
