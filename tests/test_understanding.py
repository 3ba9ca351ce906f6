"""What patients type, through the running bot: emergencies first everywhere, basics, clinic facts, honest FAQ.

Issue 14's "found when tried" list is reproduced here: "hello", "thanks",
"menu", "book", "I want to book an appointment" and "can I talk to a human"
got "Sorry, I couldn't find an answer" or an unrelated entry; an emergency
typed at booking's service step got "Please use the buttons above", and at
the name step it was saved as the patient's name.
"""

import re
import shutil

import pytest_asyncio

from tests.conftest import DEFAULT_START
from tests.harness import STAFF_ID, Harness, book_to_name_step
from wellbot.core.resources import example_clinic_file


async def test_emergency_typed_at_the_name_step_is_not_saved_as_the_name(bot):
    ann = bot.user(3001, "Ann")
    staff = bot.staff()
    await book_to_name_step(ann)
    await ann.send("i think i took too many of my pain pills")
    urgent = await ann.next_message()
    assert "911" in urgent.text
    assert urgent.text.startswith("Please get help now")
    assert "kept" in urgent.text  # the booking is not lost
    state = bot.deps.flows.get(3001)
    assert state.step == "name"
    assert "name" not in state.data
    alert = await staff.wait_for("Urgent reply sent")
    assert "3001" in alert.text
    assert "overdose" in alert.text
    assert "too many of my pain pills" in alert.text
    await ann.send("Ann Lee")  # the flow carries on where it was
    await ann.wait_for("phone number")


async def test_emergency_typed_at_the_service_step_gets_the_urgent_reply_not_use_the_buttons(bot):
    bob = bot.user(3002, "Bob")
    await bob.send("/book")
    await bob.wait_for("which service")
    await bob.send("my face has gone droopy on one side and my words are coming out wrong")
    urgent = await bob.next_message()
    assert "911" in urgent.text
    assert "use the buttons" not in urgent.text
    await bot.settle()
    assert not any("use the buttons" in m.text for m in bob.messages)


async def test_emergency_typed_at_the_phone_step_is_not_taken_as_a_phone(bot):
    cat = bot.user(3003, "Cat")
    await book_to_name_step(cat)
    await cat.send("Cat Day")
    await cat.wait_for("phone number")
    await cat.send("cant breath")
    assert "911" in (await cat.next_message()).text
    assert bot.deps.flows.get(3003).step == "phone"


async def test_suicidal_words_get_the_crisis_line_first_and_nothing_else(bot):
    dee = bot.user(3004, "Dee")
    await dee.send("everyone would be better off without me")
    urgent = await dee.next_message()
    assert "988" in urgent.text
    assert "911" in urgent.text
    await bot.settle()
    assert len(dee.messages) == 1


async def test_a_historical_mention_gets_the_answer_and_a_safety_line(bot):
    eve = bot.user(3005, "Eve")
    await eve.send("my father had a heart attack in 2019, what is acupuncture")
    first = await eve.next_message()
    assert "Please get help now" not in first.text
    line = await eve.wait_for("right now, call 911")
    assert line.message_id > first.message_id


async def test_a_mention_beside_a_question_gets_the_answer_then_the_safety_line_not_i_dont_know(bot):
    # Found when tried: the story's words matched no entry, so the safety line came after "I don't know".
    fay = bot.user(3015, "Fay")
    await fay.send("I had a stroke 3 years ago. Is acupuncture safe for me?")
    first = await fay.next_message()
    assert "Please get help now" not in first.text
    assert "I don't know that one" not in first.text
    assert first.text.startswith("What is acupuncture?")
    line = await fay.wait_for("right now, call 911")
    assert line.message_id > first.message_id
    await fay.send("my mum had a heart attack last year, can she have a nerve block")
    answer = await fay.next_message()
    assert answer.text.startswith("What is a nerve block?")


async def test_staff_writing_a_news_item_keep_their_text(bot):
    staff = bot.staff()
    await staff.send("/news_add")
    await staff.wait_for("title")
    await staff.send("Know the signs: face drooping on one side, slurred speech")
    assert "911" in (await staff.next_message()).text
    await bot.settle()
    state = bot.deps.flows.get(STAFF_ID)
    assert state is not None
    assert state.step != "title"


async def test_found_when_tried_greetings_thanks_menu_and_help(bot):
    fay = bot.user(3006, "Fay")
    await fay.send("hello")
    hello = await fay.next_message()
    assert "Hello, Fay" in hello.text
    assert "Book a visit" in hello.button_labels()
    await fay.send("thanks")
    assert "welcome" in (await fay.next_message()).text
    await fay.send("menu")
    assert "Clinic info" in (await fay.next_message()).button_labels()
    await fay.send("help")
    assert "/book" in (await fay.next_message()).text


async def test_found_when_tried_book_and_i_want_to_book_start_booking(bot):
    for user_id, text in ((3007, "book"), (3008, "I want to book an appointment"), (3009, "I want an appointment")):
        user = bot.user(user_id)
        await user.send(text)
        assert "Acupuncture" in (await user.wait_for("which service")).button_labels()


async def test_found_when_tried_talk_to_a_human_and_cancel_my_appointment(bot):
    gus = bot.user(3010, "Gus")
    await gus.send("can I talk to a human")
    person = await gus.next_message()
    assert "+1 555 0100" in person.text
    assert "a person from" in person.text  # the front-desk inbox (issue 20): what Gus types next goes to staff
    ivy = bot.user(3020, "Ivy")
    await ivy.send("I need to cancel my appointment")
    visits = await ivy.next_message()
    assert "couldn't find" not in visits.text
    assert "visit" in visits.text.lower()


async def test_clinic_facts_answer_in_free_text_with_a_map_pin(bot):
    hal = bot.user(3011, "Hal")
    await hal.send("are you open Saturday?")
    assert "open on Saturday 13 June" in (await hal.next_message()).text
    await hal.send("open now?")  # Wednesday 09:00 in the clinic
    assert "open now" in (await hal.next_message()).text
    await hal.send("where are you")
    assert "100 Example Avenue" in (await hal.next_message()).text
    pin = await hal.next_message()
    assert pin.venue == {"latitude": 39.7817, "longitude": -89.6501, "title": "Complete Wellness",
                         "address": "100 Example Avenue, Suite 200, Springfield"}
    await hal.send("where do i park")
    assert "Oak Street" in (await hal.next_message()).text


async def test_clinic_info_menu_item(bot):
    ida = bot.user(3012, "Ida")
    await ida.send("/start")
    menu = await ida.wait_for("Hello")
    await ida.press(menu, "Clinic info")
    info = await ida.wait_for("What would you like to know?")
    await ida.press(info, "🕘 Opening hours")
    hours = await ida.wait_for("Opening hours")
    assert "Sunday: closed" in hours.text
    assert "25 Dec 2026" in hours.text


async def test_off_topic_gets_an_honest_i_dont_know(bot):
    jo = bot.user(3013, "Jo")
    await jo.send("do you treat dogs")
    reply = await jo.next_message()
    assert "I don't know that one" in reply.text
    assert "+1 555 0100" in reply.text


async def test_a_past_suicidal_mention_gets_the_crisis_line_in_its_safety_line(bot):
    kim = bot.user(3014, "Kim")
    await kim.send("i was suicidal in my teens but im fine now, do you offer counselling")
    line = await kim.wait_for("right now, call 911")
    assert "988" in line.text


@pytest_asyncio.fixture
async def quiet_clinic_bot(devserver, tmp_path):
    """A clinic with staff alerts off, its own crisis line, and no [info] table or map pin."""
    source = example_clinic_file()
    folder = tmp_path / "clinic"
    shutil.copytree(source.parent, folder)
    text = (folder / source.name).read_text(encoding="utf-8")
    text = text.replace("alert_staff = true", "alert_staff = false")
    text = text.replace('crisis_line = "988 (Suicide & Crisis Lifeline, call or text)"',
                        'crisis_line = "Samaritans 116 123"')
    text = re.sub(r"(?m)^(latitude|longitude) = .*$", "", text)
    text = re.sub(r"(?ms)^\[info\]\n.*?(?=^# Questions & answers)", "", text)
    (folder / source.name).write_text(text, encoding="utf-8")
    harness = Harness(devserver, tmp_path / "bot.db", DEFAULT_START, clinic_path=folder / source.name)
    await harness.start()
    yield harness
    await harness.stop()


async def test_staff_alerts_can_be_turned_off_and_the_crisis_line_comes_from_the_clinic_file(quiet_clinic_bot):
    bot = quiet_clinic_bot
    lou = bot.user(3015, "Lou")
    staff = bot.staff()
    await lou.send("i want to end it all")
    assert "Samaritans 116 123" in (await lou.next_message()).text
    await bot.settle()
    assert staff.messages == []


async def test_without_info_and_coordinates_the_bot_points_to_the_front_desk(quiet_clinic_bot):
    bot = quiet_clinic_bot
    max_ = bot.user(3016, "Max")
    await max_.send("is there parking")
    assert "front desk" in (await max_.next_message()).text
    await max_.send("what is your address")
    await max_.wait_for("100 Example Avenue")
    await bot.settle()
    assert not any(m.venue for m in max_.messages)
    await max_.send("/start info")
    info = await max_.wait_for("What would you like to know?")
    assert "🅿️ Parking" not in info.button_labels()
    assert "🕘 Opening hours" in info.button_labels()


async def test_an_emergency_only_the_learned_model_recognises_gets_the_urgent_reply_at_the_name_step(bot):
    """The concept rules miss this wording (tests/test_triage.py); the shipped model catches it inside a flow too."""
    gil = bot.user(3011, "Gil")
    staff = bot.staff()
    await book_to_name_step(gil)
    await gil.send("hubby went grey and slumped over at the table")
    urgent = await gil.next_message()
    assert urgent.text.startswith("Please get help now")
    assert "911" in urgent.text
    assert "name" not in bot.deps.flows.get(3011).data
    alert = await staff.wait_for("Urgent reply sent")
    assert "sounds urgent" in alert.text


async def test_found_when_tried_not_wanting_to_live_on_painkillers_gets_the_medicines_answer(bot):
    """Found by benchmarks/understanding_live.py: a FAQ tuning question got the crisis line through the bot."""
    fay = bot.user(3099, "Fay")
    await fay.send("i dont want to live on painkillers")
    answer = await fay.next_message()
    assert "Please get help now" not in answer.text
    assert answer.text.startswith(bot.deps.db.execute(
        "select question from faq_entries where id = 'medications-role' and language = 'en'").fetchone()[0])
