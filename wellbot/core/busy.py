"""Waiting for another process's write lock without holding the event loop.

The worker's connection gives up on a locked database after
LOOP_BUSY_TIMEOUT_MS (wellbot.core.db). Whoever got 'database is locked'
then awaits the database's `BusyGate`: one probe, in a worker thread, waits
on a connection of its own (busy timeout PROBE_TIMEOUT) until it can take
the write lock, lets it go at once and opens the gate. Everyone waiting
tries again then; while the gate is closed, a new writer waits on it
instead of spending its own 50 ms on the loop (at 25 updates a second,
those 50 ms each would fill the loop). No Telegram imports.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref

from sqlite_utils import Database

from wellbot.core.db import is_busy

PROBE_TIMEOUT = 5.0  # seconds one probe waits for the lock before callers look again

_gates: weakref.WeakKeyDictionary[Database, BusyGate | None] = weakref.WeakKeyDictionary()


class BusyGate:
    """Closed while another process holds the write lock of one database file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._probe: asyncio.Future[None] | None = None

    @property
    def closed(self) -> bool:
        """True while a probe waits for the lock: writing now would only wait too."""
        return self._probe is not None and not self._probe.done()

    async def wait(self) -> None:
        """Return once the write lock was free for a moment (or after PROBE_TIMEOUT)."""
        if self._probe is None or self._probe.done():
            self._probe = asyncio.ensure_future(asyncio.to_thread(self._wait_for_lock))
        await asyncio.shield(self._probe)

    def _wait_for_lock(self) -> None:
        """In a worker thread: take the write lock as soon as it is free, and give it back."""
        connection = sqlite3.connect(self.path, timeout=PROBE_TIMEOUT, isolation_level=None)
        try:
            connection.execute("begin immediate")
            connection.execute("rollback")
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
        finally:
            connection.close()


def gate_for(db: Database) -> BusyGate | None:
    """The gate of this database's file, or None for an in-memory database (never locked by others)."""
    if db in _gates:
        return _gates[db]
    path = next((row[2] for row in db.execute("pragma database_list").fetchall() if row[1] == "main"), "")
    gate = BusyGate(path) if path else None
    _gates[db] = gate
    return gate


async def wait_while_busy(db: Database, fallback: float = 0.05) -> None:
    """After 'database is locked': wait on the database's gate (or `fallback` seconds without one)."""
    gate = gate_for(db)
    if gate is None:
        await asyncio.sleep(fallback)
    else:
        await gate.wait()


def locked(db: Database) -> bool:
    """True while another process is known to hold this database's write lock (a write now would only fail)."""
    gate = gate_for(db)
    return gate is not None and gate.closed


async def before_writing(db: Database) -> None:
    """Wait first if the database is known to be locked right now (instead of trying on the loop)."""
    gate = gate_for(db)
    if gate is not None and gate.closed:
        await gate.wait()
