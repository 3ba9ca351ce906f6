"""Staff side of booking: agenda, confirmation status, cancel, block, attended/no-show."""

from datetime import UTC, datetime

from tests.booking_helpers import at, direct_book, last_answer, to_summary, to_times
from wellbot.booking import store
from wellbot.core.clock import to_db


async def test_today_shows_names_phones_and_confirmation_status(bot):
    staff = bot.staff()
    confirmed = direct_book(bot, 2001, datetime(2026, 6, 10, 18, 0, tzinfo=UTC), name="Ann O'Lee")
    direct_book(bot, 2002, datetime(2026, 6, 10, 20, 0, tzinfo=UTC), service="cupping", name="Bo Day")
    direct_book(bot, 2003, at(10), name="Tomorrow Person")
    bot.db.execute("update visits set confirmed_at = ? where id = ?", [to_db(bot.clock.now()), confirmed])
    await staff.send("/today")
    agenda = await staff.wait_for("Schedule for Wednesday 10 June 2026")
    assert "14:00–15:00 Acupuncture: Ann O&#39;Lee, (555) 000-0000" in agenda.html
    assert "16:00–16:45 Cupping therapy: Bo Day" in agenda.text
    lines = agenda.text.splitlines()
    assert "✅ confirmed" in lines[lines.index(next(x for x in lines if "Ann O'Lee" in x)) + 1]
    assert "not confirmed yet" in lines[lines.index(next(x for x in lines if "Bo Day" in x)) + 1]
    assert "Tomorrow Person" not in agenda.text
    await staff.press(agenda, "Next day")
    tomorrow = await staff.wait_for("Thursday 11 June 2026")
    assert "Tomorrow Person" in tomorrow.text


async def test_schedule_for_a_date_and_bad_dates(bot):
    staff = bot.staff()
    direct_book(bot, 2004, at(10), name="Cy Young")
    await staff.send("/schedule 2026-06-11")
    day = await staff.wait_for("Schedule for Thursday 11 June 2026")
    assert "Cy Young" in day.text
    for bad in ("/schedule", "/schedule tomorrow", "/schedule 2026-02-30", "/schedule 2026-06-11 extra"):
        await staff.send(bad)
        await staff.wait_for("YYYY-MM-DD")
    await staff.send("/schedule 2026-06-14")
    await staff.wait_for("No visits booked")


async def test_patients_cannot_use_staff_commands_or_buttons(bot):
    visit_id = direct_book(bot, 2005, at(10))
    pat = bot.user(2005, "Pat")
    for command in ("/today", "/schedule 2026-06-11", "/block 2026-06-11 10:00-12:00"):
        await pat.send(command)
        await pat.wait_for("staff")
    await pat.press_data(1, f"sched:cxy:{visit_id}")
    await bot.settle()
    assert "staff" in last_answer(pat).lower()
    assert store.get_visit(bot.db, visit_id).status == "booked"
    assert list(bot.db.query("select * from booking_blocks")) == []


async def test_staff_cancels_a_visit_and_the_patient_is_told(bot):
    staff = bot.staff()
    dee = bot.user(2006, "Dee")
    await dee.send("/start")
    visit_id = direct_book(bot, 2006, at(10), name="Dee Moss")
    await staff.send("/schedule 2026-06-11")
    day = await staff.wait_for("Schedule for")
    await staff.press(day, "10:00 Dee Moss")
    card = await staff.wait_for("No-shows by this patient: 0")
    assert "Attended" not in " ".join(card.button_labels())  # not started yet
    await staff.press(card, "Cancel visit")
    ask = await staff.wait_for("The patient will be told")
    await staff.press(ask, "Yes, cancel")
    told = await dee.wait_for("the clinic had to cancel")
    assert "Thu 11 Jun 2026, 10:00" in told.text
    await staff.wait_for("Visit cancelled")
    visit = store.get_visit(bot.db, visit_id)
    assert (visit.status, visit.cancelled_by) == ("cancelled", "staff")
    await staff.press_data(ask.message_id, f"sched:cxy:{visit_id}")  # pressed twice
    await bot.settle()
    assert "Not changed" in last_answer(staff)
    assert len([m for m in dee.messages if "had to cancel" in m.text]) == 1


async def test_attended_and_no_show_with_counts(bot):
    staff = bot.staff()
    first = direct_book(bot, 2007, at(10), name="Eli North")
    later = direct_book(bot, 2007, at(14), name="Eli North")
    await staff.press_data(1, f"sched:ns:{first}")  # before the visit: refused
    await bot.settle()
    assert "Not changed" in last_answer(staff)
    bot.clock.set(at(10, 5))
    await staff.send("/today")
    day = await staff.wait_for("Schedule for Thursday 11 June")
    await staff.press(day, "10:00 Eli North")
    card = await staff.wait_for("No-shows by this patient")
    await staff.press(card, "No-show")
    card = await staff.wait_for("Status: no-show")
    assert "No-shows by this patient: 1" in card.text
    assert "Marked as no-show" in last_answer(staff)
    assert store.get_visit(bot.db, first).status == "no_show"
    await staff.press(card, "Back to the day")
    day = await staff.wait_for("Schedule for Thursday 11 June")
    assert "no-shows: 1" in day.text
    await staff.press(day, "10:00 Eli North")
    card = await staff.wait_for("Status: no-show")
    await staff.press(card, "Attended")
    await staff.wait_for("Status: attended")
    assert store.no_show_counts(bot.db, [2007]) == {}
    assert store.get_visit(bot.db, later).status == "booked"


async def test_no_show_count_in_the_new_booking_notice(bot):
    staff = bot.staff()
    missed = direct_book(bot, 2008, at(10))
    store.mark(bot.db, missed, store.NO_SHOW, at(11), listeners=bot.deps.hooks.visit_changed)
    fio = bot.user(2008, "Fio")
    await fio.press(await to_summary(bot, fio, day="Fri 12 Jun", name="Fio Lane"), "Confirm")
    notice = await staff.wait_for("New booking")
    assert "no-shows: 1" in notice.text


async def test_block_a_time_range(bot):
    staff = bot.staff()
    direct_book(bot, 2009, at(13, 30), name="Gil Hart")
    await staff.send("/block 2026-06-11 13:30-15:00")
    blocked = await staff.wait_for("Blocked")
    assert "Thu 11 Jun 2026, 13:30–15:00" in blocked.text
    assert "Gil Hart" in blocked.text
    [row] = bot.db.query("select * from booking_blocks")
    assert (row["start_utc"], row["end_utc"]) == ("2026-06-11T17:30:00Z", "2026-06-11T19:00:00Z")
    hal = bot.user(2010, "Hal")
    times = await to_times(hal)
    labels = times.button_labels()
    assert "12:30" not in labels
    assert "13:30" not in labels
    assert "14:45" not in labels
    assert "15:00" in labels
    assert "11:30" in labels
    await staff.send("/schedule 2026-06-11")
    assert "Blocked 13:30–15:00" in (await staff.wait_for("Schedule for")).text


async def test_bad_block_requests_write_nothing(bot):
    staff = bot.staff()
    cases = {
        "/block": "like this",
        "/block 2026-06-11": "like this",
        "/block 2026-06-11 15:00-13:00": "must end after it starts",
        "/block 2026-06-31 10:00-11:00": "like this",
        "/block 2026-06-11 25:00-26:00": "like this",
        "/block 2026-06-11 10-11": "like this",
        "/block 2026-03-08 02:00-02:30": "does not exist",
        "/block 2026-06-09 10:00-11:00": "already over",
    }
    for command, expected in cases.items():
        await staff.send(command)
        reply = await staff.wait_for("Nothing was changed")
        assert expected in reply.text, command
    assert list(bot.db.query("select * from booking_blocks")) == []


async def test_listed_commands_for_staff_and_patients(bot):
    staff, pat = bot.staff(), bot.user(2011, "Ida")
    await staff.send("/help")
    staff_help = await staff.wait_for("/today")
    assert "/schedule" in staff_help.text
    assert "/block" in staff_help.text
    await pat.send("/help")
    patient_help = await pat.wait_for("/book")
    assert "/visits" in patient_help.text
    assert "/today" not in patient_help.text


async def test_a_day_with_more_visits_than_one_keyboard_holds_is_paged(bot):
    """Telegram refuses an inline keyboard of over 100 buttons: a 130-visit day came back as an error."""
    staff = bot.staff()
    now = to_db(bot.clock.now())
    rows = []
    for n in range(130):  # a big clinic's day, written straight to the table (capacity is not the point here)
        start = datetime(2026, 6, 11, 12, 0, tzinfo=UTC).timestamp() + 300 * n
        rows.append([5000 + n, "acupuncture", to_db(datetime.fromtimestamp(start, UTC)),
                     to_db(datetime.fromtimestamp(start + 1800, UTC)), f"Patient {n:03d}", "+15550000000", now, now])
    bot.db.conn.executemany("insert into patients (user_id, chat_id, created_at, last_seen_at) values (?, ?, ?, ?)",
                            [[r[0], r[0], now, now] for r in rows])
    bot.db.conn.executemany(
        "insert into visits (user_id, service_key, start_utc, end_utc, status, patient_name, patient_phone, "
        "created_at, updated_at) values (?, ?, ?, ?, 'booked', ?, ?, ?, ?)", rows)
    await staff.send("/schedule 2026-06-11")
    page = await staff.wait_for("Schedule for Thursday 11 June 2026")
    seen = []
    for number in range(1, 7):
        assert f"(page {number} of 6)" in page.text
        assert sum(len(row) for row in page.buttons()) <= 100
        seen += [line.split(": ", 1)[1].split(",")[0] for line in page.text.splitlines() if "Acupuncture: " in line]
        if number < 6:
            await staff.press(page, "Later visits")
            page = await staff.wait_for(f"(page {number + 1} of 6)")
    assert seen == [f"Patient {n:03d}" for n in range(130)], "every visit once, in time order"
    await staff.press(page, "Earlier visits")
    await staff.wait_for("(page 5 of 6)")
