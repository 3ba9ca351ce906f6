"""Issue 16, part 2: practitioners in the clinic file give their own services on their own hours and
days off; capacity comes from them (and the rooms); patients pick one or take the first available;
/today and /schedule filter by practitioner, and a practitioner on the staff gets their own day list.
The example clinic: Dr. Lin and Sam Ortiz (acupuncture and more, clinic hours), Dr. Nair (consults and
injections, Tue/Thu/Fri), two rooms. The clock starts Wed 10 June 2026, 09:00 New York."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.booking_helpers import at, last_answer, to_summary
from tests.test_booking import book, db  # noqa: F401 (db is a fixture)
from wellbot.booking import store
from wellbot.booking.practitioners import parse_practitioners
from wellbot.booking.rules import parse_rules
from wellbot.core.errors import ConfigError

RULES = parse_rules({"capacity": 2, "min_notice_hours": 0}, {"thu": ["09:00-17:00"]}, "test")


def practitioners(*entries):
    raw = {"services": [{"key": "consult"}, {"key": "acu"}], "practitioners": list(entries)}
    return parse_practitioners(raw, RULES, "clinic.toml")


def test_the_clinic_file_is_checked():
    for bad in ({"key": "Lin", "name": "x", "services": ["acu"]}, {"key": "lin", "services": ["acu"]},
                {"key": "lin", "name": "x", "services": ["massage"]}, {"key": "lin", "name": "x", "services": []},
                {"key": "lin", "name": "x", "services": ["acu"], "hours": {"thu": ["18:00-09:00"]}},
                {"key": "lin", "name": "x", "services": ["acu"], "days_off": ["someday"]},
                {"key": "lin", "name": "x", "services": ["acu"], "staff_id": "900"}):
        with pytest.raises(ConfigError):
            practitioners(bad)
    with pytest.raises(ConfigError, match="duplicate"):
        practitioners({"key": "lin", "name": "A", "services": ["acu"]},
                      {"key": "lin", "name": "B", "services": ["acu"]})


def test_the_database_refuses_one_practitioner_twice_at_once(db, monkeypatch):  # noqa: F811
    [lin] = practitioners({"key": "lin", "name": "Dr. Lin", "services": ["consult"]})
    book(db, user=1)  # booked without practitioners: holds a room only
    first = store.book(db, rules=RULES, tz=store.ZoneInfo("America/New_York"), service_key="consult", minutes=45,
                       start=at(13), user_id=2, name="Bo", phone="+15550101", token="a", now=at(8),
                       listeners=[], practitioners=[lin])
    assert store.get_visit(db, first).practitioner_key == "lin"
    monkeypatch.setattr(store, "is_free", lambda *args: True)  # as if availability had been fooled
    with pytest.raises(store.SlotUnavailable):
        store.book(db, rules=RULES, tz=store.ZoneInfo("America/New_York"), service_key="consult", minutes=45,
                   start=at(13, 15), user_id=3, name="Cy", phone="+15550102", token="b", now=at(8),
                   listeners=[], practitioners=[lin])
    assert db.execute("select count(*) from visits").fetchone()[0] == 2


async def test_a_practitioners_own_days_and_days_off(bot):
    ann = bot.user(1701, "Ann")
    await ann.send("/book")
    await ann.press(await ann.wait_for("which service"), "Trigger-point")
    days = await ann.wait_for("Choose a day")
    labels = days.button_labels()
    assert "Thu 11 Jun" in labels
    assert "Fri 12 Jun" in labels
    assert "Tue 16 Jun" in labels
    assert "Wed 10 Jun" not in labels
    assert "Mon 15 Jun" not in labels
    assert "Sat 13 Jun" not in labels
    assert "with the first available practitioner" in days.text
    # acupuncture with Sam Ortiz: his day off (Fri 17 July) is not offered; with anyone it is
    await ann.send("/book")
    await ann.press(await ann.wait_for("which service"), "Acupuncture")
    days = await ann.wait_for("Choose a day")
    assert "👤 Sam Ortiz, L.Ac." in days.button_labels()
    assert "👤 Dr. Mei Lin, DACM" in days.button_labels()
    await ann.press(days, "July")
    july = await ann.wait_for("Choose a day")
    assert "Fri 17 Jul" in july.button_labels()
    await ann.press(july, "Sam Ortiz")
    ortiz = await ann.wait_for("with Sam Ortiz")
    assert "Fri 17 Jul" not in ortiz.button_labels()
    assert "Thu 16 Jul" in ortiz.button_labels()
    assert "👥 Anyone" in ortiz.button_labels()


async def test_first_available_assigns_someone_and_a_chosen_practitioners_busy_times_are_hidden(bot):
    ann, bob = bot.user(1702, "Ann"), bot.user(1703, "Bob")
    summary = await to_summary(bot, ann, name="Ann Lee")
    assert "With: the first available practitioner" in summary.text
    await ann.press(summary, "Confirm")
    booked = await ann.wait_for("Booked!")
    assert "with Dr. Mei Lin, DACM" in booked.text
    # Bob asks for Dr. Lin: 10:00 is hidden (she is busy), although the other room is free
    await bob.send("/book")
    await bob.press(await bob.wait_for("which service"), "Acupuncture")
    await bob.press(await bob.wait_for("Choose a day"), "Mei Lin")
    await bob.press(await bob.wait_for("with Dr. Mei Lin"), "Thu 11 Jun")
    times = await bob.wait_for("Choose a time")
    assert "10:00" not in times.button_labels()
    assert "11:15" in times.button_labels()
    await bob.press(times, "11:15")
    await bob.wait_for("full name")
    await bob.send("Bob Stone")
    await bob.send("+1 555 987 6543")
    summary = await bob.wait_for("Tap “Confirm”")
    assert "With: Dr. Mei Lin, DACM" in summary.text
    await bob.press(summary, "Confirm")
    await bob.wait_for("Booked!")
    # with anyone, 10:00 still has Sam Ortiz and a room
    cy = bot.user(1704, "Cy")
    await cy.press(await to_summary(bot, cy, name="Cy Park"), "Confirm")
    await cy.wait_for("Booked!")
    keys = {r["patient_name"]: r["practitioner_key"] for r in bot.db.query("select * from visits")}
    assert keys == {"Ann Lee": "lin", "Bob Stone": "lin", "Cy Park": "ortiz"}
    await ann.send("/visits")
    assert "with Dr. Mei Lin, DACM" in (await ann.wait_for("Your upcoming visits")).text


async def staff_books(bot, user_id, name, start, practitioner):
    """A visit for today, held by one practitioner."""
    from wellbot.booking.common import practitioners as listed
    from wellbot.booking.common import rules_of
    from wellbot.core import patients

    patients.touch(bot.db, bot.clock, user_id, user_id)
    [who] = [p for p in listed(bot.deps) if p.key == practitioner]
    return store.book(bot.db, rules=rules_of(bot.deps), tz=bot.deps.clinic.timezone, service_key="acupuncture",
                      minutes=60, start=start, user_id=user_id, name=name, phone="+15550000000", token=f"s{user_id}",
                      now=bot.clock.now(), listeners=bot.deps.hooks.visit_changed, practitioners=[who])


async def test_today_filters_by_practitioner_and_a_practitioner_sees_their_own_day(bot):
    staff = bot.staff()
    await staff_books(bot, 1705, "Dee Moss", datetime(2026, 6, 10, 18, 0, tzinfo=UTC), "lin")  # 14:00
    await staff_books(bot, 1706, "Eve Hart", datetime(2026, 6, 10, 19, 0, tzinfo=UTC), "ortiz")  # 15:00
    await staff.send("/today")
    day = await staff.wait_for("Schedule for")
    assert "Dee Moss" in day.text
    assert "Eve Hart" in day.text
    assert "with Sam Ortiz, L.Ac." in day.text
    await staff.press(day, "👤 Sam Ortiz")
    ortiz = await staff.wait_for("Schedule for Wednesday 10 June 2026: Sam Ortiz")
    assert "Eve Hart" in ortiz.text
    assert "Dee Moss" not in ortiz.text
    await staff.send("/schedule 2026-06-10 lin")
    lin = await staff.wait_for("Dr. Mei Lin")
    assert "Dee Moss" in lin.text
    assert "Eve Hart" not in lin.text
    await staff.send("/today nobody")
    await staff.wait_for("practitioner's key")
    # Sam Ortiz is on the staff (his staff_id): /today shows his own day, with a way to everyone's
    clinic = bot.deps.clinic
    raw = {**clinic.raw, "practitioners": [dict(p, staff_id=900) if p["key"] == "ortiz" else p
                                           for p in clinic.raw["practitioners"]]}
    bot.deps.clinic = replace(clinic, raw=raw)
    try:
        await staff.send("/today")
        own = await staff.wait_for("Schedule for Wednesday 10 June 2026: Sam Ortiz")
        assert "Dee Moss" not in own.text
        assert "👥 Everyone" in own.button_labels()
        await staff.press(own, "Everyone")
        everyone = await staff.wait_for("Dee Moss")
        assert "Eve Hart" in everyone.text
    finally:
        bot.deps.clinic = clinic
    await bot.settle()
    assert "no longer active" not in last_answer(staff)


def test_without_a_room_count_the_practitioners_are_the_capacity(clinic):
    from wellbot.booking.rules import rules_from_clinic

    assert rules_from_clinic(clinic).capacity == 2  # the example clinic counts two rooms
    booking = {k: v for k, v in clinic.raw["booking"].items() if k != "capacity"}
    no_rooms = replace(clinic, raw={**clinic.raw, "booking": booking})
    assert rules_from_clinic(no_rooms).capacity == 3  # Dr. Lin, Sam Ortiz and Dr. Nair
    no_one = replace(clinic, raw={k: v for k, v in no_rooms.raw.items() if k != "practitioners"})
    assert rules_from_clinic(no_one).capacity == 1  # neither: one visit at a time, as before
