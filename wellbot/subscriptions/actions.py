"""Health-news consent changes, as the handlers (and any other caller) make them.

Each action records the wording the patient saw (so the consent event names
it) and changes the subscription through `logic`, which writes one event per
change; it returns the `Outcome`, which the handlers turn into a toast or a
screen. No Telegram here: `origin` (who decided, from which message) is
built by the caller.
"""

from __future__ import annotations

import logging

from wellbot.core import i18n
from wellbot.core.deps import Deps
from wellbot.subscriptions import logic
from wellbot.subscriptions.logic import Origin, Outcome

log = logging.getLogger(__name__)


def remember_wording(deps: Deps, template: str, text: str) -> str:
    """Keep the exact wording a patient was shown (once) and return its hash, for the consent event."""
    return logic.remember_text(deps.db, template, text, deps.clock.now(),
                               i18n.current_language() or deps.base_clinic.default_language)


def subscribe(deps: Deps, user_id: int, topics: tuple[str, ...], origin: Origin) -> Outcome:
    """Opt in to the chosen topics under the wording named by `origin`."""
    return _logged("subscribe", user_id, logic.subscribe(deps.db, user_id, topics, origin, deps.clock.now()))


def set_topics(deps: Deps, user_id: int, topics: tuple[str, ...], origin: Origin) -> Outcome:
    """Change a live subscription's topics."""
    return _logged("topics", user_id, logic.set_topics(deps.db, user_id, topics, origin, deps.clock.now()))


def pause(deps: Deps, user_id: int, origin: Origin) -> Outcome:
    """Pause news, keeping the topics."""
    return _logged("pause", user_id, logic.pause(deps.db, user_id, origin, deps.clock.now()))


def resume(deps: Deps, user_id: int, origin: Origin) -> Outcome:
    """Resume paused news."""
    return _logged("resume", user_id, logic.resume(deps.db, user_id, origin, deps.clock.now()))


def unsubscribe(deps: Deps, user_id: int, origin: Origin) -> Outcome:
    """Withdraw consent at once: no topics are kept."""
    return _logged("unsubscribe", user_id, logic.unsubscribe(deps.db, user_id, origin, deps.clock.now()))


def _logged(action: str, user_id: int, outcome: Outcome) -> Outcome:
    """Log a consent change by ids only (consent is personal data; the event table is its record)."""
    log.info("consent action=%s user_id=%s outcome=%s", action, user_id, outcome.value)
    return outcome
