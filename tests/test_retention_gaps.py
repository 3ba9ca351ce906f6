"""Retention gaps and a removed staff member's conversation (issue 21, findings 7 and 10).

Abandoned conversations kept a typed name and phone forever; patients who
blocked the bot years ago and unsubscribed news rows were never purged; and a
staff member removed from WELLBOT_STAFF_IDS could finish a staff
conversation begun before the restart.
"""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

from tests.booking_helpers import at, direct_book
from tests.harness import STAFF_ID
from wellbot.core.clock import to_db
from wellbot.privacy import handlers as privacy

NAME = "Quintessa Marlowe"


async def _purge(bot):
    await privacy.run_retention(SimpleNamespace(application=bot.app))


def _rows(bot, table, user_id):
    return list(bot.db.query(f"select * from {table} where user_id = ?", [user_id]))


async def test_an_abandoned_booking_expires_and_the_purge_removes_its_name(bot):
    pat = bot.user(3301, "Quin")
    await pat.send("/book")
    await pat.press(await pat.wait_for("which service"), "Acupuncture")
    await pat.press(await pat.wait_for("Choose a day"), "Thu 11 Jun")
    await pat.press(await pat.wait_for("Choose a time"), "10:00")
    await pat.wait_for("full name")
    await pat.send(NAME)
    await pat.wait_for("phone number")
    assert NAME in json.dumps(_rows(bot, "flows", 3301))
    bot.clock.advance(timedelta(hours=23))
    await _purge(bot)
    assert _rows(bot, "flows", 3301), "a conversation idle less than a day is kept"
    bot.clock.advance(timedelta(hours=2))
    await _purge(bot)
    assert _rows(bot, "flows", 3301) == []
    await pat.send("555 123 4567")  # the old step is gone: this is not taken as the booking's phone
    answer = await pat.next_message()
    assert "Tap “Confirm”" not in answer.text
    assert list(bot.db.query("select * from visits")) == []


async def test_an_expired_conversation_is_not_resumed_even_before_the_purge(bot):
    pat = bot.user(3302, "Quin")
    await pat.send("/book")
    await pat.press(await pat.wait_for("which service"), "Acupuncture")
    await pat.press(await pat.wait_for("Choose a day"), "Thu 11 Jun")
    await pat.press(await pat.wait_for("Choose a time"), "10:00")
    await pat.wait_for("full name")
    bot.clock.advance(timedelta(hours=25))
    await pat.send(NAME)
    answer = await pat.next_message()
    assert "phone number" not in answer.text
    assert _rows(bot, "flows", 3302) == []


async def test_patients_who_blocked_the_bot_long_ago_and_old_unsubscribed_rows_are_purged(bot):
    now = bot.clock.now()
    long_ago, lately = to_db(now - timedelta(days=400)), to_db(now - timedelta(days=10))
    for user_id, status, blocked_at in ((3401, "blocked", long_ago), (3402, "blocked", lately), (3403, "active", None)):
        bot.db.execute("insert into patients (user_id, chat_id, status, created_at, last_seen_at, blocked_at) "
                       "values (?, ?, ?, ?, ?, ?)", [user_id, user_id, status, long_ago, long_ago, blocked_at])
    bot.db.execute("insert into visits (user_id, service_key, start_utc, end_utc, status, patient_name, "
                   "patient_phone, created_at, updated_at) values (3401, 'consult', ?, ?, 'attended', ?, "
                   "'+15550101', ?, ?)", [long_ago, long_ago, NAME, long_ago, long_ago])
    for user_id, status, updated in ((3403, "unsubscribed", to_db(now - timedelta(days=91))),
                                     (3402, "unsubscribed", lately)):
        bot.db.execute("insert into subscriptions (user_id, status, topics, updated_at) values (?, ?, '[]', ?)",
                       [user_id, status, updated])
    await _purge(bot)
    assert _rows(bot, "patients", 3401) == [], "blocked over a year ago: gone"
    assert [r["patient_name"] for r in bot.db.query("select patient_name from visits")] == [None]
    assert _rows(bot, "patients", 3402), "blocked lately: kept"
    assert _rows(bot, "subscriptions", 3402)
    assert _rows(bot, "patients", 3403)
    assert _rows(bot, "subscriptions", 3403) == []


async def test_a_removed_staff_member_cannot_finish_a_staff_conversation(bot):
    staff = bot.staff()
    await staff.send("/broadcast")
    await staff.wait_for("Send me the message")
    bot.env["WELLBOT_STAFF_IDS"] = "12345"  # removed from staff, then the worker restarts
    await bot.restart()
    await staff.send("Everyone gets a free session")
    refusal = await staff.next_message()
    assert "staff" in refusal.text.lower()
    await bot.settle()
    assert _rows(bot, "flows", STAFF_ID) == []
    assert not [m for m in staff.messages if "Who should get it" in m.text]


async def test_a_removed_staff_member_cannot_finish_a_message_to_a_patient(bot):
    """Found in review: the desk's typed message step was not a staff-only flow, so it still reached the patient."""
    staff = bot.staff()
    bea = bot.user(3410, "Bea")
    await bea.send("/start")
    await bea.wait_for("")
    direct_book(bot, 3410, at(9), name="Bea Cole")
    await staff.send("/patient bea")
    await staff.press(await staff.wait_for("Patients found"), "Bea Cole")
    await staff.press(await staff.wait_for("On Telegram"), "Message the patient")
    await staff.wait_for("Type the message for")
    bot.env["WELLBOT_STAFF_IDS"] = "12345"  # removed from staff, then the worker restarts
    await bot.restart()
    seen = len(bea.messages)
    await staff.send("Your results are in")
    refusal = await staff.next_message()
    assert "staff" in refusal.text.lower()
    await bot.settle()
    assert _rows(bot, "flows", STAFF_ID) == []
    assert not [m for m in bea.messages[seen:] if "Your results are in" in m.text]
