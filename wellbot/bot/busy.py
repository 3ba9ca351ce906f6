"""Retry an update's handler when another process holds the database's write lock, off the event loop.

The worker's connection waits only LOOP_BUSY_TIMEOUT_MS for a lock (see
wellbot.core.db), so a CLI command holding a write transaction for seconds
makes a handler's write fail fast instead of freezing every patient. The
handler is then run again once the lock is free (wellbot.core.busy: other
patients' updates, reminders and the engine go on meanwhile), until it
succeeds or BUSY_GIVE_UP seconds have passed. Only a handler that has not yet made a
Bot API request is run again, so nobody gets an answer twice; a write inside
`db.atomic()` is rolled back by the failure, so nothing is written twice.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlite_utils import Database

from wellbot.core.busy import wait_while_busy
from wellbot.core.db import is_busy

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_FIRST_WAIT = 0.05  # seconds before the first retry; doubles each time...
BUSY_MAX_WAIT = 0.5  # ...up to this
BUSY_GIVE_UP = 30.0  # seconds of retrying before the update fails as any other error would

# Bot API requests made by the handler now running (a one-item list per attempt; None outside one).
_requests: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("wellbot_requests_made", default=None)


def note_request() -> None:
    """Called for every Bot API request: the handler making it can no longer be run again."""
    made = _requests.get()
    if made is not None:
        made[0] += 1


async def retry_while_busy(call: Callable[[], Awaitable[T]], db: Database | None = None, what: str = "update") -> T:
    """Await `call()`; if it fails on a locked database before any Bot API request, wait and run it again.

    With `db`, the wait is on the database's gate (wellbot.core.busy): the
    retry comes as soon as the lock is free, and nothing spins on the loop.
    """
    started = time.monotonic()
    wait = BUSY_FIRST_WAIT
    attempt = 1
    while True:
        made = [0]
        token = _requests.set(made)
        try:
            return await call()
        except Exception as exc:
            if not is_busy(exc) or made[0] or time.monotonic() - started > BUSY_GIVE_UP:
                raise
        finally:
            _requests.reset(token)
        if attempt == 1 or attempt % 10 == 0:
            log.info("database busy (another process is writing): %s retried when it is free attempt=%s", what,
                     attempt)
        if db is not None:
            await wait_while_busy(db, wait)
        else:
            await asyncio.sleep(wait)
        wait = min(BUSY_MAX_WAIT, wait * 2)
        attempt += 1
