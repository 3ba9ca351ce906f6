"""Reminder-time planning: offsets, daylight saving, what is skipped. Pure functions only."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wellbot.reminders.times import (
    CHECKIN,
    CONFIRM_ALERT,
    REMINDER,
    Policy,
    overdue_fate,
    parse_offset,
    plan_visit,
    shift,
)
from wellbot.reminders.trends import summarize

NY = ZoneInfo("America/New_York")
POLICY = Policy(offsets=(1440, 120), grace_minutes=30, confirm_by_minutes=180, checkin_after_minutes=1440)


def local(*args):
    return datetime(*args, tzinfo=NY).astimezone(UTC)


@pytest.mark.parametrize("value, minutes", [("24h", 1440), ("2h", 120), ("90m", 90), ("1d", 1440), (" 2D ", 2880),
                                            ("45", 45), (30, 30)])
def test_offsets_parse_to_minutes(value, minutes):
    assert parse_offset(value) == minutes


@pytest.mark.parametrize("value", ["", "h", "-2h", "2 hours", "0m", "31d", True, 2.5, None, "1.5h"])
def test_bad_offsets_are_refused(value):
    with pytest.raises(ValueError, match=r"is not a duration|must be between 1 minute and 30 days"):
        parse_offset(value)


def test_day_before_keeps_the_local_hour_across_spring_forward():
    visit = local(2026, 3, 8, 10, 0)  # 10:00 EDT on the day clocks jumped 02:00 -> 03:00
    due = shift(visit, -1440, NY)
    assert due.astimezone(NY).replace(tzinfo=None) == datetime(2026, 3, 7, 10, 0)
    assert visit - due == timedelta(hours=23)  # the night was an hour short


def test_day_before_keeps_the_local_hour_across_fall_back():
    visit = local(2026, 11, 1, 10, 0)  # 10:00 EST on the day clocks fell back 02:00 -> 01:00
    due = shift(visit, -1440, NY)
    assert due.astimezone(NY).replace(tzinfo=None) == datetime(2026, 10, 31, 10, 0)
    assert visit - due == timedelta(hours=25)


def test_hours_offsets_are_exact_durations_across_the_change():
    visit = local(2026, 3, 8, 4, 0)  # 04:00 EDT, two hours after clocks jumped 02:00 -> 03:00
    due = shift(visit, -120, NY)
    assert visit - due == timedelta(hours=2)
    assert due.astimezone(NY).replace(tzinfo=None) == datetime(2026, 3, 8, 1, 0)  # 01:00 EST


def test_day_before_lands_after_the_gap_when_that_wall_time_never_happened():
    visit = local(2026, 3, 9, 2, 30)  # 02:30 on 03-08 does not exist in New York
    due = shift(visit, -1440, NY)
    assert due.astimezone(NY).replace(tzinfo=None) == datetime(2026, 3, 8, 3, 30)


def test_day_before_takes_the_first_of_a_repeated_wall_time():
    visit = local(2026, 11, 2, 1, 30)
    due = shift(visit, -1440, NY)
    assert due == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, the first 01:30 that night


def test_checkin_the_day_after_keeps_the_local_hour_across_fall_back():
    end = local(2026, 10, 31, 15, 0)
    due = shift(end, 1440, NY)
    assert due.astimezone(NY).replace(tzinfo=None) == datetime(2026, 11, 1, 15, 0)


def test_a_booked_visit_gets_reminders_alert_and_checkin():
    start, now = local(2026, 6, 12, 10, 0), local(2026, 6, 10, 9, 0)
    planned = plan_visit(start, start + timedelta(hours=1), "booked", POLICY, NY, now)
    assert [(p.kind, p.offset_minutes) for p in planned] == [
        (REMINDER, 1440), (REMINDER, 120), (CONFIRM_ALERT, 180), (CHECKIN, 1440)]
    assert planned[0].due == local(2026, 6, 11, 10, 0)
    assert planned[1].due == local(2026, 6, 12, 8, 0)
    assert planned[3].due == local(2026, 6, 13, 11, 0)


def test_offsets_already_past_at_booking_are_skipped():
    start = local(2026, 6, 10, 13, 0)
    now = local(2026, 6, 10, 9, 0)  # booked four hours ahead: the 24h reminder is past
    planned = plan_visit(start, start + timedelta(hours=1), "booked", POLICY, NY, now)
    assert [(p.kind, p.offset_minutes) for p in planned] == [(REMINDER, 120), (CONFIRM_ALERT, 180), (CHECKIN, 1440)]


@pytest.mark.parametrize("status", ["cancelled", "no_show"])
def test_a_cancelled_or_missed_visit_plans_nothing(status):
    start = local(2026, 6, 12, 10, 0)
    assert plan_visit(start, start + timedelta(hours=1), status, POLICY, NY, local(2026, 6, 10, 9, 0)) == []


def test_an_attended_visit_keeps_only_its_checkin():
    start = local(2026, 6, 10, 8, 0)
    planned = plan_visit(start, start + timedelta(hours=1), "attended", POLICY, NY, local(2026, 6, 10, 9, 30))
    assert [(p.kind, p.due) for p in planned] == [(CHECKIN, local(2026, 6, 11, 9, 0))]


def test_turned_off_alert_and_checkin_are_not_planned():
    policy = Policy(offsets=(60,), confirm_by_minutes=None, checkin_after_minutes=None)
    start = local(2026, 6, 12, 10, 0)
    planned = plan_visit(start, start + timedelta(hours=1), "booked", policy, NY, local(2026, 6, 10, 9, 0))
    assert [(p.kind, p.offset_minutes) for p in planned] == [(REMINDER, 60)]


def test_overdue_rows_within_grace_still_go_if_the_visit_is_ahead():
    start, now = local(2026, 6, 12, 10, 0), local(2026, 6, 12, 8, 20)
    assert overdue_fate(local(2026, 6, 12, 8, 0), REMINDER, start, now, 30) is None
    assert overdue_fate(local(2026, 6, 12, 7, 49), REMINDER, start, now, 30) == "grace_expired"
    assert overdue_fate(local(2026, 6, 12, 9, 55), REMINDER, start, local(2026, 6, 12, 10, 5), 30) == "visit_started"
    assert overdue_fate(local(2026, 6, 13, 11, 0), CHECKIN, start, local(2026, 6, 13, 11, 5), 30) is None


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)),
       st.sampled_from([30, 120, 1440, 2880]))
def test_every_planned_time_is_before_the_visit_and_aware(naive, offset):
    start = naive.replace(tzinfo=UTC)
    due = shift(start, -offset, NY)
    assert due.tzinfo is not None
    # whole days follow the wall clock: within an hour of the exact duration
    assert abs((start - due) - timedelta(minutes=offset)) <= timedelta(hours=1)
    assert due < start


@pytest.mark.parametrize("scores, direction", [([8, 7, 5, 3], "better"), ([2, 3, 6, 7], "worse"),
                                               ([5, 5, 4, 5], "steady"), ([6], "")])
def test_trend_direction(scores, direction):
    assert summarize(scores)["direction"] == direction
    assert summarize(scores)["latest"] == scores[-1]
