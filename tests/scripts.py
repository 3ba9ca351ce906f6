"""Shared pieces for the security tests: database dumps and scripted patient journeys.

Features merged later plug in here: add the steps that take a patient
through your feature to `JOURNEYS` (what a patient sends and presses), and
the ownership, injection and fuzz tests cover it with no other change.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from wellbot.bot.guards import FloodControl
from wellbot.sim.devserver import SimUser

# Columns that change by themselves (a patient's last contact) or tables
# that are the worker's pulse rather than data.
VOLATILE_COLUMNS = {"patients": {"last_seen_at"}}
VOLATILE_TABLES = {"worker_state", "_sqlite_migrations"}
UNLIMITED = 1_000_000


@dataclass(frozen=True)
class Send:
    """The patient types or sends this text."""

    text: str


@dataclass(frozen=True)
class Press:
    """The patient presses the button whose label contains this, on the bot's latest message with one.

    `optional`: skip when there is no such button (hostile input may be refused a step earlier).
    """

    label: str
    optional: bool = False


Step = Send | Press

# (name, steps): one journey through each feature a patient can take. Steps
# may contain "{text}", replaced by the injection test with hostile input.
JOURNEYS: list[tuple[str, list[Step]]] = [
    ("front door", [Send("/start"), Send("/help"), Send("{text}")]),
    ("faq", [Send("/faq"), Send("/faq {text}")]),
    ("subscriptions", [Send("/subscribe"), Press("Yes, send me health news"), Send("/news")]),
    ("booking", [Send("/book"), Press("Acupuncture"), Press("Thu 11 Jun"), Press("10:00"), Send("{text}"),
                 Send("+1 555 0142"), Press("Confirm", optional=True), Send("/visits")]),
    ("privacy", [Send("/privacy"), Send("/mydata"), Send("/forget"), Send("{text}"), Press("No, keep")]),
]

# The same for staff tools that take typed text (staff may format on purpose,
# so only evaluation and refusals are checked for these).
STAFF_JOURNEYS: list[tuple[str, list[Step]]] = [
    ("broadcast", [Send("/broadcast"), Send("{text}"), Press("All subscribers", optional=True),
                   Press("Cancel", optional=True)]),
    ("news item", [Send("/news_add"), Send("{text}"), Send("{text}"), Send("none"), Press("Pain management"),
                   Press("Done"), Send("now"), Press("Save"), Send("/news_list")]),
]


def dump(db, *, only_user: int | None = None) -> dict[str, list[tuple]]:
    """Every row of every table, sorted, without volatile columns (or only the rows naming one user)."""
    result = {}
    for table in db.table_names():
        if table in VOLATILE_TABLES or table.startswith("sqlite_"):
            continue
        columns = [c for c in db[table].columns_dict if c not in VOLATILE_COLUMNS.get(table, set())]
        rows = [dict(zip(columns, row, strict=True))
                for row in db.execute(f"select {', '.join(_quote(c) for c in columns)} from {_quote(table)}")]
        if only_user is not None:
            rows = [r for r in rows if only_user in (r.get("user_id"), r.get("chat_id"))]
        result[table] = sorted(tuple(r.items()) for r in rows)
    return result


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def no_flood_limit(bot) -> None:
    """Tests that send many updates quickly on purpose lift the per-user rate."""
    bot.deps.flood = FloodControl(limit=UNLIMITED)


async def run_journey(bot, user: SimUser, steps: list[Step], text: str = "hello") -> None:
    """Take `user` through `steps`, waiting for the bot after each."""
    for step in steps:
        if isinstance(step, Send):
            await user.send(step.text.replace("{text}", text))
        else:
            message = next((m for m in reversed(user.messages)
                            if any(step.label in label for label in m.button_labels())), None)
            if message is None and step.optional:
                continue
            assert message is not None, f"no button {step.label!r} in the chat"
            await user.press(message, step.label)
        await bot.settle()


def callback_data_seen(user: SimUser) -> list[str]:
    """Every callback_data on every button the bot ever showed this user, once each."""
    seen: list[str] = []
    for message in user.history:
        for row in message.buttons():
            for button in row:
                data = button.get("callback_data")
                if data and data not in seen:
                    seen.append(data)
    return seen


async def settle_answered(bot, timeout: float = 5.0) -> None:
    """Settle, then wait until every pressed button was answered (a handler may still be thinking)."""
    await bot.settle()
    deadline = time.monotonic() + timeout
    while bot.server.unanswered_callbacks():
        assert time.monotonic() < deadline, "a pressed button was never answered"
        await asyncio.sleep(0.01)
    await bot.settle()
