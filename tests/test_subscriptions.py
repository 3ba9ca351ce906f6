"""Health news: consent logic (fast unit tests), then every point of issue 3 end to end through the bot."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wellbot import patients
from wellbot.clock import ManualClock
from wellbot.db import open_database
from wellbot.subscriptions import logic
from wellbot.subscriptions.logic import Action, Origin, Outcome, State, Status

TZ = ZoneInfo("America/New_York")
START = datetime(2026, 6, 10, 9, 0, tzinfo=TZ)
KEYS = ("tcm", "pain", "interventional", "wellness", "clinic")
ORIGIN = Origin("button", None, 1, 10)


@pytest.fixture
def db():
    """A migrated in-memory database with one patient, 1."""
    database = open_database(":memory:")
    patients.touch(database, ManualClock(TZ, START), 1, 1)
    yield database
    database.close()


def events(database, user_id=1) -> list[dict]:
    """The consent events of a user, oldest first."""
    return list(database.query("select * from consent_events where user_id is ? order by id", [user_id]))


def now() -> datetime:
    return START.astimezone(ZoneInfo("UTC"))


# ----- logic --------------------------------------------------------------------------


def test_subscribe_writes_one_event_and_the_current_state(db):
    assert logic.subscribe(db, 1, ("pain", "tcm"), ORIGIN, now()) == Outcome.CHANGED
    assert logic.current(db, 1) == State(Status.SUBSCRIBED, ("pain", "tcm"), Action.SUBSCRIBE)
    [event] = events(db)
    assert (event["action"], event["status"], event["purpose"]) == ("subscribe", "subscribed", "health_news")
    assert json.loads(event["topics"]) == ["pain", "tcm"]
    assert (event["source"], event["chat_id"], event["message_id"]) == ("button", 1, 10)
    assert event["created_at"] == "2026-06-10T13:00:00Z"


def test_subscribing_twice_writes_one_event(db):
    logic.subscribe(db, 1, ("pain",), ORIGIN, now())
    assert logic.subscribe(db, 1, ("tcm",), ORIGIN, now()) == Outcome.ALREADY
    assert len(events(db)) == 1
    assert logic.current(db, 1).topics == ("pain",)


def test_subscribing_to_no_topic_writes_nothing(db):
    assert logic.subscribe(db, 1, (), ORIGIN, now()) == Outcome.NO_TOPICS
    assert events(db) == [] and logic.current(db, 1).status is None


def test_unsubscribe_only_acts_on_a_live_subscription_and_drops_topics(db):
    assert logic.unsubscribe(db, 1, ORIGIN, now()) == Outcome.NOT_SUBSCRIBED
    logic.subscribe(db, 1, KEYS, ORIGIN, now())
    assert logic.unsubscribe(db, 1, ORIGIN, now()) == Outcome.CHANGED
    assert logic.unsubscribe(db, 1, ORIGIN, now()) == Outcome.ALREADY
    assert logic.current(db, 1) == State(Status.UNSUBSCRIBED, (), Action.UNSUBSCRIBE)
    assert [e["action"] for e in events(db)] == ["subscribe", "unsubscribe"]


def test_pause_resume_and_topics_change_only_when_they_change_something(db):
    assert logic.pause(db, 1, ORIGIN, now()) == Outcome.NOT_SUBSCRIBED
    assert logic.set_topics(db, 1, ("pain",), ORIGIN, now()) == Outcome.NOT_SUBSCRIBED
    logic.subscribe(db, 1, ("pain",), ORIGIN, now())
    assert logic.resume(db, 1, ORIGIN, now()) == Outcome.ALREADY
    assert logic.pause(db, 1, ORIGIN, now()) == Outcome.CHANGED
    assert logic.pause(db, 1, ORIGIN, now()) == Outcome.ALREADY
    assert logic.set_topics(db, 1, ("pain",), ORIGIN, now()) == Outcome.ALREADY
    assert logic.set_topics(db, 1, (), ORIGIN, now()) == Outcome.NO_TOPICS
    assert logic.set_topics(db, 1, ("pain", "clinic"), ORIGIN, now()) == Outcome.CHANGED
    assert logic.current(db, 1).status == Status.PAUSED  # a topic change keeps the pause
    assert logic.resume(db, 1, ORIGIN, now()) == Outcome.CHANGED
    assert [e["action"] for e in events(db)] == ["subscribe", "pause", "topics", "resume"]


ACTIONS = {
    "subscribe": lambda db, topics: logic.subscribe(db, 1, topics, ORIGIN, now()),
    "topics": lambda db, topics: logic.set_topics(db, 1, topics, ORIGIN, now()),
    "pause": lambda db, topics: logic.pause(db, 1, ORIGIN, now()),
    "resume": lambda db, topics: logic.resume(db, 1, ORIGIN, now()),
    "unsubscribe": lambda db, topics: logic.unsubscribe(db, 1, ORIGIN, now()),
    "block": lambda db, topics: (patients.mark_blocked(db, ManualClock(TZ, START), 1, "test"),
                                 patients.mark_active(db, 1)),
}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(ACTIONS)), st.sets(st.sampled_from(KEYS))), max_size=12))
def test_current_state_always_equals_the_state_derived_from_events(steps):
    database = open_database(":memory:")
    patients.touch(database, ManualClock(TZ, START), 1, 1)
    changes = 0
    for name, topics in steps:
        before = logic.current(database, 1)
        result = ACTIONS[name](database, tuple(sorted(topics)))
        after = logic.current(database, 1)
        changes += result == Outcome.CHANGED or (name == "block" and after != before)
        assert (after.status, after.topics) == (logic.derived_state(database, 1).status,
                                                logic.derived_state(database, 1).topics)
    assert len(events(database)) == changes  # exactly one event per change, none for no-ops
    database.close()


def test_blocking_pauses_a_subscriber_with_one_event_at_the_block_time(db):
    clock = ManualClock(TZ, START + timedelta(hours=2))
    logic.subscribe(db, 1, ("pain",), ORIGIN, now())
    assert patients.mark_blocked(db, clock, 1, "send_forbidden")
    assert not patients.mark_blocked(db, clock, 1, "my_chat_member")  # the second signal of the same block
    assert logic.current(db, 1) == State(Status.PAUSED, ("pain",), Action.BLOCKED)
    assert [(e["action"], e["source"], e["created_at"]) for e in events(db)][1:] == [
        ("blocked", "send_forbidden", "2026-06-10T15:00:00Z")]
    assert logic.paused_by_block(db, 1)


def test_blocking_writes_no_consent_event_for_non_subscribers(db):
    logic.subscribe(db, 1, ("pain",), ORIGIN, now())
    logic.unsubscribe(db, 1, ORIGIN, now())
    patients.mark_blocked(db, ManualClock(TZ, START), 1, "my_chat_member")
    assert [e["action"] for e in events(db)] == ["subscribe", "unsubscribe"]


def test_recipients_and_counts_need_subscribed_reachable_and_the_topic(db):
    clock = ManualClock(TZ, START)
    for user_id in (2, 3, 4, 5):
        patients.touch(db, clock, user_id, user_id)
    logic.subscribe(db, 1, ("pain", "tcm"), ORIGIN, now())
    logic.subscribe(db, 2, ("pain",), ORIGIN, now())
    logic.subscribe(db, 3, ("pain",), ORIGIN, now())
    logic.pause(db, 3, ORIGIN, now())
    logic.subscribe(db, 4, ("pain",), ORIGIN, now())
    patients.mark_blocked(db, clock, 4, "my_chat_member")
    logic.subscribe(db, 5, ("pain",), ORIGIN, now())
    logic.unsubscribe(db, 5, ORIGIN, now())
    assert logic.recipients(db, "pain") == [1, 2]
    assert logic.recipients(db, "tcm") == [1]
    found = logic.counts(db, KEYS)
    assert found.by_status == {"subscribed": 2, "paused": 2, "unsubscribed": 1}
    assert found.reachable == 2
    assert found.by_topic == {"tcm": 1, "pain": 2, "interventional": 0, "wellness": 0, "clinic": 0}


def test_events_cannot_be_changed_or_deleted(db):
    logic.subscribe(db, 1, ("pain",), ORIGIN, now())
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("update consent_events set action = 'unsubscribe'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("update consent_events set user_id = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("delete from consent_events")


def test_wording_is_kept_once_under_a_hash_of_template_and_text(db):
    first = logic.remember_text(db, "sub_consent", "Yes to news", now())
    assert logic.remember_text(db, "sub_consent", "Yes to news", now()) == first
    assert logic.remember_text(db, "other", "Yes to news", now()) != first
    assert db.execute("select count(*) from consent_texts").fetchone()[0] == 2


def test_export_has_the_subscription_and_each_event_with_its_wording(db):
    digest = logic.remember_text(db, "sub_consent", "Do you want news?", now())
    logic.subscribe(db, 1, ("pain",), Origin("button", digest, 1, 7), now())
    exported = logic.export(db, 1)
    assert exported["subscription"] == {"status": "subscribed", "topics": ["pain"]}
    [event] = exported["consent_events"]
    assert (event["action"], event["topics"], event["wording"]) == ("subscribe", ["pain"], "Do you want news?")
    assert logic.export(db, 99) == {"subscription": None, "consent_events": []}


def test_erase_withdraws_consent_and_keeps_only_an_anonymous_trail(db):
    logic.subscribe(db, 1, ("pain",), ORIGIN, now())
    with db.atomic():
        logic.erase(db, 1, now())
    assert logic.export(db, 1) == {"subscription": None, "consent_events": []}
    anonymous = events(db, None)
    assert [e["action"] for e in anonymous] == ["subscribe", "unsubscribe"]
    assert anonymous[-1]["source"] == "forget"
    assert all(e["chat_id"] is None and e["message_id"] is None for e in anonymous)
    assert logic.recipients(db, "pain") == []


@given(st.sets(st.sampled_from(KEYS)))
def test_topic_masks_round_trip(chosen):
    mask = logic.mask_of(tuple(chosen), KEYS)
    assert logic.valid_mask(mask, KEYS)
    assert set(logic.topics_of(mask, KEYS)) == chosen
