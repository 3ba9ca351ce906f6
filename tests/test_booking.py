"""Booking's SQL: the database refuses double-booking; every change is one transaction."""

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from wellbot import visit_events
from wellbot.booking import store
from wellbot.booking.rules import parse_rules
from wellbot.clock import to_db
from wellbot.db import open_database

TZ = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)
THU = date(2026, 6, 11)
RULES = parse_rules({"slot_minutes": 15, "buffer_minutes": 10, "min_notice_hours": 2, "capacity": 1,
                     "max_upcoming_per_patient": 2}, {"thu": ["09:00-17:00"], "fri": ["09:00-17:00"]}, "test")


def at(hh: int, mm: int = 0, day: date = THU) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=TZ).astimezone(UTC)


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "booking.db")
    for user in (1, 2, 3):
        database.execute("insert into patients (user_id, chat_id, created_at, last_seen_at) values (?, ?, ?, ?)",
                         [user, user, to_db(NOW), to_db(NOW)])
    return database


@pytest.fixture
def events():
    seen = []

    def listener(db, visit_id, change, now):
        assert db.conn.in_transaction
        seen.append((visit_id, change))

    visit_events.listeners.append(listener)
    yield seen
    visit_events.listeners.remove(listener)


def book(db, user=1, start=None, token=None, rules=RULES, minutes=45):
    start = start or at(10)
    return store.book(db, rules=rules, tz=TZ, service_key="consult", minutes=minutes, start=start, user_id=user,
                      name="Ann", phone="+15550101", token=token or f"t{user}{start:%H%M}", now=NOW)


def test_booking_writes_the_visit_and_its_claims_and_tells_listeners(db, events):
    visit_id = book(db)
    visit = store.get_visit(db, visit_id)
    assert visit.status == "booked" and visit.end - visit.start == timedelta(minutes=45)
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
    assert len(winners) == 1 and len(losers) == 1, results
    assert db.execute("select count(*) from visits").fetchone()[0] == 1


def test_cancel_frees_the_time_and_is_idempotent(db, events):
    visit_id = book(db, user=1)
    assert store.cancel(db, visit_id, store.BY_PATIENT, NOW)
    assert not store.cancel(db, visit_id, store.BY_PATIENT, NOW)
    assert book(db, user=2)
    assert events[1] == (visit_id, visit_events.CANCELLED)
    assert store.get_visit(db, visit_id).cancelled_by == "patient"


def test_reschedule_keeps_the_old_time_when_the_new_one_is_taken(db, events):
    mine = book(db, user=1, start=at(10))
    book(db, user=2, start=at(14))
    with pytest.raises(store.SlotUnavailable):
        store.reschedule(db, rules=RULES, tz=TZ, visit_id=mine, user_id=1, start=at(14), now=NOW)
    assert store.get_visit(db, mine).start == at(10)
    moved = store.reschedule(db, rules=RULES, tz=TZ, visit_id=mine, user_id=1, start=at(10, 15), now=NOW)
    assert moved.start == at(10, 15)  # overlapping its own old time is fine
    assert events[-1] == (mine, visit_events.RESCHEDULED)
    with pytest.raises(store.VisitGone):
        store.reschedule(db, rules=RULES, tz=TZ, visit_id=mine, user_id=2, start=at(15), now=NOW)


def test_marking_only_after_the_visit_started_and_no_show_counts(db, events):
    visit_id = book(db, user=1)
    assert not store.mark(db, visit_id, store.NO_SHOW, NOW)  # still in the future
    later = at(12)
    assert store.mark(db, visit_id, store.NO_SHOW, later)
    assert not store.mark(db, visit_id, store.NO_SHOW, later)
    assert store.no_show_counts(db, [1, 2]) == {1: 1}
    assert store.mark(db, visit_id, store.ATTENDED, later)
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
    assert visit.service_key == "consult" and visit.start == at(10)
    assert store.purge_visits(db, at(10)) == 0
    assert store.purge_visits(db, at(12)) == 1
    assert db.execute("select count(*) from booking_claims").fetchone()[0] == 0
