"""The two-way inbox: patients write to the front desk, staff reply and close, through the bot."""

from datetime import datetime, timedelta

import pytest

from tests.conftest import CLINIC_TZ
from tests.harness import STAFF_ID
from wellbot.booking.rules import Rules
from wellbot.core.clock import to_db
from wellbot.desk import logic, store
from wellbot.privacy import actions as privacy_actions


async def test_patient_asks_staff_reply_and_close(bot):
    staff, pat = bot.staff(), bot.user(3001, "Ann")
    await pat.send("/ask Can I bring my <daughter> along?")
    ack = await pat.wait_for("the front desk will reply here")
    assert "We are open now" in ack.text  # a Wednesday at 09:00
    note = await staff.wait_for("For the front desk")
    assert "Can I bring my <daughter> along?" in note.text
    assert "&lt;daughter&gt;" in note.html  # patient text is escaped
    await staff.press(note, "Reply")
    await staff.wait_for("Type your reply to Ann")
    await staff.send("Yes, of course.")
    await staff.wait_for("Sent to Ann")
    told = await pat.wait_for("Message from")
    assert "Yes, of course." in told.text
    assert bot.deps.clinic.name in told.text  # as from the clinic, not from a person's account
    await pat.press(told, "Write back")
    await pat.wait_for("Write your message for the front desk")
    await pat.send("Thank you!")
    await pat.wait_for("Added to your open conversation")
    second = await staff.wait_for("Thank you!")
    await staff.press(second, "Close")
    await pat.wait_for("closed this conversation")
    thread = store.threads(bot.db, status=store.CLOSED)[0]
    assert [m.sender for m in store.messages(bot.db, thread.id)] == ["patient", "staff", "patient"]
    await staff.press(second, "Reply")  # the thread is closed: no reply flow starts
    await bot.settle()
    assert bot.deps.flows.get(STAFF_ID) is None


async def test_faq_miss_offers_the_front_desk_and_closed_hours_say_when(bot):
    bot.clock.set(datetime(2026, 6, 10, 20, 30, tzinfo=CLINIC_TZ))  # Wednesday evening, after 19:00
    pat = bot.user(3002, "Bo")
    await pat.send("/start")
    await pat.send("zyxwv qwerty blorp")
    miss = await pat.wait_for("I don't know that one")
    await pat.press(miss, "Ask the front desk")
    await pat.wait_for("Write your message for the front desk")
    await pat.send("Do you treat jaw pain?")
    ack = await pat.wait_for("will reply here")
    assert "we reply tomorrow from 9:00" in ack.text
    await bot.staff().wait_for("Do you treat jaw pain?")


async def test_menu_entry_and_patients_cannot_press_staff_buttons(bot):
    pat, other = bot.user(3003, "Cy"), bot.user(3004, "Di")
    await pat.send("/start")
    menu = await pat.wait_for("")
    await pat.press(menu, "Talk to a person")
    await pat.wait_for("Write your message")
    await pat.send("   ")
    await pat.wait_for("Please type your message")
    await pat.send("x" * 3500)
    await pat.wait_for("too long")
    await pat.send("Hello desk")
    await pat.wait_for("will reply here")
    thread = store.open_thread_of(bot.db, 3003)
    await other.press_data(1, f"inbox:c:{thread.id}")
    await other.press_data(1, f"inbox:r:{thread.id}")
    await bot.settle()
    assert store.get_thread(bot.db, thread.id).status == store.OPEN
    assert bot.deps.flows.get(3004) is None


async def test_threads_in_mydata_erased_by_forget_and_purged(bot):
    pat = bot.user(3005, "Ed")
    await pat.send("/ask my private question\nsecond line")
    await pat.wait_for("will reply here")
    exported = privacy_actions.my_data(bot.deps, 3005)[0]
    text = exported.decode() if isinstance(exported, bytes) else exported.read().decode()
    assert "my private question\\nsecond line" in text  # line breaks kept (JSON-escaped in the export)
    privacy_actions.forget(bot.deps, 3005)
    assert list(bot.db.query("select * from desk_threads")) == []
    assert list(bot.db.query("select * from desk_messages")) == []
    await pat.send("/ask another one")
    await pat.wait_for("will reply here")
    thread = store.open_thread_of(bot.db, 3005)
    store.close_thread(bot.db, thread.id, STAFF_ID, bot.clock.now())
    old = bot.clock.now() - timedelta(days=400)
    bot.db.execute("update desk_threads set updated_at = ?", [to_db(old)])
    assert store.purge(bot.db, bot.clock.now() - timedelta(days=90)) == 1
    assert list(bot.db.query("select * from desk_threads")) == []


RULES = Rules(hours={0: (), 2: ((datetime(2000, 1, 1, 9).time(), datetime(2000, 1, 1, 19).time()),),
                     3: ((datetime(2000, 1, 1, 9).time(), datetime(2000, 1, 1, 12, 30).time()),)})


@pytest.mark.parametrize("local, expected", [
    (datetime(2026, 6, 10, 10, 0), None),  # Wednesday, open
    (datetime(2026, 6, 10, 7, 0), datetime(2026, 6, 10, 9, 0)),  # before opening: today
    (datetime(2026, 6, 10, 19, 0), datetime(2026, 6, 11, 9, 0)),  # at closing: tomorrow
    (datetime(2026, 6, 11, 13, 0), datetime(2026, 6, 17, 9, 0)),  # Thursday afternoon: next Wednesday
])
def test_next_opening(local, expected):
    when = local.replace(tzinfo=CLINIC_TZ)
    assert logic.next_opening(RULES, when, CLINIC_TZ) == (expected.replace(tzinfo=CLINIC_TZ) if expected else None)
    assert logic.is_open(RULES, when, CLINIC_TZ) is (expected is None)


def test_day_words():
    today = datetime(2026, 6, 10).date()
    assert logic.day_word(today, today) == "today"
    assert logic.day_word(today + timedelta(days=1), today) == "tomorrow"
    assert logic.day_word(today + timedelta(days=5), today) == "on Monday 15 June"


async def test_staff_reply_from_the_staff_group(devserver, start_bot):
    group = devserver.group(-100200, "Front desk")
    harness = await start_bot({"WELLBOT_STAFF_GROUP_ID": "-100200"})
    staff, pat = harness.staff(), harness.user(3010, "Gus")
    await pat.send("/ask Is the clinic open on the 4th of July?")
    note = await group.wait_for("For the front desk")
    await staff.press(note, "Reply")  # typed text is read in private chats: the prompt comes there
    await staff.wait_for("Type your reply to Gus")
    await staff.send("No, we are closed that day.")
    await pat.wait_for("No, we are closed that day.")
    await staff.wait_for("Sent to Gus")


async def test_asking_for_a_person_in_words_opens_the_inbox(bot):
    gus = bot.user(3011, "Gus")
    await gus.send("can I talk to a real person please")
    await gus.wait_for("Write your message for the front desk")
    await gus.send("My back is worse since Monday, should I come earlier?")
    await gus.wait_for("will reply here")
    note = await bot.staff().wait_for("For the front desk")
    assert "My back is worse since Monday" in note.text


async def test_a_busy_inbox_fits_one_message(bot):
    for user_id in range(4000, 4060):
        store.add_patient_message(bot.db, user_id, f"question {user_id}", bot.clock.now(), f"P{user_id}")
    staff = bot.staff()
    await staff.send("/inbox")
    inbox = await staff.wait_for("Front desk inbox")
    assert len(inbox.button_labels()) == 40
    assert "question 4059" in inbox.text  # the most recent first
