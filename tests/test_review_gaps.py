"""Gaps found in review (December 2026), each reproduced through the real bot before its fix.

The clock starts Wed 10 June 2026, 09:00 New York (tests/conftest.py).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.booking_helpers import at, direct_book, fill_first_week_but, to_summary
from tests.harness import STAFF_ID
from tests.test_languages import press, until, with_button
from tests.test_reminders import run_at
from wellbot.booking import store, waitlist
from wellbot.bot.notify import BotNotifier
from wellbot.bot.render import Renderer
from wellbot.core import i18n
from wellbot.core.clinic import load_clinic
from wellbot.core.resources import example_clinic_file
from wellbot.triage.settings import triage_settings

# ---- 2. the crisis line is named once: the clinic's value already says how to reach it ----------------------


@pytest.mark.parametrize("lang, text, how", [
    ("en", "I want to end my life", "call or text"),
    ("es", "mi familia estaria mejor sin mi", "mensaje de texto"),
])
async def test_the_crisis_reply_says_how_to_reach_the_line_once(bot, lang, text, how):
    rosa = bot.user(3201, "Rosa", language_code=lang)
    await rosa.send(text)
    urgent = await until(rosa, lambda m: "988" in m.text)
    assert urgent.text.count(how) == 1, urgent.text


@pytest.mark.parametrize("lang, how", [("en", "call or text"), ("es", "mensaje de texto")])
def test_the_safety_line_says_how_to_reach_the_crisis_line_once(lang, how):
    clinic = load_clinic(example_clinic_file())
    renderer = Renderer(clinic.timezone)
    renderer.set_clinic(clinic)
    with i18n.speaking(lang):
        line = renderer.render("triage_safety_line", crisis=True,
                               crisis_line=triage_settings(clinic.localized(lang)).crisis_line)
    assert line.count(how) == 1, line


# ---- 3. a US clinic's English texts use US spelling ----------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
# What an English-speaking patient can read: the English templates, the clinic file's texts, the FAQ and its
# topics, and the words in Python code (the catalogue template).
CLINIC = ROOT / "example-clinic"
ENGLISH_TEXTS = [*sorted((ROOT / "templates").glob("*.html")), CLINIC / "clinic.toml",
                 *sorted((CLINIC / "faq").glob("*.md")), CLINIC / "faq" / "topics.toml",
                 ROOT / "wellbot" / "locale" / "wellbot.pot"]
ISE = re.compile(r"\b[a-z]+is(?:e|es|ed|ing|ation|ations)\b", re.IGNORECASE)
OUR = re.compile(r"\b[a-z]+our(?:s|ed|ing|ite|ites|able)?\b", re.IGNORECASE)
DOUBLED_L = re.compile(r"\b(?:travel|counsel|spiral|label|model|signal|level|fuel|dial|equal|marvel|channel|tunnel"
                       r"|pedal|quarrel|rival|initial|duel|jewel)l(?:ed|ing|er|ers|or|ors)\b", re.IGNORECASE)
BRITISH_WORDS = re.compile(r"\b(?:\w*centre\w*|theatre|metres?|litres?|fibre|programmes?|catalogues?|anaesth\w*"
                           r"|paediatr\w*|haem\w*|oedema|orthopaed\w*|oesophag\w*|diarrhoea|foetus|oestrogen|licence"
                           r"|defence|offence|cheque|grey|tyres?|whilst|amongst|learnt|fortnight|aluminium|enrol"
                           r"|enrolment|fulfil|fulfilment|judgement|ageing|manoeuvre|jewellery)\b", re.IGNORECASE)
# US words that only look British to the patterns above ("anonymise" is a setting's value, not a text).
US_WORDS = {"advise", "advised", "arise", "bruise", "bruised", "bruising", "clockwise", "compromise", "concise",
            "devise", "disguise", "enterprise", "exercise", "exercises", "exercised", "exercising", "expertise",
            "likewise", "noise", "otherwise", "praise", "precise", "premise", "promise", "promised", "raise", "raised",
            "raising", "revise", "revised", "rise", "rising", "supervise", "supervised", "surprise", "surprised",
            "wise", "anonymise", "hour", "hours", "your", "yours", "four", "ours", "tour", "tours", "pour", "detour",
            "contour", "flour", "sour", "devour"}


def british_spellings(text: str) -> list[str]:
    """The British spellings in `text`."""
    found = [w for pattern in (ISE, OUR) for w in pattern.findall(text) if w.lower() not in US_WORDS]
    return found + DOUBLED_L.findall(text) + BRITISH_WORDS.findall(text)


def test_the_spelling_check_tells_british_from_us():
    assert british_spellings("Counselling at the centre; we recognise your colour and behaviour, whilst "
                             "anaesthetics are practised.") == [
        "recognise", "practised", "colour", "behaviour", "Counselling", "centre", "whilst", "anaesthetics"]
    assert british_spellings("Counseling at the center; we recognize your color, exercise and hours.") == []


@pytest.mark.parametrize("path", ENGLISH_TEXTS, ids=lambda p: p.name)
def test_english_texts_use_us_spelling(path):
    assert british_spellings(path.read_text(encoding="utf-8")) == []


async def test_an_faq_answer_reads_in_us_spelling(bot):
    kim = bot.user(3301, "Kim")
    await kim.send("What is pain management?")
    answer = await until(kim, lambda m: "Pain management" in m.text or "pain management" in m.text)
    assert "counsel" in answer.text  # the answer that used to say "counselling" and "spiralling"
    assert british_spellings(answer.text) == []


# ---- 4. /news_add takes buttons, or "none" and "now" in the staff's language ----------------------------------

async def _news_to_link_step(staff, title: str, ask_link: str) -> None:
    """Start /news_add and answer the title and text."""
    await staff.send("/news_add")
    await staff.send(title)
    await until(staff, lambda m: "Send the text" in m.text or "Envíe el texto" in m.text)
    await staff.send("Gentle warmth eases tight muscles.")
    await until(staff, lambda m: ask_link in m.text)


async def _choose_topic(staff, done: str, topic: str) -> None:
    topics = await until(staff, lambda m: done in m.button_labels())
    await staff.press(topics, topic)
    await staff.press(await until(staff, lambda m: f"✓ {topic}" in m.button_labels()), done)


async def test_news_add_in_spanish_takes_spanish_words_for_none_and_now(bot):
    staff = bot.server.user(STAFF_ID, "Sam", language_code="es")
    await _news_to_link_step(staff, "Moxa y calor", "Envíe un enlace")
    await staff.send("ninguno")
    await _choose_topic(staff, "Listo", "Manejo del dolor")
    await until(staff, lambda m: "¿Cuándo se debe publicar?" in m.text)
    await staff.send("ahora")
    confirm = await until(staff, with_button("nw:save"))
    assert "¿Guardarla?" in confirm.text
    await press(staff, confirm, "nw:save")
    await until(staff, lambda m: "Noticia #1 guardada" in m.text)
    [item] = bot.db.query("select link, publish_at from news_items")
    assert item["link"] == ""
    assert item["publish_at"].startswith("2026-06-10T13:00")  # now: 09:00 in New York


async def test_news_add_offers_buttons_for_no_link_and_publish_now(bot):
    staff = bot.staff()
    await _news_to_link_step(staff, "Moxa & warmth", "Send a link")
    ask = staff.messages[-1]
    assert "No link" in ask.button_labels()
    await staff.press(ask, "No link")
    await _choose_topic(staff, "Done", "Pain management")
    when = await until(staff, lambda m: "When should it be published" in m.text)
    assert "Publish now" in when.button_labels()
    await staff.press(when, "Publish now")
    confirm = await until(staff, lambda m: "Save it?" in m.text)
    await staff.press(confirm, "Save")
    await until(staff, lambda m: "#1" in m.text)
    [item] = bot.db.query("select link from news_items")
    assert item["link"] == ""


# ---- 5. /language in the middle of a flow shows where the patient was, in the new language ------------------

async def _switch_to(user, lang: str, name: str) -> None:
    """/language, then the language's button."""
    await user.send("/language")
    await press(user, await until(user, lambda m: name in m.button_labels()), f"lang:{lang}")


async def test_changing_language_at_the_phone_step_asks_for_the_phone_again_in_the_new_language(bot):
    eva = bot.user(3401, "Eva", language_code="en")
    await eva.send("/book")
    await press(eva, await until(eva, with_button(":acupuncture")), ":acupuncture")
    await eva.press(await until(eva, lambda m: "Thu 11 Jun" in m.button_labels()), "Thu 11 Jun")
    await eva.press(await until(eva, lambda m: "10:00" in m.button_labels()), "10:00")
    await until(eva, lambda m: "full name" in m.text)
    await eva.send("Eva Ruiz")
    await until(eva, lambda m: "phone number" in m.text)
    await _switch_to(eva, "es", "Español")
    done = await until(eva, lambda m: "Listo: a partir de ahora le escribo en español." in m.text)
    assert "Puede seguir donde lo dejó" in done.text
    asked = await until(eva, lambda m: "¿A qué <b>número de teléfono</b>" in m.html)
    assert asked.message_id > done.message_id
    assert "Compartir mi número de teléfono" in str(eva.keyboard)  # the reply keyboard, now in Spanish
    await eva.send("+1 555 222 3333")
    summary = await until(eva, with_button("book:ok"))
    assert "Nombre: Eva Ruiz" in summary.text


async def test_changing_language_at_the_day_step_shows_the_days_again_with_new_buttons(bot):
    eva = bot.user(3402, "Eva", language_code="es")
    await eva.send("/book")
    await press(eva, await until(eva, with_button(":acupuncture")), ":acupuncture")
    await until(eva, lambda m: "jue 11 jun" in m.button_labels())
    await _switch_to(eva, "en", "English")
    days = await until(eva, lambda m: "Thu 11 Jun" in m.button_labels())
    await eva.press(days, "Thu 11 Jun")
    await until(eva, lambda m: "10:00" in m.button_labels() and "Thursday" in m.text)


async def test_changing_language_outside_any_flow_still_shows_the_menu(bot):
    eva = bot.user(3403, "Eva", language_code="en")
    await _switch_to(eva, "es", "Español")
    done = await until(eva, lambda m: "Listo: a partir de ahora" in m.text)
    assert "seguir donde lo dejó" not in done.text
    await until(eva, lambda m: "Pedir una cita" in m.button_labels())


async def test_changing_language_at_an_intake_question_asks_it_again_in_the_new_language(bot):
    ann = bot.user(3404, "Ann", language_code="en")
    await ann.press(await to_summary(bot, ann), "Confirm")
    await ann.press(await ann.wait_for("short questions"), "Answer 5 questions")
    await ann.wait_for("Question 1 of 5")
    await _switch_to(ann, "es", "Español")
    again = await until(ann, lambda m: "Pregunta 1 de 5" in m.text)
    assert "Omitir esta pregunta" in again.button_labels()


# ---- 6. an expired waitlist offer is told to the patient, in their language -----------------------------------

async def run_offer_sweep(bot) -> None:
    """Run the worker's offer-expiry job once, as its timer would, and wait for what it sent."""
    [job] = bot.app.job_queue.get_jobs_by_name(waitlist.EXPIRY_JOB)
    await job.run(bot.app)
    await bot.settle()


@pytest.mark.parametrize("lang, expired, still", [
    ("en", "has expired", "You are still on the waitlist"),
    ("es", "venció", "Sigue en la lista de espera"),
])
async def test_an_expired_waitlist_offer_is_told_once_in_the_patients_language(bot, lang, expired, still):
    fill_first_week_but(bot, at(10))
    first = direct_book(bot, 3501, at(10))
    direct_book(bot, 3502, at(10))
    ben = bot.user(3503, "Ben", language_code=lang)
    await ben.send("/book")
    await press(ben, await until(ben, with_button(":acupuncture")), ":acupuncture")
    await press(ben, await until(ben, with_button("book:wl")), "book:wl")
    await press(ben, await until(ben, with_button("book:wj")), "book:wj")
    await bot.settle()
    with bot.db.atomic():
        store.cancel(bot.db, first, store.BY_STAFF, bot.clock.now(), listeners=bot.deps.hooks.visit_changed)
    await waitlist.offer_freed(bot.deps, BotNotifier(bot.app.bot, bot.deps), store.get_visit(bot.db, first))
    offer = await until(ben, with_button("wl:claim"))
    await run_offer_sweep(bot)  # still in time: nothing to say
    assert ben.messages[-1].message_id == offer.message_id
    bot.clock.advance(timedelta(minutes=31))
    await run_offer_sweep(bot)
    told = await until(ben, lambda m: m.message_id > offer.message_id)
    assert expired in told.text
    assert still in told.text
    await run_offer_sweep(bot)  # told once
    assert ben.messages[-1].message_id == told.message_id
    assert [r["status"] for r in bot.db.query("select status from booking_offers")] == ["expired"]


# ---- 7. /unblock: staff reopen a time range /block closed ---------------------------------------------------

async def _times_on_thursday(bot, user) -> list[str]:
    """The time buttons a patient sees for acupuncture on Thu 11 Jun."""
    await user.send("/book")
    await user.press(await user.wait_for("which service"), "Acupuncture")
    await user.press(await user.wait_for("Choose a day"), "Thu 11 Jun")
    labels = (await user.wait_for("Choose a time")).button_labels()
    await user.send("/cancel")
    await user.wait_for("Cancelled")
    return labels


async def test_unblock_reopens_part_of_a_blocked_range_to_online_booking(bot):
    staff = bot.staff()
    await staff.send("/block 2026-06-11 13:30-15:00")
    await staff.wait_for("Blocked")
    hal = bot.user(3601, "Hal")
    assert "14:00" not in await _times_on_thursday(bot, hal)
    await staff.send("/unblock 2026-06-11 14:00-15:00")
    reopened = await staff.wait_for("Reopened")
    assert "Thu 11 Jun 2026, 14:00–15:00" in reopened.text
    times = await _times_on_thursday(bot, hal)
    assert "14:00" in times
    assert "13:30" not in times  # the rest of the block stands
    assert [(r["start_utc"], r["end_utc"]) for r in bot.db.query("select * from booking_blocks")] == [
        ("2026-06-11T17:30:00Z", "2026-06-11T18:00:00Z")]
    await staff.send("/schedule 2026-06-11")
    assert "Blocked 13:30–14:00" in (await staff.wait_for("Schedule for")).text


async def test_unblock_in_the_middle_of_a_block_splits_it_and_unblock_of_open_time_says_so(bot):
    staff = bot.staff()
    await staff.send("/block 2026-06-11 09:00-17:00")
    await staff.wait_for("Blocked")
    await staff.send("/unblock 2026-06-11 12:00-13:00")
    await staff.wait_for("Reopened")
    blocks = bot.db.query("select * from booking_blocks order by start_utc")
    assert [(r["start_utc"], r["end_utc"]) for r in blocks] == [
        ("2026-06-11T13:00:00Z", "2026-06-11T16:00:00Z"), ("2026-06-11T17:00:00Z", "2026-06-11T21:00:00Z")]
    await staff.send("/unblock 2026-06-12 12:00-13:00")
    nothing = await staff.wait_for("was not blocked")
    assert "Nothing was changed" in nothing.text
    await staff.send("/unblock 2026-06-12")
    assert "/unblock" in (await staff.wait_for("like this")).text


async def test_unblock_is_staff_only_and_listed_in_help(bot):
    await bot.staff().send("/block 2026-06-11 13:30-15:00")
    await bot.staff().wait_for("Blocked")
    eve = bot.user(3602, "Eve")
    await eve.send("/unblock 2026-06-11 13:30-15:00")
    assert "staff" in (await eve.next_message()).text.lower()
    assert len(list(bot.db.query("select * from booking_blocks"))) == 1
    await bot.staff().send("/help")
    assert "/unblock" in (await bot.staff().wait_for("Staff commands")).text


# ---- 8. a family member's visit gets its check-in, in the account holder's language ---------------------------

@pytest.mark.parametrize("lang", ["es", "en"])
async def test_a_family_members_visit_gets_its_checkin_naming_them(bot, lang):
    """Reported from one Spanish run: no check-in came after a family member's visit. Reproduced as booked."""
    ana = bot.user(3701, "Ana", language_code=lang)
    await ana.send("/book")
    await press(ana, await until(ana, with_button(":acupuncture")), ":acupuncture")
    spanish = lang == "es"
    day, family = ("jue 11 jun", "👪 Alguien de mi familia") if spanish else ("Thu 11 Jun", "👪 Someone in my family")
    await ana.press(await until(ana, lambda m: day in m.button_labels()), day)
    await ana.press(await until(ana, lambda m: "10:00" in m.button_labels()), "10:00")
    await until(ana, lambda m: "“" + family[2:] + "”" in m.text)
    await ana.send(family)
    await ana.send("Mia López")
    await ana.send("3/5/2015" if lang == "es" else "3 May 2015")
    await ana.send("+1 555 123 4567")
    await press(ana, await until(ana, with_button("book:ok")), "book:ok")
    await bot.settle()
    [visit] = bot.db.query("select id, dependant_id from visits where user_id = 3701")
    assert visit["dependant_id"] is not None
    await run_at(bot, datetime(2026, 6, 12, 11, 5, tzinfo=ZoneInfo("America/New_York")))  # a day after it ended
    checkin = await until(ana, with_button("rem:ci"))
    assert "Mia López" in checkin.text  # the holder is asked about the family member, not their own pain
    assert ("¿Cómo está el dolor de Mia López hoy" if lang == "es" else "How is Mia López's pain today") in checkin.text
    [row] = bot.db.query("select status from reminders where kind = 'checkin'")
    assert row["status"] == "sent"
