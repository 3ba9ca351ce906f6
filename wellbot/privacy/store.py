"""Patients' personal data: what is kept, exported, erased and purged.

Plain functions over the database (no Telegram here), driven by each
Feature's personal-data hooks (`export_data`, `erase_data`, `purge`) so a
feature merged later is covered without touching this module. The core
tables (patients, flows, subscriptions, visits) are handled here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from wellbot.core.clock import to_db
from wellbot.core.db import checkpoint
from wellbot.core.errors import ConfigError
from wellbot.core.flows import purge_idle

if TYPE_CHECKING:
    from wellbot.bot.features import Feature

SECTION = "privacy"
ANONYMISE = "anonymise"
DELETE = "delete"
VISIT_ERASURE_CHOICES = (ANONYMISE, DELETE)
DEFAULT_PAST_VISITS_DAYS = 730
DEFAULT_DELIVERY_RECORDS_DAYS = 90
DEFAULT_CONVERSATION_IDLE_HOURS = 24  # an unfinished conversation (a typed name, a phone) expires after this
DEFAULT_BLOCKED_PATIENTS_DAYS = 365  # a patient who blocked the bot this long ago is erased
MAX_HOURS = 24 * 365
MAX_DAYS = 36500  # a hundred years: anything longer is a typo
EXPORT_FORMAT = 1  # bump when the /mydata document's shape changes

# A feature declared with `owns_visit_records=True` keeps visit records: its
# `purge` hook gets the past-visits cutoff. Every other feature's records
# (reminders sent, news deliveries) are delivery records and get the
# delivery-records cutoff. The visit owners' hooks run after every other
# feature's, because those find a patient's rows through `visits.user_id`,
# which the visit owner clears.


@dataclass(frozen=True)
class Policy:
    """The clinic's retention and erasure rules, from the `[privacy]` table."""

    past_visits_days: int = DEFAULT_PAST_VISITS_DAYS
    delivery_records_days: int = DEFAULT_DELIVERY_RECORDS_DAYS
    visit_erasure: str = ANONYMISE
    conversation_idle_hours: int = DEFAULT_CONVERSATION_IDLE_HOURS
    blocked_patients_days: int = DEFAULT_BLOCKED_PATIENTS_DAYS

    @property
    def conversation_idle(self) -> timedelta:
        """How long an unfinished conversation is kept without a message."""
        return timedelta(hours=self.conversation_idle_hours)

    def visit_cutoff(self, now: datetime) -> datetime:
        """Visits that ended before this instant are purged."""
        return now - timedelta(days=self.past_visits_days)

    def delivery_cutoff(self, now: datetime) -> datetime:
        """Delivery records older than this instant are purged."""
        return now - timedelta(days=self.delivery_records_days)


def load_policy(section: dict[str, Any], where: str = f"[{SECTION}]") -> Policy:
    """Validate the `[privacy]` table (missing keys take defaults); raise ConfigError."""
    unknown = set(section) - {"past_visits_days", "delivery_records_days", "visit_erasure",
                              "conversation_idle_hours", "blocked_patients_days"}
    if unknown:
        raise ConfigError(where, f"unknown setting(s): {', '.join(sorted(unknown))}")
    erasure = section.get("visit_erasure", ANONYMISE)
    if erasure not in VISIT_ERASURE_CHOICES:
        raise ConfigError(where, f"`visit_erasure` must be one of {', '.join(VISIT_ERASURE_CHOICES)}")
    return Policy(
        past_visits_days=_days(section, "past_visits_days", DEFAULT_PAST_VISITS_DAYS, where),
        delivery_records_days=_days(section, "delivery_records_days", DEFAULT_DELIVERY_RECORDS_DAYS, where),
        visit_erasure=erasure,
        conversation_idle_hours=_whole(section, "conversation_idle_hours", DEFAULT_CONVERSATION_IDLE_HOURS,
                                       MAX_HOURS, "hours", where),
        blocked_patients_days=_days(section, "blocked_patients_days", DEFAULT_BLOCKED_PATIENTS_DAYS, where),
    )


def _days(section: dict[str, Any], key: str, default: int, where: str) -> int:
    """A whole number of days from the table, or ConfigError."""
    return _whole(section, key, default, MAX_DAYS, "days", where)


def _whole(section: dict[str, Any], key: str, default: int, most: int, unit: str, where: str) -> int:
    """A whole number from 1 to `most` from the table, or ConfigError."""
    value = section.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most:
        raise ConfigError(where, f"`{key}` must be a whole number of {unit} from 1 to {most}")
    return value


def export(db: Database, features: Iterable[Feature], user_id: int, now: datetime) -> dict[str, Any]:
    """Everything the bot holds about one patient: core tables plus every feature's export hook."""
    flow = _one(db, "select flow, step, data, updated_at from flows where user_id = ?", user_id)
    if flow is not None:
        flow["data"] = json.loads(flow["data"])
    subscription = _one(db, "select status, topics, updated_at from subscriptions where user_id = ?", user_id)
    if subscription is not None:
        subscription["topics"] = json.loads(subscription["topics"])
    features = list(features)
    document = {
        "format": EXPORT_FORMAT,
        "generated_at": to_db(now),
        "user_id": user_id,
        "patient": _one(db, "select user_id, chat_id, status, created_at, last_seen_at, blocked_at "
                            "from patients where user_id = ?", user_id),
        "conversation": flow,
        "subscription": subscription,
        "features": {f.name: f.export_data(db, user_id) for f in features if f.export_data is not None},
    }
    # The visit owner's export already lists the visits; listing them here
    # too would show every visit twice.
    if not any(f.owns_visit_records and f.export_data for f in features):
        document["visits"] = list(db.query("select * from visits where user_id = ? order by start_utc, id",
                                           [user_id]))
    return document


def export_json(document: dict[str, Any]) -> bytes:
    """The export as readable UTF-8 JSON (dates a hook returns become text)."""
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def _visit_owners_last(features: Iterable[Feature]) -> list[Feature]:
    """Features in their order, the visit-record owners moved to the end."""
    return sorted(features, key=lambda feature: feature.owns_visit_records)


def _one(db: Database, sql: str, user_id: int) -> dict[str, Any] | None:
    """The first row of a query about one user, or None."""
    return next(db.query(sql, [user_id]), None)


def erase(db: Database, features: Iterable[Feature], user_id: int, now: datetime, policy: Policy) -> list[str]:
    """Erase one patient's personal data in one transaction; return the features whose hooks ran.

    Feature hooks run first (while the patient row still exists to join on),
    the visit-record owner's last (the others find rows through its visits).
    Core visits are then handled per policy only where no hook already did:
    the core touches only visit rows still linked to this user, so a booking
    hook that anonymised or deleted its visits leaves nothing to double-do.
    The erasure is recorded without the user id or any data.
    """
    hooks_run: list[str] = []
    stamp = to_db(now)
    with db.atomic():
        for feature in _visit_owners_last(features):
            if feature.erase_data is not None:
                feature.erase_data(db, user_id, now)
                hooks_run.append(feature.name)
        if policy.visit_erasure == DELETE:
            db.execute("delete from visits where user_id = ?", [user_id])
        else:
            db.execute("update visits set user_id = null, patient_name = null, patient_phone = null, "
                       "updated_at = ? where user_id = ?", [stamp, user_id])
        for table in ("flows", "subscriptions", "patients"):
            db.execute(f"delete from {table} where user_id = ?", [user_id])
        db.execute("insert into erasures (erased_at, hooks_run) values (?, ?)", [stamp, json.dumps(hooks_run)])
    checkpoint(db)  # the erased rows' old pages must not live on in the -wal file
    return hooks_run


def purge(db: Database, features: Iterable[Feature], now: datetime, policy: Policy) -> dict[str, int]:
    """Delete records past their retention; return rows removed per feature (and core visits).

    Each feature's purge runs in its own transaction, so one feature's
    failure cannot leave another's half-done. Core visits are purged here
    only when no visit-record feature purges them itself (it knows which of
    its own rows point at a visit and must go first).
    """
    removed: dict[str, int] = {}
    features = _visit_owners_last(features)
    for feature in features:
        if feature.purge is None:
            continue
        visits = feature.owns_visit_records
        cutoff = policy.visit_cutoff(now) if visits else policy.delivery_cutoff(now)
        with db.atomic():
            removed[feature.name] = feature.purge(db, cutoff)
    removed.update(purge_core(db, features, now, policy))
    if not any(f.purge is not None and f.owns_visit_records for f in features):
        with db.atomic():
            removed["core.visits"] = db.execute("delete from visits where end_utc < ?",
                                                [to_db(policy.visit_cutoff(now))]).rowcount
    checkpoint(db)
    return removed


def purge_core(db: Database, features: Iterable[Feature], now: datetime, policy: Policy) -> dict[str, int]:
    """Abandoned conversations, old unsubscribed rows, and patients who blocked the bot long ago (erased)."""
    with db.atomic():
        conversations = purge_idle(db, now - policy.conversation_idle)
        unsubscribed = db.execute("delete from subscriptions where status = 'unsubscribed' and updated_at < ?",
                                  [to_db(policy.delivery_cutoff(now))]).rowcount
    gone = [row["user_id"] for row in db.query(
        "select user_id from patients where status = 'blocked' and coalesce(blocked_at, last_seen_at) < ?",
        [to_db(now - timedelta(days=policy.blocked_patients_days))])]
    for user_id in gone:  # as if they had sent /forget: every feature's data, visits per the policy
        erase(db, features, user_id, now, policy)
    return {"core.conversations": conversations, "core.unsubscribed": unsubscribed, "core.blocked_patients": len(gone)}


def erasure_count(db: Database) -> int:
    """How many erasures have been carried out (for `wellbot status`)."""
    count: int = db.execute("select count(*) from erasures").fetchone()[0]
    return count
