"""Shared by the desk's tests: a worker serving the desk, signed Mini App launch data, a booked day."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from tests.booking_helpers import direct_book
from tests.harness import TOKEN, Harness
from wellbot.booking import store as booking
from wellbot.core.clock import to_db
from wellbot.desk import logic, web


def init_data(user_id: int, signed_at: datetime, *, token: str = TOKEN, first_name: str = "Sam") -> str:
    """Launch data as a Telegram client hands it to a Mini App, signed with `token`."""
    fields = {"auth_date": str(int(signed_at.timestamp())), "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
              "user": json.dumps({"id": user_id, "first_name": first_name}, separators=(",", ":"))}
    fields["hash"] = logic.sign(fields, token)
    return urlencode(fields)


def desk_of(harness: Harness) -> web.Desk:
    """The worker's running desk."""
    desk = web.running(harness.app)
    assert desk is not None
    return desk


def book_a_day(bot: Harness) -> dict[str, int]:
    """Today: a confirmed visit, an earlier one that has started, and one tomorrow; some check-ins."""
    ids = {
        "ann": direct_book(bot, 2001, datetime(2026, 6, 10, 18, 0, tzinfo=UTC), name="Ann O'Lee"),
        # 09:00 today, already started (booking refuses times past its notice, so written straight in)
        "bo": insert_visit(bot, 2002, datetime(2026, 6, 10, 13, 0, tzinfo=UTC), "booked", "Bo <Day>", "cupping"),
        "cy": direct_book(bot, 2003, datetime(2026, 6, 11, 14, 0, tzinfo=UTC), name="Cy Young"),
    }
    bot.db.execute("update visits set confirmed_at = ? where id = ?", [to_db(bot.clock.now()), ids["ann"]])
    # The example clinic lists practitioners (issue 16): Ann sees Dr. Lin, Bo sees Sam Ortiz and is running late.
    bot.db.execute("update visits set practitioner_key = 'lin' where id = ?", [ids["ann"]])
    bot.db.execute("update visits set practitioner_key = 'ortiz' where id = ?", [ids["bo"]])
    booking.report_late(bot.db, ids["bo"], 10, bot.clock.now())
    booking.save_intake_answer(bot.db, ids["ann"], "pain_where", "Lower <back>", bot.clock.now())
    past = insert_visit(bot, 2001, bot.clock.now() - timedelta(days=21), "attended", "Ann O'Lee")
    for days, score in ((20, 8), (13, 7), (6, 5), (1, 3)):
        when = to_db(bot.clock.now() - timedelta(days=days))
        reminder = bot.db.execute(  # check-ins answer a sent check-in reminder
            "insert into reminders (visit_id, kind, offset_minutes, due_at, status, idempotency_key, created_at, "
            "updated_at) values (?, 'checkin', ?, ?, 'sent', ?, ?, ?)",
            [past, days, when, f"test-checkin-{past}-{days}", when, when]).lastrowid
        bot.db.execute("insert into checkins (reminder_id, visit_id, user_id, score, answered_at) "
                       "values (?, ?, ?, ?, ?)", [reminder, past, 2001, score, when])
    return ids


def insert_visit(bot: Harness, user_id: int, start: datetime, status: str, name: str,
                 service: str = "acupuncture") -> int:
    """A visit written straight to the table (for times booking would refuse: past, or already started)."""
    from wellbot.core import patients

    patients.touch(bot.db, bot.clock, user_id, user_id)
    minutes = bot.deps.clinic.service(service).duration_minutes
    cursor = bot.db.execute(
        "insert into visits (user_id, service_key, start_utc, end_utc, status, patient_name, patient_phone, "
        "created_at, updated_at) values (?, ?, ?, ?, ?, ?, '+15550000000', ?, ?)",
        [user_id, service, to_db(start), to_db(start + timedelta(minutes=minutes)), status, name,
         to_db(start), to_db(start)])
    return cursor.lastrowid


def half_sent_broadcast(bot: Harness, recipients: int = 40, sent: int = 25) -> int:
    """A paused broadcast part-way through (rows as the delivery engine writes them)."""
    now = to_db(bot.clock.now())
    campaign = bot.db.execute("insert into campaigns (kind, status, audience, body, created_by, created_at, "
                              "started_at) values ('broadcast', 'paused', 'all', 'Closed on Friday', 900, ?, ?)",
                              [now, now]).lastrowid
    for user_id in range(5000, 5000 + recipients):
        status = "sent" if user_id - 5000 < sent else "pending"
        bot.db.execute("insert into deliveries (campaign_id, user_id, chat_id, status, updated_at) "
                       "values (?, ?, ?, ?, ?)", [campaign, user_id, user_id, status, now])
    return campaign
