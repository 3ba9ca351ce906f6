"""Broadcasts: body checks, audiences, progress figures and the edit throttle (plain logic)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.test_delivery_engine import add_subscribers
from wellbot.clinic import load_clinic
from wellbot.clock import ManualClock
from wellbot.db import open_database
from wellbot.newsletter import broadcast, store
from wellbot.resources import example_clinic_file
from wellbot.telegram_html import MAX_MESSAGE_LENGTH

TZ = ZoneInfo("America/New_York")


@pytest.fixture
def clinic():
    return load_clinic(example_clinic_file())


@pytest.fixture
def db():
    return open_database(":memory:")


@pytest.fixture
def clock():
    return ManualClock(TZ, datetime(2026, 6, 10, 13, 0, tzinfo=UTC))


def test_body_keeps_telegram_formatting_and_refuses_what_telegram_would():
    assert broadcast.check_body("  <b>Closed</b> on Monday &amp; Tuesday ") == "<b>Closed</b> on Monday &amp; Tuesday"
    for bad, reason in [("", "empty"), ("<p>x</p>", "formatting"), ("x" * (MAX_MESSAGE_LENGTH + 1), "longer")]:
        with pytest.raises(broadcast.BodyError, match=reason):
            broadcast.check_body(bad)


def test_audiences_count_only_subscribed_active_patients(db, clock, clinic):
    add_subscribers(db, clock, [1, 2], topics=("pain", "tcm"))
    add_subscribers(db, clock, [3], topics=("tcm",))
    add_subscribers(db, clock, [4], status="unsubscribed", topics=("pain",))
    add_subscribers(db, clock, [5], patient_status="blocked", topics=("pain",))
    options = {audience: count for audience, _label, count in broadcast.audiences(db, clinic)}
    assert options["all"] == 3
    assert options["topic:pain"] == 2
    assert options["topic:tcm"] == 3
    assert options["topic:wellness"] == 0
    assert broadcast.valid_audience(clinic, "topic:pain")
    assert not broadcast.valid_audience(clinic, "topic:nope")
    assert broadcast.audience_label(clinic, "all") == "all subscribers"


def test_progress_figures_and_estimate():
    counts = dict.fromkeys(store.DELIVERY_STATUSES, 0) | {"sent": 100, "pending": 1740, "failed": 1,
                                                           "uncertain": 1, "total": 1842}
    figures = broadcast.progress_figures(counts, 29.0)
    assert figures["remaining"] == 1740 and figures["failed"] == 2
    assert figures["eta_minutes"] == 1  # 1740 / 29 = 60 s
    assert broadcast.progress_figures(counts | {"pending": 1741}, 29.0)["eta_minutes"] == 2  # rounded up
    assert broadcast.progress_figures(counts | {"pending": 0}, 29.0)["eta_minutes"] == 0


def test_edit_throttle_waits_between_edits_and_never_repeats_text():
    now = [0.0]
    throttle = broadcast.EditThrottle(min_interval=3.0, now=lambda: now[0])
    assert throttle.should_edit(1, "a")
    now[0] = 1.0
    assert not throttle.should_edit(1, "b")  # too soon
    now[0] = 3.5
    assert not throttle.should_edit(1, "a")  # same text as shown
    assert throttle.should_edit(1, "b")
    assert throttle.should_edit(1, "c", force=True)  # the final figures go out at once
    assert not throttle.should_edit(1, "c", force=True)  # but never the same text twice
