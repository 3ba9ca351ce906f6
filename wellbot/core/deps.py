"""The dependency container: everything a handler or an action needs, built once at start.

Passed in (never imported as globals), so tests build one with a manual
clock, an in-memory database and a local Bot API server. No Telegram types
live here: actions and stores take `Deps` without importing the bot layer.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from wellbot.core import i18n, patients
from wellbot.core.clinic import Clinic
from wellbot.core.clock import Clock
from wellbot.core.flows import FlowStore
from wellbot.core.hooks import Hooks
from wellbot.core.lease import Worker
from wellbot.core.monitor import Monitor
from wellbot.core.settings import Settings

if TYPE_CHECKING:
    from wellbot.booking.rules import Rules
    from wellbot.bot.features import Feature
    from wellbot.bot.guards import FloodControl
    from wellbot.bot.heartbeat import LoopLagMonitor
    from wellbot.bot.render import Renderer
    from wellbot.newsletter.engine import Engine
    from wellbot.reminders.dispatcher import Dispatcher

log = logging.getLogger(__name__)

POLLING = "polling"
WEBHOOK = "webhook"


@dataclass
class Deps:
    """Everything a handler needs, built once at start; the running parts are set by their features."""

    settings: Settings
    clinic: Clinic
    db: Database
    clock: Clock
    renderer: Renderer
    flows: FlowStore
    features: list[Feature] = field(default_factory=list)
    hooks: Hooks = field(default_factory=Hooks)
    # This worker's lease id (wellbot.core.lease): rows it claims carry it. Fresh for every build, so a
    # restarted worker takes back what its previous run left claimed.
    worker_id: str = field(default_factory=lambda: Worker.this_process().id)
    worker_mode: str = POLLING  # how updates arrive: "polling" or "webhook" (set by `wellbot run`)
    booking_rules: Rules | None = None  # parsed once from the clinic file by the booking feature
    busy_cache: Any = None  # the booking screens' reads of busy time (wellbot.booking.busy_cache), made on first use
    flood: FloodControl | None = None  # one flood limiter per running bot
    loop_lag: LoopLagMonitor | None = None  # the running event-loop lag monitor (between start-up and shutdown)
    reminders: Dispatcher | None = None  # the running reminder dispatcher (between start-up and shutdown)
    engine: Engine | None = None  # the running newsletter delivery engine
    bulk_bot: Any = None  # the engine's messenger (WireMessenger, or a PTB bot's behind a proxy), own connections
    outbox: Any = None  # the running outbox deliverer (wellbot.bot.outbox.Outbox)
    bulk_read_timeout: float | None = None  # seconds a bulk push waits for Telegram's answer (None: the default)
    monitor: Monitor = field(default_factory=Monitor)  # metrics and health for operators (wellbot.bot.monitor)
    _clinic: Clinic = field(init=False, repr=False, compare=False)  # the clinic file itself (see `clinic` below)

    @property
    def base_clinic(self) -> Clinic:
        """The clinic file in its default language (staff screens, keys, rules)."""
        return self._clinic

    def language_of(self, user_id: int | None) -> str:
        """The patient's stored language if the clinic still offers it, else the clinic's default."""
        return patients.language_of(self.db, user_id, self._clinic.languages, self._clinic.default_language)

    def staff_language(self, chat_id: int | None) -> str:
        """The language a staff chat reads: a staff member's own (as a patient's), the clinic's default elsewhere.

        A staff group is read by several people at once, so it gets the clinic's default language.
        """
        if chat_id is None or not self.settings.is_staff(chat_id):  # a private chat's id is its user's id
            return self._clinic.default_language
        try:
            stored = patients.stored_language(self.db, chat_id)
        except sqlite3.Error as exc:
            # An urgent alert (or the start-up menus) must not fail for want of a language: the default will do.
            log.warning("staff language not read, the default used staff_id=%s error=%s", chat_id,
                        type(exc).__name__)
            return self._clinic.default_language
        return stored if stored in self._clinic.languages else self._clinic.default_language


def _clinic(self: Deps) -> Clinic:
    """The clinic in the language being written (wellbot.core.i18n): its texts as the reader should see them."""
    return self._clinic.localized(i18n.current_language())


def _set_clinic(self: Deps, clinic: Clinic) -> None:
    self._clinic = clinic


# A property over the dataclass field: every `deps.clinic.services[...].name` a handler reads is in the
# patient's language without each caller passing it. Assigning (build_deps, tests) sets the base clinic.
Deps.clinic = property(_clinic, _set_clinic)  # type: ignore[assignment]
