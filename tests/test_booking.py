"""Booking's SQL: the database refuses double-booking; every change is one transaction."""

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.booking_helpers import (
    TZ,
    at,
    direct_book,
    fill_first_week_but,
    join_waitlist,
    last_answer,
    to_name_step,
    to_summary,
    to_times,
    visit_rows,
)
from wellbot.booking import store
from wellbot.booking.rules import parse_rules
from wellbot.bot.notify import BotNotifier
from wellbot.core import visit_events
from wellbot.core.clock import to_db
from wellbot.core.db import open_database

NOW = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)
RULES = parse_rules({"slot_minutes": 15, "buffer_minutes": 10, "min_notice_hours": 2, "capacity": 1,
                     "max_upcoming_per_patient": 2}, {"thu": ["09:00-17:00"], "fri": ["09:00-17:00"]}, "test")


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "booking.db")
    for user in (1, 2, 3):
        database.execute("insert into patients (user_id, chat_id, created_at, last_seen_at) values (?, ?, ?, ?)",
                         [user, user, to_db(NOW), to_db(NOW)])
    return database


LISTENERS = []  # the visit listeners the store calls in these tests (the `events` fixture adds one)


@pytest.fixture
def events():
    seen = []

    def listener(db, visit_id, change, now):
        assert db.conn.in_transaction
        seen.append((visit_id, change))

    LISTENERS.append(listener)
    yield seen
    LISTENERS.remove(listener)


def book(db, user=1, start=None, token=None, rules=RULES, minutes=45):
    start = start or at(10)
    return store.book(db, rules=rules, tz=TZ, service_key="consult", minutes=minutes, start=start, user_id=user,
                      name="Ann", phone="+15550101", token=token or f"t{user}{start:%H%M}", now=NOW,
                      listeners=LISTENERS)


def test_booking_writes_the_visit_and_its_claims_and_tells_listeners(db, events):
    visit_id = book(db)
    visit = store.get_visit(db, visit_id)
    assert visit.status == "booked"
    assert visit.end - visit.start == timedelta(minutes=45)
    cells = db.execute("select count(*) from booking_claims where visit_id = ?", [visit_id]).fetchone()[0]
    assert cells == 4  # 45 minutes + 10 buffer on a 15-minute grid
    assert events == [(visit_id, visit_events.BOOKED)]


def test_second_booking_of_a_full_slot_is_refused_and_writes_nothing(db, events):
    book(db, user=1)
    with pytest.raises(store.SlotUnavailable):
        book(db, user=2, start=at(10, 30))
    assert db.execute("select count(*) from visits").fetchone()[0] == 1
    assert len(events) == 1


def test_the_database_itself_refuses_a_double_claim(db, monkeypatch):
    book(db, user=1)
    monkeypatch.setattr(store, "is_free", lambda *args: True)  # as if availability had been fooled
    with pytest.raises(store.SlotUnavailable):
        book(db, user=2)
    assert db.execute("select count(*) from visits").fetchone()[0] == 1


def test_capacity_two_takes_exactly_two(db):
    rules = parse_rules({"capacity": 2, "min_notice_hours": 0}, {"thu": ["09:00-17:00"]}, "test")
    book(db, user=1, rules=rules)
    book(db, user=2, rules=rules)
    with pytest.raises(store.SlotUnavailable):
        book(db, user=3, rules=rules)


def test_confirm_twice_books_once(db):
    first = book(db, token="same")
    with pytest.raises(store.AlreadyBooked) as caught:
        book(db, token="same")
    assert caught.value.visit_id == first
    assert db.execute("select count(*) from visits").fetchone()[0] == 1


def test_limit_of_upcoming_visits_per_patient(db):
    book(db, start=at(9))
    book(db, start=at(11))
    with pytest.raises(store.TooManyVisits):
        book(db, start=at(14))


def test_concurrent_confirmations_of_the_last_place_book_exactly_one(tmp_path, db):
    path = tmp_path / "booking.db"
    barrier = threading.Barrier(2)
    results: dict[int, object] = {}

    def confirm(user):
        own = open_database(path)  # each thread its own connection, like two processes
        barrier.wait()
        try:
            results[user] = book(own, user=user)
        except store.BookingError as exc:
            results[user] = exc

    threads = [threading.Thread(target=confirm, args=(user,)) for user in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    winners = [r for r in results.values() if isinstance(r, int)]
    losers = [r for r in results.values() if isinstance(r, store.SlotUnavailable)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert db.execute("select count(*) from visits").fetchone()[0] == 1


def test_cancel_frees_the_time_and_is_idempotent(db, events):
    visit_id = book(db, user=1)
    assert store.cancel(db, visit_id, store.BY_PATIENT, NOW, listeners=LISTENERS)
    assert not store.cancel(db, visit_id, store.BY_PATIENT, NOW, listeners=LISTENERS)
    assert book(db, user=2)
    assert events[1] == (visit_id, visit_events.CANCELLED)
    assert store.get_visit(db, visit_id).cancelled_by == "patient"


def test_reschedule_keeps_the_old_time_when_the_new_one_is_taken(db, events):
    mine = book(db, user=1, start=at(10))
    book(db, user=2, start=at(14))
    with pytest.raises(store.SlotUnavailable):
        store.reschedule(db, rules=RULES, tz=TZ, visit_id=mine, user_id=1, start=at(14), now=NOW, listeners=LISTENERS)
    assert store.get_visit(db, mine).start == at(10)
    moved = store.reschedule(db, rules=RULES, tz=TZ, visit_id=mine, user_id=1, start=at(10, 15), now=NOW,
                             listeners=LISTENERS)
    assert moved.start == at(10, 15)  # overlapping its own old time is fine
    assert events[-1] == (mine, visit_events.RESCHEDULED)
    with pytest.raises(store.VisitGone):
        store.reschedule(db, rules=RULES, tz=TZ, visit_id=mine, user_id=2, start=at(15), now=NOW, listeners=LISTENERS)


def test_marking_only_after_the_visit_started_and_no_show_counts(db, events):
    visit_id = book(db, user=1)
    assert not store.mark(db, visit_id, store.NO_SHOW, NOW, listeners=LISTENERS)  # still in the future
    later = at(12)
    assert store.mark(db, visit_id, store.NO_SHOW, later, listeners=LISTENERS)
    assert not store.mark(db, visit_id, store.NO_SHOW, later, listeners=LISTENERS)
    assert store.no_show_counts(db, [1, 2]) == {1: 1}
    assert store.mark(db, visit_id, store.ATTENDED, later, listeners=LISTENERS)
    assert store.no_show_counts(db, [1]) == {}
    assert [c for _, c in events] == [visit_events.BOOKED, visit_events.NO_SHOW, visit_events.ATTENDED]


def test_blocks_close_time_to_booking(db):
    store.add_block(db, at(9), at(12), by=900, now=NOW)
    with pytest.raises(store.SlotUnavailable):
        book(db, start=at(10))
    assert book(db, start=at(13))


def test_export_erase_and_purge(db):
    visit_id = book(db, user=1)
    exported = store.export_visits(db, 1)
    assert exported["visits"][0]["patient_phone"] == "+15550101"
    with db.atomic():
        store.erase_visits(db, 1, NOW)
    visit = store.get_visit(db, visit_id)
    assert (visit.user_id, visit.patient_name, visit.patient_phone) == (None, None, None)
    assert visit.service_key == "consult"
    assert visit.start == at(10)
    assert db.execute("select count(*) from booking_requests where user_id = 1").fetchone()[0] == 0
    assert store.purge_visits(db, at(10)) == 0
    assert store.purge_visits(db, at(12)) == 1
    assert db.execute("select count(*) from booking_claims").fetchone()[0] == 0


# ---- end to end through the bot -----------------------------------------------------------------
# The bot's clock starts Wed 10 June 2026, 09:00 New York; the example clinic has two rooms,
# a 15-minute grid, 10-minute buffers and two hours' minimum notice.

async def test_patient_books_a_visit_and_gets_confirmation_calendar_file_and_staff_notice(bot):
    ann = bot.user(1001, "Ann")
    staff = bot.staff()
    summary = await to_summary(bot, ann, name="Ann O'Lee")
    assert "Ann O&#39;Lee" in summary.html
    assert "(555) 123-4567" in summary.text  # stored E.164, shown formatted
    assert "Thu 11 Jun 2026, 10:00" in summary.text
    await ann.press(summary, "Confirm")
    confirmed = await ann.wait_for("Booked!")
    assert "Thursday 11 June 2026, 10:00–11:00" in confirmed.text
    assert "100 Example Avenue" in confirmed.text
    assert "loose clothing" in confirmed.text
    await bot.settle()
    document = next(m for m in ann.messages if m.document)
    ics = document.document["content"].decode()
    assert document.document["filename"] == "visit.ics"
    assert "DTSTART;TZID=America/New_York:20260611T100000" in ics
    assert "DTEND;TZID=America/New_York:20260611T110000" in ics
    assert "TZOFFSETTO:-0400" in ics
    assert "BEGIN:VTIMEZONE" in ics
    notice = await staff.wait_for("New booking")
    assert "Ann O&#39;Lee" in notice.html
    assert "(555) 123-4567" in notice.text
    [row] = visit_rows(bot)
    assert (row["user_id"], row["service_key"], row["start_utc"], row["status"]) == (
        1001, "acupuncture", "2026-06-11T14:00:00Z", "booked")
    assert bot.deps.flows.get(1001) is None


async def test_shared_contact_gives_name_and_phone(bot):
    bob = bot.user(1002, "Bob", last_name="Stone")
    await to_name_step(bob, day="Fri 12 Jun", at_time="09:00", service="Cupping")
    assert bob.keyboard
    assert "request_contact" in str(bob.keyboard)
    await bob.send_contact("+1 (555) 987-6543")
    summary = await bob.wait_for("Tap “Confirm”")
    assert "Bob Stone" in summary.text
    assert "(555) 987-6543" in summary.text
    await bob.press(summary, "Confirm")
    await bob.wait_for("Booked!")
    assert visit_rows(bot)[0]["patient_name"] == "Bob Stone"


async def test_back_buttons_at_every_step(bot):
    cat = bot.user(1003, "Cat")
    await cat.send("/book")
    services = await cat.wait_for("which service")
    await cat.press(services, "Acupuncture")
    days = await cat.wait_for("Choose a day")
    await cat.press(days, "Back")
    services = await cat.wait_for("which service")
    await cat.press(services, "Moxibustion")
    days = await cat.wait_for("Moxibustion")
    await cat.press(days, "Later days")
    later = await cat.wait_for("Choose a day between Wednesday 17 June")
    await cat.press(later, "Earlier days")
    days = await cat.wait_for("Choose a day between Wednesday 10 June")
    await cat.press(days, "Thu 11 Jun")
    times = await cat.wait_for("Choose a time")
    await cat.press(times, "Back")
    days = await cat.wait_for("Choose a day")
    await cat.press(days, "Thu 11 Jun")
    await cat.press(await cat.wait_for("Choose a time"), "11:00")
    await cat.wait_for("full name")
    await cat.send("‹ Back")
    times = await cat.wait_for("Choose a time")
    await cat.press(times, "11:15")
    await cat.wait_for("full name")
    await cat.send("Cat Woods")
    await cat.wait_for("phone number")
    await cat.send("‹ Back")
    await cat.wait_for("full name")
    await cat.send("Cat Woods")
    await cat.send("5551234567")
    summary = await cat.wait_for("Tap “Confirm”")
    assert "11:15" in summary.text
    await cat.press(summary, "Change name or phone")
    await cat.wait_for("full name")
    await cat.send("Catherine Woods")
    await cat.send("5551234567")
    summary = await cat.wait_for("Tap “Confirm”")
    await cat.press(summary, "Back")
    times = await cat.wait_for("Choose a time")
    await cat.press(times, "13:30")
    summary = await cat.wait_for("Tap “Confirm”")
    assert "13:30" in summary.text
    assert "Catherine Woods" in summary.text
    await cat.press(summary, "Confirm")
    await cat.wait_for("Booked!")
    assert visit_rows(bot)[0]["start_utc"] == "2026-06-11T17:30:00Z"


async def test_cancel_leaves_cleanly_and_old_buttons_are_stale(bot):
    dan = bot.user(1004, "Dan")
    summary = await to_summary(bot, dan)
    await dan.send("/cancel")
    await dan.wait_for("Cancelled")
    assert bot.deps.flows.get(1004) is None
    await dan.press(summary, "Confirm")
    await bot.settle()
    assert "no longer active" in last_answer(dan)
    assert visit_rows(bot) == []
    # a button from an earlier booking conversation is stale once a new one starts
    await dan.send("/book")
    first = await dan.wait_for("which service")
    await dan.send("/book")
    await dan.wait_for("which service")
    await dan.press(first, "Acupuncture")
    await bot.settle()
    assert "no longer active" in last_answer(dan)
    assert bot.deps.flows.get(1004).step == "service"


async def test_cancel_button_in_the_flow(bot):
    eve = bot.user(1005, "Eve")
    await eve.send("/book")
    services = await eve.wait_for("which service")
    await eve.press(services, "Cancel")
    await eve.wait_for("Cancelled")
    assert bot.deps.flows.get(1005) is None


async def test_confirm_pressed_twice_books_once(bot):
    fay = bot.user(1006, "Fay")
    summary = await to_summary(bot, fay)
    data = next(b["callback_data"] for row in summary.buttons() for b in row if "Confirm" in b["text"])
    await fay.press_data(summary.message_id, data)
    await fay.press_data(summary.message_id, data)
    await bot.settle()
    assert len(visit_rows(bot)) == 1
    assert "already booked" in last_answer(fay)


async def test_two_patients_confirming_the_last_place_at_once(bot):
    # two rooms: a third patient already holds one place at 10:00
    gus, hal, ivy = bot.user(1007, "Gus"), bot.user(1008, "Hal"), bot.user(1009, "Ivy")
    await gus.press(await to_summary(bot, gus, name="Gus Brown"), "Confirm")
    await gus.wait_for("Booked!")
    first = await to_summary(bot, hal, name="Hal Green")
    second = await to_summary(bot, ivy, name="Ivy Black")
    await hal.press(first, "Confirm")
    await ivy.press(second, "Confirm")
    await bot.settle()
    booked = [u for u in (hal, ivy) if any("Booked!" in m.text for m in u.messages)]
    taken = [u for u in (hal, ivy) if any("was just taken" in m.text for m in u.messages)]
    assert len(booked) == 1
    assert len(taken) == 1
    loser = taken[0]
    offer = next(m for m in loser.messages if "was just taken" in m.text)
    assert "nearest free times" in offer.text
    assert len(offer.button_labels()) >= 3
    assert len([r for r in visit_rows(bot) if r["start_utc"] == "2026-06-11T14:00:00Z"]) == 2
    # the loser books one of the nearest times in two taps
    await loser.press(offer, "Thu 11 Jun")
    summary = await loser.wait_for("Tap “Confirm”")
    await loser.press(summary, "Confirm")
    await loser.wait_for("Booked!")
    assert len(visit_rows(bot)) == 3


async def test_book_buttons_from_anywhere_and_deep_link_and_menu(bot):
    jo = bot.user(1010, "Jo")
    await jo.send("/start")
    menu = await jo.wait_for("")
    assert "Book a visit" in menu.button_labels()
    assert "My visits" in menu.button_labels()
    await jo.press(menu, "Book a visit")
    await jo.wait_for("which service")
    await jo.send("/start book")
    await jo.wait_for("which service")
    await jo.press_data(menu.message_id, "book:start:acupuncture")
    days = await jo.wait_for("Choose a day")
    assert "Acupuncture" in days.text
    await jo.press_data(menu.message_id, "book:start:nerve_block")
    by_phone = await jo.wait_for("by phone")
    assert "Nerve block" in by_phone.text
    assert "+1 555 0100" in by_phone.text
    assert "Nerve block" not in by_phone.button_labels()
    await jo.press_data(menu.message_id, "book:start:no_such_service")
    await jo.wait_for("which service")
    await bot.settle()
    assert visit_rows(bot) == []


# ---- the calendar file --------------------------------------------------------------------------

def test_ics_uses_the_clinic_zone_across_daylight_saving():
    from wellbot.booking.ics import escape, fold, visit_ics

    winter = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # 10:00 EST
    data = visit_ics(uid="visit-7@wellbot", start=winter, end=winter + timedelta(minutes=45), tz=TZ,
                     summary="Cupping; back, shoulders", location="100 Example Avenue, Suite 200",
                     description="Line one\nline two " + "x" * 120, stamp=NOW).decode()
    assert "DTSTART;TZID=America/New_York:20261203T100000\r\n" in data
    assert "DTEND;TZID=America/New_York:20261203T104500\r\n" in data
    assert "DTSTAMP:20260610T130000Z" in data
    # the year's two changes: 8 March 02:00 EST -> EDT, 1 November 02:00 EDT -> EST
    assert "BEGIN:DAYLIGHT\r\nDTSTART:20260308T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400" in data
    assert "BEGIN:STANDARD\r\nDTSTART:20261101T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500" in data
    assert "SUMMARY:Cupping\\; back\\, shoulders" in data
    assert all(len(line.encode()) <= 75 for line in data.split("\r\n"))
    assert escape("a\\b") == "a\\\\b"
    assert fold("é" * 80).split("\r\n ")[0] == "é" * 37  # never splits a character
    unfolded = data.replace("\r\n ", "")
    assert "DESCRIPTION:Line one\\nline two " + "x" * 120 in unfolded


def test_ics_for_a_zone_without_daylight_saving():
    from wellbot.booking.ics import visit_ics

    tokyo = ZoneInfo("Asia/Tokyo")
    start = datetime(2026, 6, 11, 1, 0, tzinfo=UTC)
    data = visit_ics(uid="u", start=start, end=start + timedelta(hours=1), tz=tokyo, summary="s",
                     location="l", description="d", stamp=NOW).decode()
    assert "DTSTART;TZID=Asia/Tokyo:20260611T100000" in data
    assert "TZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900" in data


# ---- names and phone numbers --------------------------------------------------------------------

def test_names_and_phones_are_validated():
    from wellbot.booking.contact import clean_name, clean_phone

    assert clean_name("  Ann   Lee ") == "Ann Lee"
    assert clean_name("José Álvarez-Núñez") == "José Álvarez-Núñez"
    assert clean_name("Mary O'Neill, Jr.") == "Mary O'Neill, Jr."
    for bad in ("", "A", "12345", "Ann 2", "x" * 81, "Ann\u200bLee", "!!!", "<b>Ann</b>", "Ann 😀"):
        assert clean_name(bad) is None, bad
    assert clean_phone("+1 (555) 123-4567", "US") == "+15551234567"
    assert clean_phone("0049 30 1234567", "US") == "+49301234567"
    assert clean_phone("555.123.4567", "US") == "+15551234567"  # E.164 with the clinic's region
    assert clean_phone("020 7946 0958", "GB") == "+442079460958"
    for bad in ("", "12345", "+1 555 CALL NOW", "Ann Lee", "1" * 16, "0000000", "+"):
        assert clean_phone(bad, "US") is None, bad


async def test_bad_name_and_phone_are_refused_and_nothing_is_written(bot):
    kim = bot.user(1011, "Kim")
    await to_name_step(kim)
    await kim.send("12345")
    await kim.wait_for("does not look like a name")
    await kim.send("<script>")
    await kim.wait_for("does not look like a name")
    await kim.send("Kim Park")
    await kim.wait_for("phone number")
    await kim.send("call me maybe")
    await kim.wait_for("does not look like a phone number")
    await kim.send("123")
    await kim.wait_for("does not look like a phone number")
    await kim.send_contact("not-a-number")
    await kim.wait_for("does not look like a phone number")
    assert visit_rows(bot) == []
    assert bot.deps.flows.get(1011).step == "phone"


async def test_typing_where_buttons_are_expected(bot):
    lee = bot.user(1012, "Lee")
    await lee.send("/book")
    await lee.wait_for("which service")
    await lee.send("tomorrow at 10 please")
    await lee.wait_for("use the buttons above")
    assert visit_rows(bot) == []


async def test_forged_booking_buttons_change_nothing(bot):
    max_ = bot.user(1013, "Max")
    await max_.send("/book")
    services = await max_.wait_for("which service")
    token = bot.deps.flows.get(1013).token
    for data in (f"book:svc:{token}:nerve_block", f"book:day:{token}:20261340", f"book:t:{token}:202606111400",
                 f"book:ok:{token}", f"book:back:{token}:nowhere", "book:zap", f"book:wk:{token}:x"):
        await max_.press_data(services.message_id, data)
    await bot.settle()
    state = bot.deps.flows.get(1013)
    assert state.step == "service"
    assert "service" not in state.data
    assert visit_rows(bot) == []


async def test_a_past_or_unoffered_time_is_refused(bot):
    ned = bot.user(1014, "Ned")
    times = await to_times(ned)
    token = bot.deps.flows.get(1014).token
    for stamp_text in ("202606091400", "202606111230", "202606111410", "202606140900"):
        await ned.press_data(times.message_id, f"book:t:{token}:{stamp_text}")
        await bot.settle()
        assert "just taken" in last_answer(ned)
    assert bot.deps.flows.get(1014).step == "time"
    assert "start" not in bot.deps.flows.get(1014).data


async def test_time_taken_while_choosing_and_days_that_fill_up(bot):
    oli = bot.user(1015, "Oli")
    times = await to_times(oli)
    for user_id, name in ((1017, "Q One"), (1018, "R Two")):  # both rooms taken at 10:00 meanwhile
        other = bot.user(user_id, name.split()[0])
        await other.press(await to_summary(bot, other, name=name), "Confirm")
        await other.wait_for("Booked!")
    await oli.press(times, "10:00")
    refreshed = await oli.wait_for("Choose a time")
    assert "10:00" not in refreshed.button_labels()
    assert "just taken" in last_answer(oli)


async def test_service_removed_from_the_clinic_file_mid_flow(bot):
    from dataclasses import replace

    rae = bot.user(1019, "Rae")
    summary = await to_summary(bot, rae)
    clinic = bot.deps.clinic
    bot.deps.clinic = replace(clinic, services=tuple(s for s in clinic.services if s.key != "acupuncture"))
    try:
        await rae.press(summary, "Confirm")
        gone = await rae.wait_for("can no longer be booked online")
        assert "Acupuncture" not in gone.button_labels()
    finally:
        bot.deps.clinic = clinic
    assert visit_rows(bot) == []


# ---- /visits: reschedule and cancel -------------------------------------------------------------

@pytest.fixture
def bot_events(bot):
    """The visit changes the running bot's store reports, after the features' own listeners."""
    seen = []

    def listener(db, visit_id, change, now):
        assert db.conn.in_transaction
        seen.append((visit_id, change))

    bot.deps.hooks = replace(bot.deps.hooks, visit_changed=(*bot.deps.hooks.visit_changed, listener))
    return seen


async def test_visits_lists_and_cancels_with_staff_told(bot, bot_events):
    sue = bot.user(1020, "Sue")
    staff = bot.staff()
    visit_id = direct_book(bot, 1020, at(10), name="Sue Hill")
    await sue.send("/visits")
    listing = await sue.wait_for("Your upcoming visits")
    assert "Thu 11 Jun 2026, 10:00–11:00 EDT: Acupuncture" in listing.text
    await sue.press(listing, "Cancel Thu 11 Jun 10:00")
    ask = await sue.wait_for("Cancel your")
    await sue.press(ask, "Yes, cancel it")
    await sue.wait_for("is cancelled")
    notice = await staff.wait_for("Visit cancelled")
    assert "by the patient" in notice.text
    assert "Sue Hill" in notice.text
    visit = store.get_visit(bot.db, visit_id)
    assert (visit.status, visit.cancelled_by) == ("cancelled", "patient")
    assert (visit_id, visit_events.CANCELLED) in bot_events
    await sue.press_data(ask.message_id, f"vis:cxy:{visit_id}")  # pressed again
    await sue.wait_for("no longer booked")
    assert [c for v, c in bot_events if v == visit_id].count(visit_events.CANCELLED) == 1
    await sue.send("/visits")
    await sue.wait_for("no upcoming visits")


async def test_keep_it_changes_nothing(bot):
    tom = bot.user(1021, "Tom")
    visit_id = direct_book(bot, 1021, at(10))
    await tom.press_data(1, f"vis:cx:{visit_id}")  # as from a reminder message
    ask = await tom.wait_for("Cancel your")
    await tom.press(ask, "No, keep it")
    await tom.wait_for("stays booked")
    assert store.get_visit(bot.db, visit_id).status == "booked"


async def test_cancelling_inside_the_window_is_refused_with_the_clinic_phone(bot):
    uma = bot.user(1022, "Uma")
    soon = direct_book(bot, 1022, datetime(2026, 6, 10, 18, 0, tzinfo=UTC))  # 14:00 today: 5 hours away
    await uma.press_data(1, f"vis:cx:{soon}")
    refused = await uma.wait_for("cannot be cancelled online")
    assert "+1 555 0100" in refused.text
    await uma.press_data(1, f"vis:rs:{soon}")
    await uma.wait_for("cannot be rescheduled online")
    assert store.get_visit(bot.db, soon).status == "booked"


async def test_someone_elses_visit_buttons_are_refused(bot):
    direct_book(bot, 1023, at(10))
    victim = store.upcoming(bot.db, 1023, bot.clock.now())[0].id
    vic = bot.user(1024, "Vic")
    await vic.send("/start")
    await vic.wait_for("")
    for data in (f"vis:cx:{victim}", f"vis:cxy:{victim}", f"vis:rs:{victim}", "vis:cx:999", "vis:cx:abc", "vis:zz:1"):
        await vic.press_data(1, data)
        await bot.settle()
        assert "no longer active" in last_answer(vic)
    assert store.get_visit(bot.db, victim).status == "booked"
    assert bot.deps.flows.get(1024) is None


async def test_reschedule_moves_the_visit_only_when_confirmed(bot, bot_events):
    wes = bot.user(1025, "Wes")
    staff = bot.staff()
    visit_id = direct_book(bot, 1025, at(10), name="Wes Fox")
    await wes.press_data(1, f"vis:rs:{visit_id}")  # a reminder's Reschedule button
    days = await wes.wait_for("Moving your visit")
    assert "Back" not in " ".join(days.button_labels())
    assert "waitlist" not in " ".join(days.button_labels())
    await wes.press(days, "Fri 12 Jun")
    await wes.press(await wes.wait_for("Choose a time"), "14:00")
    summary = await wes.wait_for("Move your visit?")
    assert "Thu 11 Jun 2026, 10:00" in summary.text
    assert "Fri 12 Jun 2026, 14:00" in summary.text
    assert store.get_visit(bot.db, visit_id).start == at(10)  # nothing moved yet
    await wes.press(summary, "Confirm")
    await wes.wait_for("Moved.")
    moved = store.get_visit(bot.db, visit_id)
    assert moved.start == datetime(2026, 6, 12, 18, 0, tzinfo=UTC)
    assert moved.status == "booked"
    assert (visit_id, visit_events.RESCHEDULED) in bot_events
    notice = await staff.wait_for("Visit moved")
    assert "Wes Fox" in notice.text
    await bot.settle()
    assert "DTSTART;TZID=America/New_York:20260612T140000" in wes.messages[-1].document["content"].decode()
    assert len(visit_rows(bot)) == 1


async def test_abandoned_or_failed_reschedule_keeps_the_old_time(bot):
    xia = bot.user(1026, "Xia")
    visit_id = direct_book(bot, 1026, at(10))
    await xia.press_data(1, f"vis:rs:{visit_id}")
    await xia.press(await xia.wait_for("Moving your visit"), "Fri 12 Jun")
    await xia.press(await xia.wait_for("Choose a time"), "09:00")
    summary = await xia.wait_for("Move your visit?")
    direct_book(bot, 1027, datetime(2026, 6, 12, 13, 0, tzinfo=UTC))  # both rooms taken meanwhile
    direct_book(bot, 1028, datetime(2026, 6, 12, 13, 0, tzinfo=UTC))
    await xia.press(summary, "Confirm")
    await xia.wait_for("was just taken")
    assert store.get_visit(bot.db, visit_id).start == at(10)
    await xia.send("/cancel")
    await xia.wait_for("Cancelled")
    assert store.get_visit(bot.db, visit_id).start == at(10)


async def test_upcoming_visit_limit(bot):
    for hour in (9, 11, 14):
        direct_book(bot, 1029, at(hour))
    yan = bot.user(1029, "Yan")
    await yan.send("/book")
    await yan.wait_for("You already have 3 upcoming visits")
    assert bot.deps.flows.get(1029) is None


# ---- waitlist -----------------------------------------------------------------------------------

async def test_freed_time_goes_to_the_first_confirmed_claim(bot):
    fill_first_week_but(bot, at(10))
    full_a = direct_book(bot, 1030, at(10))
    direct_book(bot, 1031, at(10))  # both rooms held at 10:00
    zed, amy = bot.user(1032, "Zed"), bot.user(1033, "Amy")
    joined = await join_waitlist(bot, zed)
    assert "Wednesday 10 June 2026 and Tuesday 16 June 2026" in joined.text
    await join_waitlist(bot, amy)
    owner = bot.user(1030, "Ola")
    await owner.press_data(1, f"vis:cx:{full_a}")
    await owner.press(await owner.wait_for("Cancel your"), "Yes, cancel it")
    offer_z = await zed.wait_for("A time has freed up")
    offer_a = await amy.wait_for("A time has freed up")
    assert "Thu 11 Jun 2026, 10:00" in offer_z.text
    assert "09:30" in offer_z.text  # claim by now + 30 min
    await amy.press(offer_a, "Claim this time")
    await amy.wait_for("full name")
    await amy.send("Amy Ray")
    await amy.send("+1 555 222 3333")
    summary = await amy.wait_for("Tap “Confirm”")
    await amy.press(summary, "Confirm")
    await amy.wait_for("Booked!")
    gone = await zed.wait_for("has been taken")
    assert "stay on the waitlist" in gone.text
    await zed.press(offer_z, "Claim this time")
    await bot.settle()
    assert "taken" in last_answer(zed)
    held = [r for r in visit_rows(bot) if r["start_utc"] == "2026-06-11T14:00:00Z" and r["status"] == "booked"]
    assert sorted(r["user_id"] for r in held) == [1031, 1033]


async def test_claim_buttons_expire(bot):
    fill_first_week_but(bot, at(10))
    first = direct_book(bot, 1034, at(10))
    direct_book(bot, 1035, at(10))
    ben = bot.user(1036, "Ben")
    await join_waitlist(bot, ben)
    with bot.db.atomic():
        store.cancel(bot.db, first, store.BY_STAFF, bot.clock.now(), listeners=bot.deps.hooks.visit_changed)
    from wellbot.booking import waitlist

    await waitlist.offer_freed(bot.deps, BotNotifier(bot.app.bot, bot.deps), store.get_visit(bot.db, first))
    offer = await ben.wait_for("A time has freed up")
    bot.clock.advance(timedelta(minutes=31))
    await ben.press(offer, "Claim this time")
    await ben.wait_for("has expired")
    assert "expired" in last_answer(ben)
    assert bot.deps.flows.get(1036) is None
    other = bot.user(1037, "Cy")
    await other.press_data(offer.message_id, f"wl:claim:{store_offer_id(bot)}")  # not Cy's offer
    await bot.settle()
    assert "no longer active" in last_answer(other)


def store_offer_id(bot) -> int:
    return next(bot.db.query("select id from booking_offers order by id desc limit 1"))["id"]


def test_the_same_flow_token_for_two_patients_books_both(db):
    book(db, user=1, token="abc123")
    assert book(db, user=2, start=at(14), token="abc123")


def plans(db, call) -> list[str]:
    """The query plans of the statements `call` runs (with their bound values)."""
    seen = []
    db.conn.set_trace_callback(seen.append)
    try:
        call()
    finally:
        db.conn.set_trace_callback(None)
    return [detail for sql in seen if sql.lstrip().lower().startswith("select")
            for *_, detail in db.execute("explain query plan " + sql)]


def test_busy_between_reads_only_the_window_not_the_clinics_history(db):
    """Both bounds on start_utc: the cost of a booking screen does not grow with years of past visits.

    With only `start_utc < end` SQLite walked every earlier visit (514 ms at
    300,000; benchmarks/README.md, big clinic). A visit that started more than
    LONGEST_VISIT before the window cannot overlap it, and is not read.
    """
    start = at(9)
    for day in range(1, 200):  # history
        past = start - timedelta(days=day)
        db.execute("insert into visits (user_id, service_key, start_utc, end_utc, status, created_at, updated_at) "
                   "values (1, 'acupuncture', ?, ?, 'attended', ?, ?)",
                   [to_db(past), to_db(past + timedelta(hours=1)), to_db(past), to_db(past)])
    long_ago = store.LONGEST_VISIT - timedelta(hours=1)
    assert plans(db, lambda: store.busy_between(db, start, start + timedelta(days=7))) == [
        "SEARCH visits USING INDEX visits_by_start (start_utc>? AND start_utc<?)"]
    overlapping = start - long_ago  # 23 h long, ends inside the window: still found
    db.execute("insert into visits (user_id, service_key, start_utc, end_utc, status, created_at, updated_at) "
               "values (1, 'acupuncture', ?, ?, 'booked', ?, ?)",
               [to_db(overlapping), to_db(start + timedelta(hours=1)), to_db(start), to_db(start)])
    assert (overlapping, start + timedelta(hours=1)) in store.busy_between(db, start, start + timedelta(days=1))


def test_a_practitioners_and_a_persons_visits_are_read_only_in_the_window_too(db):
    """Found when tried (issue 22): with practitioners listed, a days screen took about 490 ms at a big clinic.

    `practitioner_busy` (once per practitioner on every screen) and
    `own_visits_between` (a phone patient's visits have no index of their
    own) had only `start_utc < end`, so they walked the clinic's whole history
    as `busy_between` once did.
    """
    start = at(9)
    for day in range(1, 200):  # history
        past = start - timedelta(days=day)
        db.execute("insert into visits (user_id, service_key, start_utc, end_utc, status, created_at, updated_at, "
                   "practitioner_key) values (1, 'acupuncture', ?, ?, 'attended', ?, ?, 'lin')",
                   [to_db(past), to_db(past + timedelta(hours=1)), to_db(past), to_db(past)])
    week = start + timedelta(days=7)
    bounded = "SEARCH visits USING INDEX visits_by_start (start_utc>? AND start_utc<?)"
    assert plans(db, lambda: store.practitioner_busy(db, "lin", start, week)) == [bounded]
    assert plans(db, lambda: store.own_visits_between(db, None, start, week, phone_patient_id=7)) == [bounded]
    assert plans(db, lambda: store.own_visits_between(db, 1, start, week)) == [
        "SEARCH visits USING INDEX visits_by_user (user_id=? AND start_utc>? AND start_utc<?)"]
    overlapping = start - (store.LONGEST_VISIT - timedelta(hours=1))  # ends inside the window: still found
    db.execute("insert into visits (user_id, service_key, start_utc, end_utc, status, created_at, updated_at, "
               "practitioner_key) values (1, 'acupuncture', ?, ?, 'booked', ?, ?, 'lin')",
               [to_db(overlapping), to_db(start + timedelta(hours=1)), to_db(start), to_db(start)])
    assert store.practitioner_busy(db, "lin", start, week) == [(overlapping, start + timedelta(hours=1))]
    assert store.own_visits_between(db, 1, start, week) == [(overlapping, start + timedelta(hours=1))]


def test_agenda_reads_one_page_of_a_day_and_counts_the_rest(db):
    """/schedule reads only the page on screen (issue 22): one practitioner's or everyone's, in time order."""
    for n in range(7):
        start = at(9) + timedelta(minutes=30 * n)
        db.execute("insert into visits (user_id, service_key, start_utc, end_utc, status, created_at, updated_at, "
                   "practitioner_key) values (1, 'acupuncture', ?, ?, ?, ?, ?, ?)",
                   [to_db(start), to_db(start + timedelta(minutes=30)), "cancelled" if n == 3 else "booked",
                    to_db(NOW), to_db(NOW), "lin" if n % 2 else "ortiz"])
    day_start, day_end = at(0), at(0) + timedelta(days=1)
    everyone = store.agenda(db, day_start, day_end)
    assert [v.start for v in everyone] == [at(9) + timedelta(minutes=30 * n) for n in range(7)]
    assert store.count_agenda(db, day_start, day_end) == 7
    assert store.agenda(db, day_start, day_end, offset=2, limit=3) == everyone[2:5]
    lins = store.agenda(db, day_start, day_end, practitioner="lin")
    assert [v.practitioner_key for v in lins] == ["lin"] * 3
    assert lins == [everyone[1], everyone[3], everyone[5]]
    assert store.count_agenda(db, day_start, day_end, practitioner="lin") == 3
    assert store.agenda(db, day_start, day_end, practitioner="lin", offset=2, limit=25) == [everyone[5]]
