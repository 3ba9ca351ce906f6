"""What staff do to health news: queue, drop and resume campaigns, queue a digest, save and delete items.

Plain functions (no Telegram): each changes the database, wakes the delivery
engine when there is new work, and returns what happened for the handler to
show. The engine itself sends; nothing here does.
"""

from __future__ import annotations

import logging

from wellbot.core.deps import Deps
from wellbot.newsletter import digest, items, store

log = logging.getLogger(__name__)

QUIET, PENDING, EMPTY = "quiet", "pending", "empty"  # why a digest was not queued


def _wake(deps: Deps) -> None:
    """Tell the running engine there is work (none runs before start-up or in `wellbot chat` tests)."""
    if deps.engine is not None:
        deps.engine.wake()


def queue_broadcast(deps: Deps, campaign_id: int, by: int) -> bool:
    """Queue a draft broadcast once; False if it was queued, sent or dropped before.

    The engine is not woken here: the caller first records the staff's progress message, then wakes it
    (start_sending). Woken at once, a small broadcast could end before that message existed, so it stayed
    at "queued, Sent: 0 of 1" for good (replies now wait for slots of the one send budget, news does not).
    """
    if not store.queue_draft(deps.db, campaign_id):
        return False
    log.info("broadcast queued campaign_id=%s by=%s", campaign_id, by)
    return True


def start_sending(deps: Deps) -> None:
    """Wake the engine for a broadcast queued by queue_broadcast, once its progress message is recorded."""
    _wake(deps)


def drop_draft(deps: Deps, campaign_id: int) -> bool:
    """Throw a draft away; False if it had already left the draft state."""
    return store.cancel(deps.db, deps.clock, campaign_id)


def resume_campaign(deps: Deps, campaign_id: int, by: int) -> bool:
    """Queue a paused campaign again; False if it was not paused."""
    if not store.resume(deps.db, campaign_id):
        return False
    log.info("campaign resumed campaign_id=%s by=%s", campaign_id, by)
    _wake(deps)
    return True


def resend_uncertain(deps: Deps, campaign_id: int, by: int) -> int:
    """Send a campaign's uncertain deliveries again, because staff chose to; how many (0: none left)."""
    count = store.resend_uncertain(deps.db, deps.clock, campaign_id)
    if count:
        log.info("uncertain deliveries resent campaign_id=%s count=%s by=%s", campaign_id, count, by)
        _wake(deps)
    return count


def queue_digest(deps: Deps, by: str) -> tuple[int | None, str]:
    """Queue a digest for every subscriber with news; (campaign id, '') or (None, why not)."""
    config = digest.digest_config(deps.clinic)
    now = deps.clock.now()
    if config.quiet(now, deps.clinic):
        return None, QUIET
    if digest.digest_pending(deps.db):
        return None, PENDING
    if not digest.subscribers_with_news(deps.db, now):
        return None, EMPTY
    campaign_id = store.create_campaign(deps.db, deps.clock, digest.KIND, store.ALL, "", None)
    log.info("digest queued campaign_id=%s by=%s", campaign_id, by)
    _wake(deps)
    return campaign_id, ""


def save_item(deps: Deps, item: items.NewsItem, edit_id: int | None, by: int) -> int | None:
    """Add a new item, or replace the one being edited; the saved id, or None if the edited one is gone."""
    if edit_id is not None:
        saved = items.update_item(deps.db, deps.clock, items.NewsItem(**{**item.__dict__, "id": edit_id}))
        item_id = edit_id if saved else None
    else:
        item_id = items.add_items(deps.db, deps.clock, [item])[0]
    log.info("news item saved item_id=%s by=%s", item_id, by)
    return item_id


def delete_item(deps: Deps, item_id: int, by: int) -> bool:
    """Delete a news item; False if there was none."""
    deleted = items.delete_item(deps.db, item_id)
    if deleted:
        log.info("news item deleted item_id=%s by=%s", item_id, by)
    return deleted
