"""One send budget: replies, then reminders, then news, under one rate; a 429 from any send pauses all.

Found when tried: reminders (20/s) and the newsletter engine (29/s) paced
themselves apart, together went over Telegram's ~30/s, and a 429 paused only
the sender that got it.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import pytest_asyncio
from telegram.error import RetryAfter

from tests.conftest import DEFAULT_START
from tests.harness import TOKEN, Harness
from tests.test_delivery_engine import add_subscribers, queue
from tests.test_reminders import at, book, run_at
from wellbot.bot.ratelimit import REMINDER_LANE, BulkAwareRateLimiter, budget_of
from wellbot.core.budget import NEWS, REMINDER, REPLY, Pacer
from wellbot.newsletter import store as news_store
from wellbot.sim.devserver import BotAPIServer


class FakeTime:
    """A monotonic clock the test moves; sleeping moves it."""

    def __init__(self) -> None:
        self.t = 100.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds
        await asyncio.sleep(0)


# --- the budget itself: pure, on a fake clock --------------------------------------------------


def test_a_waiting_reply_takes_the_next_slot_before_news():
    t = FakeTime()
    budget = Pacer(10.0, now=t.now)
    budget.take(None, NEWS)
    assert budget.wait_global(NEWS) > 0  # one slot (0.1 s) to wait anyway
    budget._waiting[REPLY] += 1  # a reply is waiting for that slot
    t.t += 0.1
    assert budget.wait_global(REPLY) <= 0
    assert budget.wait_global(NEWS) > 0, "news yields the slot while a reply waits"
    assert budget.wait_global(REMINDER) > 0, "so does a reminder"


def test_a_clump_of_replies_goes_at_once_and_news_waits_the_slots_out():
    """Found when tried: at a big clinic replies queued on the grid behind each other (p99 107 ms at 19/s)."""
    t = FakeTime()
    budget = Pacer(10.0, now=t.now, reply_burst=3)
    for _ in range(3):
        assert budget.wait_global(REPLY) <= 0, "a clump of up to reply_burst replies waits for no slot"
        budget.take(None, REPLY)
    assert abs(budget.wait_global(REPLY) - 0.1) < 1e-9, "the next reply waits one interval"
    assert abs(budget.wait_global(NEWS) - 0.3) < 1e-9, "news waits out every slot the replies took early"
    t.t += 0.3
    assert budget.wait_global(REPLY) <= 0
    assert budget.wait_global(NEWS) <= 0


def test_replies_ahead_of_the_grid_keep_the_rate_and_the_1_s_window():
    """Replies as fast as they may go: the rate over time stays the configured one, no second holds more than 30."""
    t = FakeTime()
    budget = Pacer(29.5, now=t.now, window_limit=30, reply_burst=5)
    sent = []
    while t.t < 110.0:
        wait = budget.wait_global(REPLY)
        if wait > 0:
            t.t += wait
            continue
        budget.answered(budget.take(None, REPLY))
        sent.append(t.t)
    assert len(sent) <= 29.5 * 10 + 5
    assert max(sum(1 for s in sent if start <= s < start + 1.0) for start in sent) <= 30


def test_news_and_reminders_never_run_ahead_of_the_grid():
    t = FakeTime()
    budget = Pacer(10.0, now=t.now, reply_burst=5)
    budget.take(None, NEWS)
    assert budget.wait_global(NEWS) > 0
    assert budget.wait_global(REMINDER) > 0
    assert budget.wait_global(REPLY) <= 0


async def test_replies_then_reminders_then_news_when_all_wait_at_once():
    budget = Pacer(20.0)  # the real clock: slots 50 ms apart
    budget.take(None, NEWS)  # the grid is busy for the next slot
    order = []

    async def send(priority):
        await budget.acquire(priority)
        order.append(priority)

    news = asyncio.create_task(send(NEWS))
    await asyncio.sleep(0)
    reminder = asyncio.create_task(send(REMINDER))
    await asyncio.sleep(0)
    reply = asyncio.create_task(send(REPLY))
    await asyncio.gather(news, reminder, reply)
    assert order == [REPLY, REMINDER, NEWS]
    assert budget.taken == [1, 1, 2]


async def test_a_429_answered_to_a_reminder_pauses_every_sender_for_retry_after():
    t = FakeTime()
    budget = Pacer(10.0, now=t.now)
    limiter = BulkAwareRateLimiter(budget)

    async def refused(*args, **kwargs):
        raise RetryAfter(timedelta(seconds=3))

    with contextlib.suppress(RetryAfter):
        await limiter.process_request(refused, (), {}, "sendMessage", {"chat_id": 5}, REMINDER_LANE)
    assert budget.pauses == 1
    assert 2.9 <= budget.wait_global(NEWS) <= 3.0, "the engine's next push waits out the 429"
    assert 2.9 <= budget.wait_global(REPLY) <= 3.0, "and so does a reply"


async def test_a_429_answered_to_a_reply_pauses_news_too():
    t = FakeTime()
    budget = Pacer(10.0, now=t.now)
    limiter = BulkAwareRateLimiter(budget, max_retries=0)

    async def refused(*args, **kwargs):
        raise RetryAfter(timedelta(seconds=2))

    with contextlib.suppress(RetryAfter):
        await limiter.process_request(refused, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert 1.9 <= budget.wait_global(NEWS) <= 2.0


async def test_edits_and_button_answers_take_no_message_slot():
    budget = Pacer(10.0)
    limiter = BulkAwareRateLimiter(budget)

    async def ok(*args, **kwargs):
        return True

    await limiter.process_request(ok, (), {}, "answerCallbackQuery", {"callback_query_id": "1"}, None)
    await limiter.process_request(ok, (), {}, "sendChatAction", {"chat_id": 5}, None)
    await limiter.process_request(ok, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert budget.taken == [1, 0, 0]


# --- through the bot, against a strict 30/s server ----------------------------------------------


@pytest_asyncio.fixture
async def strict_bot(tmp_path):
    """A worker against a server that answers 429 past 30 sends in any second."""
    server = BotAPIServer(token=TOKEN, global_rate=30)
    await server.start()
    harness = Harness(server, tmp_path / "wellbot.db", DEFAULT_START)
    await harness.start()
    yield harness
    await harness.stop()
    await server.stop()


async def test_reminders_due_during_a_broadcast_share_the_30_per_second_and_draw_no_429(strict_bot):
    bot = strict_bot
    subscribers = range(20_001, 20_121)
    for user_id in subscribers:
        bot.server.user(user_id)
    add_subscribers(bot.db, bot.clock, subscribers)
    patients = range(30_001, 30_041)
    for user_id in patients:
        bot.server.user(user_id)
        book(bot, at(2026, 6, 12, 10, 0), user_id=user_id)
    campaign = queue(bot.db, bot.clock, body="Clinic news")
    bot.deps.engine.wake()
    await asyncio.sleep(1.0)  # the broadcast is under way
    await run_at(bot, at(2026, 6, 11, 10, 0))  # 40 day-before reminders come due at once
    for _ in range(200):
        if news_store.get_campaign(bot.db, campaign)["status"] == "done":
            break
        await asyncio.sleep(0.1)
    sends = sorted(c.time for c in bot.server.calls if c.method.lower() == "sendmessage")
    busiest = max(sum(1 for s in sends if start <= s < start + 1.0) for start in sends)
    assert bot.server.stats["rejected_429"] == 0, "one budget: the two senders never exceed 30/s together"
    assert busiest <= 30
    assert news_store.delivery_counts(bot.db, campaign)["sent"] == 120
    assert bot.db.execute("select count(*) from reminders where status = 'sent'").fetchone()[0] == 40
    budget = budget_of(bot.app.bot)
    assert budget.taken[REMINDER] == 40
    assert budget.taken[NEWS] >= 120
