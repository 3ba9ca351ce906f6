"""Visits in SQLite: book, reschedule, cancel and mark, each in one transaction.

The database refuses double-booking: every visit claims a place in each grid
cell it holds (`booking_claims`, primary key (cell, place)), so two writers
racing for the last place cannot both commit. Every change tells
`wellbot.core.visit_events` inside the same transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from wellbot.booking.availability import Interval, claim_cells, is_free
from wellbot.booking.practitioners import Practitioner
from wellbot.booking.rules import Rules
from wellbot.core import visit_events
from wellbot.core.clock import from_db, to_db
from wellbot.core.db import inserted_id
from wellbot.core.hooks import VisitListener, visit_changed

BOOKED = "booked"
CANCELLED = "cancelled"
ATTENDED = "attended"
NO_SHOW = "no_show"
HOLDING = (BOOKED, ATTENDED, NO_SHOW)  # statuses whose visits hold their time
BY_PATIENT = "patient"
BY_STAFF = "staff"
DAY = timedelta(days=1)
# No visit is longer than this (services are at most 8 h, checked at load): a visit starting earlier
# cannot overlap a window, which lets busy_between bound start_utc from below.
LONGEST_VISIT = timedelta(hours=24)


class BookingError(Exception):
    """A booking change that could not be made; nothing was written."""


class SlotUnavailable(BookingError):
    """The time is no longer free (taken meanwhile, blocked, or outside the rules)."""


class TooManyVisits(BookingError):
    """The patient already holds the most upcoming visits the clinic allows."""


class AlreadyBooked(BookingError):
    """This booking request was already confirmed (Confirm pressed twice)."""

    def __init__(self, visit_id: int) -> None:
        super().__init__(f"already booked as visit {visit_id}")
        self.visit_id = visit_id


class Overlap(BookingError):
    """The patient already holds a visit at an overlapping time (one person cannot be in two rooms)."""


class VisitGone(BookingError):
    """The visit is not in a state that allows the change (cancelled, past, someone else's)."""


@dataclass(frozen=True)
class Visit:
    """One row of `visits`, with times parsed."""

    id: int
    user_id: int | None
    service_key: str
    start: datetime
    end: datetime
    status: str
    patient_name: str | None
    patient_phone: str | None
    confirmed_at: datetime | None
    cancelled_by: str | None
    sequence: int = 0  # the calendar file's SEQUENCE: bumped on every move and on cancelling
    late_minutes: int | None = None  # the patient said they are running this late (on the day)
    dependant_id: int | None = None  # a family member the patient booked for; None: the patient themselves
    phone_patient_id: int | None = None  # booked by the front desk for a patient without Telegram
    practitioner_key: str | None = None  # who takes the visit, when the clinic file lists practitioners

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Visit:
        """Parse a visits row."""
        return cls(row["id"], row["user_id"], row["service_key"], from_db(row["start_utc"]), from_db(row["end_utc"]),
                   row["status"], row["patient_name"], row["patient_phone"],
                   from_db(row["confirmed_at"]) if row["confirmed_at"] else None, row["cancelled_by"],
                   row.get("ics_sequence") or 0, row.get("late_minutes"), row.get("dependant_id"),
                   row.get("phone_patient_id"), row.get("practitioner_key"))


def get_visit(db: Database, visit_id: int) -> Visit | None:
    """The visit with this id, or None."""
    row = next(db.query("select * from visits where id = ?", [visit_id]), None)
    return Visit.from_row(row) if row else None


def busy_between(db: Database, start: datetime, end: datetime, exclude: int | None = None) -> list[Interval]:
    """Time held by visits overlapping [start, end), optionally leaving one visit out."""
    # Both bounds on start_utc, so visits_by_start reads only the window: with `start_utc < end` alone
    # SQLite walks the clinic's whole history (514 ms at 300,000 visits; benchmarks/README.md, big clinic).
    rows = db.execute(
        f"select start_utc, end_utc from visits where start_utc > ? and start_utc < ? and end_utc > ? "
        f"and status in ({_marks(HOLDING)}) and id != ?",
        [to_db(start - LONGEST_VISIT), to_db(end), to_db(start), *HOLDING, exclude or -1],
    )
    return [(from_db(begins), from_db(ends)) for begins, ends in rows]


def blocks_between(db: Database, start: datetime, end: datetime) -> list[Interval]:
    """Staff blocks overlapping [start, end)."""
    rows = db.query("select start_utc, end_utc from booking_blocks where start_utc < ? and end_utc > ?",
                    [to_db(end), to_db(start)])
    return [(from_db(r["start_utc"]), from_db(r["end_utc"])) for r in rows]


def _marks(values: tuple[object, ...]) -> str:
    return ", ".join("?" for _ in values)


@dataclass(frozen=True)
class NewDependant:
    """A family member named for the first time in this booking: saved with it, in the same transaction."""

    name: str
    birth_date: date


def book(db: Database, *, rules: Rules, tz: ZoneInfo, service_key: str, minutes: int, start: datetime,
         user_id: int | None, name: str, phone: str, token: str, now: datetime,
         listeners: Sequence[VisitListener], dependant: int | NewDependant | None = None,
         phone_patient_id: int | None = None, requester_id: int | None = None,
         practitioners: Sequence[Practitioner] = ()) -> int:
    """Book a visit (for the patient, a dependant of theirs, or a phone-only patient); raise SlotUnavailable,
    TooManyVisits, Overlap or AlreadyBooked, writing nothing then.

    `requester_id` is who pressed Confirm (staff, for the front desk): the same request is booked once.
    """
    end = start + timedelta(minutes=minutes)
    requester = requester_id if requester_id is not None else user_id
    person = {"dependant_id": None, "phone_patient_id": phone_patient_id}
    try:
        with db.atomic():
            person["dependant_id"] = dependant_id = _dependant_id(db, user_id, dependant, now)
            # Writing first takes SQLite's write lock, so the checks below see every committed booking.
            visit_id = inserted_id(db.execute(
                "insert into visits (user_id, service_key, start_utc, end_utc, status, patient_name, patient_phone,"
                " created_at, updated_at, dependant_id, phone_patient_id) "
                "values (?, ?, ?, ?, 'booked', ?, ?, ?, ?, ?, ?)",
                [user_id, service_key, to_db(start), to_db(end), name, phone, to_db(now), to_db(now), dependant_id,
                 phone_patient_id],
            ))
            db.execute("insert into booking_requests (user_id, token, visit_id, created_at) values (?, ?, ?, ?)",
                       [requester, token, visit_id, to_db(now)])
            if count_upcoming(db, user_id, now, exclude=visit_id, **person) >= rules.max_upcoming_per_patient:
                raise TooManyVisits()
            if own_visits_between(db, user_id, start, end, exclude=visit_id, **person):
                raise Overlap()
            _claim(db, rules, tz, visit_id, start, end, now)
            _assign(db, tz, visit_id, start, end, now, practitioners)
            visit_changed(db, listeners, visit_id, visit_events.BOOKED, now)
    except sqlite3.IntegrityError:
        existing = visit_for_token(db, requester, token)
        if existing is not None:
            raise AlreadyBooked(existing) from None
        raise SlotUnavailable() from None
    return visit_id


def _assign(db: Database, tz: ZoneInfo, visit_id: int, start: datetime, end: datetime, now: datetime,
            practitioners: Sequence[Practitioner]) -> None:
    """Give the visit to the first of `practitioners` free then, claiming their cells; none free: SlotUnavailable.

    No practitioners (the clinic lists none): the rooms alone decide, nothing to do.
    """
    if not practitioners:
        return
    minutes = int((end - start).total_seconds() // 60)
    blocks = blocks_between(db, start - DAY, end + DAY)
    for practitioner in practitioners:
        busy = practitioner_busy(db, practitioner.key, start - DAY, end + DAY, exclude=visit_id)
        if is_free(practitioner.rules, start, minutes, busy, blocks, now, tz):
            db.execute("update visits set practitioner_key = ? where id = ?", [practitioner.key, visit_id])
            for cell in claim_cells(start, end, practitioner.rules):  # refused by the primary key if taken
                db.execute("insert into practitioner_claims (cell_utc, practitioner_key, visit_id) values (?, ?, ?)",
                           [to_db(cell), practitioner.key, visit_id])
            return
    raise SlotUnavailable()


def practitioner_busy(db: Database, key: str, start: datetime, end: datetime,
                      exclude: int | None = None) -> list[Interval]:
    """Time held by one practitioner's visits overlapping [start, end)."""
    # Bounded below as busy_between is: without it each practitioner's busy time walked the whole history.
    rows = db.query(f"select start_utc, end_utc from visits where practitioner_key = ? and status in "
                    f"({_marks(HOLDING)}) and start_utc > ? and start_utc < ? and end_utc > ? and id != ?",
                    [key, *HOLDING, to_db(start - LONGEST_VISIT), to_db(end), to_db(start), exclude or -1])
    return [(from_db(r["start_utc"]), from_db(r["end_utc"])) for r in rows]


def _claim(db: Database, rules: Rules, tz: ZoneInfo, visit_id: int, start: datetime, end: datetime,
           now: datetime) -> None:
    """Check the time is offered, then claim a place in each cell (the database refuses a full cell)."""
    minutes = int((end - start).total_seconds() // 60)
    busy = busy_between(db, start - DAY, end + DAY, exclude=visit_id)
    if not is_free(rules, start, minutes, busy, blocks_between(db, start - DAY, end + DAY), now, tz):
        raise SlotUnavailable()
    for cell in claim_cells(start, end, rules):
        # The lowest free place below capacity; NULL (refused by NOT NULL) when the cell is full.
        db.execute(
            """
            insert into booking_claims (cell_utc, place, visit_id)
            select ?, (
                with recursive places(p) as (select 0 union all select p + 1 from places where p + 1 < ?)
                select min(p) from places where p not in (select place from booking_claims where cell_utc = ?)
            ), ?
            """,
            [to_db(cell), rules.capacity, to_db(cell), visit_id],
        )


def calendar_id(db: Database) -> str:
    """This install's id, part of every calendar UID (see migration 0080)."""
    value: str = next(db.query("select value from booking_meta where key = 'calendar_id'"))["value"]
    return value


def visit_for_token(db: Database, user_id: int | None, token: str) -> int | None:
    """The visit this patient's booking request created, if it was confirmed."""
    row = next(db.query("select visit_id from booking_requests where user_id = ? and token = ?",
                        [user_id, token]), None)
    visit_id: int | None = row["visit_id"] if row else None
    return visit_id


def _dependant_id(db: Database, user_id: int | None, dependant: int | NewDependant | None,
                  now: datetime) -> int | None:
    """The dependant's id: checked to be this patient's, or saved (once per name and birth date)."""
    if dependant is None:
        return None
    if user_id is None:
        raise VisitGone()  # family members belong to a Telegram patient
    if isinstance(dependant, NewDependant):
        db.execute("insert or ignore into dependants (user_id, name, birth_date, created_at) values (?, ?, ?, ?)",
                   [user_id, dependant.name, dependant.birth_date.isoformat(), to_db(now)])
        row = next(db.query("select id from dependants where user_id = ? and name = ? and birth_date = ?",
                            [user_id, dependant.name, dependant.birth_date.isoformat()]))
        saved: int = row["id"]
        return saved
    if get_dependant(db, dependant, user_id) is None:
        raise VisitGone()  # not this patient's family member (forged, or erased meanwhile)
    return dependant


@dataclass(frozen=True)
class Dependant:
    """A family member a patient books for."""

    id: int
    user_id: int
    name: str
    birth_date: date


def dependants_of(db: Database, user_id: int) -> list[Dependant]:
    """The patient's saved family members, in the order they were added."""
    rows = db.query("select * from dependants where user_id = ? order by id", [user_id])
    return [Dependant(r["id"], r["user_id"], r["name"], date.fromisoformat(r["birth_date"])) for r in rows]


def get_dependant(db: Database, dependant_id: int, user_id: int) -> Dependant | None:
    """One of the patient's family members, or None if not theirs."""
    return next((d for d in dependants_of(db, user_id) if d.id == dependant_id), None)


def _person(user_id: int | None, dependant_id: int | None,
            phone_patient_id: int | None) -> tuple[str, list[int | None]]:
    """SQL naming one person's visits: a phone-only patient, or a Telegram patient (or one of their family)."""
    if phone_patient_id is not None:
        return "phone_patient_id = ?", [phone_patient_id]
    return "user_id = ? and dependant_id is ?", [user_id, dependant_id]


def own_visits_between(db: Database, user_id: int | None, start: datetime, end: datetime,
                       exclude: int | None = None, dependant_id: int | None = None,
                       phone_patient_id: int | None = None) -> list[Interval]:
    """One person's booked visits overlapping [start, end): the patient's own, a dependant's or a phone patient's."""
    if user_id is None and phone_patient_id is None:
        return []
    who, args = _person(user_id, dependant_id, phone_patient_id)
    # Bounded below as busy_between is: a phone patient's visits have no index of their own.
    rows = db.query(f"select start_utc, end_utc from visits where {who} "
                    "and status = 'booked' and start_utc > ? and start_utc < ? and end_utc > ? and id != ?",
                    [*args, to_db(start - LONGEST_VISIT), to_db(end), to_db(start), exclude or -1])
    return [(from_db(r["start_utc"]), from_db(r["end_utc"])) for r in rows]


def count_upcoming(db: Database, user_id: int | None, now: datetime, exclude: int | None = None,
                   dependant_id: int | None = None, phone_patient_id: int | None = None) -> int:
    """How many booked visits one person (the patient, a dependant, a phone patient) holds that have not started."""
    who, args = _person(user_id, dependant_id, phone_patient_id)
    row = next(db.query(f"select count(*) as n from visits where {who} "
                        "and status = 'booked' and start_utc > ? and id != ?",
                        [*args, to_db(now), exclude or -1]))
    count: int = row["n"]
    return count


def reschedule(db: Database, *, rules: Rules, tz: ZoneInfo, visit_id: int, user_id: int | None,
               start: datetime, now: datetime, listeners: Sequence[VisitListener],
               practitioners: Sequence[Practitioner] = ()) -> Visit:
    """Move a booked visit; the old time is kept unless the new one is claimed."""
    try:
        with db.atomic():
            visit = get_visit(db, visit_id)
            if visit is None or visit.status != BOOKED or (user_id is not None and visit.user_id != user_id):
                raise VisitGone()
            end = start + (visit.end - visit.start)
            if own_visits_between(db, visit.user_id, start, end, exclude=visit_id, dependant_id=visit.dependant_id,
                                  phone_patient_id=visit.phone_patient_id):
                raise Overlap()
            db.execute("update visits set start_utc = ?, end_utc = ?, updated_at = ?, confirmed_at = null, "
                       "ics_sequence = ics_sequence + 1 where id = ?", [to_db(start), to_db(end), to_db(now), visit_id])
            db.execute("delete from booking_claims where visit_id = ?", [visit_id])
            db.execute("delete from practitioner_claims where visit_id = ?", [visit_id])
            _claim(db, rules, tz, visit_id, start, end, now)
            _assign(db, tz, visit_id, start, end, now, practitioners)
            visit_changed(db, listeners, visit_id, visit_events.RESCHEDULED, now)
    except sqlite3.IntegrityError:
        raise SlotUnavailable() from None
    moved = get_visit(db, visit_id)
    assert moved is not None  # updated just above, in this call
    return moved


def cancel(db: Database, visit_id: int, by: str, now: datetime, *, listeners: Sequence[VisitListener]) -> bool:
    """Cancel a booked visit and free its time; False if it was not booked (pressed twice)."""
    with db.atomic():
        changed = db.execute(
            "update visits set status = 'cancelled', cancelled_at = ?, cancelled_by = ?, updated_at = ?, "
            "ics_sequence = ics_sequence + 1 where id = ? and status = 'booked'",
            [to_db(now), by, to_db(now), visit_id]).rowcount
        if changed:
            db.execute("delete from booking_claims where visit_id = ?", [visit_id])
            db.execute("delete from practitioner_claims where visit_id = ?", [visit_id])
            visit_changed(db, listeners, visit_id, visit_events.CANCELLED, now)
    return bool(changed)


def report_late(db: Database, visit_id: int, minutes: int, now: datetime) -> bool:
    """Record that the patient is running late; False if the visit is no longer booked or has ended."""
    return bool(db.execute("update visits set late_minutes = ?, late_reported_at = ?, updated_at = ? "
                           "where id = ? and status = 'booked' and end_utc > ?",
                           [minutes, to_db(now), to_db(now), visit_id, to_db(now)]).rowcount)


def mark(db: Database, visit_id: int, status: str, now: datetime, *, listeners: Sequence[VisitListener]) -> bool:
    """Record that a visit that has started was attended or missed; False if not allowed."""
    if status not in (ATTENDED, NO_SHOW):
        raise ValueError(status)
    change = visit_events.ATTENDED if status == ATTENDED else visit_events.NO_SHOW
    with db.atomic():
        changed = db.execute(
            f"update visits set status = ?, updated_at = ? where id = ? and status in ({_marks(HOLDING)}) "
            "and status != ? and start_utc <= ?",
            [status, to_db(now), visit_id, *HOLDING, status, to_db(now)]).rowcount
        if changed:
            visit_changed(db, listeners, visit_id, change, now)
    return bool(changed)


def upcoming(db: Database, user_id: int, now: datetime) -> list[Visit]:
    """The patient's booked visits that have not ended, soonest first."""
    rows = db.query("select * from visits where user_id = ? and status = 'booked' and end_utc > ? "
                    "order by start_utc", [user_id, to_db(now)])
    return [Visit.from_row(r) for r in rows]


def agenda(db: Database, start: datetime, end: datetime, *, practitioner: str | None = None,
           offset: int = 0, limit: int = -1) -> list[Visit]:
    """Every visit starting in [start, end), cancelled ones included, by time (one practitioner's; a page of them)."""
    who, args = _practitioner_filter(practitioner)
    rows = db.query(f"select * from visits where start_utc >= ? and start_utc < ?{who} order by start_utc, id "
                    "limit ? offset ?", [to_db(start), to_db(end), *args, limit, offset])
    return [Visit.from_row(r) for r in rows]


def count_agenda(db: Database, start: datetime, end: datetime, *, practitioner: str | None = None) -> int:
    """How many visits `agenda` lists for [start, end) (a paged day reads only its page, and counts the rest)."""
    who, args = _practitioner_filter(practitioner)
    count: int = db.execute(f"select count(*) from visits where start_utc >= ? and start_utc < ?{who}",
                            [to_db(start), to_db(end), *args]).fetchone()[0]
    return count


def _practitioner_filter(practitioner: str | None) -> tuple[str, list[str]]:
    """The SQL that keeps one practitioner's visits (nothing for everyone's)."""
    return (" and practitioner_key = ?", [practitioner]) if practitioner else ("", [])


def no_show_counts(db: Database, user_ids: list[int]) -> dict[int, int]:
    """Missed visits per patient."""
    ids = [u for u in set(user_ids) if u is not None]
    if not ids:
        return {}
    rows = db.query(f"select user_id, count(*) as n from visits where status = 'no_show' "
                    f"and user_id in ({_marks(tuple(ids))}) group by user_id", ids)
    return {r["user_id"]: r["n"] for r in rows}


def add_block(db: Database, start: datetime, end: datetime, by: int, now: datetime) -> int:
    """Close [start, end) to online booking; return the block's id."""
    return inserted_id(db.execute(
        "insert into booking_blocks (start_utc, end_utc, created_by, created_at) values (?, ?, ?, ?)",
        [to_db(start), to_db(end), by, to_db(now)]))


def reopen(db: Database, start: datetime, end: datetime) -> int:
    """Take [start, end) out of every block: trim, split or delete the blocks it overlaps; how many it touched."""
    with db.atomic():
        rows = list(db.query("select * from booking_blocks where start_utc < ? and end_utc > ? order by id",
                             [to_db(end), to_db(start)]))
        for row in rows:
            begins, ends = from_db(row["start_utc"]), from_db(row["end_utc"])
            db.execute("delete from booking_blocks where id = ?", [row["id"]])
            for kept_start, kept_end in ((begins, min(ends, start)), (max(begins, end), ends)):
                if kept_start < kept_end:  # the part of the block outside the reopened range stays closed
                    db.execute("insert into booking_blocks (start_utc, end_utc, created_by, created_at) "
                               "values (?, ?, ?, ?)",
                               [to_db(kept_start), to_db(kept_end), row["created_by"], row["created_at"]])
    return len(rows)


# ---- patients the front desk books for ---------------------------------------------------------------

TELEGRAM, PHONE_ONLY = "t", "p"  # kinds of patient record staff can find
SEARCH_LIMIT = 8


@dataclass(frozen=True)
class PatientRecord:
    """A patient as the front desk finds them: a Telegram user (from their visits) or a phone-only record."""

    kind: str
    id: int  # Telegram user id, or phone_patients.id
    name: str
    phone: str


def create_phone_patient(db: Database, name: str, phone: str, created_by: int, now: datetime) -> int:
    """A record for a patient who phoned and has no Telegram account."""
    return inserted_id(db.execute("insert into phone_patients (name, phone, created_by, created_at) "
                                  "values (?, ?, ?, ?)", [name, phone, created_by, to_db(now)]))


def patient_record(db: Database, kind: str, record_id: int) -> PatientRecord | None:
    """One patient by kind and id, with the name and phone last given."""
    if kind == PHONE_ONLY:
        row = next(db.query("select id, name, phone from phone_patients where id = ?", [record_id]), None)
        return PatientRecord(PHONE_ONLY, row["id"], row["name"], row["phone"]) if row else None
    row = next(db.query("select user_id, patient_name, patient_phone from visits where user_id = ? "
                        "and dependant_id is null and patient_name is not null order by id desc limit 1",
                        [record_id]), None)
    return PatientRecord(TELEGRAM, row["user_id"], row["patient_name"], row["patient_phone"] or "") if row else None


# a phone column with its usual separators removed, so typed digits match however the number was written
PHONE_DIGITS_SQL = "replace(replace(replace(replace(replace({phone}, '+', ''), ' ', ''), '-', ''), '(', ''), ')', '')"


def search_patients(db: Database, query: str) -> list[PatientRecord]:
    """Patients whose name contains the words, or whose phone contains the digits typed (most recent first)."""
    digits = "".join(ch for ch in query if ch.isdigit())
    where, args = "lower({name}) like ?", [f"%{' '.join(query.lower().split())}%"]
    if digits:  # any digits typed may be part of a phone number, however few (staff often type the last 3)
        where += " or " + PHONE_DIGITS_SQL + " like ?"
        args.append(f"%{digits}%")
    where = f"({where})"
    phone_rows = db.query("select id, name, phone from phone_patients where "
                          + where.format(phone="phone", name="name") + " order by id desc", args)
    found = [PatientRecord(PHONE_ONLY, r["id"], r["name"], r["phone"]) for r in phone_rows]
    telegram = db.query("select user_id, max(id) as last from visits where user_id is not null "
                        "and dependant_id is null and " + where.format(phone="patient_phone", name="patient_name")
                        + " group by user_id order by last desc", args)
    found += [record for record in (patient_record(db, TELEGRAM, r["user_id"]) for r in telegram) if record]
    return found[:SEARCH_LIMIT]


def visits_of(db: Database, record: PatientRecord, now: datetime) -> list[Visit]:
    """A patient's booked visits that have not ended, soonest first (a Telegram patient's family's too)."""
    column = "phone_patient_id" if record.kind == PHONE_ONLY else "user_id"
    rows = db.query(f"select * from visits where {column} = ? and status = 'booked' and end_utc > ? "
                    "order by start_utc", [record.id, to_db(now)])
    return [Visit.from_row(r) for r in rows]


def intake_answers(db: Database, visit_id: int) -> dict[str, str | None]:
    """A visit's intake answers by question key; None marks a question the patient skipped."""
    rows = db.query("select question_key, answer from intake_answers where visit_id = ?", [visit_id])
    return {r["question_key"]: r["answer"] for r in rows}


def save_intake_answer(db: Database, visit_id: int, key: str, answer: str | None, now: datetime) -> None:
    """Record (or replace) one answer; None records that the patient skipped the question."""
    db.execute("insert into intake_answers (visit_id, question_key, answer, answered_at) values (?, ?, ?, ?) "
               "on conflict (visit_id, question_key) do update set answer = excluded.answer, "
               "answered_at = excluded.answered_at", [visit_id, key, answer, to_db(now)])


def export_visits(db: Database, user_id: int) -> dict[str, Any]:
    """The patient's visits, for /mydata."""
    rows = db.query("select id, service_key, start_utc, end_utc, status, patient_name, patient_phone, created_at, "
                    "confirmed_at, cancelled_at, cancelled_by from visits where user_id = ? order by start_utc",
                    [user_id])
    waitlist = db.query("select service_key, first_day, last_day, weekdays, day_parts, status, created_at "
                        "from booking_waitlist "
                        "where user_id = ? order by id", [user_id])
    family = db.query("select name, birth_date, created_at from dependants where user_id = ? order by id", [user_id])
    intake = db.query("select a.visit_id, a.question_key, a.answer, a.answered_at from intake_answers a "
                      "join visits v on v.id = a.visit_id where v.user_id = ? order by a.visit_id", [user_id])
    return {"visits": list(rows), "waitlist": list(waitlist), "family": list(family), "intake_answers": list(intake)}


def erase_visits(db: Database, user_id: int, now: datetime) -> None:
    """Anonymise the patient's visits (the clinic keeps service and time); drop waitlist, family and intake."""
    db.execute("delete from intake_answers where visit_id in (select id from visits where user_id = ?)", [user_id])
    db.execute("update visits set patient_name = null, patient_phone = null, user_id = null, updated_at = ? "
               "where user_id = ?", [to_db(now), user_id])
    db.execute("delete from booking_waitlist where user_id = ?", [user_id])
    db.execute("delete from booking_requests where user_id = ?", [user_id])
    db.execute("update visits set dependant_id = null where dependant_id in "
               "(select id from dependants where user_id = ?)", [user_id])
    db.execute("delete from dependants where user_id = ?", [user_id])


def purge_visits(db: Database, cutoff: datetime) -> int:
    """Delete visits that ended before `cutoff` (claims and requests cascade), and old blocks."""
    with db.atomic():
        ids = [r["id"] for r in db.query("select id from visits where end_utc < ?", [to_db(cutoff)])]
        for visit_id in ids:
            db.execute("delete from booking_claims where visit_id = ?", [visit_id])
            db.execute("delete from practitioner_claims where visit_id = ?", [visit_id])
            db.execute("delete from booking_requests where visit_id = ?", [visit_id])
            db.execute("delete from intake_answers where visit_id = ?", [visit_id])
        removed = db.execute("delete from visits where end_utc < ?", [to_db(cutoff)]).rowcount
        db.execute("delete from booking_blocks where end_utc < ?", [to_db(cutoff)])
        db.execute("delete from booking_waitlist where last_day < ?", [cutoff.date().isoformat()])
    return removed


# ---- waitlist -----------------------------------------------------------------------------------

OFFER_OPEN, OFFER_CLAIMED, OFFER_GONE, OFFER_EXPIRED = "open", "claimed", "gone", "expired"


@dataclass(frozen=True)
class Offer:
    """A freed time offered to one waitlisted patient."""

    id: int
    waitlist_id: int
    user_id: int
    service_key: str
    start: datetime
    expires_at: datetime
    status: str


MORNING, AFTERNOON = "am", "pm"
NOON_HOUR = 12  # a freed time before local noon is a morning one


@dataclass(frozen=True)
class Wish:
    """One waitlist entry: a service, a range of local days, and the weekdays and parts of day that suit."""

    id: int
    user_id: int
    service_key: str
    first_day: date
    last_day: date
    weekdays: frozenset[int]  # date.weekday() values; empty means any day
    day_parts: frozenset[str]  # MORNING / AFTERNOON; empty means any time

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Wish:
        """Parse a booking_waitlist row."""
        days = frozenset(int(d) for d in (row["weekdays"] or "").split(",") if d)
        parts = frozenset(p for p in (row["day_parts"] or "").split(",") if p)
        return cls(row["id"], row["user_id"], row["service_key"], date.fromisoformat(row["first_day"]),
                   date.fromisoformat(row["last_day"]), days, parts)

    def suits(self, local_start: datetime) -> bool:
        """True if a freed time (local) falls on a wanted day and part of day."""
        day = local_start.date()
        part = MORNING if local_start.hour < NOON_HOUR else AFTERNOON
        return (self.first_day <= day <= self.last_day
                and (not self.weekdays or day.weekday() in self.weekdays)
                and (not self.day_parts or part in self.day_parts))


def join_waitlist(db: Database, user_id: int, service_key: str, first: date, last: date, now: datetime,
                  weekdays: Sequence[int] = (), day_parts: Sequence[str] = ()) -> int:
    """Wait for a time for `service_key` between two local dates; the same wish again updates its preferences."""
    days_text = ",".join(str(d) for d in sorted(set(weekdays)))
    parts_text = ",".join(sorted(set(day_parts)))
    with db.atomic():
        row = next(db.query("select id from booking_waitlist where user_id = ? and service_key = ? and first_day = ? "
                            "and last_day = ? and status = 'waiting'",
                            [user_id, service_key, first.isoformat(), last.isoformat()]), None)
        if row:
            waiting: int = row["id"]
            db.execute("update booking_waitlist set weekdays = ?, day_parts = ? where id = ?",
                       [days_text, parts_text, waiting])
            return waiting
        return inserted_id(db.execute(
            "insert into booking_waitlist (user_id, service_key, first_day, last_day, created_at, weekdays, day_parts) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [user_id, service_key, first.isoformat(), last.isoformat(), to_db(now), days_text, parts_text]))


def waiting_for(db: Database, service_key: str, local_start: datetime) -> list[Wish]:
    """Waitlist entries wanting `service_key` at this local time, first come first."""
    day = local_start.date().isoformat()
    rows = db.query("select * from booking_waitlist where status = 'waiting' and service_key = ? "
                    "and first_day <= ? and last_day >= ? order by created_at, id", [service_key, day, day])
    return [wish for wish in map(Wish.from_row, rows) if wish.suits(local_start)]


def wishes_of(db: Database, user_id: int, today: date) -> list[Wish]:
    """The patient's waitlist entries still waiting and not yet past, oldest first."""
    rows = db.query("select * from booking_waitlist where user_id = ? and status = 'waiting' and last_day >= ? "
                    "order by id", [user_id, today.isoformat()])
    return [Wish.from_row(r) for r in rows]


def leave_waitlist(db: Database, wish_id: int, user_id: int) -> bool:
    """Take the patient off one waitlist entry; False if it is not theirs or not waiting."""
    return bool(db.execute("update booking_waitlist set status = 'left' where id = ? and user_id = ? "
                           "and status = 'waiting'", [wish_id, user_id]).rowcount)


def create_offer(db: Database, waitlist_id: int, start: datetime, expires_at: datetime, now: datetime) -> int:
    """Record an offer of `start` to one waitlist entry."""
    return inserted_id(db.execute(
        "insert into booking_offers (waitlist_id, start_utc, expires_at, created_at) values (?, ?, ?, ?)",
        [waitlist_id, to_db(start), to_db(expires_at), to_db(now)]))


_OFFER_SELECT = ("select o.id, o.waitlist_id, w.user_id, w.service_key, o.start_utc, o.expires_at, o.status "
                 "from booking_offers o join booking_waitlist w on w.id = o.waitlist_id ")


def _offer(row: dict[str, Any]) -> Offer:
    return Offer(row["id"], row["waitlist_id"], row["user_id"], row["service_key"], from_db(row["start_utc"]),
                 from_db(row["expires_at"]), row["status"])


def get_offer(db: Database, offer_id: int) -> Offer | None:
    """One offer with its patient and service."""
    row = next(db.query(_OFFER_SELECT + "where o.id = ?", [offer_id]), None)
    return _offer(row) if row else None


def settle_offers(db: Database, service_key: str, start: datetime, claimed_by: int | None,
                  full: bool) -> list[Offer]:
    """A time was booked: the booker's offer is done; if the time is now full the others are gone (returned)."""
    with db.atomic():
        rows = [_offer(r) for r in db.query(_OFFER_SELECT + "where o.status = 'open' and o.start_utc = ? "
                                            "and w.service_key = ?", [to_db(start), service_key])]
        if not full:
            rows = [o for o in rows if o.user_id == claimed_by]
        others = [o for o in rows if o.user_id != claimed_by]
        for offer in rows:
            status = OFFER_CLAIMED if offer.user_id == claimed_by else OFFER_GONE
            db.execute("update booking_offers set status = ? where id = ?", [status, offer.id])
            if status == OFFER_CLAIMED:
                db.execute("update booking_waitlist set status = 'booked' where id = ?", [offer.waitlist_id])
    return others


def close_offer(db: Database, offer_id: int) -> bool:
    """Its time went to someone else while it was being claimed; False if it was settled already."""
    return bool(db.execute("update booking_offers set status = ? where id = ? and status = 'open'",
                           [OFFER_GONE, offer_id]).rowcount)


def expire_offer(db: Database, offer_id: int) -> bool:
    """Mark an offer whose claim time ran out; False if it was no longer open (claimed or settled meanwhile)."""
    return bool(db.execute("update booking_offers set status = 'expired' where id = ? and status = 'open'",
                           [offer_id]).rowcount)


def lapsed_offers(db: Database, now: datetime) -> list[Offer]:
    """Open offers whose claim time has run out, oldest first."""
    rows = db.query(_OFFER_SELECT + "where o.status = 'open' and o.expires_at <= ? order by o.id", [to_db(now)])
    return [_offer(r) for r in rows]


def still_waiting(db: Database, waitlist_id: int, today: date) -> bool:
    """True if a waitlist entry is still waiting for a time and not yet past."""
    return next(db.query("select 1 from booking_waitlist where id = ? and status = 'waiting' and last_day >= ?",
                         [waitlist_id, today.isoformat()]), None) is not None
