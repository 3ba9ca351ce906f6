"""PTB's AIORateLimiter on the bot's one send budget: replies first, then reminders, then news.

Every message the bot sends takes a slot of one budget (wellbot.core.budget,
the delivery engine's pacer), at the configured global rate:
- replies to patients (any request carrying a chat id that sends a message)
  take a REPLY slot here, and keep AIORateLimiter's per-group limit and its
  few retries on 429;
- reminders are sent with `rate_limit_args=REMINDER_LANE`: a REMINDER slot,
  no hidden retries (the dispatcher retries, and records every attempt);
- bulk sends carry `rate_limit_args=BULK_BYPASS`: the engine has already
  taken a NEWS slot from the same budget, so they go straight to the Bot API.
A 429 answered to any of them pauses the whole budget for its `retry_after`.
AIORateLimiter's own overall limiter is off: the budget is the overall limit.
"""

from __future__ import annotations

import contextvars
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from wellbot.bot.busy import note_request
from wellbot.core.budget import DEFAULT_RATE, REMINDER, REPLY, REPLY_BURST, TELEGRAM_LIMIT, Pacer
from wellbot.core.monitor import Monitor

BULK_BYPASS = "bulk-engine"
REMINDER_LANE = "reminder"
# Bot API methods that put a message into a chat: what Telegram's ~30/s counts.
SENDING = ("send", "copyMessage", "copyMessages", "forwardMessage", "forwardMessages")
NOT_SENDING = ("sendChatAction",)

# The priority of the request being processed, set in process_request and read in _run_request (same task).
_priority: contextvars.ContextVar[int | None] = contextvars.ContextVar("wellbot_send_priority", default=None)


def counts_as_message(endpoint: str) -> bool:
    """True for Bot API methods that deliver a message (sendMessage, sendDocument, copyMessage...)."""
    return endpoint.startswith(SENDING) and endpoint not in NOT_SENDING


def retry_seconds(value: int | float | timedelta) -> float:
    """RetryAfter.retry_after as seconds (an int, or a timedelta with PTB_TIMEDELTA)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class BulkAwareRateLimiter(AIORateLimiter):
    """AIORateLimiter whose overall limit is the shared send budget, with a lane for reminders and a bulk bypass.

    Every request of the application's bot and the engine's bulk bot passes
    here, so this is also the one place that sees each attempt (a 429 the
    limiter retries included) for the `wellbot_sends` metric.
    """

    def __init__(self, budget: Pacer | None = None, *, max_retries: int = 0, monitor: Monitor | None = None) -> None:
        super().__init__(overall_max_rate=0, overall_time_period=0, max_retries=max_retries)
        self.budget = budget or Pacer(DEFAULT_RATE, window_limit=TELEGRAM_LIMIT, reply_burst=REPLY_BURST)
        self.monitor = monitor

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args) -> Any:
        """Bulk: straight through (after any 429 pause). Reminders: a REMINDER slot. Others: a REPLY slot."""
        if self.monitor is not None:
            from wellbot.bot.monitor import observe_send

            callback = observe_send(endpoint, callback, self.monitor)
        note_request()  # the handler making it will not be run again on a locked database (wellbot.bot.busy)
        if rate_limit_args == BULK_BYPASS:
            await self._retry_after_event.wait()  # honour a pause the interactive side is sitting out
            return await callback(*args, **kwargs)
        if rate_limit_args == REMINDER_LANE:
            await self._retry_after_event.wait()
            return await self._budgeted(REMINDER, callback, args, kwargs)
        token = _priority.set(REPLY if counts_as_message(endpoint) and data.get("chat_id") is not None else None)
        try:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        finally:
            _priority.reset(token)

    async def _run_request(self, chat, group, allow_paid_broadcast, callback, args, kwargs) -> Any:
        """AIORateLimiter's step, with a REPLY slot taken for a message to a chat."""
        priority = _priority.get()
        if priority is None:
            return await super()._run_request(chat, group, allow_paid_broadcast, callback, args, kwargs)

        async def budgeted(*call_args: Any, **call_kwargs: Any) -> Any:
            return await self._budgeted(priority, callback, call_args, call_kwargs)

        return await super()._run_request(chat, group, allow_paid_broadcast, budgeted, args, kwargs)

    async def _budgeted(self, priority: int, callback, args, kwargs) -> Any:
        """Take a slot, send, note the answer; a 429 pauses the whole budget."""
        send = await self.budget.acquire(priority)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            self.budget.pause(retry_seconds(exc._retry_after))
            raise
        finally:
            self.budget.answered(send)


    async def bulk_ready(self) -> None:
        """Return once no 429 pause is being sat out (the engine's wire messenger waits on it before a push)."""
        await self._retry_after_event.wait()


def budget_of(bot: object) -> Pacer | None:
    """The send budget behind a bot's rate limiter, or None (a bot built without one)."""
    limiter = getattr(bot, "rate_limiter", None)
    return limiter.budget if isinstance(limiter, BulkAwareRateLimiter) else None
