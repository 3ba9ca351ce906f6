"""Reminders that always arrive, once: rows in SQLite, one PTB job that wakes at the next due time.

Booking calls the declared `on_visit_changed` hooks (this feature's among them) inside its transaction;
our listener re-plans that visit's rows in the same transaction and leaves a
hint of the earliest due time. A handler that runs after every update (group
`WAKE_GROUP`) turns the hint into a re-armed job, so a reminder that just
became due sooner is not held back. Code that changes visits outside an
update can call `wake(application)`; failing that, the job's safety interval
(30 s) bounds the delay.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlite_utils import Database
from telegram import Update
from telegram.ext import Application, TypeHandler

from wellbot.bot.deps import DEPS_KEY, Deps, WellbotContext
from wellbot.bot.features import ButtonRoute, Command, Feature
from wellbot.core.i18n import N_
from wellbot.reminders import handlers, store
from wellbot.reminders.config import policy_from_clinic
from wellbot.reminders.dispatcher import Dispatcher
from wellbot.reminders.times import Policy
from wellbot.reminders.views import CheckinScore, ConfirmVisit, ResendNotice, ResendReminder

log = logging.getLogger(__name__)

WAKE_GROUP = 90  # after every feature's handlers (group 0)


@dataclass
class Planner:
    """The clinic's rules bound to one database, plus the earliest due time planned since the last wake."""

    policy: Policy
    tz: ZoneInfo
    hint: datetime | None = None

    def take_hint(self) -> datetime | None:
        """The earliest due time planned since last asked, and forget it."""
        hint, self.hint = self.hint, None
        return hint


# The visit listener only receives the database; this finds the rules for it.
_planners: weakref.WeakKeyDictionary[Database, Planner] = weakref.WeakKeyDictionary()


def bind(deps: Deps) -> None:
    """Validate `[reminders]` and bind its rules to this database (a `checks` hook: runs in build_deps)."""
    _planners[deps.db] = Planner(policy_from_clinic(deps.clinic), deps.clinic.timezone)


def on_visit_changed(db: Database, visit_id: int, change: str, now: datetime) -> None:
    """Re-plan a visit's reminders inside booking's transaction; remember the earliest due time."""
    planner = _planners.get(db)
    if planner is None:
        log.warning("visit changed on a database without reminder rules; not planned visit_id=%s", visit_id)
        return
    earliest = store.replan_visit(db, visit_id, planner.policy, planner.tz, now)
    log.debug("reminders re-planned visit_id=%s change=%s", visit_id, change)
    if earliest is not None and (planner.hint is None or earliest < planner.hint):
        planner.hint = earliest


def dispatcher_of(application: Application) -> Dispatcher | None:
    """The running dispatcher, or None before start-up."""
    return application.bot_data[DEPS_KEY].reminders


def wake(application: Application) -> None:
    """Re-arm the dispatcher if a visit change made something due earlier (call after committing)."""
    dispatcher = dispatcher_of(application)
    planner = _planners.get(application.bot_data[DEPS_KEY].db)
    if dispatcher is not None and planner is not None:
        dispatcher.wake_for(planner.take_hint())


async def _wake_after_update(update: Update, context: WellbotContext) -> None:
    """Runs after every update's handlers: their transactions are committed by now."""
    wake(context.application)


async def startup(application: Application) -> None:
    """Requeue rows a crash left claimed, then arm the wake-up (missed reminders go out at once)."""
    deps: Deps = application.bot_data[DEPS_KEY]
    planner = _planners.get(deps.db) or Planner(policy_from_clinic(deps.clinic), deps.clinic.timezone)
    _planners[deps.db] = planner
    dispatcher = Dispatcher(application, deps, planner.policy)
    deps.reminders = dispatcher
    dispatcher.start()


async def shutdown(application: Application) -> None:
    """Stop waking; a delivery in progress finishes first."""
    deps: Deps = application.bot_data[DEPS_KEY]
    dispatcher, deps.reminders = deps.reminders, None
    if dispatcher is not None:
        await dispatcher.stop()


FEATURE = Feature(
    name="reminders",
    commands=[Command("checkins", N_("Patients' pain scores after visits, as a trend"), handlers.checkins,
                      staff=True, usage=N_("[patient user id]"))],
    buttons=[ButtonRoute.typed(ConfirmVisit, handlers.confirm),
             ButtonRoute.typed(CheckinScore, handlers.answer_checkin),
             ButtonRoute.typed(ResendReminder, handlers.resend, staff=True),  # under notices sent before 0130
             ButtonRoute.typed(ResendNotice, handlers.resend_all, staff=True)],
    handlers=[(TypeHandler(Update, _wake_after_update), WAKE_GROUP)],
    startup=[startup],
    shutdown=[shutdown],
    checks=[bind],
    status=[store.status_lines],
    export_data=store.export_data,
    erase_data=store.erase_data,
    purge=store.purge,
    on_visit_changed=on_visit_changed,  # re-plan a visit's reminders in the booking's own transaction
)
