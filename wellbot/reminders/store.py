"""SQL for reminder rows: planning per visit, claiming due work, recording outcomes.

Rows are the source of truth. A row moves pending -> claimed -> sent (or
skipped / failed / blocked); `claims` counts how often it was claimed, so a
crash between claim and send shows up as a second claim and is resent at
most once. A claimed row names its owner (`claimed_by`, the worker's lease
id) and every change of a claimed row is a compare-and-set on status and
owner: a worker that lost the lease can no longer finish or release a row
the new holder took back. The idempotency key (visit, kind, offset, visit start) is unique:
no two rows can ever stand for the same message about the same visit time.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from wellbot.core.clock import from_db, to_db
from wellbot.reminders.times import CHECKIN, Planned, Policy, plan_visit

log = logging.getLogger(__name__)

PENDING = "pending"
CLAIMED = "claimed"
SENT = "sent"
SKIPPED = "skipped"
CANCELLED = "cancelled"
FAILED = "failed"
BLOCKED = "blocked"
UNCERTAIN = "uncertain_not_resent"  # outcome of a failed row: written to Telegram, no answer, may have arrived
UNCERTAIN_AGAIN = "uncertain_after_staff_resend"  # staff resent it and again no answer: not offered for resending again
MAX_CLAIMS = 2  # the first send, plus at most one resend after a crash
TREND_PATIENTS = 20
TREND_SCORES = 8


def idempotency_key(visit_id: int, kind: str, offset_minutes: int, start_utc: str) -> str:
    """The one identity of a message about one visit at one start time."""
    return f"v{visit_id}:{kind}:{offset_minutes}:{start_utc}"


def visit(db: Database, visit_id: int) -> dict[str, Any] | None:
    """A visit row joined with its patient's chat and status, or None."""
    return next(db.query(
        """
        select v.*, p.chat_id, p.status as patient_status
        from visits v left join patients p on p.user_id = v.user_id where v.id = ?
        """, [visit_id]), None)


def replan_visit(db: Database, visit_id: int, policy: Policy, tz: ZoneInfo, now: datetime) -> datetime | None:
    """Make a visit's pending rows match its current state; return the earliest pending due.

    Runs inside the caller's transaction. Pending rows that are still wanted
    move to their new time; unwanted ones are cancelled; missing ones are added.
    """
    row = visit(db, visit_id)
    if row is None:
        return None
    start, end = from_db(row["start_utc"]), from_db(row["end_utc"])
    wanted = {(p.kind, p.offset_minutes): p for p in plan_visit(start, end, row["status"], policy, tz, now)}
    stamp = to_db(now)
    for pending in db.query("select id, kind, offset_minutes from reminders where visit_id = ? and status = ?",
                            [visit_id, PENDING]):
        plan = wanted.pop((pending["kind"], pending["offset_minutes"]), None)
        if plan is None:
            reason = "time_passed_on_change" if row["status"] == "booked" else f"visit_{row['status']}"
            _finish(db, pending["id"], PENDING, CANCELLED, reason, stamp)
        else:
            _move(db, pending["id"], visit_id, plan, row["start_utc"], stamp)
    for plan in wanted.values():
        db.execute(
            """
            insert into reminders (visit_id, kind, offset_minutes, due_at, idempotency_key, created_at, updated_at)
            values (?, ?, ?, ?, ?, ?, ?) on conflict(idempotency_key) do nothing
            """,
            [visit_id, plan.kind, plan.offset_minutes, to_db(plan.due),
             idempotency_key(visit_id, plan.kind, plan.offset_minutes, row["start_utc"]), stamp, stamp],
        )
    earliest = db.execute("select min(due_at) from reminders where visit_id = ? and status = ?",
                          [visit_id, PENDING]).fetchone()[0]
    return from_db(earliest) if earliest else None


def _move(db: Database, reminder_id: int, visit_id: int, plan: Planned, start_utc: str, stamp: str) -> None:
    """Move a pending row to a new time, unless a row for that exact time already exists."""
    key = idempotency_key(visit_id, plan.kind, plan.offset_minutes, start_utc)
    taken = db.execute("select 1 from reminders where idempotency_key = ? and id != ?", [key, reminder_id]).fetchone()
    if taken:  # e.g. moved back to a time whose reminder was already sent
        _finish(db, reminder_id, PENDING, CANCELLED, "duplicate_of_existing", stamp)
        return
    db.execute("update reminders set due_at = ?, idempotency_key = ?, updated_at = ? where id = ?",
               [to_db(plan.due), key, stamp, reminder_id])


def _finish(db: Database, reminder_id: int, from_status: str, status: str, outcome: str, stamp: str) -> bool:
    """Set a final status if the row is still in `from_status`; False if someone got there first."""
    return bool(db.execute(
        "update reminders set status = ?, outcome = ?, updated_at = ? where id = ? and status = ?",
        [status, outcome, stamp, reminder_id, from_status]).rowcount)


def claim_due(db: Database, now: datetime, limit: int, owner: str = "") -> list[dict[str, Any]]:
    """Atomically claim up to `limit` pending rows due by `now`, earliest first, for `owner`."""
    stamp = to_db(now)
    return list(db.query(
        """
        update reminders set status = 'claimed', claims = claims + 1, claimed_at = ?, updated_at = ?,
            claimed_by = ?
        where status = 'pending'
          and id in (select id from reminders where status = 'pending' and due_at <= ? order by due_at limit ?)
        returning id, visit_id, kind, offset_minutes, due_at, idempotency_key, claims
        """,
        [stamp, stamp, owner, stamp, limit],
    ))


def claim_uncertain(db: Database, reminder_id: int, now: datetime, owner: str) -> dict[str, Any] | None:
    """Claim a reminder whose send was uncertain, for a staff resend; None if it is not (or no longer) one.

    A compare-and-set on status and outcome: of two taps (or two staff
    members) only one claims it, so the patient gets at most one more copy.
    Claims count up too, so a crash mid-resend leaves it failed, not resent.
    """
    stamp = to_db(now)
    return next(db.query(
        """
        update reminders set status = 'claimed', claims = claims + 1, claimed_at = ?, updated_at = ?,
            claimed_by = ?
        where id = ? and status = 'failed' and outcome = ?
        returning id, visit_id, kind, offset_minutes, due_at, idempotency_key, claims
        """,
        [stamp, stamp, owner, reminder_id, UNCERTAIN]), None)


def next_due(db: Database) -> datetime | None:
    """The earliest pending due time (one index lookup), or None."""
    value = db.execute("select min(due_at) from reminders where status = 'pending'").fetchone()[0]
    return from_db(value) if value else None


def finish(db: Database, reminder_id: int, status: str, outcome: str, now: datetime, *,
           attempts: int = 0, message_id: int | None = None, last_error: str | None = None,
           owner: str = "") -> bool:
    """Record the outcome of a row `owner` claimed; False if it is not claimed by them (nothing changes)."""
    stamp = to_db(now)
    return bool(db.execute(
        """
        update reminders set status = ?, outcome = ?, attempts = attempts + ?, message_id = ?,
            last_error = coalesce(?, last_error),
            sent_at = case when ? = 'sent' then ? else sent_at end, updated_at = ?
        where id = ? and status = 'claimed' and claimed_by = ?
        """,
        [status, outcome, attempts, message_id, last_error, status, stamp, stamp, reminder_id, owner]).rowcount)


# ----- staff notices of uncertain reminders (one per staff chat for all found together) -----------------


def oldest_unnoticed(db: Database) -> datetime | None:
    """When the longest-waiting uncertain reminder staff were not yet told of was found, or None."""
    value = db.execute("select min(updated_at) from reminders where status = 'failed' and notice_id is null "
                       "and outcome = ?", [UNCERTAIN]).fetchone()[0]
    return from_db(value) if value else None


def unsent_notice(db: Database) -> int | None:
    """A notice whose sending a stop or crash cut short (the restart finishes it), or None."""
    row = db.execute("select id from reminder_notices where sent_at is null order by id limit 1").fetchone()
    return row[0] if row else None


def gather_notice(db: Database, now: datetime) -> int | None:
    """Put every uncertain reminder staff were not told of into one new notice; its id, or None if none wait."""
    stamp = to_db(now)
    with db.atomic():
        notice = db.execute("insert into reminder_notices (reminders, created_at) values (0, ?)", [stamp]).lastrowid
        count = db.execute("update reminders set notice_id = ? where status = 'failed' and notice_id is null "
                           "and outcome = ?", [notice, UNCERTAIN]).rowcount
        if not count:
            db.execute("delete from reminder_notices where id = ?", [notice])
            return None
        db.execute("update reminder_notices set reminders = ? where id = ?", [count, notice])
    return notice


def notice_reminders(db: Database, notice_id: int) -> list[dict[str, Any]]:
    """The reminders a notice covers with their visits' service, start and name, earliest visit first."""
    return list(db.query(
        "select r.id, r.status, r.outcome, v.service_key, v.start_utc, v.patient_name "
        "from reminders r join visits v on v.id = r.visit_id where r.notice_id = ? order by v.start_utc, r.id",
        [notice_id]))


def notice_exists(db: Database, notice_id: int) -> bool:
    """True if the notice was ever made (a button naming another one is forged or from a wiped database)."""
    return db.execute("select 1 from reminder_notices where id = ?", [notice_id]).fetchone() is not None


def notice_chats(db: Database, notice_id: int) -> set[int]:
    """The staff chats that already received a notice."""
    return {chat for (chat,) in db.execute("select chat_id from reminder_notice_chats where notice_id = ?",
                                           [notice_id]).fetchall()}


def record_notice_chat(db: Database, notice_id: int, chat_id: int, message_id: int | None, now: datetime) -> None:
    """Remember that one staff chat received a notice, so a restart does not send it there again."""
    db.execute("insert into reminder_notice_chats (notice_id, chat_id, message_id, sent_at) values (?, ?, ?, ?) "
               "on conflict do nothing", [notice_id, chat_id, message_id, to_db(now)])


def notice_sent(db: Database, notice_id: int, now: datetime) -> None:
    """Every staff chat was tried: the notice is done, whatever each chat's send came to."""
    db.execute("update reminder_notices set sent_at = ? where id = ? and sent_at is null", [to_db(now), notice_id])


def still_uncertain(db: Database, notice_id: int) -> list[int]:
    """Reminders of a notice that nobody resent yet (the ones a "resend all" tap would claim)."""
    return [rid for (rid,) in db.execute("select id from reminders where notice_id = ? and status = 'failed' "
                                         "and outcome = ? order by id", [notice_id, UNCERTAIN]).fetchall()]


def blocked_alert_already_sent(db: Database, visit_id: int, reminder_id: int) -> bool:
    """True if another row of this visit already found the patient blocked (staff were told then)."""
    return db.execute("select 1 from reminders where visit_id = ? and id != ? and status = 'blocked' limit 1",
                      [visit_id, reminder_id]).fetchone() is not None


def release(db: Database, reminder_ids: list[int], now: datetime, owner: str = "") -> None:
    """Give rows `owner` claimed but never tried back to the queue (a clean stop)."""
    stamp = to_db(now)
    for reminder_id in reminder_ids:
        db.execute("update reminders set status = 'pending', claims = claims - 1, claimed_by = '', updated_at = ? "
                   "where id = ? and status = 'claimed' and claimed_by = ?", [stamp, reminder_id, owner])


def recover_claimed(db: Database, now: datetime, owner: str = "") -> tuple[int, int]:
    """Take back rows other workers claimed: requeue those claimed once (resent once), fail those claimed twice.

    Only the lease holder calls this (at its start), so any other claimer
    has crashed or lost the lease; `owner`'s own claims are never touched.
    """
    stamp = to_db(now)
    with db.atomic():
        requeued = db.execute(
            "update reminders set status = 'pending', outcome = 'resend_after_crash', claimed_by = '', "
            "updated_at = ? where status = 'claimed' and claimed_by != ? and claims < ?",
            [stamp, owner, MAX_CLAIMS]).rowcount
        failed = db.execute(
            "update reminders set status = 'failed', outcome = 'crashed_twice_not_resent', updated_at = ? "
            "where status = 'claimed' and claimed_by != ?", [stamp, owner]).rowcount
    return requeued, failed


def confirm_visit(db: Database, visit_id: int, user_id: int, now: datetime) -> str:
    """Record the patient's confirmation: 'confirmed', 'already', 'not_yours' or 'not_open'."""
    row = next(db.query("select user_id, status, start_utc, confirmed_at from visits where id = ?", [visit_id]), None)
    if row is None or row["user_id"] != user_id:
        return "not_yours"
    if row["status"] != "booked" or from_db(row["start_utc"]) <= now:
        return "not_open"
    stamp = to_db(now)
    changed = db.execute(
        "update visits set confirmed_at = ?, updated_at = ? where id = ? and confirmed_at is null",
        [stamp, stamp, visit_id]).rowcount
    return "confirmed" if changed else "already"


def reminded_unconfirmed_visit(db: Database, user_id: int, since: datetime, now: datetime) -> int | None:
    """The patient's visit whose reminder was sent since `since`, still booked, ahead and unconfirmed, or None."""
    row = db.execute(
        "select v.id from reminders r join visits v on v.id = r.visit_id "
        "where v.user_id = ? and r.kind != ? and r.status = ? and r.sent_at >= ? and v.status = 'booked' "
        "and v.start_utc > ? and v.confirmed_at is null order by r.sent_at desc limit 1",
        [user_id, CHECKIN, SENT, to_db(since), to_db(now)]).fetchone()
    return row[0] if row else None


def checkin_row(db: Database, reminder_id: int) -> dict[str, Any] | None:
    """A check-in reminder with its visit's owner, or None."""
    return next(db.query(
        "select r.id, r.visit_id, r.status, v.user_id from reminders r join visits v on v.id = r.visit_id "
        "where r.id = ? and r.kind = ?", [reminder_id, CHECKIN]), None)


def record_checkin(db: Database, reminder_id: int, user_id: int, score: int, now: datetime) -> tuple[str, int | None]:
    """Store a check-in answer once: ('recorded'|'already'|'not_yours', the stored score)."""
    row = checkin_row(db, reminder_id)
    if row is None or row["user_id"] != user_id or row["status"] != SENT:
        return "not_yours", None
    inserted = db.execute(
        "insert into checkins (reminder_id, visit_id, user_id, score, answered_at) values (?, ?, ?, ?, ?) "
        "on conflict(reminder_id) do nothing", [reminder_id, row["visit_id"], user_id, score, to_db(now)]).rowcount
    stored = db.execute("select score from checkins where reminder_id = ?", [reminder_id]).fetchone()[0]
    return ("recorded" if inserted else "already"), stored


def open_checkin(db: Database, user_id: int, since: datetime) -> int | None:
    """The patient's latest check-in sent since `since` and not answered yet, or None."""
    row = db.execute(
        "select r.id from reminders r join visits v on v.id = r.visit_id "
        "left join checkins c on c.reminder_id = r.id "
        "where v.user_id = ? and r.kind = ? and r.status = ? and r.sent_at >= ? and c.reminder_id is null "
        "order by r.sent_at desc limit 1", [user_id, CHECKIN, SENT, to_db(since)]).fetchone()
    return row[0] if row else None


def recent_trends(db: Database) -> list[dict[str, Any]]:
    """Patients with check-ins, latest first, each with their last scores oldest to newest."""
    users = list(db.query(
        "select user_id, max(answered_at) as last from checkins group by user_id order by last desc limit ?",
        [TREND_PATIENTS]))
    return [{"user_id": u["user_id"], "name": _patient_name(db, u["user_id"]),
             "scores": _scores(db, u["user_id"], TREND_SCORES)} for u in users]


def patient_checkins(db: Database, user_id: int) -> list[dict[str, Any]]:
    """Every check-in answer of one patient, oldest first, with the visit's service and start."""
    return [{**row, "answered_at": from_db(row["answered_at"]), "start": from_db(row["start_utc"])}
            for row in db.query(
                "select c.score, c.answered_at, v.service_key, v.start_utc from checkins c "
                "join visits v on v.id = c.visit_id where c.user_id = ? order by c.answered_at", [user_id])]


def _scores(db: Database, user_id: int, limit: int) -> list[int]:
    """A patient's last `limit` scores, oldest first."""
    rows = db.execute("select score from checkins where user_id = ? order by answered_at desc, id desc limit ?",
                      [user_id, limit]).fetchall()
    return [score for (score,) in reversed(rows)]


def _patient_name(db: Database, user_id: int) -> str:
    """The name the patient gave at their latest booking, or ""."""
    row = db.execute("select patient_name from visits where user_id = ? and patient_name is not null "
                     "order by start_utc desc limit 1", [user_id]).fetchone()
    return row[0] if row else ""


def status_lines(db: Database, now: datetime) -> list[tuple[str, str]]:
    """`wellbot status`: how many reminders wait, and when the next is due."""
    pending = db.execute("select count(*) from reminders where status = 'pending'").fetchone()[0]
    due = next_due(db)
    return [("reminders pending", str(pending)), ("next reminder due", to_db(due) if due else "none")]


def purge(db: Database, cutoff: datetime) -> int:
    """Delete reminder and check-in rows of visits that ended before `cutoff`."""
    stamp = to_db(cutoff)
    with db.atomic():
        old = "select id from visits where end_utc < ?"
        removed = db.execute(f"delete from checkins where visit_id in ({old})", [stamp]).rowcount
        removed += db.execute(f"delete from reminders where visit_id in ({old})", [stamp]).rowcount
        # A notice names no patient; it goes once none of its reminders is left.
        db.execute("delete from reminder_notices where sent_at is not null and id not in "
                   "(select notice_id from reminders where notice_id is not null)")
    return removed


def export_data(db: Database, user_id: int) -> dict[str, Any]:
    """A patient's check-in answers, for /mydata."""
    return {"checkins": [{"visit_id": r["visit_id"], "score": r["score"], "answered_at": r["answered_at"]}
                         for r in db.query("select visit_id, score, answered_at from checkins where user_id = ? "
                                           "order by answered_at", [user_id])]}


def erase_data(db: Database, user_id: int, now: datetime) -> None:
    """Forget a patient's check-in answers and stop messages still planned for them."""
    db.execute("delete from checkins where user_id = ?", [user_id])
    db.execute(
        "update reminders set status = 'cancelled', outcome = 'patient_erased', updated_at = ? "
        "where status = 'pending' and visit_id in (select id from visits where user_id = ?)", [to_db(now), user_id])
