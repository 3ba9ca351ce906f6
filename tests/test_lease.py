"""The worker lease and the compare-and-set on claimed rows: plain functions on a fresh database."""

from __future__ import annotations

import pytest

from tests.test_delivery_engine import add_subscribers, broadcast_planner, queue
from wellbot.core import lease
from wellbot.core.errors import ConfigError
from wellbot.newsletter import store as news_store
from wellbot.reminders import store as reminder_store

A = lease.Worker("hostA:10:aa", "hostA", 10)
B = lease.Worker("hostB:20:bb", "hostB", 20)


class Wall:
    """A wall clock the test moves."""

    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_the_first_worker_takes_the_lease_and_a_second_sees_the_holder(db):
    wall = Wall()
    assert lease.acquire(db, A, 30, wall).worker == A.id
    holder = lease.acquire(db, B, 30, wall)
    assert (holder.worker, holder.host, holder.pid) == (A.id, "hostA", 10)
    assert "hostA" in holder.describe()
    assert "pid 10" in holder.describe()


def test_a_renewed_lease_holds_and_a_lapsed_one_is_taken_over(db):
    wall = Wall()
    lease.acquire(db, A, 30, wall)
    wall.t += 25
    assert lease.renew(db, A, 30, wall)
    wall.t += 29  # 54 s after the start, but only 29 s after the renewal
    assert lease.acquire(db, B, 30, wall).worker == A.id
    wall.t += 2  # A stopped renewing (killed): 31 s since its last renewal
    assert lease.acquire(db, B, 30, wall).worker == B.id
    assert not lease.renew(db, A, 30, wall), "the old holder learns it lost the lease"


def test_release_frees_the_lease_only_for_its_holder(db):
    wall = Wall()
    lease.acquire(db, A, 30, wall)
    assert not lease.release(db, B)
    assert lease.release(db, A)
    assert lease.current(db) is None
    assert lease.acquire(db, B, 30, wall).worker == B.id


def test_status_names_the_holder_and_says_when_it_lapsed(db):
    wall = Wall()
    assert lease.status_lines(db, wall.t) == [("lease", "free: no worker is sending")]
    lease.acquire(db, A, 30, wall)
    [(label, text)] = lease.status_lines(db, wall.t + 1)
    assert label == "lease"
    assert text.startswith("held by worker hostA:10:aa")
    [(_, text)] = lease.status_lines(db, wall.t + 31)
    assert text.startswith("EXPIRED")


def test_lease_seconds_setting_is_validated():
    assert lease.lease_seconds({}) == lease.DEFAULT_SECONDS
    assert lease.lease_seconds({"WELLBOT_LEASE_SECONDS": "2.5"}) == 2.5
    for bad in ("soon", "0", "-3", "99999"):
        with pytest.raises(ConfigError, match="WELLBOT_LEASE_SECONDS"):
            lease.lease_seconds({"WELLBOT_LEASE_SECONDS": bad})


# --- compare-and-set on rows ---------------------------------------------------------------------------


def _due_reminder(db, clock):
    """One pending reminder row due now (its visit need not exist for the claim itself)."""
    db.execute("pragma foreign_keys = off")
    now = reminder_store.to_db(clock.now())
    db.execute("insert into reminders (visit_id, kind, offset_minutes, due_at, idempotency_key, created_at, "
               "updated_at) values (1, 'reminder', 60, ?, 'k1', ?, ?)", [now, now, now])


def test_recover_claimed_leaves_the_holders_own_claims_and_takes_back_the_others(db, clock):
    _due_reminder(db, clock)
    [row] = reminder_store.claim_due(db, clock.now(), 10, owner=A.id)
    assert reminder_store.recover_claimed(db, clock.now(), owner=A.id) == (0, 0), "a live worker keeps its rows"
    assert reminder_store.recover_claimed(db, clock.now(), owner=B.id) == (1, 0)
    [again] = reminder_store.claim_due(db, clock.now(), 10, owner=B.id)
    assert again["id"] == row["id"]
    assert not reminder_store.finish(db, row["id"], "sent", "sent", clock.now(), owner=A.id), \
        "the worker that lost the row cannot record an outcome on it"
    assert reminder_store.finish(db, row["id"], "sent", "sent", clock.now(), owner=B.id)


def test_a_delivery_marked_by_one_worker_is_neither_marked_nor_recorded_by_another(db, clock):
    add_subscribers(db, clock, range(1, 4))
    queue(db, clock)
    first = news_store.SqliteStore(db, clock, {"broadcast": broadcast_planner}, owner=A.id)
    second = news_store.SqliteStore(db, clock, {"broadcast": broadcast_planner}, owner=B.id)
    campaign = first.next_campaign()
    batch = first.next_batch(campaign.id, 0, 10)
    assert first.mark_sending([batch[0].id]) == {batch[0].id}
    assert second.mark_sending([batch[0].id, batch[1].id]) == {batch[1].id}
    second.record([news_store.Recorded(batch[0], "sent")])
    assert news_store.delivery_counts(db, campaign.id)["sending"] == 2, "B's outcome for A's row is refused"
    first.record([news_store.Recorded(batch[0], "sent")])
    assert news_store.delivery_counts(db, campaign.id)["sent"] == 1
