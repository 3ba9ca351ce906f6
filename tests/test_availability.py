"""Availability is a pure function: rules, visits held, blocks and the time now."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wellbot.booking.availability import (
    bookable_days,
    candidate_starts,
    claim_cells,
    days_with_slots,
    free_slots,
    is_free,
    nearest_free,
)
from wellbot.booking.rules import DEFAULT_HOURS, Rules, parse_rules
from wellbot.core.errors import ConfigError

TZ = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)  # Wed 10 June 2026, 09:00 in New York


def rules(**changes) -> Rules:
    """Weekdays 09:00-12:00 and 13:00-17:00, 30-minute grid, no buffer, one room, no notice."""
    base = dict(slot_minutes=30, buffer_minutes=0, min_notice_hours=0, horizon_days=30, capacity=1)
    hours = changes.pop("hours", {"mon": ["09:00-12:00", "13:00-17:00"], "tue": ["09:00-12:00", "13:00-17:00"],
                                  "wed": ["09:00-12:00", "13:00-17:00"], "thu": ["09:00-12:00", "13:00-17:00"],
                                  "fri": ["09:00-12:00", "13:00-17:00"]})
    closed = changes.pop("closed_dates", [])
    return parse_rules({**base, **changes, "closed_dates": closed}, hours, "test")


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=TZ).astimezone(UTC)


def wall(slots) -> list[str]:
    return [s.astimezone(TZ).strftime("%H:%M") for s in slots]


THU = date(2026, 6, 11)


def test_breaks_split_the_day_and_visits_end_before_closing():
    slots = free_slots(rules(), THU, 60, [], [], NOW, TZ)
    assert wall(slots) == ["09:00", "09:30", "10:00", "10:30", "11:00",
                           "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00"]


def test_weekends_and_closed_dates_have_no_slots():
    assert free_slots(rules(), date(2026, 6, 13), 30, [], [], NOW, TZ) == []  # Saturday
    assert free_slots(rules(closed_dates=["2026-06-11"]), THU, 30, [], [], NOW, TZ) == []
    assert free_slots(rules(closed_dates=["2026-06-11"]), date(2026, 6, 12), 30, [], [], NOW, TZ)


def test_a_held_visit_blocks_overlapping_starts():
    busy = [(local(THU, 10), local(THU, 11))]
    slots = wall(free_slots(rules(), THU, 60, busy, [], NOW, TZ))
    assert "09:30" not in slots
    assert "10:00" not in slots
    assert "10:30" not in slots
    assert "09:00" in slots
    assert "11:00" in slots


def test_buffer_keeps_time_free_after_each_visit():
    busy = [(local(THU, 9), local(THU, 10))]
    no_buffer = wall(free_slots(rules(), THU, 30, busy, [], NOW, TZ))
    with_buffer = wall(free_slots(rules(buffer_minutes=15), THU, 30, busy, [], NOW, TZ))
    assert "10:00" in no_buffer
    assert "10:00" not in with_buffer
    assert "10:30" in with_buffer
    # a new visit's own buffer must not run into the next visit either
    busy_later = [(local(THU, 11), local(THU, 11, 30))]
    assert "10:30" not in wall(free_slots(rules(buffer_minutes=15), THU, 30, busy_later, [], NOW, TZ))


def test_capacity_allows_that_many_visits_at_once():
    one = [(local(THU, 9), local(THU, 10))]
    two = one * 2
    assert "09:00" not in wall(free_slots(rules(), THU, 60, one, [], NOW, TZ))
    assert "09:00" in wall(free_slots(rules(capacity=2), THU, 60, one, [], NOW, TZ))
    assert "09:00" not in wall(free_slots(rules(capacity=2), THU, 60, two, [], NOW, TZ))


def test_blocked_ranges_take_no_visits():
    block = [(local(THU, 13), local(THU, 15))]
    slots = wall(free_slots(rules(), THU, 60, [], block, NOW, TZ))
    assert not {"12:30", "13:00", "13:30", "14:00", "14:30"} & set(slots)
    assert "15:00" in slots
    assert "11:00" in slots


def test_minimum_notice_hides_times_too_soon():
    today = date(2026, 6, 10)
    slots = wall(free_slots(rules(min_notice_hours=2), today, 30, [], [], NOW, TZ))
    assert slots[0] == "11:00"
    later = NOW + timedelta(hours=8)  # 17:00: nothing left today
    assert free_slots(rules(), today, 30, [], [], later, TZ) == []


def test_horizon_limits_how_far_ahead():
    first, last = bookable_days(rules(horizon_days=7), NOW, TZ)
    assert (first, last) == (date(2026, 6, 10), date(2026, 6, 17))
    assert free_slots(rules(horizon_days=7), date(2026, 6, 17), 30, [], [], NOW, TZ)
    assert free_slots(rules(horizon_days=7), date(2026, 6, 18), 30, [], [], NOW, TZ) == []
    assert free_slots(rules(), date(2026, 6, 9), 30, [], [], NOW, TZ) == []  # the past


def test_days_with_slots_skips_full_and_closed_days():
    full_thursday = [(local(THU, 9), local(THU, 12)), (local(THU, 13), local(THU, 17))]
    days = days_with_slots(rules(), date(2026, 6, 10), date(2026, 6, 16), 60, full_thursday, [], NOW, TZ)
    assert days == [date(2026, 6, 10), date(2026, 6, 12), date(2026, 6, 15), date(2026, 6, 16)]


def test_spring_forward_day_offers_only_existing_times_once():
    sunday = date(2026, 3, 8)  # New York clocks jump 02:00 -> 03:00
    night = rules(hours={"sun": ["00:00-05:00"]})
    now = datetime(2026, 3, 1, tzinfo=UTC)
    slots = free_slots(night, sunday, 30, [], [], now, TZ)
    assert not any(s.astimezone(TZ).hour == 2 for s in slots)
    assert wall(slots) == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00", "04:30"]
    assert len(set(slots)) == len(slots)
    # 01:30 EST to 03:00 EDT is half an hour of real time: no gap, no overlap
    assert all(b - a == timedelta(minutes=30) for a, b in pairwise(slots))


def test_spring_forward_business_hours_move_to_the_new_utc_offset():
    saturday, sunday_rules = date(2026, 3, 7), rules(hours={"sat": ["09:00-17:00"], "sun": ["09:00-17:00"]})
    now = datetime(2026, 3, 1, tzinfo=UTC)
    before = free_slots(sunday_rules, saturday, 60, [], [], now, TZ)
    after = free_slots(sunday_rules, date(2026, 3, 8), 60, [], [], now, TZ)
    assert before[0] == datetime(2026, 3, 7, 14, 0, tzinfo=UTC)  # EST, UTC-5
    assert after[0] == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # EDT, UTC-4
    assert wall(before) == wall(after)


def test_fall_back_day_offers_the_repeated_hour_once():
    sunday = date(2026, 11, 1)  # New York clocks fall 02:00 -> 01:00
    night = rules(hours={"sun": ["00:00-04:00"]})
    now = datetime(2026, 10, 25, tzinfo=UTC)
    slots = free_slots(night, sunday, 30, [], [], now, TZ)
    labels = wall(slots)
    assert labels == ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]
    assert len(set(slots)) == len(slots)
    assert slots == sorted(slots)
    # 01:00 is its first occurrence (EDT, UTC-4)
    assert slots[2] == datetime(2026, 11, 1, 5, 0, tzinfo=UTC)


def test_fall_back_business_hours_use_standard_time():
    r = rules(hours={"sun": ["09:00-17:00"]})
    slots = free_slots(r, date(2026, 11, 1), 60, [], [], datetime(2026, 10, 25, tzinfo=UTC), TZ)
    assert slots[0] == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)  # EST
    assert wall(slots)[-1] == "16:00"


def test_visit_held_across_the_fall_back_hour_blocks_by_real_time():
    night = rules(hours={"sun": ["00:00-04:00"]})
    sunday = date(2026, 11, 1)
    now = datetime(2026, 10, 25, tzinfo=UTC)
    first_one = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # 01:00 EDT
    busy = [(first_one, first_one + timedelta(hours=1))]
    labels = wall(free_slots(night, sunday, 30, busy, [], now, TZ))
    assert "01:00" not in labels
    assert "01:30" not in labels
    assert "02:00" in labels  # 02:00 EST is two real hours after 01:00 EDT


def test_is_free_and_nearest_free():
    busy = [(local(THU, 10), local(THU, 11))]
    assert not is_free(rules(), local(THU, 10), 60, busy, [], NOW, TZ)
    assert is_free(rules(), local(THU, 11), 60, busy, [], NOW, TZ)
    assert not is_free(rules(), local(THU, 10, 10), 30, [], [], NOW, TZ)  # off the grid
    assert not is_free(rules(), local(THU, 12), 30, [], [], NOW, TZ)  # lunch break
    near = nearest_free(rules(), local(THU, 10), 60, busy, [], NOW, TZ, limit=3)
    assert wall(near) == ["09:00", "11:00", "13:00"]


def test_claim_cells_cover_visit_and_buffer():
    r = rules(slot_minutes=15, buffer_minutes=10)
    cells = claim_cells(local(THU, 9), local(THU, 9, 45), r)
    assert [c.astimezone(TZ).strftime("%H:%M") for c in cells] == ["09:00", "09:15", "09:30", "09:45"]


@settings(max_examples=40, deadline=None)
@given(day=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
       minutes=st.sampled_from([15, 30, 45, 60, 90]))
def test_every_offered_time_is_inside_opening_hours_and_unique(day, minutes):
    r = rules(slot_minutes=15, hours={d: ["00:00-04:00", "09:00-12:30", "13:30-18:00"]
                                      for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    starts = candidate_starts(r, day, minutes, TZ)
    assert len(set(starts)) == len(starts)
    for start in starts:
        local_start = start.astimezone(TZ)
        end = (start + timedelta(minutes=minutes)).astimezone(TZ)
        assert local_start.date() == day
        assert any(o <= local_start.time() and (end.time() <= c or end.time() == c) and end.date() == day
                   for o, c in r.open_ranges(day))


def test_rules_defaults_and_validation():
    default = parse_rules({}, None, "test")
    assert default.capacity == 1
    assert default.open_ranges(THU)
    assert set(DEFAULT_HOURS) == {"mon", "tue", "wed", "thu", "fri"}
    bad = [
        ({"capacity": 0}, None, "capacity"),
        ({"slot_minutes": "15"}, None, "slot_minutes"),
        ({"closed_dates": ["2026-13-01"]}, None, "closed date"),
        ({"colour": 1}, None, "unknown"),
        ({}, {"mon": ["9-17"]}, "not a range"),
        ({}, {"mon": ["17:00-09:00"]}, "ends before"),
        ({}, {"mon": ["09:00-12:00", "11:00-13:00"]}, "overlapping"),
        ({}, {"funday": []}, "unknown day"),
    ]
    for booking, hours, problem in bad:
        with pytest.raises(ConfigError, match=problem):
            parse_rules(booking, hours, "test")


def test_example_clinic_rules_are_valid_and_sensible():
    from wellbot.booking.rules import rules_from_clinic
    from wellbot.core.clinic import load_clinic
    from wellbot.core.resources import SOURCE_ROOT

    clinic = load_clinic(SOURCE_ROOT / "example-clinic" / "clinic.toml")
    r = rules_from_clinic(clinic)
    assert r.capacity >= 1
    assert r.open_ranges(THU)
    assert not r.open_ranges(date(2026, 6, 14))  # closed Sundays
    assert date(2026, 12, 25) in r.closed_dates
    assert [s.key for s in clinic.services if s.bookable]


# ---- the one-pass sweep against the plain definition ----------------------------------------------

def naive_free_slots(r: Rules, day: date, minutes: int, busy, blocks, now: datetime) -> list[datetime]:
    """The definition, recounted from scratch for one day (what the sweep must agree with)."""
    first, last = bookable_days(r, now, TZ)
    if not first <= day <= last:
        return []
    length = timedelta(minutes=minutes)
    held: dict[datetime, int] = {}
    for start, end in busy:
        for cell in claim_cells(start, end, r):
            held[cell] = held.get(cell, 0) + 1
    return [s for s in candidate_starts(r, day, minutes, TZ)
            if s >= now + timedelta(hours=r.min_notice_hours)
            and not any(b0 < s + length and s < b1 for b0, b1 in blocks)
            and all(held.get(cell, 0) < r.capacity for cell in claim_cells(s, s + length, r))]


EVERY_DAY = {d: ["00:30-03:30", "09:00-12:30", "13:30-18:00"]
             for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
DST_WEEKS = (date(2026, 3, 5), date(2026, 10, 29), date(2026, 6, 10))  # spring forward, fall back, summer


def intervals(week: date, draw, count: int, longest: int) -> list[tuple[datetime, datetime]]:
    """Random [start, end) intervals on a 5-minute grid over the week (before and after it too)."""
    base = datetime.combine(week - timedelta(days=1), time(0), tzinfo=UTC)
    out = []
    for _ in range(count):
        start = base + timedelta(minutes=5 * draw(st.integers(0, 9 * 24 * 12)))
        out.append((start, start + timedelta(minutes=5 * draw(st.integers(1, longest // 5)))))
    return out


@settings(max_examples=60, deadline=None)
@given(data=st.data(), week=st.sampled_from(DST_WEEKS), minutes=st.sampled_from([15, 30, 45, 60, 90]),
       capacity=st.integers(1, 3), buffer=st.sampled_from([0, 10, 15]), slot=st.sampled_from([15, 30]),
       notice=st.sampled_from([0, 2, 30]))
def test_sweep_agrees_with_the_definition_including_daylight_saving_weeks(data, week, minutes, capacity, buffer,
                                                                          slot, notice):
    r = rules(hours=EVERY_DAY, capacity=capacity, buffer_minutes=buffer, slot_minutes=slot,
              min_notice_hours=notice)
    busy = intervals(week, data.draw, data.draw(st.integers(0, 120)), 180)
    blocks = intervals(week, data.draw, data.draw(st.integers(0, 4)), 600)
    now = datetime.combine(week, time(data.draw(st.integers(0, 23))), tzinfo=TZ).astimezone(UTC)
    days = [week + timedelta(days=n) for n in range(-1, 8)]
    for day in days:
        expected = naive_free_slots(r, day, minutes, busy, blocks, now)
        assert free_slots(r, day, minutes, busy, blocks, now, TZ) == expected
    expected = [d for d in days if naive_free_slots(r, d, minutes, busy, blocks, now)]
    assert days_with_slots(r, days[0], days[-1], minutes, busy, blocks, now, TZ) == expected


PRACTITIONER_HOURS = ({d: ["09:00-12:30", "13:30-18:00"] for d in ("mon", "tue", "thu", "fri")},
                      {d: ["00:30-03:30", "13:00-18:00"] for d in ("mon", "wed", "thu", "sat", "sun")}, EVERY_DAY)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), week=st.sampled_from(DST_WEEKS), minutes=st.sampled_from([15, 30, 60]),
       capacity=st.integers(1, 3), people=st.integers(1, 3), notice=st.sampled_from([0, 2]))
def test_with_practitioners_a_time_is_free_when_a_room_and_someone_are(data, week, minutes, capacity, people, notice):
    """Each practitioner is checked start by start (issue 22): the same times as each one's whole day first."""
    r = rules(hours=EVERY_DAY, capacity=capacity, slot_minutes=15, min_notice_hours=notice)
    busy = intervals(week, data.draw, data.draw(st.integers(0, 80)), 180)
    blocks = intervals(week, data.draw, data.draw(st.integers(0, 3)), 600)
    staffing = [(rules(hours=PRACTITIONER_HOURS[n], slot_minutes=15, min_notice_hours=notice),
                 intervals(week, data.draw, data.draw(st.integers(0, 30)), 120)) for n in range(people)]
    now = datetime.combine(week, time(data.draw(st.integers(0, 23))), tzinfo=TZ).astimezone(UTC)
    days = [week + timedelta(days=n) for n in range(-1, 8)]
    expected_days = []
    for day in days:
        someone = {s for own_rules, own in staffing
                   for s in naive_free_slots(own_rules, day, minutes, own, blocks, now)}
        expected = [s for s in naive_free_slots(r, day, minutes, busy, blocks, now) if s in someone]
        assert free_slots(r, day, minutes, busy, blocks, now, TZ, staffing) == expected
        expected_days += [day] if expected else []
    assert days_with_slots(r, days[0], days[-1], minutes, busy, blocks, now, TZ, staffing) == expected_days


def test_sweep_on_the_spring_forward_day_counts_real_time_across_the_gap():
    sunday = date(2026, 3, 8)  # 02:00 EST -> 03:00 EDT
    night = rules(hours={"sun": ["00:00-05:00"]}, capacity=1)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    one_thirty = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 01:30 EST, half an hour before 03:00 EDT
    busy = [(one_thirty, one_thirty + timedelta(hours=1))]  # ends 03:30 EDT
    assert wall(free_slots(night, sunday, 30, busy, [], now, TZ)) == ["00:00", "00:30", "01:00", "03:30", "04:00",
                                                                     "04:30"]
    assert days_with_slots(night, sunday, sunday, 30, busy, [], now, TZ) == [sunday]


def test_sweep_merges_overlapping_blocks():
    blocks = [(local(THU, 9), local(THU, 10)), (local(THU, 9, 30), local(THU, 11)), (local(THU, 13), local(THU, 17))]
    assert wall(free_slots(rules(), THU, 30, [], blocks, NOW, TZ)) == ["11:00", "11:30"]
    late = [(local(THU, 11, 30), local(THU, 12)), (local(THU, 9), local(THU, 11, 30))]
    assert days_with_slots(rules(), THU, THU, 30, [], late + blocks[2:], NOW, TZ) == []


def test_days_with_slots_is_one_pass_over_the_intervals(monkeypatch):
    """A week of days builds the occupancy once, however many days it checks."""
    from wellbot.booking import availability

    built = []
    original = availability.Held.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(availability.Held, "__init__", counting)
    busy = [(local(THU, 9), local(THU, 10))] * 50
    days_with_slots(rules(), date(2026, 6, 10), date(2026, 7, 9), 60, busy, [], NOW, TZ)
    assert len(built) == 1
