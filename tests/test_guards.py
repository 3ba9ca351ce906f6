"""Abuse guards: flood control, typed-text caps, media, groups and updates without a user."""

import pytest
import pytest_asyncio

from tests.scripts import settle_answered
from wellbot.bot.guards import MAX_TEXT_LENGTH, FloodControl, Verdict
from wellbot.core.errors import ConfigError
from wellbot.core.settings import Settings
from wellbot.staff import notify_staff


class FakeTime:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_flood_control_warns_once_then_ignores_until_the_window_passes():
    clock = FakeTime()
    control = FloodControl(limit=3, window=10, now=clock)
    assert [control.check(1) for _ in range(3)] == [Verdict.OK] * 3
    assert control.check(1) is Verdict.WARN
    assert control.check(1) is Verdict.IGNORE
    assert control.check(2) is Verdict.OK, "other users are not affected"
    clock.now += 10.5
    assert control.check(1) is Verdict.OK
    assert [control.check(1) for _ in range(3)] == [Verdict.OK, Verdict.OK, Verdict.WARN], "warned afresh next time"


def test_flood_control_counts_a_sliding_window():
    clock = FakeTime()
    control = FloodControl(limit=3, window=10, now=clock)
    for _ in range(3):
        assert control.check(1) is Verdict.OK
        clock.now += 4  # 3 updates per 12 s: never 4 inside 10 s
    assert control.check(1) is Verdict.OK


def test_flood_control_forgets_idle_users(monkeypatch):
    monkeypatch.setattr("wellbot.bot.guards.FLOOD_SWEEP_USERS", 10)
    clock = FakeTime()
    control = FloodControl(limit=3, window=10, now=clock)
    for user_id in range(20):
        control.check(user_id)
    clock.now += 11
    control.check(99)
    assert len(control._seen) == 1


def test_staff_group_setting():
    assert Settings.from_env({}).staff_group_id is None
    assert Settings.from_env({"WELLBOT_STAFF_GROUP_ID": " -1001234567890 "}).staff_group_id == -1001234567890
    for bad in ("1234", "staff", "-12a"):
        with pytest.raises(ConfigError) as error:
            Settings.from_env({"WELLBOT_STAFF_GROUP_ID": bad})
        assert error.value.where == "WELLBOT_STAFF_GROUP_ID"


# --- the bot, end to end ---------------------------------------------------

STAFF_GROUP = -5002


def _sends_to(server, chat_id):
    return [c for c in server.calls if c.method.lower().startswith("send") and c.params.get("chat_id") == chat_id]


async def test_a_flood_gets_one_warning_then_silence_until_it_calms(bot, errors):
    clock = FakeTime()
    bot.deps.flood = FloodControl(now=clock)
    patient = bot.user(4001)
    for _ in range(25):
        await patient.send("/help")
    await patient.wait_for("sending messages very quickly")
    await bot.settle()
    texts = [m.text for m in patient.messages]
    assert len(texts) == 21
    assert sum("What I can do" in t for t in texts) == 20
    assert "sending messages very quickly" in texts[-1]
    await patient.press_data(patient.messages[0].message_id, "faq:x")  # still ignored, but answered
    await settle_answered(bot)
    assert len(patient.messages) == 21
    clock.now += 11
    await patient.send("/help")
    assert "What I can do" in (await patient.next_message()).text
    assert errors == []


async def test_long_typed_text_is_refused_for_patients_but_not_staff(bot):
    patient = bot.user(4002)
    await patient.send("x" * (MAX_TEXT_LENGTH + 1))
    assert f"under {MAX_TEXT_LENGTH} characters" in (await patient.next_message()).text
    await patient.send("é" * MAX_TEXT_LENGTH)
    assert "too long" not in (await patient.next_message()).text
    staff = bot.staff()
    await staff.send("x" * 4000)
    assert "too long" not in (await staff.next_message()).text


async def test_media_gets_a_polite_reply_and_nothing_is_kept(bot):
    patient = bot.user(4003)
    await patient.send_sticker()
    assert "Thanks for the sticker" in (await patient.next_message()).text
    await patient.send_photo(caption="my MRI")
    assert "did not keep your photo" in (await patient.next_message()).text
    await patient.send_voice()
    assert "did not keep your voice" in (await patient.next_message()).text
    await patient.send_document()
    assert "did not keep your file" in (await patient.next_message()).text


async def test_in_a_group_the_bot_says_it_works_in_private_chats_and_leaves(bot, errors):
    patient = bot.user(4004)
    group = bot.server.group(-5001, "Family")
    await group.send(patient, "/start")
    assert "only work in private chats" in (await group.next_message()).text
    await bot.settle()
    assert group.left
    await group.send(patient, "/start")  # a bot that left sees nothing
    await bot.settle()
    assert len(group.messages) == 1
    assert errors == []
    assert _count_patients(bot, -5001) == 0, "a group is not a patient"


async def test_added_to_a_group_the_bot_leaves_at_once(bot, errors):
    group = bot.server.group(-5003, "Book club")
    member = {"status": "member", "user": {"id": bot.server.bot_id, "is_bot": True, "first_name": "Wellbot"}}
    left = dict(member, status="left")
    bot.server.enqueue_raw({"my_chat_member": {
        "chat": group.chat_json(), "from": {"id": 4005, "is_bot": False, "first_name": "Al"}, "date": 0,
        "old_chat_member": left, "new_chat_member": member}})
    assert "only work in private chats" in (await group.next_message()).text
    await bot.settle()
    assert group.left
    assert errors == []


async def test_channel_posts_and_updates_without_a_user_are_ignored_quietly(bot, errors):
    channel = {"id": -100777, "type": "channel", "title": "News"}
    bot.server.enqueue_raw({"channel_post": {"message_id": 1, "chat": channel, "date": 0, "text": "/start"}})
    bot.server.enqueue_raw({"edited_channel_post": {"message_id": 1, "chat": channel, "date": 0, "edit_date": 1,
                                                    "text": "/help"}})
    # A message posted in a group on behalf of a channel: no `from` at all.
    bot.server.enqueue_raw({"message": {"message_id": 2, "chat": {"id": -100778, "type": "supergroup", "title": "G"},
                                        "sender_chat": channel, "date": 0, "text": "/start"}})
    await bot.settle()
    assert _sends_to(bot.server, -100777) == []
    assert _sends_to(bot.server, -100778) == []
    assert errors == []


def _count_patients(bot, user_id):
    return bot.db.execute("select count(*) from patients where user_id = ?", [user_id]).fetchone()[0]


@pytest_asyncio.fixture
async def staff_group_bot(start_bot):
    return await start_bot({"WELLBOT_STAFF_GROUP_ID": str(STAFF_GROUP)})


async def test_the_staff_group_is_kept_and_gets_staff_notifications(staff_group_bot):
    bot = staff_group_bot
    group = bot.server.group(STAFF_GROUP, "Front desk")
    staff = bot.staff()
    await group.send(staff, "/start")
    await bot.settle()
    assert not group.left
    assert group.messages == []
    assert await notify_staff(bot.app.bot, bot.deps, "privacy_mydata") == 2
    assert "everything I hold" in group.last().text
    assert "everything I hold" in staff.last().text
