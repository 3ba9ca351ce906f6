"""Health news: consent logic (fast unit tests), then every point of issue 3 end to end through the bot."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wellbot.bot.keyboards import inline
from wellbot.bot.messaging import send
from wellbot.core import patients
from wellbot.core.clinic import load_clinic
from wellbot.core.clock import ManualClock
from wellbot.core.db import open_database
from wellbot.core.errors import ConfigError
from wellbot.core.resources import example_clinic_file
from wellbot.subscriptions import logic
from wellbot.subscriptions.feature import news_footer_buttons
from wellbot.subscriptions.handlers import check_news_settings, consent_wording
from wellbot.subscriptions.logic import Action, Origin, Outcome, State, Status

TZ = ZoneInfo("America/New_York")
START = datetime(2026, 6, 10, 9, 0, tzinfo=TZ)
KEYS = ("tcm", "pain", "interventional", "wellness", "clinic")
ORIGIN = Origin("button", None, 1, 10)


@pytest.fixture
def db():
    """A migrated in-memory database with one patient, 1."""
    database = open_database(":memory:")
    patients.touch(database, ManualClock(TZ, START), 1, 1)
    yield database
    database.close()


def events(database, user_id=1) -> list[dict]:
    """The consent events of a user, oldest first."""
    return list(database.query("select * from consent_events where user_id is ? order by id", [user_id]))


def now() -> datetime:
    return START.astimezone(ZoneInfo("UTC"))


# ----- logic --------------------------------------------------------------------------


def test_subscribe_writes_one_event_and_the_current_state(db):
    assert logic.subscribe(db, 1, ("pain", "tcm"), ORIGIN, now()) == Outcome.CHANGED
    assert logic.current(db, 1) == State(Status.SUBSCRIBED, ("pain", "tcm"), Action.SUBSCRIBE)
    [event] = events(db)
    assert (event["action"], event["status"], event["purpose"]) == ("subscribe", "subscribed", "health_news")
    assert json.loads(event["topics"]) == ["pain", "tcm"]
    assert (event["source"], event["chat_id"], event["message_id"]) == ("button", 1, 10)
    assert event["created_at"] == "2026-06-10T13:00:00Z"


def test_subscribing_twice_writes_one_event(db):
    logic.subscribe(db, 1, ("pain",), ORIGIN, now())
    assert logic.subscribe(db, 1, ("tcm",), ORIGIN, now()) == Outcome.ALREADY
    assert len(events(db)) == 1
    assert logic.current(db, 1).topics == ("pain",)


def test_subscribing_to_no_topic_writes_nothing(db):
    assert logic.subscribe(db, 1, (), ORIGIN, now()) == Outcome.NO_TOPICS
    assert events(db) == []
    assert logic.current(db, 1).status is None


def test_unsubscribe_only_acts_on_a_live_subscription_and_drops_topics(db):
    assert logic.unsubscribe(db, 1, ORIGIN, now()) == Outcome.NOT_SUBSCRIBED
    logic.subscribe(db, 1, KEYS, ORIGIN, now())
    assert logic.unsubscribe(db, 1, ORIGIN, now()) == Outcome.CHANGED
    assert logic.unsubscribe(db, 1, ORIGIN, now()) == Outcome.ALREADY
    assert logic.current(db, 1) == State(Status.UNSUBSCRIBED, (), Action.UNSUBSCRIBE)
    assert [e["action"] for e in events(db)] == ["subscribe", "unsubscribe"]


def test_pause_resume_and_topics_change_only_when_they_change_something(db):
    assert logic.pause(db, 1, ORIGIN, now()) == Outcome.NOT_SUBSCRIBED
    assert logic.set_topics(db, 1, ("pain",), ORIGIN, now()) == Outcome.NOT_SUBSCRIBED
    logic.subscribe(db, 1, ("pain",), ORIGIN, now())
    assert logic.resume(db, 1, ORIGIN, now()) == Outcome.ALREADY
    assert logic.pause(db, 1, ORIGIN, now()) == Outcome.CHANGED
    assert logic.pause(db, 1, ORIGIN, now()) == Outcome.ALREADY
    assert logic.set_topics(db, 1, ("pain",), ORIGIN, now()) == Outcome.ALREADY
    assert logic.set_topics(db, 1, (), ORIGIN, now()) == Outcome.NO_TOPICS
    assert logic.set_topics(db, 1, ("pain", "clinic"), ORIGIN, now()) == Outcome.CHANGED
    assert logic.current(db, 1).status == Status.PAUSED  # a topic change keeps the pause
    assert logic.resume(db, 1, ORIGIN, now()) == Outcome.CHANGED
    assert [e["action"] for e in events(db)] == ["subscribe", "pause", "topics", "resume"]


ON_BLOCKED = (logic.on_blocked,)  # as the subscriptions feature declares it

ACTIONS = {
    "subscribe": lambda db, topics: logic.subscribe(db, 1, topics, ORIGIN, now()),
    "topics": lambda db, topics: logic.set_topics(db, 1, topics, ORIGIN, now()),
    "pause": lambda db, topics: logic.pause(db, 1, ORIGIN, now()),
    "resume": lambda db, topics: logic.resume(db, 1, ORIGIN, now()),
    "unsubscribe": lambda db, topics: logic.unsubscribe(db, 1, ORIGIN, now()),
    "block": lambda db, topics: (patients.mark_blocked(db, ManualClock(TZ, START), 1, "test", ON_BLOCKED),
                                 patients.mark_active(db, 1)),
}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(ACTIONS)), st.sets(st.sampled_from(KEYS))), max_size=12))
def test_current_state_always_equals_the_state_derived_from_events(steps):
    database = open_database(":memory:")
    patients.touch(database, ManualClock(TZ, START), 1, 1)
    changes = 0
    for name, topics in steps:
        before = logic.current(database, 1)
        result = ACTIONS[name](database, tuple(sorted(topics)))
        after = logic.current(database, 1)
        changes += result == Outcome.CHANGED or (name == "block" and after != before)
        assert (after.status, after.topics) == (logic.derived_state(database, 1).status,
                                                logic.derived_state(database, 1).topics)
    assert len(events(database)) == changes  # exactly one event per change, none for no-ops
    database.close()


def test_blocking_pauses_a_subscriber_with_one_event_at_the_block_time(db):
    clock = ManualClock(TZ, START + timedelta(hours=2))
    logic.subscribe(db, 1, ("pain",), ORIGIN, now())
    assert patients.mark_blocked(db, clock, 1, "send_forbidden", ON_BLOCKED)
    assert not patients.mark_blocked(db, clock, 1, "my_chat_member", ON_BLOCKED)  # the second signal of the same block
    assert logic.current(db, 1) == State(Status.PAUSED, ("pain",), Action.BLOCKED)
    assert [(e["action"], e["source"], e["created_at"]) for e in events(db)][1:] == [
        ("blocked", "send_forbidden", "2026-06-10T15:00:00Z")]
    assert logic.paused_by_block(db, 1)


def test_blocking_writes_no_consent_event_for_non_subscribers(db):
    logic.subscribe(db, 1, ("pain",), ORIGIN, now())
    logic.unsubscribe(db, 1, ORIGIN, now())
    patients.mark_blocked(db, ManualClock(TZ, START), 1, "my_chat_member", ON_BLOCKED)
    assert [e["action"] for e in events(db)] == ["subscribe", "unsubscribe"]


def test_recipients_and_counts_need_subscribed_reachable_and_the_topic(db):
    clock = ManualClock(TZ, START)
    for user_id in (2, 3, 4, 5):
        patients.touch(db, clock, user_id, user_id)
    logic.subscribe(db, 1, ("pain", "tcm"), ORIGIN, now())
    logic.subscribe(db, 2, ("pain",), ORIGIN, now())
    logic.subscribe(db, 3, ("pain",), ORIGIN, now())
    logic.pause(db, 3, ORIGIN, now())
    logic.subscribe(db, 4, ("pain",), ORIGIN, now())
    patients.mark_blocked(db, clock, 4, "my_chat_member", ON_BLOCKED)
    logic.subscribe(db, 5, ("pain",), ORIGIN, now())
    logic.unsubscribe(db, 5, ORIGIN, now())
    assert logic.recipients(db, "pain") == [1, 2]
    assert logic.recipients(db, "tcm") == [1]
    found = logic.counts(db, KEYS)
    assert found.by_status == {"subscribed": 2, "paused": 2, "unsubscribed": 1}
    assert found.reachable == 2
    assert found.by_topic == {"tcm": 1, "pain": 2, "interventional": 0, "wellness": 0, "clinic": 0}


def test_events_cannot_be_changed_or_deleted(db):
    logic.subscribe(db, 1, ("pain",), ORIGIN, now())
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("update consent_events set action = 'unsubscribe'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("update consent_events set user_id = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("delete from consent_events")


def test_wording_is_kept_once_under_a_hash_of_template_and_text(db):
    first = logic.remember_text(db, "sub_consent", "Yes to news", now())
    assert logic.remember_text(db, "sub_consent", "Yes to news", now()) == first
    assert logic.remember_text(db, "other", "Yes to news", now()) != first
    assert db.execute("select count(*) from consent_texts").fetchone()[0] == 2


def test_export_has_the_subscription_and_each_event_with_its_wording(db):
    digest = logic.remember_text(db, "sub_consent", "Do you want news?", now())
    logic.subscribe(db, 1, ("pain",), Origin("button", digest, 1, 7), now())
    exported = logic.export(db, 1)
    assert exported["subscription"] == {"status": "subscribed", "topics": ["pain"]}
    [event] = exported["consent_events"]
    assert (event["action"], event["topics"], event["wording"]) == ("subscribe", ["pain"], "Do you want news?")
    assert logic.export(db, 99) == {"subscription": None, "consent_events": []}


def test_erase_withdraws_consent_and_keeps_only_an_anonymous_trail(db):
    logic.subscribe(db, 1, ("pain",), ORIGIN, now())
    with db.atomic():
        logic.erase(db, 1, now())
    assert logic.export(db, 1) == {"subscription": None, "consent_events": []}
    anonymous = events(db, None)
    assert [e["action"] for e in anonymous] == ["subscribe", "unsubscribe"]
    assert anonymous[-1]["source"] == "forget"
    assert all(e["chat_id"] is None and e["message_id"] is None for e in anonymous)
    assert logic.recipients(db, "pain") == []


@given(st.sets(st.sampled_from(KEYS)))
def test_topic_masks_round_trip(chosen):
    mask = logic.mask_of(tuple(chosen), KEYS)
    assert logic.valid_mask(mask, KEYS)
    assert set(logic.topics_of(mask, KEYS)) == chosen


# ----- end to end through the bot ---------------------------------------------------------------

YES = "Yes, send me health news"
ALL_LABELS = ["Acupuncture and traditional Chinese medicine", "Pain management", "Interventional procedures",
              "Wellness tips", "Clinic news"]
BLOCKED_403 = "Forbidden: bot was blocked by the user"


def data_of(message, label: str) -> str:
    """The callback_data of the button whose label contains `label`."""
    return next(b["callback_data"] for row in message.buttons() for b in row if label in b["text"])


def subscription(bot, user_id: int) -> tuple[str, list[str]] | None:
    """The core subscriptions row the newsletter reads, as (status, topics)."""
    row = next(bot.db.query("select status, topics from subscriptions where user_id = ?", [user_id]), None)
    return (row["status"], json.loads(row["topics"])) if row else None


def actions(bot, user_id: int) -> list[str]:
    """The consent events written for a user, oldest first."""
    return [e["action"] for e in events(bot.db, user_id)]


async def subscribe_via_bot(bot, patient):
    """/subscribe and the explicit yes, with every topic on; return the edited consent message."""
    await patient.send("/subscribe")
    consent = await patient.next_message()
    await patient.press(consent, YES)
    await patient.wait_for("Thank you")
    return consent


async def send_news(bot, user_id: int):
    """What the newsletter does: a news message carrying the footer buttons."""
    return await send(bot.app.bot, bot.deps, user_id, "sub_topics", keyboard=inline(news_footer_buttons()))


async def test_1_subscribe_explains_what_how_often_how_to_stop_and_stores_nothing_before_yes(bot):
    patient = bot.user(1101)
    await patient.send("/subscribe")
    consent = await patient.next_message()
    for label in ALL_LABELS:
        assert label in consent.text
    assert "How often: About twice a month, never more than once a week." in consent.text
    assert "/unsubscribe" in consent.text
    assert "“Unsubscribe” under any news message" in consent.text
    assert consent.button_labels() == [f"✅ {label}" for label in ALL_LABELS] + [YES, "No, thanks"]
    await bot.settle()
    assert subscription(bot, 1101) is None
    assert actions(bot, 1101) == []


async def test_1_2_toggled_topics_and_an_explicit_yes_record_one_consent_event_with_the_wording(bot):
    patient = bot.user(1102)
    await patient.send("/subscribe")
    consent = await patient.next_message()
    await patient.press(consent, "Interventional procedures")
    await patient.wait_for("Health news from")
    assert "⬜ Interventional procedures" in consent.button_labels()
    await patient.press(consent, "Clinic news")
    await bot.settle()
    assert subscription(bot, 1102) is None  # toggling is not consent
    await patient.press(consent, YES)
    done = await patient.wait_for("Thank you")
    assert done.message_id == consent.message_id  # the consent screen becomes the /news screen
    assert "Pain management" in done.text
    assert "Clinic news" not in done.text
    assert subscription(bot, 1102) == ("subscribed", ["tcm", "pain", "wellness"])
    [event] = events(bot.db, 1102)
    assert (event["action"], event["purpose"], event["source"]) == ("subscribe", "health_news", "button")
    assert (event["chat_id"], event["message_id"]) == (1102, consent.message_id)
    assert event["created_at"] == "2026-06-10T13:00:00Z"
    wording = next(bot.db.query("select template, text from consent_texts where hash = ?", [event["text_hash"]]))
    assert wording["template"] == "sub_consent"
    assert wording["text"] == consent_wording(bot.deps)  # the exact text shown, HTML as sent
    assert "<b>How often:</b> About twice a month" in wording["text"]
    assert patient.callback_answers[-1]["text"] == "You're subscribed. Thank you!"


async def test_1_menu_item_and_deep_link_open_the_consent_screen(bot):
    patient = bot.user(1103)
    await patient.send("/start")
    greeting = await patient.next_message()
    await patient.press(greeting, "Health news")
    assert YES in (await patient.next_message()).button_labels()
    await patient.send("/start news")
    assert "Health news from" in (await patient.next_message()).text


async def test_1_no_thanks_and_no_topics_store_nothing(bot):
    patient = bot.user(1104)
    await patient.send("/subscribe")
    consent = await patient.next_message()
    await patient.press_data(consent.message_id, data_of(consent, YES).rsplit(":", 1)[0] + ":0")
    await bot.settle()
    assert patient.callback_answers[-1]["text"] == "Choose at least one topic first."
    await patient.press(consent, "No, thanks")
    assert "nothing was stored" in (await patient.wait_for("No problem")).text
    assert subscription(bot, 1104) is None
    assert actions(bot, 1104) == []


async def test_3_news_changes_topics_with_one_event_and_saving_the_same_topics_writes_none(bot):
    patient = bot.user(1105)
    await subscribe_via_bot(bot, patient)
    await patient.send("/news")
    screen = await patient.next_message()
    assert screen.button_labels() == ["Change topics", "Pause", "Unsubscribe"]
    await patient.press(screen, "Change topics")
    editor = await patient.wait_for("Choose your health-news topics")
    await patient.press(editor, "Wellness tips")
    await patient.wait_for("Choose your health-news topics")
    save = data_of(editor, "Save topics")
    await patient.press_data(editor.message_id, save)
    await patient.wait_for("You get news on")
    await patient.press_data(editor.message_id, save)  # the same Save again, from the stale keyboard
    await bot.settle()
    assert patient.callback_answers[-2]["text"] == "Topics saved."
    assert patient.callback_answers[-1]["text"] == "No change: those are already your topics."
    assert subscription(bot, 1105) == ("subscribed", ["tcm", "pain", "interventional", "clinic"])
    assert actions(bot, 1105) == ["subscribe", "topics"]


async def test_3_pause_and_resume_from_news_write_one_event_each(bot):
    patient = bot.user(1106)
    await subscribe_via_bot(bot, patient)
    await patient.send("/news")
    screen = await patient.next_message()
    pause = data_of(screen, "Pause")
    await patient.press(screen, "Pause")
    paused = await patient.wait_for("paused")
    assert paused.button_labels() == ["Change topics", "Resume news", "Unsubscribe"]
    await patient.press_data(screen.message_id, pause)  # a repeated Pause
    await bot.settle()
    assert patient.callback_answers[-1]["text"] == "Health news is already paused."
    assert subscription(bot, 1106)[0] == "paused"
    await patient.press(paused, "Resume news")
    await patient.wait_for("You get news on")
    assert actions(bot, 1106) == ["subscribe", "pause", "resume"]
    assert logic.recipients(bot.db, "pain") == [1106]


async def test_3_unsubscribe_command_works_at_once_with_one_confirmation(bot):
    patient = bot.user(1107)
    await subscribe_via_bot(bot, patient)
    await patient.send("/unsubscribe")
    confirmation = await patient.next_message()
    assert "You're unsubscribed from health news" in confirmation.text
    assert "Visit confirmations and reminders are not affected" in confirmation.text
    assert subscription(bot, 1107) == ("unsubscribed", [])
    [_, event] = events(bot.db, 1107)
    assert (event["action"], event["source"]) == ("unsubscribe", "command")
    await patient.send("/unsubscribe")
    assert "already unsubscribed" in (await patient.next_message()).text
    await bot.settle()
    assert actions(bot, 1107) == ["subscribe", "unsubscribe"]


async def test_3_news_footer_unsubscribe_sends_one_confirmation_and_a_repeat_only_a_toast(bot):
    patient = bot.user(1108)
    await subscribe_via_bot(bot, patient)
    news = await send_news(bot, 1108)
    message = await patient.next_message()
    assert message.message_id == news.message_id
    assert message.button_labels() == ["Unsubscribe", "Manage topics"]
    await patient.press(message, "Unsubscribe")
    confirmation = await patient.next_message()
    assert "You're unsubscribed" in confirmation.text
    await patient.press(message, "Unsubscribe")
    await bot.settle()
    assert patient.last().message_id == confirmation.message_id  # no second message
    assert patient.callback_answers[-1]["text"] == "You're already unsubscribed. Nothing more to do."
    assert message.edits == 0  # the news message itself is left alone
    assert actions(bot, 1108) == ["subscribe", "unsubscribe"]
    assert logic.recipients(bot.db, "pain") == []


async def test_3_news_footer_manage_topics_shows_the_news_screen(bot):
    patient = bot.user(1109)
    await subscribe_via_bot(bot, patient)
    await send_news(bot, 1109)
    message = await patient.next_message()
    await patient.press(message, "Manage topics")
    screen = await patient.next_message()
    assert "You get news on" in screen.text
    assert screen.button_labels() == ["Change topics", "Pause", "Unsubscribe"]


async def test_3_news_when_not_subscribed_offers_the_consent_screen(bot):
    patient = bot.user(1110)
    await patient.send("/news")
    screen = await patient.next_message()
    assert "You are not subscribed" in screen.text
    await patient.press(screen, "Subscribe")
    assert YES in (await patient.wait_for("Health news from")).button_labels()


async def test_4_unsubscribing_never_stops_service_messages(bot):
    patient = bot.user(1111)
    await subscribe_via_bot(bot, patient)
    await patient.send("/unsubscribe")
    await patient.next_message()
    assert not patients.is_blocked(bot.db, 1111)  # reachability for visit messages is untouched
    reminder = await send(bot.app.bot, bot.deps, 1111, "sub_declined")  # any service message still arrives
    assert reminder is not None
    assert (await patient.next_message()).message_id == reminder.message_id


async def test_4_the_main_menu_and_start_never_require_a_subscription(bot):
    patient = bot.user(1112)
    await patient.send("/start")
    greeting = await patient.next_message()
    await bot.settle()
    assert "Health news" in greeting.button_labels()
    assert patient.last().message_id == greeting.message_id  # no subscription prompt pushed on anyone
    assert subscription(bot, 1112) is None


async def test_5_blocking_pauses_news_with_one_event_and_start_offers_resume(bot):
    patient = bot.user(1113)
    await subscribe_via_bot(bot, patient)
    patient.block()
    await bot.settle()
    assert patients.is_blocked(bot.db, 1113)
    assert subscription(bot, 1113)[0] == "paused"
    assert logic.recipients(bot.db, "pain") == []  # not messaged again
    assert await send_news(bot, 1113) is None  # a later 403 is the same block: no second event
    [_, blocked] = events(bot.db, 1113)
    assert (blocked["action"], blocked["source"]) == ("blocked", "my_chat_member")
    await patient.send("/start")  # writing unblocks (my_chat_member "member"), then /start
    await patient.wait_for("Hello")
    note = await patient.wait_for("Welcome back")
    assert "paused" in note.text
    assert note.button_labels() == ["Resume news"]
    assert not patients.is_blocked(bot.db, 1113)
    resume = data_of(note, "Resume news")
    await patient.press(note, "Resume news")
    await patient.wait_for("You get news on")
    await patient.press_data(note.message_id, resume)  # a repeated Resume
    await bot.settle()
    assert patient.callback_answers[-1]["text"] == "You're already getting health news."
    assert actions(bot, 1113) == ["subscribe", "blocked", "resume"]
    assert logic.recipients(bot.db, "pain") == [1113]
    await patient.send("/start")
    await patient.wait_for("Hello")
    await bot.settle()
    assert "Welcome back" not in patient.last().text  # the note is only for a block-paused subscription


async def test_5_a_403_on_any_send_marks_the_patient_blocked_and_pauses_news(bot):
    patient = bot.user(1114)
    await subscribe_via_bot(bot, patient)
    bot.server.fail_next("sendMessage", status=403, description=BLOCKED_403)
    assert await send_news(bot, 1114) is None
    assert patients.is_blocked(bot.db, 1114)
    assert subscription(bot, 1114)[0] == "paused"
    [_, blocked] = events(bot.db, 1114)
    assert (blocked["action"], blocked["source"]) == ("blocked", "send_forbidden")


async def test_5_unblocking_alone_reactivates_the_patient_but_news_waits_for_resume(bot):
    patient = bot.user(1115)
    await subscribe_via_bot(bot, patient)
    patient.block()
    await bot.settle()
    patient.unblock()
    await bot.settle()
    assert not patients.is_blocked(bot.db, 1115)
    assert subscription(bot, 1115)[0] == "paused"
    assert actions(bot, 1115) == ["subscribe", "blocked"]


async def test_5_blocking_without_a_subscription_writes_no_consent_event(bot):
    patient = bot.user(1116)
    await patient.send("/start")
    await patient.next_message()
    patient.block()
    await bot.settle()
    assert patients.is_blocked(bot.db, 1116)
    assert actions(bot, 1116) == []
    assert subscription(bot, 1116) is None


async def test_6_a_double_tapped_yes_subscribes_once(bot):
    patient = bot.user(1117)
    await patient.send("/subscribe")
    consent = await patient.next_message()
    yes = data_of(consent, YES)
    await patient.press_data(consent.message_id, yes)
    await patient.press_data(consent.message_id, yes)
    await bot.settle()
    assert actions(bot, 1117) == ["subscribe"]
    assert patient.callback_answers[-1]["text"] == "You're already subscribed to health news."


async def test_6_an_old_consent_screen_pressed_while_subscribed_changes_nothing(bot):
    patient = bot.user(1118)
    await patient.send("/subscribe")
    old = await patient.next_message()
    old_yes = data_of(old, YES)
    await subscribe_via_bot(bot, patient)
    await patient.press_data(old.message_id, old_yes)
    screen = await patient.wait_for("You get news on")
    assert screen.message_id == old.message_id
    assert actions(bot, 1118) == ["subscribe"]


async def test_6_a_yes_on_outdated_wording_subscribes_nobody_and_shows_the_current_screen(bot):
    patient = bot.user(1119)
    await patient.send("/subscribe")
    consent = await patient.next_message()
    _, _, _, mask = data_of(consent, YES).split(":")
    await patient.press_data(consent.message_id, f"sub:yes:{'0' * 16}:{mask}")
    await bot.settle()
    assert patient.callback_answers[-1]["text"] == "The details have changed. Please read them again and confirm."
    assert subscription(bot, 1119) is None
    assert actions(bot, 1119) == []


async def test_6_forged_sub_buttons_are_answered_and_change_nothing(bot):
    patient = bot.user(1120)
    await patient.send("/subscribe")
    consent = await patient.next_message()
    key = data_of(consent, YES).split(":")[2]
    for forged in (f"sub:yes:{key}:999", "sub:yes", "sub:et:zzzz:1", "sub:frobnicate", f"sub:tg:{key}:x"):
        await patient.press_data(consent.message_id, forged)
        await bot.settle()
        assert "no longer active" in patient.callback_answers[-1]["text"], forged
    assert subscription(bot, 1120) is None
    assert actions(bot, 1120) == []


async def test_6_stale_unsubscribe_before_ever_subscribing_says_so(bot):
    patient = bot.user(1121)
    await patient.send("/start")
    greeting = await patient.next_message()
    await patient.press_data(greeting.message_id, "sub:off")
    await bot.settle()
    assert patient.callback_answers[-1]["text"] == "You're not subscribed to health news."
    assert actions(bot, 1121) == []


async def test_7_subscribers_shows_counts_by_status_and_topic_to_staff_only(bot):
    for user_id in (1122, 1123):
        await subscribe_via_bot(bot, bot.user(user_id))
    await bot.user(1123).send("/unsubscribe")
    await bot.user(1123).next_message()
    patient = bot.user(1124)
    await patient.send("/subscribers")
    assert "staff" in (await patient.next_message()).text.lower()
    staff = bot.staff()
    await staff.send("/subscribers")
    text = (await staff.next_message()).text
    assert "Subscribed: 1 (1 reachable" in text
    assert "Unsubscribed: 1" in text
    assert "Paused: 0" in text
    assert "Pain management: 1" in text


async def test_6_saving_topics_from_a_stale_editor_after_unsubscribing_changes_nothing(bot):
    patient = bot.user(1125)
    await subscribe_via_bot(bot, patient)
    await patient.send("/news")
    screen = await patient.next_message()
    await patient.press(screen, "Change topics")
    editor = await patient.wait_for("Choose your health-news topics")
    save = data_of(editor, "Save topics")
    await patient.send("/unsubscribe")
    await patient.next_message()
    await patient.press_data(editor.message_id, save)
    shown = await patient.wait_for("You are not subscribed")
    assert shown.message_id == editor.message_id
    assert patient.callback_answers[-1]["text"] == "You're not subscribed to health news."
    assert actions(bot, 1125) == ["subscribe", "unsubscribe"]


@pytest.mark.parametrize("frequency", ["", 42, "x" * 201])
def test_a_bad_news_frequency_is_a_config_error(frequency):
    clinic = load_clinic(example_clinic_file())
    broken = replace(clinic, raw={**clinic.raw, "news": {**clinic.raw["news"], "frequency": frequency}})
    check_news_settings(SimpleNamespace(clinic=clinic))
    with pytest.raises(ConfigError, match="frequency"):
        check_news_settings(SimpleNamespace(clinic=broken))


STATUSES = ["subscribed", "paused", "unsubscribed"]
TOPIC_LISTS = st.lists(st.sampled_from(["pain", "tcm", "clinic", "gone"]), max_size=4)


@settings(max_examples=30, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(STATUSES), TOPIC_LISTS, st.booleans()), max_size=40),
       changes=st.lists(st.tuples(st.integers(1, 40), st.sampled_from(["status", "topics", "upsert", "delete",
                                                                       "erase", "block", "unblock"]),
                                  st.sampled_from(STATUSES), TOPIC_LISTS), max_size=30))
def test_counts_in_one_pass_agree_with_counting_each_way(rows, changes):
    """The /subscribers counts equal the plain per-status and per-topic counts, after any later changes too.

    The counts by (status, topics) are kept by triggers (issue 22), so every way
    a row changes is tried: an update, the consent upsert, a delete, a patient's
    erasure (the cascade) and a block.
    """
    database = open_database(":memory:")
    for user_id, (status, topics, blocked) in enumerate(rows, start=1):
        database.execute("insert into patients (user_id, chat_id, status, created_at, last_seen_at) "
                         "values (?, ?, ?, 'x', 'x')", [user_id, user_id, "blocked" if blocked else "active"])
        database.execute("insert into subscriptions (user_id, status, topics, updated_at) values (?, ?, ?, 'x')",
                         [user_id, status, json.dumps(topics)])
    for user_id, change, status, topics in changes:
        if change == "status":
            database.execute("update subscriptions set status = ? where user_id = ?", [status, user_id])
        elif change == "topics":
            database.execute("update subscriptions set topics = ? where user_id = ?", [json.dumps(topics), user_id])
        elif change == "upsert" and database.execute("select 1 from patients where user_id = ?",
                                                     [user_id]).fetchone():  # the consent log's write
            database.execute("insert into subscriptions (user_id, status, topics, updated_at) values (?, ?, ?, 'y') "
                             "on conflict(user_id) do update set status = excluded.status, topics = excluded.topics",
                             [user_id, status, json.dumps(topics)])
        elif change == "delete":
            database.execute("delete from subscriptions where user_id = ?", [user_id])
        elif change == "erase":
            database.execute("delete from patients where user_id = ?", [user_id])
        elif change == "block":
            database.execute("update patients set status = 'blocked' where user_id = ?", [user_id])
        elif change == "unblock":
            database.execute("update patients set status = 'active' where user_id = ?", [user_id])
    rows = [(status, json.loads(topics), patient == "blocked") for status, topics, patient in database.execute(
        "select s.status, s.topics, p.status from subscriptions s join patients p using (user_id)").fetchall()]
    found = logic.counts(database, ["pain", "tcm", "clinic", "wellness"])
    reachable = [(s, t) for s, t, b in rows if s == "subscribed" and not b]
    assert found.by_status == {s: sum(1 for r in rows if r[0] == s) for s in ("subscribed", "paused", "unsubscribed")}
    assert found.reachable == len(reachable)
    assert found.by_topic == {k: sum(1 for _, t in reachable if k in t) for k in ("pain", "tcm", "clinic", "wellness")}
    assert found.by_topic == {k: len(logic.recipients(database, k)) for k in ("pain", "tcm", "clinic", "wellness")}
    recount = ("select s.status, s.topics, coalesce(p.status = 'blocked', 0), count(*) from subscriptions s "
               "left join patients p using (user_id) group by 1, 2, 3")
    kept = "select status, topics, blocked, n from subscription_counts"
    assert sorted(database.execute(kept).fetchall()) == sorted(database.execute(recount).fetchall())


def test_subscriber_counts_read_only_the_kept_counts(db):
    """/subscribers: the counts by (status, topics, blocked) the triggers keep, nothing else.

    Before: a scan per topic through json_each and no index on status
    (474-552 ms at 100,000 patients; benchmarks/README.md, big clinic); then
    one pass over subscriptions_by_status, 100,000 index entries, and a lookup
    per blocked patient (25-33 ms and 9-30 ms of a 39-53 ms /subscribers on a
    loaded machine: found when tried, issue 22).
    """
    seen = []
    db.conn.set_trace_callback(seen.append)
    logic.counts(db, ["pain", "tcm"])
    db.conn.set_trace_callback(None)
    details = [detail for sql in seen for *_, detail in db.execute("explain query plan " + sql)]
    assert details == ["SCAN subscription_counts"], "the counts the triggers keep, not 100,000 index entries"
    assert not any("json_each" in sql for sql in seen)
