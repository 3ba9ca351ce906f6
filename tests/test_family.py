"""Issue 16, part 4: a patient books for a family member; the member's name and date of birth are
remembered, visits and reminders name them, /mydata has them and /forget erases them.
The clock starts Wed 10 June 2026, 09:00 New York."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.booking_helpers import to_name_step, visit_rows
from wellbot.booking import store
from wellbot.reminders.feature import dispatcher_of


async def test_booking_for_a_child_remembers_them_and_names_them_everywhere(bot):
    staff = bot.staff()
    await staff.send("/start")
    ann = bot.user(1401, "Ann")
    await to_name_step(ann)
    assert "Someone in my family" in str(ann.keyboard)
    await ann.send("👪 Someone in my family")
    await ann.wait_for("the person the visit is for")
    await ann.send("Mia Lee")
    await ann.wait_for("date of birth")
    await ann.send("05/03/2015")
    await ann.wait_for("does not look like a date of birth")
    await ann.send("3 May 2015")
    await ann.wait_for("about Mia Lee's visit")
    await ann.send("+1 555 123 4567")
    summary = await ann.wait_for("Tap “Confirm”")
    assert "For: Mia Lee (family member, born Sunday 03 May 2015)" in summary.text
    await ann.press(summary, "Confirm")
    booked = await ann.wait_for("Booked!")
    assert "Acupuncture for Mia Lee" in booked.text
    [row] = visit_rows(bot)
    assert row["patient_name"] == "Mia Lee"
    assert row["user_id"] == 1401
    assert row["dependant_id"] is not None
    [mia] = store.dependants_of(bot.db, 1401)
    assert (mia.name, mia.birth_date.isoformat()) == ("Mia Lee", "2015-05-03")
    await ann.send("/visits")
    listing = await ann.wait_for("Your upcoming visits")
    assert "Acupuncture for Mia Lee" in listing.text
    await staff.send("/schedule 2026-06-11")
    day = await staff.wait_for("Schedule for")
    assert "Mia Lee 👪" in day.text
    # the 24-hour reminder goes to Ann and names Mia
    bot.clock.set(datetime(2026, 6, 10, 14, 0, tzinfo=UTC))
    await dispatcher_of(bot.app).run_due()
    await bot.settle()
    reminder = next(m for m in ann.messages if "Reminder" in m.text)
    assert "Reminder: Acupuncture for Mia Lee" in reminder.text


async def test_a_saved_family_member_is_one_tap_and_each_person_has_their_own_times(bot):
    bob = bot.user(1402, "Bob")
    await to_name_step(bob)
    await bob.send("I want to book for my mother")  # said in words: the family path
    await bob.wait_for("Booking for someone else")
    await bob.send("Rose Stone")
    await bob.wait_for("date of birth")
    await bob.send("1950-01-20")
    await bob.send("+1 555 987 6543")
    await bob.press(await bob.wait_for("Tap “Confirm”"), "Confirm")
    await bob.wait_for("Booked!")
    # Bob himself at the same time: a different person, so allowed
    await to_name_step(bob)
    await bob.send("Bob Stone")
    await bob.send("+1 555 987 6543")
    await bob.press(await bob.wait_for("Tap “Confirm”"), "Confirm")
    await bob.wait_for("Booked!")
    # Rose at 13:30, then again at 14:00 (overlapping): refused, she cannot be in two rooms
    for at_time, expected in (("13:30", "Booked!"), ("14:00", "already have a visit")):
        await to_name_step(bob, at_time=at_time)
        assert "👪 Rose Stone" in str(bob.keyboard)
        await bob.send("👪 Rose Stone")
        await bob.wait_for("about Rose Stone's visit")
        await bob.send("+1 555 987 6543")
        summary = await bob.wait_for("Tap “Confirm”")
        assert "For: Rose Stone (family member, born Friday 20 January 1950)" in summary.text
        await bob.press(summary, "Confirm")
        await bob.wait_for(expected)
    assert len(store.dependants_of(bot.db, 1402)) == 1
    assert len([r for r in visit_rows(bot) if r["status"] == "booked"]) == 3


async def test_family_members_are_in_mydata_and_erased_by_forget(bot):
    cy = bot.user(1403, "Cy")
    await to_name_step(cy)
    await cy.send("👪 Someone in my family")
    await cy.wait_for("the person the visit is for")
    await cy.send("Leo Park")
    await cy.send("2018-09-01")
    await cy.send("+1 555 222 3333")
    await cy.press(await cy.wait_for("Tap “Confirm”"), "Confirm")
    await cy.wait_for("Booked!")
    await cy.send("/mydata")
    await bot.settle()
    export = json.loads(next(m for m in cy.messages if m.document and "json" in m.document["filename"])
                        .document["content"])
    assert "Leo Park" in json.dumps(export)
    assert "2018-09-01" in json.dumps(export)
    await cy.send("/forget")
    await cy.press(await cy.wait_for("Erase"), "Yes")
    await bot.settle()
    assert list(bot.db.query("select * from dependants")) == []
    assert all(r["patient_name"] is None for r in visit_rows(bot))


def test_birth_dates_are_read_without_guessing_the_order():
    from datetime import date

    from wellbot.booking.contact import parse_birth_date

    today = date(2026, 6, 10)
    for text in ("2015-05-03", "03.05.2015", "3 May 2015", "May 3, 2015", " 3  may 2015 "):
        assert parse_birth_date(text, today) == date(2015, 5, 3), text
    for text in ("05/03/2015", "yesterday", "2027-01-01", "1890-01-01", "2015-02-30", ""):
        assert parse_birth_date(text, today) is None, text


async def test_the_visit_limit_counts_per_person(bot):
    from tests.booking_helpers import at, direct_book
    from wellbot.core.clock import to_db

    for hour in (9, 11, 14):
        direct_book(bot, 1404, at(hour))
    bot.db.execute("insert into dependants (user_id, name, birth_date, created_at) values (1404, 'Kai Moss', "
                   "'2016-02-01', ?)", [to_db(bot.clock.now())])
    dee = bot.user(1404, "Dee")
    await to_name_step(dee, day="Fri 12 Jun")  # three visits of her own, but Kai has none
    await dee.send("👪 Kai Moss")
    await dee.send("+1 555 444 5555")
    await dee.press(await dee.wait_for("Tap “Confirm”"), "Confirm")
    await dee.wait_for("Booked!")
    await to_name_step(dee, day="Fri 12 Jun", at_time="15:00")
    await dee.send("Dee Moss")
    await dee.send("+1 555 444 5555")
    await dee.press(await dee.wait_for("Tap “Confirm”"), "Confirm")
    await dee.wait_for("You already have 3 upcoming visits")
