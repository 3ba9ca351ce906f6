"""How features react to each other, declared on each `Feature` and collected once.

The composition root (`wellbot.app`) gathers every feature's declared hooks
into one `Hooks` value on `Deps`; nothing is appended to a module-level list
at import time, so what runs after a booking is visible in the feature list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlite_utils import Database

if TYPE_CHECKING:
    from wellbot.core.deps import Deps

# Called inside the transaction that changed a visit: must not await and must not commit.
VisitListener = Callable[[Database, int, str, datetime], None]
# Called inside the transaction that marked a patient blocked (user_id, source).
BlockedListener = Callable[[Database, int, str], None]
# Called after a visit's change is committed: (deps, notifier, visit).
VisitHook = Callable[["Deps", "Notifier", Any], Awaitable[None]]


class Notifier(Protocol):
    """How actions reach people after a change; the bot layer implements it (`wellbot.bot.notify`)."""

    async def staff(self, template: str, **values: Any) -> int:
        """Tell every staff member, each in their language; return how many were reached.

        `localized=` (a function returning values) is called in each reader's language: a service's name.
        """
        ...

    async def patient(self, user_id: int | None, template: str, *, keyboard: Any = None, **values: Any) -> bool:
        """Tell one patient in their private chat; False if they cannot be reached."""
        ...


@dataclass(frozen=True)
class Hooks:
    """Every feature's declared reactions, in feature order."""

    visit_changed: tuple[VisitListener, ...] = ()
    visit_booked: tuple[VisitHook, ...] = ()
    visit_freed: tuple[VisitHook, ...] = ()
    patient_blocked: tuple[BlockedListener, ...] = ()

    async def after_booked(self, deps: Deps, notifier: Notifier, visit: Any) -> None:
        """Run each feature's after-booking hook."""
        for hook in self.visit_booked:
            await hook(deps, notifier, visit)

    async def after_freed(self, deps: Deps, notifier: Notifier, visit: Any) -> None:
        """Run each feature's freed-time hook (a visit cancelled or moved away)."""
        for hook in self.visit_freed:
            await hook(deps, notifier, visit)


def visit_changed(db: Database, listeners: Sequence[VisitListener], visit_id: int, change: str,
                  now: datetime) -> None:
    """Tell every listener about a change; call inside the caller's `db.atomic()`."""
    if not db.conn.in_transaction:
        raise RuntimeError("visit_changed must run inside the booking transaction")
    for listener in listeners:
        listener(db, visit_id, change, now)
