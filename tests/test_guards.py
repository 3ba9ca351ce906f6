"""Abuse guards: flood control, typed-text caps, media, groups and updates without a user."""

import pytest

from wellbot.errors import ConfigError
from wellbot.guards import FloodControl, Verdict
from wellbot.settings import Settings


class FakeTime:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_flood_control_warns_once_then_ignores_until_the_window_passes():
    clock = FakeTime()
    control = FloodControl(limit=3, window=10, now=clock)
    assert [control.check(1) for _ in range(3)] == [Verdict.OK] * 3
    assert control.check(1) is Verdict.WARN
    assert control.check(1) is Verdict.IGNORE
    assert control.check(2) is Verdict.OK, "other users are not affected"
    clock.now += 10.5
    assert control.check(1) is Verdict.OK
    assert [control.check(1) for _ in range(3)] == [Verdict.OK, Verdict.OK, Verdict.WARN], "warned afresh next time"


def test_flood_control_counts_a_sliding_window():
    clock = FakeTime()
    control = FloodControl(limit=3, window=10, now=clock)
    for _ in range(3):
        assert control.check(1) is Verdict.OK
        clock.now += 4  # 3 updates per 12 s: never 4 inside 10 s
    assert control.check(1) is Verdict.OK


def test_flood_control_forgets_idle_users(monkeypatch):
    monkeypatch.setattr("wellbot.guards.FLOOD_SWEEP_USERS", 10)
    clock = FakeTime()
    control = FloodControl(limit=3, window=10, now=clock)
    for user_id in range(20):
        control.check(user_id)
    clock.now += 11
    control.check(99)
    assert len(control._seen) == 1


def test_staff_group_setting():
    assert Settings.from_env({}).staff_group_id is None
    assert Settings.from_env({"WELLBOT_STAFF_GROUP_ID": " -1001234567890 "}).staff_group_id == -1001234567890
    for bad in ("1234", "staff", "-12a"):
        with pytest.raises(ConfigError) as error:
            Settings.from_env({"WELLBOT_STAFF_GROUP_ID": bad})
        assert error.value.where == "WELLBOT_STAFF_GROUP_ID"
