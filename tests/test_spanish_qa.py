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
from shutil import copytree
from zoneinfo import ZoneInfo

import pytest

from tests.booking_helpers import at, direct_book, fill_first_week_but
from tests.test_languages import press, until, with_button
from tests.test_reminders import at as local
from tests.test_reminders import book, run_at
from wellbot.booking.contact import parse_birth_date
from wellbot.booking.waitlist import preference_words
from wellbot.bot.render import Renderer
from wellbot.clinic_info.logic import OpenState, asks_now, day_asked
from wellbot.conversation import spanish
from wellbot.conversation.actions import Answerer, route
from wellbot.conversation.logic import Intent
from wellbot.core import i18n
from wellbot.core.resources import example_clinic_file
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


# ---- wellbot check --------------------------------------------------------------------------------------

def test_check_says_which_languages_typed_requests_are_read_in(tmp_path, capsys):
    from wellbot.cli import main

    folder = copytree(example_clinic_file().parent, tmp_path / "clinic")
    clinic_file = folder / "clinic.toml"
    three = clinic_file.read_text().replace('languages = ["en", "es"]', 'languages = ["en", "es", "pt"]')
    clinic_file.write_text(three)
    assert main(["check"], {"WELLBOT_CLINIC": str(clinic_file), "WELLBOT_DATABASE": str(tmp_path / "x.db")}) == 0
    out = capsys.readouterr().out
    assert "language es: complete" in out
    assert "  typed requests read in English only (1): wellbot/conversation/ has no reader for pt" in out


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


async def book_to_name_step(bot, user) -> None:
    """Spanish booking up to the name: Acupuntura, jue 11 jun, 10:00."""
    await user.send("/book")
    await press(user, await until(user, with_button(":acupuncture")), ":acupuncture")
    await user.press(await until(user, lambda m: "jue 11 jun" in m.button_labels()), "jue 11 jun")
    await user.press(await until(user, lambda m: "10:00" in m.button_labels()), "10:00")
    await until(user, lambda m: "nombre completo" in m.text)


async def test_a_family_booking_in_spanish_reads_a_spanish_birth_date_and_visits_has_spanish_buttons(bot):
    ana = bot.user(1811, "Ana", language_code="es")
    await book_to_name_step(bot, ana)
    await ana.send("👪 Alguien de mi familia")
    await until(ana, lambda m: "nombre completo de la persona" in m.text)
    await ana.send("Mia López")
    ask = await until(ana, lambda m: "fecha de nacimiento" in m.text)
    assert "3 de mayo de 2015, o 3/5/2015 (día/mes/año)" in ask.text
    await ana.send("3 de mayo de 2015")
    await until(ana, lambda m: "cita de Mia López" in m.text)
    await ana.send("+1 555 123 4567")
    summary = await until(ana, with_button("book:ok"))
    assert "Para: Mia López (familiar; fecha de nacimiento: domingo, 3 de mayo de 2015)" in summary.text
    await press(ana, summary, "book:ok")
    await bot.settle()
    await ana.send("/visits")
    listing = await until(ana, lambda m: "Sus próximas citas" in m.text)
    assert listing.button_labels()[:2] == ["Reprogramar jue 11 jun, 10:00", "Cancelar jue 11 jun, 10:00"]
    assert not english_in(" ".join(listing.button_labels()))


async def test_the_waitlist_in_spanish_names_days_and_day_parts_once_and_offers_a_spanish_leave_button(bot):
    fill_first_week_but(bot, at(10))
    direct_book(bot, 1813, at(10))
    direct_book(bot, 1814, at(10))
    luis = bot.user(1812, "Luis", language_code="es")
    await luis.send("/book")
    await press(luis, await until(luis, with_button(":acupuncture")), ":acupuncture")
    full = await until(luis, lambda m: "⏳ Lista de espera para estos días" in m.button_labels())
    await luis.press(full, "⏳ Lista de espera para estos días")
    prefs = await until(luis, lambda m: "toque “Unirme a la lista de espera”" in m.text)
    assert "⏳ Unirme a la lista de espera" in prefs.button_labels()  # the button the text names
    await luis.press(prefs, "jue")
    await luis.press(prefs, "Mañana")
    await luis.press(prefs, "⏳ Unirme a la lista de espera")
    joined = await until(luis, lambda m: "Está en la lista de espera" in m.text)
    assert ", los jueves, por las mañanas." in joined.text
    await luis.send("/visits")
    listing = await until(luis, lambda m: "En la lista de espera" in m.text)
    assert "los jueves, por las mañanas" in listing.text
    assert listing.button_labels() == ["Salir de la lista de espera: Acupuntura"]


async def test_a_typed_spanish_yes_confirms_a_reminder_and_a_typed_score_answers_a_checkin(bot):
    eva = bot.user(1815, "Eva", language_code="es")
    await eva.send("/start")
    await bot.settle()
    book(bot, local(2026, 6, 11, 10, 0), user_id=1815)
    await run_at(bot, local(2026, 6, 10, 10, 0))
    await until(eva, lambda m: m.text.startswith("Recordatorio"))
    await eva.send("Sí, ahí estaré")
    confirmed = await until(eva, lambda m: "Gracias, su cita está confirmada" in m.text)
    assert "jueves, 11 de junio de 2026 a las 10:00 EDT" in confirmed.text
    await run_at(bot, local(2026, 6, 12, 11, 0))
    checkin = await until(eva, lambda m: "¿Cómo está su dolor hoy" in m.text)
    assert "del jueves, 11 de junio de 2026" in checkin.text
    await eva.send("6 de 10")
    thanks = await until(eva, lambda m: "Anotamos su dolor" in m.text)
    assert "Anotamos su dolor de hoy como 6 de 10." in thanks.text
    assert [r["score"] for r in bot.db.query("select score from checkins")] == [6]


async def test_switching_language_mid_booking_keeps_the_booking_and_english_patients_see_no_spanish(bot):
    luis = bot.user(1816, "Luis", language_code="es")
    await book_to_name_step(bot, luis)
    await luis.send("Luis Pérez")
    await until(luis, lambda m: "¿A qué número de teléfono" in m.text)
    await luis.send("/language")
    choose = await until(luis, with_button("lang:en"))
    assert "Ahora le escribo en español." in choose.text  # a language's name is lower case inside a Spanish sentence
    await press(luis, choose, "lang:en")
    await until(luis, lambda m: "What phone number can the clinic reach you on?" in m.text)  # the step, in English
    await luis.send("+1 555 222 3333")  # the booking went on where it was, now in English
    summary = await until(luis, with_button("book:ok"))
    assert "Thu 11 Jun 2026, 10:00–11:00 EDT" in summary.text
    assert "Name: Luis Pérez" in summary.text
    await luis.send("/language")
    await press(luis, await until(luis, lambda m: "Español" in m.button_labels()), "lang:es")
    await until(luis, lambda m: "Listo: a partir de ahora le escribo en español." in m.text)
    await until(luis, lambda m: m.message_id > summary.message_id and with_button("book:ok")(m))  # the summary again
    await press(luis, summary, "book:ok")
    booked = await until(luis, lambda m: "a su calendario" in m.text)
    assert "Agregue Acupuntura del jueves, 11 de junio, 10:00 EDT" in booked.text

    bob = bot.user(1817, "Bob", language_code="en")
    for typed in ("/start", "hola", "are you open saturday?", "/visits", "/help"):
        await bob.send(typed)
        await bot.settle()
    spanish_words = re.compile(r"\b(usted|cita|gracias|abrimos|estamos|sábado|lunes|Reprogramar)\b", re.IGNORECASE)
    for message in bob.messages:
        assert not spanish_words.search(message.text + " ".join(message.button_labels())), message.text


async def test_the_front_desk_in_spanish_after_hours_says_when_and_the_reply_frame_is_spanish(bot):
    bot.clock.set(datetime(2026, 6, 13, 14, 0, tzinfo=NY))  # Saturday after 13:00: next opening Monday 09:00
    staff, sol = bot.staff(), bot.user(1820, "Sol", language_code="es")
    await sol.send("/ask ¿Puedo llevar a mi hija?")
    ack = await until(sol, lambda m: "recepción le responderá aquí" in m.text)
    assert "respondemos el lunes 15 de junio a partir de las 9:00." in ack.text
    note = await staff.wait_for("For the front desk")  # staff read the clinic's default language
    await staff.press(note, "Reply")
    await staff.wait_for("Type your reply to Sol")
    await staff.send("Sí, claro.")
    told = await until(sol, lambda m: "Sí, claro." in m.text)
    assert "✍️ Responder" in told.button_labels()
    assert not english_in(told.text.replace("Sí, claro.", "")), told.text


async def test_the_calendar_file_and_the_data_export_are_named_in_spanish(bot):
    ana = bot.user(1821, "Ana", language_code="es")
    await book_to_name_step(bot, ana)
    await ana.send("Ana Ruiz")
    await until(ana, lambda m: "¿A qué número de teléfono" in m.text)
    await ana.send("+1 555 123 4567")
    await press(ana, await until(ana, with_button("book:ok")), "book:ok")
    calendar = await until(ana, lambda m: bool(m.document))
    assert calendar.document["filename"] == "cita.ics"
    content = calendar.document["content"].decode()
    assert "SUMMARY:Acupuntura en Complete Wellness" in content
    assert "DESCRIPTION:Coma algo ligero" in content  # the preparation note from the Spanish overlay
    await ana.send("/mydata")
    export = await until(ana, lambda m: bool(m.document) and m.document["filename"].endswith(".json"))
    assert export.document["filename"] == "mis-datos-2026-06-10.json"


async def test_a_spanish_flood_warning_and_a_stale_button_are_in_spanish(bot):
    from tests.test_guards import FakeTime
    from wellbot.bot.guards import FloodControl

    bot.deps.flood = FloodControl(now=FakeTime())
    pia = bot.user(1822, "Pía", language_code="es")
    for _ in range(21):
        await pia.send("/help")
    warning = await until(pia, lambda m: "muy rápido" in m.text)
    assert warning.text.startswith("Está enviando mensajes muy rápido, así que haré una pausa de unos 10 segundos.")
    bot.deps.flood = FloodControl()
    await pia.press_data(pia.messages[0].message_id, "vis:cx:999999")  # a visit that is not hers
    await bot.settle()
    assert pia.callback_answers[-1]["text"].startswith("Ese botón ya no está activo.")


async def test_a_failure_is_apologised_for_in_spanish(bot, monkeypatch):
    from wellbot.clinic_info import actions as clinic_actions

    def broken(*args, **kwargs):
        raise RuntimeError("simulated fault")

    monkeypatch.setattr(clinic_actions, "hours_values", broken)
    rosa = bot.user(1823, "Rosa", language_code="es")
    await rosa.send("¿a qué hora abren?")
    sorry = await until(rosa, lambda m: "algo falló" in m.text)
    assert sorry.text.startswith("Lo sentimos, algo falló de nuestro lado y no se cambió nada.")


async def test_the_day_of_reminder_running_late_and_forget_in_spanish(bot):
    eva = bot.user(1824, "Eva", language_code="es")
    await eva.send("/start")
    await bot.settle()
    visit_id = book(bot, local(2026, 6, 11, 10, 0), user_id=1824)
    await run_at(bot, local(2026, 6, 11, 8, 0))  # the last reminder, the morning of the visit
    reminder = await until(eva, with_button(f"vis:late:{visit_id}"))
    assert {"✅ Confirmar", "🕒 Voy a llegar tarde", "📞 Llamar a la clínica"} <= set(reminder.button_labels())
    assert "Para cambiarla o cancelarla ahora, por favor llámenos al" in reminder.text
    await press(eva, reminder, f"vis:late:{visit_id}")
    late = await until(eva, lambda m: "Unos 10 min" in m.button_labels())
    await eva.press(late, "Unos 10 min")
    told = await until(eva, lambda m: "recepción ya sabe" in m.text)
    assert "llegará unos 10 minutos tarde a su cita de las 10:00" in told.text

    await eva.send("/forget")
    confirm = await until(eva, lambda m: "Sí, borrar mis datos" in m.button_labels())
    await eva.press(confirm, "Sí, borrar mis datos")
    gone = await until(eva, lambda m: "sus datos se borraron" in m.text)
    assert not english_in(gone.text)
