"""Uncertain reminders reach staff as one notice per staff chat, not one message each.

Found in review: a Telegram outage at 9:00 with 200 timeouts sent every
staff chat 200 messages (each with its own button), competing with
patients' sends for the one send budget. Now the uncertain rows wait in
SQLite until a minute after the first, then each staff chat gets one notice
listing the first few and counting the rest, with one "resend all" button.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from tests.harness import STAFF_ID
from tests.test_reminders import at, book, run_at
from wellbot.core import i18n
from wellbot.core.db import migration_sets
from wellbot.reminders import store, views
from wellbot.reminders.dispatcher import NOTICE_WINDOW, SAFETY_INTERVAL_SECONDS
from wellbot.reminders.feature import dispatcher_of

MANY = 40  # reminders due together whose sends all time out
FIRST_PATIENT = 2001
SECOND_STAFF = 901
NOTICE = "may or may not have reached"
DUE = at(2026, 6, 11, 10, 20)  # every reminder of _outage's visits is due (and none past its grace)
AFTER_WINDOW = DUE + NOTICE_WINDOW + timedelta(seconds=1)


def _outage(bot, count: int = MANY) -> list[int]:
    """Book `count` patients' visits on 12 June, 10:00 to 10:20; every patient's next send drops the line."""
    ids = [FIRST_PATIENT + n for n in range(count)]
    for n, patient in enumerate(ids):
        bot.user(patient)
        book(bot, at(2026, 6, 12, 10, 10 * (n % 3)), user_id=patient)
        bot.server.answer_late("sendMessage", None, chat_id=patient)  # delivered, then the connection drops
    return ids


def _notices(user) -> list:
    """The uncertain-reminder notices a staff chat received."""
    return [m for m in user.messages if NOTICE in m.text]


def _uncertain(bot) -> int:
    """Reminders whose send is still uncertain."""
    return bot.db.execute("select count(*) from reminders where status = 'failed' and outcome = ?",
                          [store.UNCERTAIN]).fetchone()[0]


async def _two_staff(bot):
    """Restart with a second staff member; both have a chat with the bot."""
    bot.env["WELLBOT_STAFF_IDS"] = f"{STAFF_ID},{SECOND_STAFF}"
    await bot.restart()
    return bot.staff(), bot.server.user(SECOND_STAFF, "Kim")


async def test_an_outage_gives_each_staff_chat_one_notice_not_one_per_reminder(bot):
    staff, other = await _two_staff(bot)
    patients = _outage(bot)
    await run_at(bot, DUE)  # every reminder is due: all 40 sends time out
    assert _uncertain(bot) == MANY
    assert _notices(staff) == [], "the notice waits for the window: more timeouts may follow"
    await run_at(bot, AFTER_WINDOW)
    await run_at(bot, AFTER_WINDOW + timedelta(minutes=5))  # later wakes tell nobody again
    for chat in (staff, other):
        assert len(_notices(chat)) == 1, f"staff got {len(_notices(chat))} messages for {MANY} uncertain reminders"
    [notice] = _notices(staff)
    assert f"{MANY} reminders may or may not have reached" in notice.text
    assert "Visits from Fri 12 Jun 10:00 to Fri 12 Jun 10:20" in notice.text
    assert notice.text.count("• ") == views.NOTICE_LISTED
    assert f"…and {MANY - views.NOTICE_LISTED} more." in notice.text
    assert "Ada Tester" in notice.text
    assert "+1 555" not in notice.text
    [[button]] = notice.buttons()
    assert button["text"] == "🔁 Resend all still uncertain"
    assert len(button["callback_data"].encode()) <= 64
    assert all(len(bot.user(p).messages) == 1 for p in patients)


async def test_resend_all_sends_each_uncertain_reminder_once_whoever_taps_first(bot):
    staff, other = await _two_staff(bot)
    patients = _outage(bot)
    await run_at(bot, DUE)
    await run_at(bot, AFTER_WINDOW)
    [notice], [other_notice] = _notices(staff), _notices(other)
    patient = bot.user(patients[0])
    await patient.press_data(notice.message_id, notice.buttons()[0][0]["callback_data"])  # a patient: refused
    await bot.settle()
    assert "only for the clinic's staff" in patient.callback_answers[-1]["text"]
    assert _uncertain(bot) == MANY
    bot.server.answer_late("sendMessage", None, chat_id=patients[1])  # one resend gets no answer either
    await staff.press(notice, "Resend all")
    summary = await staff.wait_for("Uncertain reminders resent", timeout=10)
    assert f"Resending {MANY} reminders still uncertain" in staff.callback_answers[-1]["text"]
    assert f"{MANY - 1} sent" in summary.text
    assert "1 again without an answer" in summary.text
    assert all(len(bot.user(p).messages) == 2 for p in patients), "each patient got exactly one more copy"
    assert _uncertain(bot) == 0
    await other.press(other_notice, "Resend all")  # the second staff member's copy of the notice
    await staff.press(notice, "Resend all")  # and a second tap on the first
    await bot.settle()
    for chat in (staff, other):
        assert "Already handled" in chat.callback_answers[-1]["text"]
    assert all(len(bot.user(p).messages) == 2 for p in patients), "nothing sent twice"


async def test_a_restart_before_the_notice_still_sends_it_once(bot):
    staff = bot.staff()
    _outage(bot)
    await run_at(bot, DUE)
    await bot.restart()  # the uncertain rows, not memory, say who still has to be told
    await run_at(bot, AFTER_WINDOW)
    await bot.restart()
    await run_at(bot, AFTER_WINDOW + timedelta(minutes=1))
    assert len(_notices(staff)) == 1
    assert f"{MANY} reminders" in _notices(staff)[0].text


async def test_a_notice_cut_short_by_a_crash_goes_only_to_the_chats_still_missing_it(bot):
    staff, other = await _two_staff(bot)
    _outage(bot, count=3)
    await run_at(bot, DUE)
    bot.clock.set(AFTER_WINDOW)
    # What a crash leaves after the first staff chat got the notice: gathered, one chat recorded, not finished.
    notice = store.gather_notice(bot.db, bot.clock.now())
    store.record_notice_chat(bot.db, notice, STAFF_ID, None, bot.clock.now())
    await bot.restart()
    await run_at(bot, AFTER_WINDOW + timedelta(seconds=1))
    await run_at(bot, AFTER_WINDOW + timedelta(minutes=2))
    assert _notices(staff) == []
    [told] = _notices(other)
    assert "3 reminders" in told.text
    assert "…and" not in told.text


async def test_reminders_found_apart_get_their_own_notice_and_are_never_told_twice(bot):
    staff = bot.staff()
    _outage(bot, count=2)
    await run_at(bot, DUE)
    await run_at(bot, AFTER_WINDOW)
    assert len(_notices(staff)) == 1
    bot.user(3001)
    book(bot, at(2026, 6, 12, 11, 0), user_id=3001)
    bot.server.answer_late("sendMessage", None, chat_id=3001)
    await run_at(bot, at(2026, 6, 11, 11, 0))
    await run_at(bot, at(2026, 6, 11, 11, 2))
    first, second = _notices(staff)
    assert "2 reminders" in first.text
    assert "A reminder may or may not have reached the patient" in second.text
    assert second.text.count("• ") == 1


async def test_a_bug_in_the_notice_is_logged_and_neither_spins_the_wake_up_nor_loses_the_notice(bot, monkeypatch,
                                                                                                  caplog):
    staff = bot.staff()
    _outage(bot, count=2)
    await run_at(bot, DUE)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the notice")

    with monkeypatch.context() as patched:
        patched.setattr(views, "notice_values", broken)
        await run_at(bot, AFTER_WINDOW)
    assert _notices(staff) == []
    assert "uncertain reminder notice failed" in caplog.text
    job = dispatcher_of(bot.app)._job
    assert (job.next_t - datetime.now(UTC)).total_seconds() > SAFETY_INTERVAL_SECONDS / 2, "not woken at once"
    await run_at(bot, AFTER_WINDOW + NOTICE_WINDOW)
    assert len(_notices(staff)) == 1


async def test_the_notice_keeps_names_out_of_info_logs(bot, caplog):
    staff = bot.staff()
    _outage(bot, count=2)
    with caplog.at_level(logging.INFO):
        await run_at(bot, DUE)
        await run_at(bot, AFTER_WINDOW)
        await staff.press(_notices(staff)[0], "Resend all")
        await staff.wait_for("Uncertain reminders resent", timeout=10)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "staff told of uncertain reminders" in logged
    assert "Ada Tester" not in logged
    assert "555" not in logged


def test_the_notice_is_escaped_and_written_in_english_and_spanish(bot):
    rows = [{"service_key": "acupuncture", "start_utc": "2026-06-12T14:00:00Z", "patient_name": "<b>Ada</b> & Co"},
            {"service_key": "gone_service", "start_utc": "2026-06-12T15:30:00Z", "patient_name": None}]
    renderer = bot.deps.renderer
    with i18n.speaking("en"):
        english = renderer.render("rem_staff_uncertain", **views.notice_values(bot.deps, rows))
    with i18n.speaking("es"):
        spanish = renderer.render("rem_staff_uncertain", **views.notice_values(bot.deps, rows))
        label = i18n._(views.RESEND_ALL_LABEL)
    assert "&lt;b&gt;Ada&lt;/b&gt; &amp; Co" in english
    assert "<b>Ada</b>" not in english
    assert "(no name given)" in english
    assert "gone_service" in english
    assert "2 recordatorios no hayan llegado" in spanish
    assert "&lt;b&gt;Ada" in spanish
    assert "(sin nombre)" in spanish
    assert label == "🔁 Reenviar todos los inciertos"
    assert len(views.ResendNotice(10**12).pack().encode()) <= 64


def test_reminders_told_one_by_one_before_the_migration_are_not_told_again_and_purge_drops_notices():
    db = Database(memory=True)
    db.execute("pragma foreign_keys = on")
    sets = migration_sets()
    for migrations in sets:
        if migrations.name != "wellbot.reminder_notices":
            migrations.apply(db)
    stamp = "2026-06-11T14:00:00Z"
    db.execute("insert into patients (user_id, chat_id, created_at, last_seen_at) values (1, 1, ?, ?)", [stamp, stamp])
    visit = db.execute("insert into visits (user_id, service_key, start_utc, end_utc, status, created_at, updated_at) "
                       "values (1, 'acupuncture', ?, ?, 'booked', ?, ?)", [stamp, stamp, stamp, stamp]).lastrowid
    for n, outcome in enumerate((store.UNCERTAIN, "gave_up_network_error")):
        db.execute("insert into reminders (visit_id, kind, offset_minutes, due_at, status, idempotency_key, outcome, "
                   "created_at, updated_at) values (?, 'reminder', ?, ?, 'failed', ?, ?, ?, ?)",
                   [visit, n, stamp, f"k{n}", outcome, stamp, stamp])
    for migrations in sets:
        migrations.apply(db)
    assert db.execute("select outcome from reminders where notice_id is not null").fetchall() == [(store.UNCERTAIN,)]
    assert store.oldest_unnoticed(db) is None
    assert store.unsent_notice(db) is None
    assert store.gather_notice(db, at(2026, 6, 11, 11, 0)) is None
    store.purge(db, at(2026, 7, 1, 0, 0))  # retention: the visit ended long ago
    assert db.execute("select count(*) from reminder_notices").fetchone()[0] == 0
