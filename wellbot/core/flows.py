"""Conversation state in SQLite: which flow a user is in, at which step.

Kept in the database (not in PTB's memory) so a restart resumes every
conversation. Each flow instance has a short random token that its buttons
carry; a button whose token is not the user's current one is stale.

A flow left idle longer than the clinic's `conversation_idle_hours` has
expired: it is never resumed (a typed name or phone from yesterday's
abandoned booking must not be picked up), and the retention purge deletes it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from wellbot.core.clock import Clock, from_db, to_db

DEFAULT_IDLE = timedelta(hours=24)

TOKEN_BYTES = 3  # 6 hex characters: enough to tell flows apart, short for callback_data


@dataclass
class Flow:
    """One user's place in one multi-step flow."""

    user_id: int
    flow: str
    step: str
    token: str
    data: dict[str, Any] = field(default_factory=dict)


class FlowStore:
    """Read and write flow state; one row per user."""

    def __init__(self, db: Database, clock: Clock, idle: timedelta = DEFAULT_IDLE) -> None:
        self.db = db
        self.clock = clock
        self.idle = idle

    def get(self, user_id: int) -> Flow | None:
        """The user's current flow, or None (an expired one is deleted on the way)."""
        row = next(self.db.query("select * from flows where user_id = ?", [user_id]), None)
        if row is None:
            return None
        if from_db(row["updated_at"]) < self.clock.now() - self.idle:
            self.db.execute("delete from flows where user_id = ? and updated_at = ?", [user_id, row["updated_at"]])
            return None
        return Flow(row["user_id"], row["flow"], row["step"], row["token"], json.loads(row["data"]))

    def start(self, user_id: int, flow: str, step: str, data: dict[str, Any] | None = None) -> Flow:
        """Begin a flow (replacing any other) with a fresh token."""
        state = Flow(user_id, flow, step, secrets.token_hex(TOKEN_BYTES), data or {})
        self.save(state)
        return state

    def save(self, state: Flow) -> None:
        """Persist the flow's step and data."""
        self.db.table("flows").upsert(
            {
                "user_id": state.user_id,
                "flow": state.flow,
                "step": state.step,
                "token": state.token,
                "data": json.dumps(state.data, sort_keys=True),
                "updated_at": to_db(self.clock.now()),
            },
            pk="user_id",
        )

    def clear(self, user_id: int) -> Flow | None:
        """End the user's flow; return what it was."""
        state = self.get(user_id)
        if state is not None:
            self.db.execute("delete from flows where user_id = ?", [user_id])
        return state

    def current(self, user_id: int, flow: str, token: str) -> Flow | None:
        """The flow if `token` is still the live one for this flow, else None (a stale button)."""
        state = self.get(user_id)
        if state is None or state.flow != flow or state.token != token:
            return None
        return state


def purge_idle(db: Database, cutoff: datetime) -> int:
    """Delete flows untouched since `cutoff` (abandoned conversations and what was typed into them)."""
    return db.execute("delete from flows where updated_at < ?", [to_db(cutoff)]).rowcount
