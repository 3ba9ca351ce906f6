"""PTB's AIORateLimiter for interactive traffic, with a bypass for the delivery engine.

Replies to patients go through AIORateLimiter (30/s overall, 20/min per
group, a few retries on 429). Bulk sends must not: the newsletter engine
paces itself below the limit, must see every 429 itself (to pause all of its
sends for `retry_after` and retry the right delivery), and would be slowed
and blind-sided by the limiter's hidden retries. A request carrying
`rate_limit_args=BULK_BYPASS` goes straight to the Bot API.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import AIORateLimiter

from wellbot.core.monitor import Monitor

BULK_BYPASS = "bulk-engine"


class BulkAwareRateLimiter(AIORateLimiter):
    """AIORateLimiter that lets requests marked BULK_BYPASS through unthrottled, counting every send's outcome.

    Every request of the application's bot and the engine's bulk bot passes
    here, so this is the one place that sees each attempt (a 429 the limiter
    retries included) for the `wellbot_sends` metric.
    """

    def __init__(self, *args: Any, monitor: Monitor | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.monitor = monitor

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args) -> Any:
        """Send bypass requests directly (after any 429 pause); throttle the rest as usual."""
        if self.monitor is not None:
            from wellbot.bot.monitor import observe_send

            callback = observe_send(endpoint, callback, self.monitor)
        if rate_limit_args == BULK_BYPASS:
            await self._retry_after_event.wait()  # honour a pause the interactive side is sitting out
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)

    async def bulk_ready(self) -> None:
        """Return once no 429 pause is being sat out (the engine's wire messenger waits on it before a push)."""
        await self._retry_after_event.wait()
