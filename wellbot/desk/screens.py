"""What each Mini App screen shows, as plain values: the day, the week, a patient, the waitlist, campaigns.

No Telegram and no HTML here (the web layer renders these); times are local
to the clinic. When the clinic file lists practitioners, the day is one
column per practitioner.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from wellbot.booking import store as booking
from wellbot.booking.common import practitioner_name, practitioners
from wellbot.booking.questions import intake_of
from wellbot.core.clock import from_db
from wellbot.core.deps import Deps
from wellbot.desk import charts
from wellbot.desk import store as desk
from wellbot.newsletter import store as newsletter

WEEK_DAYS = 7
CAMPAIGNS_SHOWN = 10
STATUS_LABELS = {booking.BOOKED: "booked", "confirmed": "confirmed", booking.ATTENDED: "attended",
                 booking.NO_SHOW: "no-show", booking.CANCELLED: "cancelled"}


def _bounds(deps: Deps, first: date, days: int) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at `first` and `days` later."""
    tz = deps.clinic.timezone
    return (datetime.combine(first, time(0), tz), datetime.combine(first + timedelta(days=days), time(0), tz))


UNASSIGNED = "No practitioner"


def status_of(visit: booking.Visit) -> str:
    """booked, confirmed, running late, attended, no-show or cancelled."""
    if visit.status == booking.BOOKED and visit.late_minutes:
        return "running late"
    if visit.status == booking.BOOKED and visit.confirmed_at is not None:
        return "confirmed"
    return STATUS_LABELS.get(visit.status, visit.status)


def visit_values(deps: Deps, visit: booking.Visit, no_shows: dict[int, int]) -> dict[str, Any]:
    """One visit as a schedule row, with the actions its state allows now."""
    tz, now = deps.clinic.timezone, deps.clock.now()
    service = deps.clinic.service(visit.service_key)
    return {"id": visit.id, "user_id": visit.user_id, "start": visit.start.astimezone(tz),
            "end": visit.end.astimezone(tz), "service": service.name if service else visit.service_key,
            "name": visit.patient_name, "phone": visit.patient_phone, "status": status_of(visit),
            "late_minutes": visit.late_minutes if visit.status == booking.BOOKED else None,
            "practitioner": practitioner_name(deps, visit.practitioner_key),
            "no_shows": no_shows.get(visit.user_id, 0) if visit.user_id is not None else 0,
            "can_cancel": visit.status == booking.BOOKED,
            "can_mark": visit.status != booking.CANCELLED and visit.start <= now}


def day(deps: Deps, when: date) -> dict[str, Any]:
    """One local day's visits and blocks."""
    start, end = _bounds(deps, when, 1)
    visits = booking.agenda(deps.db, start, end)
    no_shows = booking.no_show_counts(deps.db, [v.user_id for v in visits if v.user_id is not None])
    tz = deps.clinic.timezone
    blocks = booking.blocks_between(deps.db, start, end)
    rows = [visit_values(deps, v, no_shows) for v in visits]
    return {"day": when, "visits": rows, "columns": columns(deps, rows),
            "blocks": [(b0.astimezone(tz), b1.astimezone(tz)) for b0, b1 in blocks],
            "previous": when - timedelta(days=1), "next": when + timedelta(days=1)}


def columns(deps: Deps, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The day's visits per practitioner, in the clinic file's order (one column when none are listed)."""
    listed = practitioners(deps)
    if not listed:
        return [{"name": "", "visits": rows}]
    out = [{"name": p.name, "visits": [r for r in rows if r["practitioner"] == p.name]} for p in listed]
    unassigned = [r for r in rows if not r["practitioner"]]
    if unassigned:  # booked before practitioners were listed, or by staff for the clinic as a whole
        out.append({"name": UNASSIGNED, "visits": unassigned})
    return out


def week(deps: Deps, when: date) -> dict[str, Any]:
    """The Monday-to-Sunday week around `when`: each day's visits and bookings per service."""
    monday = when - timedelta(days=when.weekday())
    start, end = _bounds(deps, monday, WEEK_DAYS)
    visits = booking.agenda(deps.db, start, end)
    no_shows = booking.no_show_counts(deps.db, [v.user_id for v in visits if v.user_id is not None])
    rows = [visit_values(deps, v, no_shows) for v in visits]
    days = [{"day": monday + timedelta(days=i), "visits": [r for r in rows if r["start"].date() == monday
                                                            + timedelta(days=i)]} for i in range(WEEK_DAYS)]
    held = Counter(r["service"] for r in rows if r["status"] != "cancelled")
    counts = sorted(held.items(), key=lambda item: (-item[1], item[0]))
    return {"monday": monday, "days": days, "per_service": counts, "chart": charts.bars_svg(counts),
            "previous": monday - timedelta(days=WEEK_DAYS), "next": monday + timedelta(days=WEEK_DAYS)}


def pain_points(deps: Deps, user_id: int) -> list[charts.Point]:
    """A patient's check-in scores over time, oldest first."""
    return [(from_db(r["answered_at"]), int(r["score"])) for r in deps.db.query(
        "select score, answered_at from checkins where user_id = ? order by answered_at, id", [user_id])]


def patient(deps: Deps, user_id: int) -> dict[str, Any] | None:
    """A patient's card: visits, pain trend, news consent, conversations; None if the bot knows nothing of them."""
    rows = [booking.Visit.from_row(r) for r in deps.db.query(
        "select * from visits where user_id = ? order by start_utc desc", [user_id])]
    known = next(deps.db.query("select user_id, status from patients where user_id = ?", [user_id]), None)
    if known is None and not rows:
        return None
    no_shows = booking.no_show_counts(deps.db, [user_id])
    points = pain_points(deps, user_id)
    tz = deps.clinic.timezone
    labels = (f"{points[0][0].astimezone(tz):%d %b}", f"{points[-1][0].astimezone(tz):%d %b}") if points else ("", "")
    consent = next(deps.db.query("select status, topics from subscriptions where user_id = ?", [user_id]), None)
    thread = desk.open_thread_of(deps.db, user_id)
    return {"user_id": user_id, "name": next((v.patient_name for v in rows if v.patient_name), None)
            or (thread.patient_name if thread else None),
            "phone": next((v.patient_phone for v in rows if v.patient_phone), None),
            "blocked": known is not None and known["status"] == "blocked",
            "visits": [{**visit_values(deps, v, no_shows), "intake": intake_answers(deps, v)} for v in rows],
            "no_shows": no_shows.get(user_id, 0),
            "scores": [s for _, s in points], "chart": charts.pain_svg(points, labels),
            "consent": consent["status"] if consent else "never asked",
            "thread": _thread_values(deps, thread) if thread else None}


def intake_answers(deps: Deps, visit: booking.Visit) -> list[dict[str, Any]]:
    """The visit's intake questions with the patient's answers (skipped or not yet answered: None)."""
    answers = booking.intake_answers(deps.db, visit.id)
    return [{"question": q.text, "answer": answers.get(q.key)}
            for q in intake_of(deps.clinic).for_service(visit.service_key)]


def _thread_values(deps: Deps, thread: desk.Thread) -> dict[str, Any]:
    tz = deps.clinic.timezone
    return {"id": thread.id, "user_id": thread.user_id, "name": thread.patient_name,
            "updated_at": thread.updated_at.astimezone(tz),
            "messages": [{"sender": m.sender, "body": m.body, "sent_at": m.sent_at.astimezone(tz)}
                         for m in desk.messages(deps.db, thread.id)]}


def inbox(deps: Deps) -> list[dict[str, Any]]:
    """Open conversations, most recent first, with their messages."""
    return [_thread_values(deps, t) for t in desk.threads(deps.db)]


def waitlist(deps: Deps) -> list[dict[str, Any]]:
    """Patients waiting for a freed time, first come first."""
    out = []
    for row in deps.db.query("select * from booking_waitlist where status = 'waiting' order by created_at, id"):
        service = deps.clinic.service(row["service_key"])
        name = next(deps.db.query("select patient_name from visits where user_id = ? and patient_name is not null "
                                  "order by start_utc desc limit 1", [row["user_id"]]), {}).get("patient_name")
        out.append({"user_id": row["user_id"], "name": name, "service": service.name if service else row["service_key"],
                    "first_day": date.fromisoformat(row["first_day"]), "last_day": date.fromisoformat(row["last_day"])})
    return out


def campaigns(deps: Deps) -> list[dict[str, Any]]:
    """The latest broadcasts and digests with their delivery progress."""
    out = []
    for row in newsletter.list_campaigns(deps.db, limit=CAMPAIGNS_SHOWN):
        counts = row["counts"]
        total = counts["total"] or 0
        done = total - counts.get("pending", 0) - counts.get("sending", 0)
        out.append({"id": row["id"], "kind": row["kind"], "status": row["status"], "audience": row["audience"],
                    "created_at": from_db(row["created_at"]).astimezone(deps.clinic.timezone), "counts": counts,
                    "percent": round(100 * done / total) if total else 0})
    return out
