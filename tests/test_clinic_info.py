"""Clinic facts and conversation intents as plain functions: hours against a clock, the [info] table, intents."""

import tomllib
from datetime import date, datetime, time
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from wellbot.booking.rules import rules_from_clinic
from wellbot.clinic_info.logic import asks_now, closed_ahead, day_asked, info_of, open_state, week
from wellbot.conversation.logic import Intent, detect
from wellbot.core.errors import ConfigError
from wellbot.triage.settings import DEFAULT_CRISIS_LINE, triage_settings

NY = ZoneInfo("America/New_York")
WEDNESDAY = date(2026, 6, 10)
TUNING = tomllib.loads((Path(__file__).parent / "intents_tuning.toml").read_text(encoding="utf-8"))


@pytest.fixture
def rules(clinic):
    return rules_from_clinic(clinic)


def test_open_now_and_until_when(rules):
    state = open_state(rules, datetime(2026, 6, 10, 9, 0, tzinfo=NY))
    assert state.open
    assert state.until == time(12, 30)


def test_closed_over_lunch_opens_again_after_the_break(rules):
    state = open_state(rules, datetime(2026, 6, 10, 12, 45, tzinfo=NY))
    assert not state.open
    assert state.next_open == datetime(2026, 6, 10, 13, 30, tzinfo=NY)


def test_closed_dates_are_skipped_when_finding_the_next_opening(rules):
    state = open_state(rules, datetime(2026, 12, 23, 19, 0, tzinfo=NY))  # the 24th and 25th are closed dates
    assert state.next_open == datetime(2026, 12, 26, 9, 0, tzinfo=NY)


@pytest.mark.parametrize("text, expected", [
    ("are you open saturday?", date(2026, 6, 13)), ("open on sun", date(2026, 6, 14)),
    ("are you open tomorrow", date(2026, 6, 11)), ("open today?", WEDNESDAY),
    ("closed on christmas eve?", date(2026, 12, 24)), ("open on wednesdays", WEDNESDAY),
    ("what are your hours", None),
])
def test_the_day_a_question_names(text, expected):
    assert day_asked(text, WEDNESDAY) == expected


def test_now_questions():
    assert asks_now("open now?")
    assert asks_now("are you open right now")
    assert not asks_now("open saturday")


def test_week_and_closed_dates(rules):
    assert week(rules)[6] == ("Sunday", ())
    assert closed_ahead(rules, WEDNESDAY)[0] == date(2026, 7, 3)


def test_info_from_the_example_clinic(clinic):
    info = info_of(clinic)
    assert info.has_pin
    assert "Oak Street" in info.parking
    assert info.prices


def fake_clinic(tables: dict) -> SimpleNamespace:
    return SimpleNamespace(path=Path("clinic.toml"), emergency_number="911",
                           section=lambda name: tables.get(name, {}))


@pytest.mark.parametrize("tables", [
    {"info": {"parking": 3}}, {"info": {"valet": "yes"}}, {"clinic": {"latitude": 40.0}},
    {"clinic": {"latitude": 100, "longitude": 0}}, {"clinic": {"latitude": "40", "longitude": "-70"}},
])
def test_bad_info_settings_are_refused_by_name(tables):
    with pytest.raises(ConfigError):
        info_of(fake_clinic(tables))


def test_info_is_optional():
    info = info_of(fake_clinic({}))
    assert not info.has_pin
    assert info.parking == ""


def test_triage_settings_defaults_and_mistakes():
    settings = triage_settings(fake_clinic({}))
    assert settings.alert_staff
    assert settings.alert_text
    assert settings.crisis_line == DEFAULT_CRISIS_LINE
    assert not triage_settings(fake_clinic({"triage": {"alert_staff": False}})).alert_staff
    mistakes = ({"triage": {"alert_staff": "yes"}}, {"triage": {"page_doctor": True}}, {"clinic": {"crisis_line": ""}})
    for tables in mistakes:
        with pytest.raises(ConfigError):
            triage_settings(fake_clinic(tables))


def test_intents_on_the_tuning_set():
    wrong = [(m["text"], m["expect"]) for m in TUNING["messages"]
             if (detect(m["text"]).value if detect(m["text"]) else "none") != m["expect"]]
    assert wrong == []


@pytest.mark.parametrize("text", ["hello, do you treat migraines", "what can you do for my pain without injections",
                                  "how much does it hurt", "are you open to partnerships", "book me a taxi",
                                  "what's the best car insurance"])
def test_questions_that_only_look_like_requests_are_not_intents(text):
    assert detect(text) is None


def test_a_greeting_before_a_request_is_the_request():
    assert detect("hi, I want to book an appointment") is Intent.BOOK


@pytest.mark.parametrize("text", [
    "change it for him", "change the day of my cita", "push the visit back", "can I push my appt to next week",
    "need to shift my appointment", "bring my visit forward", "call off my booking", "I'd like to call my appt off",
    "could you move it to friday please", "rearange my apointment", "delay my session by a week",
    "put off my consultation", "swap my slot for a later one", "cancle my appointmnet", "resched my appt",
    "can I make my visit earlier", "push back my booking"])
def test_lay_ways_to_move_or_cancel_a_visit_open_my_visits(text):
    assert detect(text) is Intent.VISITS


@pytest.mark.parametrize("text", [
    "apple's stock price", "what's the price of petrol", "how much does a car cost", "price of bitcoin",
    "how much is a pint of milk", "what does a house cost these days", "cost of living", "gold price today",
    "how much is a flight to london", "are iphones expensive"])
def test_prices_of_things_that_are_not_the_clinics_are_not_the_prices_intent(text):
    assert detect(text) is None


@pytest.mark.parametrize("text, intent", [
    ("how much is a session", Intent.PRICES), ("is cupping expensive", Intent.PRICES),
    ("do you take insurance", Intent.INSURANCE), ("what are your fees", Intent.PRICES),
    ("how much does acupuncture cost", Intent.PRICES), ("price of a first visit", Intent.PRICES),
    ("how much will it cost me", Intent.PRICES)])
def test_the_clinics_own_prices_are_still_the_prices_intent(text, intent):
    assert detect(text) is intent


@pytest.mark.parametrize("text", [
    "what should I bring to my appointment", "how long does a session take", "do I need to change into a gown for "
    "the session", "will my pain change after the session", "can I move around after my appointment"])
def test_visit_questions_that_do_not_move_a_visit_stay_faq_questions(text):
    assert detect(text) is None


@pytest.mark.parametrize("text", ["will my sleep change between sessions", "can i switch therapists between sessions"])
def test_change_between_visits_is_a_question_not_a_move(text):
    assert detect(text) is None


def test_cheaper_and_pricey_ask_about_our_prices():
    assert detect("is it cheaper to buy a package of sessions") is Intent.PRICES
    assert detect("is acupuncture pricey") is Intent.PRICES


@pytest.mark.parametrize("text", [
    "rfa how many hours does it take",  # set 13, blind: answered with the opening hours
    "my back has hurt for hours, what can help",
    "is it 2 hours of treatment",
    "the pain has been awful for months and nothing helps anymore, its unbearable, what are my options",  # set 13
])
def test_found_in_blind_set_13_durations_and_treatment_options_are_faq_questions(text):
    assert detect(text) is None


@pytest.mark.parametrize("text,intent", [
    ("what are my options", Intent.MENU), ("show me the options", Intent.MENU), ("hours?", Intent.HOURS),
    ("what are your hours on saturday", Intent.HOURS), ("clinic hours", Intent.HOURS),
])
def test_hours_and_options_on_their_own_keep_their_intents(text, intent):
    assert detect(text) is intent
