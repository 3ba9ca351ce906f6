"""Staff read the bot in their own language (found in review after issue 17): a staff member whose chosen
language is Spanish got Spanish templates but English buttons (Save, Cancel, Delete, Send now...), English
error reasons, English command descriptions, English campaign words, and every notice (urgent-triage alerts,
uncertain reminders, the front desk's messages, booking notices) in the clinic's default language; the
other way round, an English staff member got a Spanish patient's booking notice in Spanish.

A staff member reads their own language (/language, or Telegram's language_code at first contact, as a
patient does), falling back to the clinic's default; the staff group reads the clinic's default language.
Each test drives the real bot through the strict local Bot API server.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.booking_helpers import direct_book
from tests.test_broadcast import subscribe
from tests.test_languages import press, until, with_button
from wellbot.bot.telegram_html import check_text
from wellbot.core import i18n
from wellbot.newsletter import broadcast, items
from wellbot.reminders.feature import dispatcher_of

SPANISH_STAFF, ENGLISH_STAFF, GROUP = 900, 901, -100200
TWO_STAFF = {"WELLBOT_STAFF_IDS": f"{SPANISH_STAFF},{ENGLISH_STAFF}", "WELLBOT_STAFF_GROUP_ID": str(GROUP)}
THREE_PM = datetime(2026, 6, 10, 19, 0, tzinfo=UTC)  # 15:00 today in New York (the clock starts 10 June, 09:00)


@pytest.fixture
async def staff_bot(devserver, start_bot):
    """Two staff members, one reading Spanish and one English, and a staff group."""
    group = devserver.group(GROUP, "Front desk")
    bot = await start_bot(TWO_STAFF)
    ana = bot.user(SPANISH_STAFF, "Ana", language_code="es")
    ben = bot.user(ENGLISH_STAFF, "Ben", language_code="en")
    for member in (ana, ben):
        await member.send("/start")
    await bot.settle()
    return bot, ana, ben, group


def labels(message) -> set[str]:
    """The message's button labels."""
    return set(message.button_labels())


# ---- the staff member's own screens -----------------------------------------------------------------

async def test_a_spanish_staff_member_writes_edits_and_deletes_news_in_spanish(staff_bot):
    bot, ana, _ben, _group = staff_bot
    await ana.send("/news_add")
    await ana.wait_for("Nueva noticia de salud")
    await ana.send("Estiramientos suaves")
    await ana.wait_for("Envíe el texto")
    await ana.send("Tres estiramientos para cada mañana.")
    ask_link = await ana.wait_for("Envíe un enlace")
    assert labels(ask_link) == {"Sin enlace"}
    await ana.send("no es un enlace")
    refused = await ana.wait_for("No se puede guardar")
    assert "el enlace debe ser una dirección web" in refused.text
    assert "web address" not in refused.text
    await ana.send("ninguno")
    topics = await until(ana, with_button("nw:td"))
    assert "Listo" in labels(topics)
    await press(ana, topics, "nw:td")  # no topic yet: the toast says why, in Spanish
    await bot.settle()
    assert ana.callback_answers[-1]["text"].startswith("Elija")
    first_topic = topics.buttons()[0][0]["callback_data"]
    await ana.press(topics, first_topic)
    await press(ana, await until(ana, with_button("nw:td")), "nw:td")
    await ana.wait_for("Publicar ahora")
    await ana.send("mañana a las nueve")
    refused = await ana.wait_for("no es una hora como 2026-06-15 09:00")
    assert "is not a time" not in refused.text
    await ana.send("ahora")
    preview = await until(ana, with_button("nw:save"))
    assert labels(preview) == {"Guardar", "Cancelar"}
    await press(ana, preview, "nw:save")
    saved = await ana.wait_for("guardada")
    item_id = bot.db.execute("select max(id) from news_items").fetchone()[0]
    assert labels(saved) == {"+ Añadir versión en Español"}

    await ana.send(f"/news_edit {item_id}")
    pick = await until(ana, lambda m: "Título" in m.button_labels())
    assert labels(pick) == {"Título", "Texto", "Enlace", "Temas", "Hora de publicación"}
    await ana.send("/cancel")
    await ana.send(f"/news_delete {item_id}")
    confirm = await ana.wait_for("¿Borrar la noticia")
    assert labels(confirm) == {"Borrar"}


async def test_a_spanish_staff_member_sends_a_broadcast_and_follows_it_in_spanish(staff_bot):
    bot, ana, _ben, _group = staff_bot
    subscribe(bot, [2101, 2102])
    await ana.send("/broadcast")
    await ana.wait_for("Nuevo envío masivo")
    await ana.send("The clinic is closed on Monday.")
    audience = await ana.wait_for("¿Quién debe recibirlo?")
    assert "Todos los suscriptores (2)" in labels(audience)
    await press(ana, audience, "bc:au")
    confirm = await ana.wait_for("¿Enviarlo ahora?")
    assert "todos los suscriptores" in confirm.text
    assert labels(confirm) == {"Enviar ahora", "Cancelar", "+ Añadir versión en Español"}
    go = next(b["callback_data"] for row in confirm.buttons() for b in row if "bc:go" in b["callback_data"])
    await ana.press_data(confirm.message_id, go)
    progress = await until(ana, lambda m: "Envío masivo #" in m.text and "terminado" in m.text, timeout=10)
    assert "done" not in progress.text
    await ana.press_data(confirm.message_id, go)  # pressed again: already handled, said in Spanish
    await bot.settle()
    assert ana.callback_answers[-1]["text"] == "Esto ya se había atendido (terminado)."
    await ana.send("/broadcasts")
    history = await ana.wait_for("a todos los suscriptores: terminado")
    assert "all subscribers" not in history.text


async def test_spanish_staff_see_the_day_and_the_front_desk_in_spanish(staff_bot):
    bot, ana, ben, _group = staff_bot
    direct_book(bot, 1301, THREE_PM, name="Ann Lee")
    await ana.send("/today")
    day = await until(ana, lambda m: "15:00 Ann Lee" in m.button_labels())
    assert {"‹ Día anterior", "Día siguiente ›"} <= labels(day)
    await ana.press(day, "15:00 Ann Lee")
    visit = await until(ana, lambda m: "‹ Volver al día" in m.button_labels())
    assert {"❌ Cancelar cita", "🔁 Cambiar (el paciente llamó)"} <= labels(visit)
    await ana.send("/patient Ann")
    found = await ana.wait_for("Pacientes encontrados")
    await ana.press(found, found.buttons()[0][0]["callback_data"])
    card = await until(ana, lambda m: "📅 Reservar una cita" in m.button_labels())
    assert "✉️ Escribir al paciente" in labels(card)
    await ben.send("/today")  # the English staff member still reads English
    english = await until(ben, lambda m: "15:00 Ann Lee" in m.button_labels())
    assert {"‹ Previous day", "Next day ›"} <= labels(english)


async def test_staff_help_and_command_menu_follow_the_staff_members_language(staff_bot):
    bot, ana, _ben, _group = staff_bot
    await ana.send("/help")
    help_text = await ana.wait_for("Comandos del personal")
    assert "/news_add – Escribir una noticia de salud" in help_text.text
    assert "/patient &lt;nombre o teléfono&gt;" in help_text.text or "/patient <nombre o teléfono>" in help_text.text
    await ana.send("/language")
    await press(ana, await until(ana, with_button("lang:es")), "lang:es")
    await bot.settle()
    menu = next(entries for scope, entries in bot.server.commands.items() if f'"chat_id":{SPANISH_STAFF}' in scope)
    described = {c["command"]: c["description"] for c in menu}
    assert described["broadcast"] == "Enviar un mensaje a los suscriptores"
    assert described["book"] == "Pedir una cita"
    await bot.restart()  # published at start from the stored language too
    menu = next(entries for scope, entries in bot.server.commands.items() if f'"chat_id":{SPANISH_STAFF}' in scope)
    assert {c["command"]: c["description"] for c in menu}["today"].startswith("Las citas de hoy")
    english = next(entries for scope, entries in bot.server.commands.items() if f'"chat_id":{ENGLISH_STAFF}' in scope)
    assert {c["command"]: c["description"] for c in english}["broadcast"] == "Send a message to subscribers"


# ---- notices: each staff member in their language, the group in the clinic's ---------------------------

async def test_an_urgent_triage_alert_reaches_each_staff_member_in_their_language(staff_bot):
    bot, ana, ben, group = staff_bot
    pat = bot.user(3102, "Pat")
    await pat.send("i took too many of my pain pills")
    spanish = await ana.wait_for("Respuesta urgente enviada")
    assert "id de usuario 3102: sobredosis." in spanish.text
    english = await ben.wait_for("Urgent reply sent")
    assert "user id 3102: overdose." in english.text
    in_group = await group.wait_for("Urgent reply sent")
    assert "overdose" in in_group.text


async def test_a_patient_message_to_the_front_desk_has_each_readers_buttons(staff_bot):
    bot, ana, ben, group = staff_bot
    await bot.user(3010, "Gus").send("/ask Is the clinic open on the 4th of July?")
    spanish = await ana.wait_for("Para recepción")
    assert labels(spanish) == {"✍️ Responder", "✅ Cerrar"}
    english = await ben.wait_for("For the front desk")
    assert labels(english) == {"✍️ Reply", "✅ Close"}
    assert labels(await group.wait_for("For the front desk")) == {"✍️ Reply", "✅ Close"}
    await ana.send("/inbox")
    inbox = await until(ana, lambda m: "✍️ Responder Gus" in m.button_labels())
    assert "✅ Cerrar Gus" in labels(inbox)


async def test_an_uncertain_reminder_notice_is_in_each_staff_members_language(staff_bot):
    from tests.test_reminders import PATIENT, at, book, run_at

    bot, ana, ben, _group = staff_bot
    bot.user(PATIENT)
    book(bot, at(2026, 6, 12, 10, 0))
    bot.server.answer_late("sendMessage", None, chat_id=PATIENT)  # delivered, then the connection drops
    await run_at(bot, at(2026, 6, 11, 10, 0))
    await run_at(bot, at(2026, 6, 11, 10, 2))  # a minute on: the staff notice of what timed out meanwhile
    spanish = await ana.wait_for("Puede que un recordatorio no haya llegado")
    assert "Acupuntura" in spanish.text
    assert labels(spanish) == {"🔁 Reenviar todos los inciertos"}
    english = await ben.wait_for("may or may not have reached")
    assert "Acupuncture" in english.text
    assert labels(english) == {"🔁 Resend all still uncertain"}


async def test_a_spanish_patients_running_late_notice_is_in_each_staff_members_language(staff_bot):
    bot, ana, ben, _group = staff_bot
    eva = bot.user(1302, "Eva", language_code="es")
    await eva.send("/start")
    await bot.settle()
    direct_book(bot, 1302, THREE_PM, name="Eva Ruiz")
    bot.clock.set(datetime(2026, 6, 10, 17, 0, tzinfo=UTC))  # the 2-hour reminder, with "Running late"
    await dispatcher_of(bot.app).run_due()
    await bot.settle()
    reminder = [m for m in eva.messages if "Recordatorio" in m.text][-1]
    await eva.press(reminder, "🕒 Voy a llegar tarde")
    await eva.press(await eva.wait_for("Con cuánto retraso"), "Unos 15 min")
    spanish = await ana.wait_for("Llega tarde")
    assert "Acupuntura" in spanish.text
    english = await ben.wait_for("Running late")
    assert "Acupuncture" in english.text
    assert "Acupuntura" not in english.text


async def test_a_spanish_patients_booking_notice_reaches_english_staff_in_english(staff_bot):
    bot, ana, ben, group = staff_bot
    eva = bot.user(1701, "Eva", language_code="es")
    await eva.send("/book")
    await press(eva, await until(eva, with_button(":acupuncture")), ":acupuncture")
    await eva.press(await until(eva, with_button("book:day")), "jue 11 jun")
    await eva.press(await until(eva, lambda m: "10:00" in m.button_labels()), "10:00")
    await bot.settle()
    await eva.send("Eva Ruiz")
    await bot.settle()
    await eva.send("+1 555 123 4567")
    await press(eva, await until(eva, with_button("book:ok")), "book:ok")
    english = await ben.wait_for("New booking")
    assert "Acupuncture" in english.text
    assert "Thu 11 Jun 2026, 10:00" in english.text
    spanish = await ana.wait_for("Nueva reserva")
    assert "Acupuntura" in spanish.text
    assert "jueves, 11 de junio, 10:00" in spanish.text
    assert "New booking" in (await group.wait_for("New booking")).text


# ---- the pure parts ------------------------------------------------------------------------------------

def test_a_refusal_reads_in_the_language_being_written_and_stays_english_in_logs():
    with pytest.raises(items.ItemError) as caught:
        items.check_title("x" * (items.MAX_TITLE + 1))
    assert str(caught.value) == f"the title is longer than {items.MAX_TITLE} characters"
    with i18n.speaking("es"):
        assert caught.value.shown() == f"el título tiene más de {items.MAX_TITLE} caracteres"
    with pytest.raises(i18n.Reason) as empty:
        check_text("  ", 10, i18n.N_("message"))
    with i18n.speaking("es"):
        assert i18n.shown(empty.value) == "el mensaje está vacío"
        assert i18n.shown(ValueError("plain {braces}")) == "plain {braces}"


def test_campaign_words_and_pause_reasons_are_shown_in_the_readers_language():
    with i18n.speaking("es"):
        assert broadcast.status_word("paused") == "en pausa"
        assert broadcast.kind_word("digest") == "boletín"
        assert broadcast.pause_reason("12 messages failed") == "12 mensajes fallaron"
        assert broadcast.pause_reason("something new") == "something new"
    assert broadcast.pause_reason("3 network or server errors in a row") == "3 network or server errors in a row"


def test_a_pain_trend_reads_in_the_staff_members_language():
    from wellbot.reminders.handlers import summarize

    with i18n.speaking("es"):
        assert summarize([7, 5, 3])["direction"] == "mejor"
    assert summarize([3, 5, 7])["direction"] == "worse"


def test_the_staff_language_is_the_staff_members_own_and_the_groups_is_the_default(tmp_path):
    from wellbot.app import build_deps
    from wellbot.core import patients
    from wellbot.core.settings import Settings

    deps = build_deps(Settings.from_env({"WELLBOT_DATABASE": str(tmp_path / "x.db"), **TWO_STAFF}))
    patients.touch(deps.db, deps.clock, SPANISH_STAFF, SPANISH_STAFF, "es")
    assert deps.staff_language(SPANISH_STAFF) == "es"
    assert deps.staff_language(ENGLISH_STAFF) == "en"  # never wrote to the bot: the clinic's default
    assert deps.staff_language(GROUP) == "en"
    patients.touch(deps.db, deps.clock, 1234, 1234, "es")
    assert deps.staff_language(1234) == "en"  # not staff: never asked, but never a patient's language either
    assert deps.staff_language(None) == "en"
    deps.db.execute("alter table patients rename to patients_gone")  # unreadable: an alert still goes out
    assert deps.staff_language(SPANISH_STAFF) == "en"

