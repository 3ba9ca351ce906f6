"""Staff powers stay with staff, and patients see only their own data.

Generic over the registries: every `Command(staff=True)` and every
`ButtonRoute(staff=True)` of every feature in `wellbot.app.FEATURES` is
invoked by a patient through the running bot, so a feature merged later is
covered without editing this file. A test-only canary feature (a staff
command and a staff button that would write a row and send a message)
proves the checks notice a leak.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.scripts import JOURNEYS, callback_data_seen, dump, no_flood_limit, run_journey, settle_answered
from wellbot.app import FEATURES
from wellbot.bot import callbacks, keyboards
from wellbot.bot.features import ButtonRoute, Command, Feature, all_commands
from wellbot.bot.messaging import reply

REFUSAL = "only for the clinic's staff"
CANARY_PREFIX = "canary"
# Plausible shapes of forged parts after a staff prefix: ids, actions, tokens.
PART_SHAPES = [(), ("1",), ("1", "1"), ("999999", "x"), ("a", "1", "ff00aa"), ("0", "0", "0", "0")]
PATIENT, OTHER = 5001, 5002


async def _canary_command(update, context):
    """A staff power with visible effects: writes a row, sends a message with a staff button."""
    context.deps.db.execute("insert into worker_state_canary (note) values ('staff did it')")
    await reply(update, context, "privacy_mydata",
                keyboard=keyboards.column([("Approve", callbacks.encode(CANARY_PREFIX, "approve", 1))]))


async def _canary_button(update, context, parts):
    context.deps.db.execute("insert into worker_state_canary (note) values ('button pressed')")
    await reply(update, context, "privacy_mydata")


CANARY = Feature(
    name="canary",
    commands=[Command("canary", "Test-only staff power", _canary_command, staff=True),
              Command("canaryleak", "Test-only unguarded twin", _canary_command)],
    buttons=[ButtonRoute(CANARY_PREFIX, _canary_button, staff=True)],
)
WITH_CANARY = [*FEATURES, CANARY]
STAFF_COMMANDS = [c.name for c in all_commands(WITH_CANARY) if c.staff]
STAFF_PREFIXES = [r.prefix for f in WITH_CANARY for r in f.buttons if r.staff]


@pytest_asyncio.fixture
async def guarded(monkeypatch, start_bot):
    """The bot with every real feature plus the canary, and no flood limit (tests press a lot)."""
    monkeypatch.setattr("wellbot.app.FEATURES", WITH_CANARY)
    harness = await start_bot()
    harness.db.execute("create table worker_state_canary (id integer primary key, note text)")
    no_flood_limit(harness)
    return harness


async def _greeted(bot, user_id=PATIENT):
    patient = bot.user(user_id, "Pat")
    await patient.send("/start")
    await patient.next_message()
    await bot.settle()
    return patient


@pytest.mark.parametrize("command", STAFF_COMMANDS)
async def test_every_staff_command_refuses_a_patient(guarded, command):
    patient = await _greeted(guarded)
    for text in (f"/{command}", f"/{command} 1 all", f"/{command}@wellbot_test_bot"):
        before, seen = dump(guarded.db), len(patient.history)
        await patient.send(text)
        refusal = await patient.next_message()
        await guarded.settle()
        assert REFUSAL in refusal.text
        assert len(patient.history) == seen + 1, "the refusal and nothing else"
        assert dump(guarded.db) == before, "a refused command changes nothing"


@pytest.mark.parametrize("prefix", STAFF_PREFIXES)
async def test_every_staff_button_refuses_a_patient_whatever_the_data(guarded, prefix):
    patient = await _greeted(guarded)
    greeting = patient.last()
    for parts in PART_SHAPES:
        data = callbacks.encode(*prefix.split(callbacks.SEPARATOR), *parts)  # a typed route's tag has two segments
        before, seen, answers = dump(guarded.db), len(patient.history), len(patient.callback_answers)
        for message_id in (greeting.message_id, 10_000):  # on a real message, and on one long gone
            await patient.press_data(message_id, data)
        await settle_answered(guarded)
        assert len(patient.callback_answers) == answers + 2
        assert all(REFUSAL in a["text"] for a in patient.callback_answers[answers:]), data
        assert len(patient.history) == seen, f"{data}: no message, only the toast"
        assert dump(guarded.db) == before, f"{data}: a refused button changes nothing"


@pytest.mark.parametrize("command", STAFF_COMMANDS)
async def test_buttons_on_staff_messages_do_nothing_for_a_patient(guarded, command):
    """A staff message forwarded to (or seen by) a patient: its staff buttons are refused."""
    staff = guarded.staff()
    await staff.send(f"/{command}")
    await guarded.settle()
    staff_buttons = [b["callback_data"] for m in staff.history for row in m.buttons() for b in row
                     if callbacks.decode(b.get("callback_data") or "x")[0] in STAFF_PREFIXES]
    if command == "canary":
        assert staff_buttons, "the canary's staff message has a staff button"
    patient = await _greeted(guarded)
    staff_seen = len(staff.history)
    for data in staff_buttons:
        before, answers = dump(guarded.db), len(patient.callback_answers)
        await patient.press_data(patient.last().message_id, data)  # the forwarded copy in the patient's chat
        await settle_answered(guarded)
        assert REFUSAL in patient.callback_answers[answers]["text"]
        assert dump(guarded.db) == before
        assert len(patient.history) == 1, "no message to the patient"
        assert len(staff.history) == staff_seen, "no message to staff"


async def test_the_checks_notice_a_power_that_is_not_guarded(guarded):
    """The same checks on the unguarded twin fail: they are not vacuous."""
    patient = await _greeted(guarded)
    before, seen = dump(guarded.db), len(patient.history)
    await patient.send("/canaryleak")
    message = await patient.next_message()
    await guarded.settle()
    assert REFUSAL not in message.text
    assert dump(guarded.db) != before
    assert len(patient.history) == seen + 1


async def test_staff_still_have_their_powers(guarded):
    staff = guarded.staff()
    await staff.send("/canary")
    message = await staff.next_message()
    await staff.press(message, "Approve")
    await guarded.settle()
    notes = [r["note"] for r in guarded.db.query("select note from worker_state_canary order by id")]
    assert notes == ["staff did it", "button pressed"]


# --- ownership ---------------------------------------------------------------
# Every button the bot showed one patient (across every journey in
# tests/scripts.py JOURNEYS) is pressed by another patient, as if the message
# had been forwarded or its callback_data forged. The owner's rows must not
# change and the presser must receive none of the owner's data. Features whose
# buttons name records (visit ids, campaign ids) plug in by adding a journey
# that creates such a record and shows its buttons; nothing else changes here.

OWNER_NAME, OWNER_PHONE = "Ownerina", "+1 555 0142"


async def test_another_patients_buttons_reveal_and_change_nothing(guarded):
    owner = guarded.user(PATIENT, OWNER_NAME)
    for _name, steps in JOURNEYS:
        await run_journey(guarded, owner, steps)
    await owner.send("/forget")  # leave a live, owner-only confirmation behind
    await guarded.settle()
    intruder = await _greeted(guarded, OTHER)
    pressable = callback_data_seen(owner)
    assert any(data.startswith("priv:erase:") for data in pressable)
    visits = guarded.db.execute("select count(*) from visits where user_id = ?", [PATIENT]).fetchone()[0]
    assert visits == 1, "the journeys left the owner a visit whose buttons name its id"
    before = dump(guarded.db, only_user=PATIENT)
    for data in pressable:
        await intruder.press_data(owner.last().message_id, data)
        await intruder.press_data(intruder.last().message_id, data)
        await settle_answered(guarded)
    assert dump(guarded.db, only_user=PATIENT) == before, "the owner's rows did not change"
    shown = " ".join([m.text for m in intruder.history] + [a.get("text") or "" for a in intruder.callback_answers])
    assert OWNER_NAME not in shown
    assert OWNER_PHONE not in shown
    assert str(PATIENT) not in shown
