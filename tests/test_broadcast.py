"""Broadcasts: body checks, audiences, progress figures and the edit throttle (plain logic)."""

from zoneinfo import ZoneInfo

import pytest

from tests.test_delivery_engine import add_subscribers
from wellbot.bot.telegram_html import MAX_MESSAGE_LENGTH
from wellbot.newsletter import broadcast, store

TZ = ZoneInfo("America/New_York")


def test_body_keeps_telegram_formatting_and_refuses_what_telegram_would():
    assert broadcast.check_body("  <b>Closed</b> on Monday &amp; Tuesday ") == "<b>Closed</b> on Monday &amp; Tuesday"
    for bad, reason in [("", "empty"), ("<p>x</p>", "formatting"), ("x" * (MAX_MESSAGE_LENGTH + 1), "longer")]:
        with pytest.raises(broadcast.BodyError, match=reason):
            broadcast.check_body(bad)


def test_audiences_count_only_subscribed_active_patients(db, clock, clinic):
    add_subscribers(db, clock, [1, 2], topics=("pain", "tcm"))
    add_subscribers(db, clock, [3], topics=("tcm",))
    add_subscribers(db, clock, [4], status="unsubscribed", topics=("pain",))
    add_subscribers(db, clock, [5], patient_status="blocked", topics=("pain",))
    options = {audience: count for audience, _label, count in broadcast.audiences(db, clinic)}
    assert options["all"] == 3
    assert options["topic:pain"] == 2
    assert options["topic:tcm"] == 3
    assert options["topic:wellness"] == 0
    assert broadcast.valid_audience(clinic, "topic:pain")
    assert not broadcast.valid_audience(clinic, "topic:nope")
    assert broadcast.audience_label(clinic, "all") == "all subscribers"


def test_progress_figures_and_estimate():
    counts = dict.fromkeys(store.DELIVERY_STATUSES, 0) | {"sent": 100, "pending": 1740, "failed": 1,
                                                           "uncertain": 1, "total": 1842}
    figures = broadcast.progress_figures(counts, 29.0)
    assert figures["remaining"] == 1740
    assert figures["failed"] == 1  # told apart from the uncertain one
    assert figures["uncertain"] == 1
    assert figures["eta_minutes"] == 1  # 1740 / 29 = 60 s
    assert broadcast.progress_figures(counts | {"pending": 1741}, 29.0)["eta_minutes"] == 2  # rounded up
    assert broadcast.progress_figures(counts | {"pending": 0}, 29.0)["eta_minutes"] == 0


def test_edit_throttle_waits_between_edits_and_never_repeats_text():
    now = [0.0]
    throttle = broadcast.EditThrottle(min_interval=3.0, now=lambda: now[0])
    assert throttle.should_edit(1, "a")
    now[0] = 1.0
    assert not throttle.should_edit(1, "b")  # too soon
    now[0] = 3.5
    assert not throttle.should_edit(1, "a")  # same text as shown
    assert throttle.should_edit(1, "b")
    assert throttle.should_edit(1, "c", force=True)  # the final figures go out at once
    assert not throttle.should_edit(1, "c", force=True)  # but never the same text twice


# --- End to end: staff broadcast through the strict local Bot API server ----------

import json  # noqa: E402

import pytest_asyncio  # noqa: E402

from tests.conftest import DEFAULT_START  # noqa: E402
from tests.harness import TOKEN, Harness, until  # noqa: E402
from wellbot.core.clock import to_db  # noqa: E402
from wellbot.sim.devserver import BotAPIServer  # noqa: E402

SERVER_RATE = 300  # messages/s the server allows before answering 429
SEND_RATE = "250"  # the engine's pace: high so the suite stays fast, still under the server's
PER_CHAT_RATE = 3.0  # above the engine's 1/s per chat, so only the staff's quick replies would meet it


@pytest_asyncio.fixture
async def fast_bot(tmp_path):
    """A worker sending fast, against a server that answers 429 past its global and per-chat rates."""
    server = BotAPIServer(token=TOKEN, global_rate=SERVER_RATE, per_chat_rate=PER_CHAT_RATE)
    await server.start()
    harness = Harness(server, tmp_path / "wellbot.db", DEFAULT_START, env={"WELLBOT_SEND_RATE": SEND_RATE})
    await harness.start()
    yield harness
    await harness.stop()
    await server.stop()
    assert server.unanswered_callbacks() == [], "every pressed button must be answered"


def subscribe(bot, user_ids, topics=("pain",), status="subscribed"):
    """Patients who talked to the bot and subscribed (rows the consent feature would write)."""
    now = to_db(bot.clock.now())
    for user_id in user_ids:
        bot.user(user_id)
        bot.db.execute("insert or ignore into patients (user_id, chat_id, status, created_at, last_seen_at) "
                       "values (?, ?, 'active', ?, ?)", [user_id, user_id, now, now])
        bot.db.execute("insert into subscriptions (user_id, status, topics, updated_at) values (?, ?, ?, ?)",
                       [user_id, status, json.dumps(list(topics)), now])


async def compose(bot, text, audience="All subscribers"):
    """Staff: /broadcast, the text, the audience; return the confirm message."""
    staff = bot.staff()
    await staff.send("/broadcast")
    assert "Send me the message" in (await staff.next_message()).text
    await staff.send(text)
    choose = await staff.wait_for("Who should get it?")
    await staff.press(choose, audience)
    return await staff.wait_for("Send it now?")


def campaign_status(bot, campaign_id):
    return store.get_campaign(bot.db, campaign_id)["status"]


def copies(bot, user_id, text):
    return sum(text in m.text for m in bot.server.user(user_id).messages)


async def test_broadcast_survives_blocks_errors_429s_and_a_restart(fast_bot):
    bot = fast_bot
    active = list(range(2001, 2281))
    blocked = list(range(2281, 2301))
    subscribe(bot, active + blocked)
    subscribe(bot, range(2301, 2311), status="unsubscribed")
    for user_id in blocked:
        # Blocked without the my_chat_member update reaching the bot: only the 403 on send tells.
        bot.server.user(user_id).blocked = True
    confirm = await compose(bot, "Clinic closed on Monday for the holiday")
    assert "300 subscribers (all subscribers)" in confirm.text
    preview = bot.staff().messages[-2]
    assert preview.text == "Clinic closed on Monday for the holiday"
    assert preview.button_labels() == ["Unsubscribe", "Manage topics"]
    await bot.staff().press(confirm, "Send now")
    progress = await bot.staff().wait_for("Broadcast #1 to all subscribers")
    bot.server.fail_next("sendMessage", status=500, count=3)
    bot.server.fail_next("sendMessage", status=502, description="Bad Gateway")
    bot.server.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 1")
    await until(lambda: store.delivery_counts(bot.db, 1)["sent"] >= 60)
    await bot.restart()  # a deploy in the middle of the send
    assert campaign_status(bot, 1) in ("running", "done")
    await until(lambda: campaign_status(bot, 1) == "done")
    for user_id in active:
        assert copies(bot, user_id, "Clinic closed on Monday") == 1, user_id
    for user_id in blocked + list(range(2301, 2311)):
        assert copies(bot, user_id, "Clinic closed on Monday") == 0, user_id
    statuses = {r["user_id"]: r["status"] for r in bot.db.query("select user_id, status from patients")}
    assert all(statuses[user_id] == "blocked" for user_id in blocked)
    assert all(statuses[user_id] == "active" for user_id in active)
    counts = store.delivery_counts(bot.db, 1)
    assert (counts["sent"], counts["blocked"], counts["pending"], counts["failed"]) == (280, 20, 0, 0)
    assert bot.server.stats["injected"] == 5
    final = await bot.staff().wait_for("Sent: 280 of 300")
    assert final.message_id == progress.message_id
    assert "done" in final.text
    assert len(set(final.history)) == len(final.history), "never edited with unchanged text"


async def test_a_small_broadcast_ends_on_its_own_progress_message(bot):
    """Found landing issue 15 (`wellbot chat`): the engine was woken before the progress message was recorded,
    so a one-subscriber broadcast could end first; the progress message then stayed at "queued, Sent: 0 of 1"
    and a separate notice said done. Replies waiting for slots of the one send budget made that the rule."""
    subscribe(bot, [3011])
    confirm = await compose(bot, "Parking is free this week")
    staff = bot.staff()
    # Telegram slow to confirm the "queued" edit: a broadcast woken at once ends before the progress message.
    bot.server.answer_late("editMessageText", 0.5, chat_id=staff.id)
    await staff.press(confirm, "Send now")
    await until(lambda: campaign_status(bot, 1) == "done")
    await bot.settle()
    [progress] = [m for m in staff.messages if "Broadcast #1 to all subscribers" in m.text]
    assert "done" in progress.text, progress.text
    assert "Sent: 1 of 1" in progress.text
    assert not any("Broadcast #1 done" in m.text for m in staff.messages)  # the progress message said it
    assert copies(bot, 3011, "Parking is free") == 1


async def test_a_progress_message_telegram_refuses_does_not_hold_the_broadcast_back(bot):
    """The engine is woken after the progress message: if posting it fails (a 502), the broadcast still goes."""
    subscribe(bot, [3021, 3022])
    confirm = await compose(bot, "Flu shots on Friday")
    staff = bot.staff()
    bot.server.fail_next("sendMessage", status=502, description="Bad Gateway", chat_id=staff.id)
    await staff.press(confirm, "Send now")
    await until(lambda: campaign_status(bot, 1) == "done")
    await bot.settle()
    assert [copies(bot, u, "Flu shots") for u in (3021, 3022)] == [1, 1]
    assert any("Broadcast #1 done" in m.text for m in staff.messages), "told by the finishing notice instead"


async def test_topic_audience_preview_count_and_confirm_once(bot):
    subscribe(bot, [3001, 3002], topics=("tcm",))
    subscribe(bot, [3003], topics=("pain",))
    confirm = await compose(bot, "Moxa workshop on Friday", audience="Acupuncture")
    assert "2 subscribers (subscribers to Acupuncture and traditional Chinese medicine)" in confirm.text
    staff = bot.staff()
    await staff.press(confirm, "Send now")
    await staff.press(confirm, "Send now")  # a double tap queues it once
    await until(lambda: campaign_status(bot, 1) == "done")
    await bot.settle()
    assert [copies(bot, u, "Moxa workshop") for u in (3001, 3002, 3003)] == [1, 1, 0]
    assert any("already handled" in (a.get("text") or "") for a in staff.callback_answers)
    assert len(list(bot.db.query("select id from campaigns"))) == 1


async def test_an_audience_of_nobody_is_refused_and_another_can_be_chosen(bot):
    subscribe(bot, [3051], topics=("pain",))
    staff = bot.staff()
    await staff.send("/broadcast")
    await staff.next_message()
    await staff.send("Cupping demo on Saturday")
    choose = await staff.wait_for("Who should get it?")
    await staff.press(choose, "Acupuncture")  # nobody subscribes to this topic
    await bot.settle()
    assert any("Nobody is in that audience" in (a.get("text") or "") for a in staff.callback_answers)
    assert list(bot.db.query("select id from campaigns")) == []
    await staff.press(choose, "Pain management")  # the same buttons still work
    confirm = await staff.wait_for("Send it now?")
    assert "1 subscriber (" in confirm.text


async def test_forged_and_foreign_broadcast_buttons_change_nothing(bot):
    subscribe(bot, [3101])
    confirm = await compose(bot, "Hello all")
    patient = bot.user(3101)
    await patient.send("/broadcast")
    assert "staff" in (await patient.next_message()).text.lower()
    await patient.press_data(confirm.message_id, "bc:go:1")  # a patient forging the staff button
    await bot.staff().press_data(confirm.message_id, "bc:go:999")  # no such campaign
    await bot.staff().press_data(confirm.message_id, "bc:go:x")
    await bot.settle()
    assert campaign_status(bot, 1) == "draft"
    bot.db.execute("update campaigns set created_by = 1 where id = 1")  # another staff member's draft
    await bot.staff().press(confirm, "Send now")
    await bot.settle()
    assert campaign_status(bot, 1) == "draft"
    assert copies(bot, 3101, "Hello all") == 0


async def test_cancel_discards_a_draft(bot):
    subscribe(bot, [3201])
    staff = bot.staff()
    confirm = await compose(bot, "Plain")
    await staff.press(confirm, "Cancel")
    await staff.wait_for("discarded")
    await bot.settle()
    assert campaign_status(bot, 1) == "cancelled"
    assert copies(bot, 3201, "Plain") == 0


async def test_cancel_stops_a_running_broadcast_and_history_lists_it(tmp_path):
    server = BotAPIServer(token=TOKEN)
    await server.start()
    bot = Harness(server, tmp_path / "w.db", DEFAULT_START, env={"WELLBOT_SEND_RATE": "40"})
    await bot.start()
    try:
        subscribe(bot, range(4001, 4121))
        confirm = await compose(bot, "Flu shots available")
        staff = bot.staff()
        await staff.press(confirm, "Send now")
        await until(lambda: store.delivery_counts(bot.db, 1)["sent"] >= 10)
        await staff.send("/broadcast_cancel")
        await staff.wait_for("Stopping broadcast #1")
        await until(lambda: campaign_status(bot, 1) == "cancelled")
        counts = store.delivery_counts(bot.db, 1)
        assert counts["sent"] < 120
        assert counts["sent"] + counts["skipped"] == 120
        assert sum(copies(bot, u, "Flu shots") for u in range(4001, 4121)) == counts["sent"]
        await staff.send("/broadcast_cancel")
        await staff.wait_for("No broadcast is being sent")
        await staff.send("/broadcasts")
        history = await staff.wait_for("Broadcasts")
        assert f"#1 2026-06-10 to all subscribers: cancelled, {counts['sent']} sent" in history.text
    finally:
        await bot.stop()
        await server.stop()


async def test_error_threshold_pauses_tells_staff_and_resume_finishes(bot):
    subscribe(bot, range(5001, 5041))
    staff = bot.staff()
    confirm = await compose(bot, "Parking changes")
    await staff.press(confirm, "Send now")
    await staff.wait_for("Broadcast #1 to all subscribers")
    bot.server.fail_next("sendMessage", status=400, description="Bad Request: something odd", count=20)
    alert = await staff.wait_for("20 messages failed", timeout=10)
    assert "Broadcast #1 paused" in alert.text
    assert campaign_status(bot, 1) == "paused"
    await staff.press(alert, "Resume sending")
    await until(lambda: campaign_status(bot, 1) == "done")
    counts = store.delivery_counts(bot.db, 1)
    assert counts["failed"] == 20
    assert counts["sent"] == 20
    assert all(copies(bot, u, "Parking changes") <= 1 for u in range(5001, 5041))


def test_audience_counts_in_one_pass_agree_with_the_recipient_lists():
    """The audience screen's counts equal the lists a campaign would plan, blocked and paused left out."""
    import json

    from wellbot.core.db import open_database
    from wellbot.newsletter import store

    db = open_database(":memory:")
    rows = [(1, "subscribed", ["pain"], "active"), (2, "subscribed", ["pain", "tcm"], "blocked"),
            (3, "paused", ["pain"], "active"), (4, "subscribed", ["tcm", "tcm"], "active"),
            (5, "subscribed", [], "active"), (6, "unsubscribed", [], "blocked")]
    for user_id, status, topics, patient in rows:
        db.execute("insert into patients (user_id, chat_id, status, created_at, last_seen_at) "
                   "values (?, ?, ?, 'x', 'x')", [user_id, user_id, patient])
        db.execute("insert into subscriptions (user_id, status, topics, updated_at) values (?, ?, ?, 'x')",
                   [user_id, status, json.dumps(topics)])
    audiences = [store.ALL, "topic:pain", "topic:tcm", "topic:wellness"]
    assert store.audience_counts(db, audiences) == {a: len(store.recipients(db, a)) for a in audiences}
    assert store.audience_counts(db, audiences) == {store.ALL: 3, "topic:pain": 1, "topic:tcm": 1, "topic:wellness": 0}
