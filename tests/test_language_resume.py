"""/language in the middle of any flow shows its step again, in the new language (review finding).

Only booking and intake re-showed their step; in every other flow the
patient or staff member got the bare menu while the flow silently waited
for its answer. Each test starts a flow through the real app, switches to
Spanish, and checks the step is asked again in Spanish and still works.
"""

from __future__ import annotations

from tests.test_booking import at, direct_book
from tests.test_broadcast import compose, subscribe
from tests.test_languages import press, until, with_button
from wellbot import app
from wellbot.bot.features import Feature, FlowSteps

DONE_ES = "Listo: a partir de ahora le escribo en español."
CARRY_ON_ES = "Puede seguir donde lo dejó"


async def _to_spanish(user) -> object:
    """/language, then Español; the confirmation (saying to carry on)."""
    await user.send("/language")
    await press(user, await until(user, with_button("lang:es")), "lang:es")
    done = await until(user, lambda m: DONE_ES in m.text)
    assert CARRY_ON_ES in done.text, done.text
    return done


async def _after(user, done, predicate):
    """A message sent after `done` that satisfies `predicate`."""
    return await until(user, lambda m: m.message_id > done.message_id and predicate(m))


def test_every_flow_shows_its_step_again():
    """A new flow cannot forget: each declared flow says how to show its step again."""
    missing = [steps.flow for feature in app.FEATURES for steps in feature.flow_steps if steps.on_resume is None]
    assert missing == []


async def test_forget_asks_again_in_the_new_language_and_its_buttons_still_work(bot):
    eva = bot.user(3501, "Eva", language_code="en")
    await eva.send("/forget")
    await until(eva, with_button("priv:keep"))
    done = await _to_spanish(eva)
    again = await _after(eva, done, lambda m: "¿Borrar sus datos?" in m.text)
    await press(eva, again, "priv:keep")
    await until(eva, lambda m: "No se borró nada" in m.text)
    assert bot.deps.flows.get(3501) is None


async def test_patient_writing_to_the_front_desk_is_asked_again(bot):
    eva = bot.user(3502, "Eva", language_code="en")
    await eva.send("/ask")
    await eva.wait_for("Write your message for the front desk")
    done = await _to_spanish(eva)
    await _after(eva, done, lambda m: "Escriba aquí su mensaje para recepción" in m.text)
    await eva.send("¿Tienen estacionamiento?")
    await bot.staff().wait_for("¿Tienen estacionamiento?")


async def test_staff_replying_to_a_patient_is_asked_again(bot):
    staff, pat = bot.staff(), bot.user(3503, "Ann")
    await pat.send("/ask Can I come earlier?")
    note = await staff.wait_for("For the front desk")
    await staff.press(note, "Reply")
    await staff.wait_for("Type your reply to Ann")
    done = await _to_spanish(staff)
    await _after(staff, done, lambda m: "Escriba su respuesta para Ann" in m.text)
    await staff.send("Yes, from 8:30.")
    told = await pat.wait_for("Message from")
    assert "Yes, from 8:30." in told.text


async def test_broadcast_text_step_is_asked_again(bot):
    subscribe(bot, [3601])
    staff = bot.staff()
    await staff.send("/broadcast")
    await staff.wait_for("Send me the message")
    done = await _to_spanish(staff)
    await _after(staff, done, lambda m: "Nuevo envío masivo" in m.text)
    await staff.send("Closed on Monday")
    await until(staff, lambda m: m.message_id > done.message_id and any("bc:aud" in (b.get("callback_data") or "")
                                                                            for row in m.buttons() for b in row))


async def test_broadcast_audience_step_shows_its_buttons_again(bot):
    subscribe(bot, [3602])
    staff = bot.staff()
    await staff.send("/broadcast")
    await staff.wait_for("Send me the message")
    await staff.send("Closed on Monday")
    await staff.wait_for("Who should get it?")
    done = await _to_spanish(staff)
    again = await _after(staff, done, lambda m: "¿Quién debe recibirlo?" in m.text)
    await press(staff, again, "bc:aud")
    await until(staff, lambda m: m.message_id > again.message_id and "Closed on Monday" in m.text)


async def test_news_item_step_is_asked_again(bot):
    staff = bot.staff()
    await staff.send("/news_add")
    await staff.wait_for("Send the title")
    await staff.send("Winter hours")
    await staff.wait_for("Send the text")
    done = await _to_spanish(staff)
    await _after(staff, done, lambda m: "Envíe el texto." in m.text)
    await staff.send("We open at 9 from December.")
    await until(staff, lambda m: "Sin enlace" in m.button_labels())
    assert bot.deps.flows.get(staff.id).data["body"] == "We open at 9 from December."


async def _desk_booking_to_times(staff):
    """Staff book by phone for a new patient, up to the times screen of Thu 11 Jun."""
    await staff.send("/newpatient Rose Stone +1 (555) 777-8888")
    card = await staff.wait_for("No Telegram")
    await staff.press(card, "Book a visit")
    await staff.press(await staff.wait_for("which service"), "Acupuncture")
    await staff.press(await staff.wait_for("choose a day"), "Thu 11 Jun")


async def test_front_desk_booking_at_the_time_step_shows_the_times_again(bot):
    staff = bot.staff()
    await _desk_booking_to_times(staff)
    await staff.wait_for("choose a time")
    done = await _to_spanish(staff)
    times = await _after(staff, done, lambda m: "10:00" in m.button_labels())
    await staff.press(times, "10:00")
    await press(staff, await until(staff, with_button("desk:ok")), "desk:ok")
    await bot.settle()
    assert [r["patient_name"] for r in bot.db.query("select * from visits")] == ["Rose Stone"]


async def test_front_desk_message_step_is_asked_again(bot):
    staff = bot.staff()
    bea = bot.user(3504, "Bea")
    await bea.send("/start")
    await bea.wait_for("")
    direct_book(bot, 3504, at(9), name="Bea Cole")
    await staff.send("/patient bea")
    await staff.press(await staff.wait_for("Patients found"), "Bea Cole")
    await staff.press(await staff.wait_for("On Telegram"), "Message the patient")
    await staff.wait_for("Type the message for")
    done = await _to_spanish(staff)
    await _after(staff, done, lambda m: "Escriba el mensaje para <b>Bea Cole</b>" in m.html)
    await staff.send("Results are in.")
    await bea.wait_for("Results are in.")


async def test_a_flow_with_no_step_to_show_says_it_is_still_open_with_the_menu(bot, monkeypatch):
    """Whatever flow cannot show its step (none of ours now): say it is still open, with the menu."""
    ghost = Feature(name="ghost", flow_steps=[FlowSteps("ghost", {})])
    monkeypatch.setattr(bot.deps, "features", [*bot.deps.features, ghost])
    eva = bot.user(3505, "Eva", language_code="en")
    await eva.send("/start")
    await eva.wait_for("")
    bot.deps.flows.start(3505, "ghost", "somewhere")
    await eva.send("/language")
    await press(eva, await until(eva, with_button("lang:es")), "lang:es")
    done = await until(eva, lambda m: DONE_ES in m.text)
    assert "sigue abierto" in done.text, done.text
    await _after(eva, done, lambda m: "Pedir una cita" in m.button_labels())


async def test_a_broadcast_translation_asks_for_its_text_again(bot):
    subscribe(bot, [3603])
    staff = bot.staff()
    confirm = await compose(bot, "Closed on Monday")
    await press(staff, confirm, "bc:lang")
    await staff.wait_for("Send the broadcast's text in")
    done = await _to_spanish(staff)
    await _after(staff, done, lambda m: "Envíe el texto del mensaje en <b>Español</b>" in m.html)
    await staff.send("Cerrado el lunes")
    await until(staff, lambda m: m.message_id > done.message_id and "Cerrado el lunes" in m.text)
    [version] = bot.db.query("select language, body from campaign_texts")
    assert version["language"] == "es"
    assert "Cerrado el lunes" in version["body"]


async def test_front_desk_booking_at_the_summary_shows_it_again(bot):
    staff = bot.staff()
    await _desk_booking_to_times(staff)
    await staff.press(await staff.wait_for("choose a time"), "10:00")
    await until(staff, with_button("desk:ok"))
    done = await _to_spanish(staff)
    summary = await _after(staff, done, with_button("desk:ok"))
    assert "Rose Stone" in summary.text
    await press(staff, summary, "desk:ok")
    await bot.settle()
    assert [r["patient_name"] for r in bot.db.query("select * from visits")] == ["Rose Stone"]
