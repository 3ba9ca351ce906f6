"""Issue 17, found when tried in Spanish: what a Spanish-speaking patient types and reads, screen by screen.

Each test reproduces something a Spanish patient met in English (or not at all)
before it was fixed: typed requests ("hola", "¿abren el sábado?") recognised in
English only, words Python made in English inside Spanish messages (day names,
"tomorrow", the zone's city), Spanish birth dates refused, button labels that
did not match the label the Spanish text told the patient to tap. The unit
tests pin the pure parts; the end-to-end ones drive the real bot.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.test_languages import until, with_button
from wellbot.booking.contact import parse_birth_date
from wellbot.booking.waitlist import preference_words
from wellbot.bot.render import Renderer
from wellbot.clinic_info.logic import OpenState, asks_now, day_asked
from wellbot.conversation import spanish
from wellbot.conversation.actions import Answerer, route
from wellbot.conversation.logic import Intent
from wellbot.core import i18n
from wellbot.desk.logic import day_word

NY = ZoneInfo("America/New_York")
WEDNESDAY = date(2026, 6, 10)
TUNING_ES = tomllib.loads((Path(__file__).parent / "intents_tuning_es.toml").read_text(encoding="utf-8"))
# English words that never belong in a Spanish message (clinic names, street names and the bilingual
# "Idioma / Language" button aside).
ENGLISH = re.compile(r"\b(the|your|you|please|visit|visits|thanks|tomorrow|today|monday|tuesday|wednesday|thursday"
                     r"|friday|saturday|sunday|january|june|july|december|open|closed|words|message|book|cancel"
                     r"|skip|later|yes|no thanks|back|menu)\b", re.IGNORECASE)


def english_in(text: str) -> list[str]:
    """The English words in a text a Spanish patient reads."""
    return ENGLISH.findall(text.replace("Idioma / Language", ""))


# ---- typed requests in Spanish ----------------------------------------------------------------------

@pytest.mark.parametrize("case", TUNING_ES["messages"], ids=lambda c: c["text"])
def test_spanish_tuning_set(case):
    found = spanish.detect(case["text"])
    assert (found.value if found else "none") == case["expect"]


@pytest.mark.parametrize("text, answerer, fact", [
    ("hola", Answerer.TEMPLATE, ""), ("quiero una cita", Answerer.BOOK, ""),
    ("¿abren el sábado?", Answerer.FACT, "hours"), ("¿tienen estacionamiento?", Answerer.FACT, "parking"),
    ("ok thanks", Answerer.TEMPLATE, ""),  # English still understood from a Spanish patient
])
def test_a_spanish_patients_text_is_routed_in_spanish_then_english(text, answerer, fact):
    where = route(text, "es")
    assert (where.answerer, where.fact) == (answerer, fact)


def test_an_english_patient_is_read_in_english_only():
    assert route("hola", "en").answerer is Answerer.FAQ  # no Spanish reply to an English patient
    assert route("are you open saturday?", "en").intent is Intent.HOURS


@pytest.mark.parametrize("text, expected", [
    ("¿abren el sábado?", date(2026, 6, 13)), ("abren mañana?", date(2026, 6, 11)),
    ("¿abren los domingos?", date(2026, 6, 14)), ("¿abren en Navidad?", date(2026, 12, 25)),
    ("¿abren el fin de semana?", date(2026, 6, 13)), ("¿abren pasado mañana?", date(2026, 6, 12)),
    ("¿abren por la mañana?", None), ("¿cuál es su horario?", None),
])
def test_the_day_a_spanish_question_names(text, expected):
    assert day_asked(text, WEDNESDAY) == expected


def test_spanish_now_questions():
    assert asks_now("¿están abiertos ahora?")
    assert asks_now("¿siguen abiertos?")
    assert not asks_now("¿abren el sábado?")


# ---- words made in Python ---------------------------------------------------------------------------

def test_the_front_desks_day_word_in_each_language():
    assert [day_word(d, WEDNESDAY, "es") for d in (WEDNESDAY, date(2026, 6, 11), date(2026, 6, 15))] == [
        "hoy", "mañana", "el lunes 15 de junio"]
    assert day_word(date(2026, 6, 15), WEDNESDAY, "en") == "on Monday 15 June"
    with i18n.speaking("es"):
        assert day_word(date(2026, 6, 11), WEDNESDAY) == "mañana"


def test_waitlist_preferences_are_bare_spanish_words_the_template_frames():
    with i18n.speaking("es"):
        words = preference_words({3, 5}, {"am", "pm"})
    assert words == {"weekdays": ["jueves", "sábados"], "day_parts": ["mañanas", "tardes"]}


@pytest.mark.parametrize("typed, expected", [
    ("3 de mayo de 2015", date(2015, 5, 3)), ("3/5/2015", date(2015, 5, 3)), ("3 mayo 2015", date(2015, 5, 3)),
    ("15 de septiembre de 1980", date(1980, 9, 15)), ("2015-05-03", date(2015, 5, 3)), ("3.5.2015", date(2015, 5, 3)),
    ("31/2/2015", None), ("3 de mayo de 2030", None),
])
def test_spanish_birth_dates(typed, expected):
    assert parse_birth_date(typed, WEDNESDAY, "es") == expected


def test_english_birth_dates_still_refuse_slashes_and_spanish_months():
    assert parse_birth_date("3/5/2015", WEDNESDAY, "en") is None
    assert parse_birth_date("3 de mayo de 2015", WEDNESDAY, "en") is None
    assert parse_birth_date("3 May 2015", WEDNESDAY, "en") == date(2015, 5, 3)


def hours_values(day=None, ranges=(), closed_date=False, state=None):
    return {"asked_now": False, "day": day, "day_ranges": ranges, "day_closed_date": closed_date,
            "state": state or OpenState(False, next_open=datetime(2026, 6, 13, 9, 0, tzinfo=NY)),
            "week": [("Lunes", ((time(9), time(12, 30)),)), ("Domingo", ())], "closed": [date(2026, 12, 24)]}


def test_hours_in_spanish_have_no_english_day_or_month(clinic):
    renderer = Renderer(NY)
    renderer.set_clinic(clinic)
    with i18n.speaking("es"):
        open_day = renderer.render("info_hours", **hours_values(date(2026, 6, 13), ((time(9), time(13)),)))
        closed_day = renderer.render("info_hours", **hours_values(date(2026, 6, 14)))
        holiday = renderer.render("info_hours", **hours_values(date(2026, 12, 24), closed_date=True))
        closed_now = renderer.render("info_hours", **hours_values())
    assert "Sí, abrimos el sábado 13 de junio:</b> 09:00-13:00." in open_day
    assert "También cerramos: 24 dic 2026." in open_day
    assert "No, los domingos estamos cerrados." in closed_day
    assert "No, el jueves 24 de diciembre estamos cerrados" in holiday
    assert "Volvemos a abrir el sábado 13 de junio a las 09:00." in closed_now
    with i18n.speaking("en"):
        english = renderer.render("info_hours", **hours_values(date(2026, 6, 14)))
        english_now = renderer.render("info_hours", **hours_values())
    assert "No, we are closed on Sundays." in english
    assert "We open again Saturday 13 June at 09:00." in english_now
    assert "Also closed on: 24 Dec 2026." in english


def test_the_zones_city_is_named_in_the_readers_language(clinic):
    renderer = Renderer(NY)
    assert renderer.env_for("es").globals["zone_city"] == "Nueva York"
    assert renderer.env_for("en").globals["zone_city"] == "New York"


# ---- end to end ---------------------------------------------------------------------------------------

SPANISH_TYPED = [
    ("hola", "¡Hola, Ana! Soy el asistente de"),
    ("gracias", "¡Con gusto! ¿Algo más?"),
    ("menú", "¿Qué desea hacer?"),
    ("¿tienen estacionamiento?", "Estacionamiento gratis detrás del edificio"),
    ("¿a qué hora abren?", "Ahora estamos abiertos, hasta las 12:30."),
    ("¿abren el sábado?", "Sí, abrimos el sábado 13 de junio: 09:00-13:00."),
    ("dirección", "100 Example Avenue, Suite 200, Springfield"),
    ("¿cuánto cuesta?", "La primera consulta cuesta $120"),
    ("¿aceptan seguro?", "Facturamos a la mayoría de las aseguradoras principales"),
]


async def test_a_spanish_patient_types_and_is_answered_in_spanish(bot):
    ana = bot.user(1801, "Ana", language_code="es")
    await ana.send("/start")
    await bot.settle()
    for typed, expected in SPANISH_TYPED:
        await ana.send(typed)
        answer = await until(ana, lambda m, e=expected: e in m.text)
        assert not english_in(answer.text), (typed, answer.text)
    assert any(m.venue for m in ana.messages)  # the address comes with its map pin
    assert any("Lunes: 09:00-12:30, 13:30-18:00" in m.text for m in ana.messages)

    await ana.send("ayuda")
    help_text = await until(ana, lambda m: "/faq" in m.text)
    assert "/faq [palabras] – Preguntas frecuentes" in help_text.text
    assert "/ask [mensaje] – Escribir a recepción" in help_text.text

    await ana.send("quiero una cita")
    services = await until(ana, with_button(":acupuncture"))
    assert not english_in(services.text + " ".join(services.button_labels()))

    bob = bot.user(1802, "Bob", language_code="en")
    await bob.send("/help")
    english_help = await until(bob, lambda m: "/faq" in m.text)
    assert "/faq [words] – Questions & answers" in english_help.text


async def test_hablar_con_una_persona_opens_the_front_desk_in_spanish(bot):
    ana = bot.user(1803, "Ana", language_code="es")
    await ana.send("hablar con una persona")
    prompt = await until(ana, lambda m: "recepción" in m.text)
    assert prompt.text.startswith("Escriba aquí su mensaje para recepción")
