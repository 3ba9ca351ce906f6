"""One send budget for the whole bot: the delivery engine's pacer, shared by every sender, with priorities.

Telegram allows a bot about 30 messages a second in all. Replies to
patients, reminders, digests and broadcasts used to pace themselves apart
(the engine at 29/s, reminders at 20/s) and together went over; a 429 paused
only the sender that got it. Now one `Pacer` is the budget: every send takes
a slot from it, on one fixed grid at the configured rate (WELLBOT_SEND_RATE),
and a 429 from any send pauses them all for its `retry_after`.

Priorities: a slot goes to a waiting patient's reply first, then to a due
reminder, then to news. News never queues; the engine asks
`wait_global(NEWS)`, which stays positive while a reply or a reminder waits,
so those take the next slot and the campaign sends in the ones left over.

Replies may run a few slots ahead of the grid (`reply_burst`): patients
write in clumps, and on a strict grid each reply in a clump waited for the
one before it (at about 19 replies a second, 40% of them waited, p99 107 ms
and up to 162 ms; benchmarks/README.md, a big clinic). The slots they take
early are still booked on the grid, so news and reminders wait them out and
the rate over time is unchanged; the 1 s window guard still holds any second
at `window_limit`.

The engine's pacing rules are unchanged (see wellbot.newsletter.engine):
fixed spacing on a grid, Telegram's 1 s window guarded, one message per
chat per `per_chat_interval` for bulk sends. Pure; time is injected.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

PER_CHAT_INTERVAL = 1.0  # seconds between two bulk messages to one private chat
CATCH_UP = 0.004  # seconds a late slot may be made up (wake-ups are ~1 ms late; stalls are not made up)
WINDOW_SECONDS = 1.005  # Telegram's 1 s window, and 5 ms for clock granularity

DEFAULT_RATE = 29.5  # messages/s when nothing is configured (the engine's DEFAULT_RATE)
TELEGRAM_LIMIT = 30  # sends per second Telegram allows a bot without paid broadcast
REPLY_BURST = 5  # replies that may go at once, ahead of the grid (see the module docstring)
REPLY, REMINDER, NEWS = 0, 1, 2  # priorities: a lower number takes a free slot first
PRIORITY_NAMES = ("reply", "reminder", "news")
MAX_WAIT_STEP = 0.25  # seconds a waiter sleeps at most before looking again (a pause may be cut short)

Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """Global fixed spacing plus a per-chat interval, a shared 429 pause and send priorities."""

    def __init__(self, rate: float, per_chat_interval: float = PER_CHAT_INTERVAL,
                 now: Callable[[], float] = time.monotonic, window_limit: int | None = None,
                 catch_up: float = CATCH_UP, reply_burst: int = 1) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if reply_burst < 1:
            raise ValueError("reply_burst must be at least 1")
        self.interval = 1.0 / rate
        self.reply_ahead = (reply_burst - 1) * self.interval  # how far ahead of the grid a reply may go
        self.catch_up = catch_up
        self.per_chat_interval = per_chat_interval
        self.now = now
        # Telegram counts sends by when they reach it, in a 1 s window. A send reaches it after its
        # slot was taken and no later than its answer came back: the send `window_limit` places later
        # waits a window past that answer (while it is still awaited, a window past now, looked at
        # again on waking). An earlier rule assumed a send reaches Telegram within 25 ms of its slot;
        # under load the process stalls longer between the slot and the write (a commit, a busy
        # loop, a collection: 40 ms to 1 s measured in test_send_budget.py), and 31 landed in one
        # second. With answers back within ~12 ms (1.017 s per 30 slots at 29.5/s) it never binds;
        # a slower round trip r caps the rate at window_limit / (1.005 s + r).
        self._window: deque[list[float]] = deque(maxlen=window_limit) if window_limit else deque(maxlen=0)
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._chat_ready: dict[int, float] = {}
        self._waiting = [0] * len(PRIORITY_NAMES)  # senders waiting for a slot, by priority
        self.taken = [0] * len(PRIORITY_NAMES)  # slots given, by priority (for figures and tests)
        self.pauses = 0  # 429 pauses started

    def wait_global(self, priority: int = NEWS) -> float:
        """Seconds until the next message of this priority to anyone may go (a higher one waiting: not yet)."""
        ahead = self.reply_ahead if priority == REPLY else 0.0
        ready = max(self._next_slot - ahead, self._paused_until)
        if self._window.maxlen and len(self._window) == self._window.maxlen:
            _started, answered = self._window[0]
            ready = max(ready, min(answered, self.now()) + WINDOW_SECONDS)
        wait = ready - self.now()
        if any(self._waiting[:priority]):  # the next slot belongs to a reply or a reminder
            return max(wait, self.interval)
        return wait

    def wait_chat(self, chat_id: int) -> float:
        """Seconds until this chat may get another bulk message."""
        return self._chat_ready.get(chat_id, 0.0) - self.now()

    def take(self, chat_id: int | None, priority: int = NEWS) -> list[float]:
        """Record a send now and book the next slot one interval after this one's.

        Slots stay on a fixed grid, so the small lateness of every wake-up does
        not add up into a lower rate; a send later than `catch_up` restarts the
        grid from now instead, so a stall is never followed by a burst. A
        chat id of None (a reply) sets no per-chat interval.
        """
        now = self.now()
        slot = self._next_slot if now - self._next_slot <= self.catch_up else now
        self._next_slot = slot + self.interval
        self.taken[priority] += 1
        if chat_id is not None:
            self._chat_ready[chat_id] = now + self.per_chat_interval
            if len(self._chat_ready) > 4096:  # forget chats whose interval has passed
                self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}
        send = [now, math.inf]  # [started, answered]
        self._window.append(send)
        return send

    def answered(self, send: list[float]) -> None:
        """The send `take` returned got its answer now (so it reached Telegram by now)."""
        send[1] = self.now()

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (a 429's retry_after), then restart spacing from there."""
        self.pauses += 1
        self._paused_until = max(self._paused_until, self.now() + seconds)
        self._next_slot = max(self._next_slot, self._paused_until)

    async def acquire(self, priority: int, chat_id: int | None = None, sleep: Sleep = asyncio.sleep) -> list[float]:
        """Wait for a slot of this priority and take it; call `answered` with the result when the send returns."""
        self._waiting[priority] += 1
        try:
            while (wait := self.wait_global(priority)) > 0:
                await sleep(min(wait, MAX_WAIT_STEP))
        finally:
            self._waiting[priority] -= 1
        return self.take(chat_id, priority)
