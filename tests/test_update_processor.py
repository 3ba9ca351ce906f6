"""Updates run per user in order, and only once the next getUpdates is out (issue 22).

Found when tried at a big clinic: PTB asks for the next batch several turns of
the loop after the last one came back, and the handlers of that batch computed
in those turns first; 88% of the gaps over 20 ms between two polls were
handlers, while other patients' messages waited at the server.
"""

from __future__ import annotations

import asyncio

from wellbot.app import PerUserUpdateProcessor


async def handled_after(processor: PerUserUpdateProcessor, order: list[str], name: str) -> None:
    async def handler() -> None:
        order.append(name)

    await processor.do_process_update(object(), handler())


async def test_handlers_wait_for_the_next_poll_to_go_out():
    polling = asyncio.Event()
    processor = PerUserUpdateProcessor(8, polling=polling, head_start=30.0)
    order: list[str] = []
    task = asyncio.create_task(handled_after(processor, order, "handled"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert order == [], "no handler computes while the next poll is still being set up"
    polling.set()
    order.insert(0, "poll out")
    await asyncio.wait_for(task, 1)
    assert order == ["poll out", "handled"]


async def test_a_poll_that_does_not_go_out_holds_handlers_back_only_briefly():
    processor = PerUserUpdateProcessor(8, polling=asyncio.Event(), head_start=0.01)
    order: list[str] = []
    await asyncio.wait_for(handled_after(processor, order, "handled"), 1)
    assert order == ["handled"]


async def test_handlers_do_not_wait_while_a_poll_is_out_or_with_a_webhook():
    polling = asyncio.Event()
    polling.set()
    for processor in (PerUserUpdateProcessor(8, polling=polling, head_start=30.0),
                      PerUserUpdateProcessor(8, polling=None, head_start=30.0)):
        order: list[str] = []
        await asyncio.wait_for(handled_after(processor, order, "handled"), 1)
        assert order == ["handled"]


async def test_the_worker_marks_its_poll_out_while_it_waits_for_updates(bot):
    """The real getUpdates request sets the mark the processor waits on, and updates still flow through."""
    poller = bot.app.bot._request[0]  # PTB keeps (getUpdates request, other requests)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while not poller.polling.is_set():
        assert loop.time() < deadline, "the worker never marked a poll out"
        await asyncio.sleep(0.01)
    patient = bot.user(1051, "Ada")
    await patient.send("/start")
    assert "Hello, Ada!" in (await patient.next_message(timeout=10)).text
