"""What a patient's privacy requests do: a copy of their data, erasure, and the clinic's retention purge.

Plain functions (no Telegram) over `store`, which walks every feature's
declared export, erase and purge hooks under the clinic's `[privacy]` policy.
"""

from __future__ import annotations

import logging

from wellbot.core.deps import Deps
from wellbot.core.i18n import N_, _
from wellbot.privacy import store

log = logging.getLogger(__name__)

EXPORT_FILENAME = N_("my-data-{date}.json")  # the patient sees the file's name: it is in their language


def policy(deps: Deps) -> store.Policy:
    """The clinic's `[privacy]` rules (validated at start by the feature's check)."""
    return store.load_policy(deps.clinic.section(store.SECTION))


def my_data(deps: Deps, user_id: int) -> tuple[bytes, str]:
    """Everything the bot holds about the patient, as a JSON document and its file name."""
    now = deps.clock.now()
    document = store.export(deps.db, deps.features, user_id, now)
    log.info("personal data exported user_id=%s", user_id)
    filename = _(EXPORT_FILENAME).format(date=now.astimezone(deps.clinic.timezone).date().isoformat())
    return store.export_json(document), filename


def forget(deps: Deps, user_id: int) -> list[str]:
    """Erase (or anonymise, per policy) the patient's data in every feature; the hooks that ran."""
    hooks = store.erase(deps.db, deps.features, user_id, deps.clock.now(), policy(deps))
    log.info("personal data erased hooks=%s", ",".join(hooks) or "-")
    return hooks


def purge_expired(deps: Deps) -> dict[str, int]:
    """Delete records older than the clinic's retention limits; rows removed per feature."""
    removed = store.purge(deps.db, deps.features, deps.clock.now(), policy(deps))
    log.info("retention purge removed %s", " ".join(f"{name}={count}" for name, count in removed.items()) or "-")
    return removed
