"""The front door, end to end: /start, deep links, /help, /cancel, unknown input."""

import re
from pathlib import Path

from tests.harness import STAFF_ID
from wellbot.app import FEATURES
from wellbot.bot.features import all_commands
from wellbot.core.settings import SETTINGS

README = Path(__file__).resolve().parent.parent / "README.md"


async def test_start_greets_by_first_name_with_the_clinic_and_a_menu(bot):
    patient = bot.user(1001, "Ada")
    await patient.send("/start")
    greeting = await patient.next_message()
    assert "Hello, Ada!" in greeting.text
    assert "Complete Wellness" in greeting.text
    labels = greeting.button_labels()
    expected = [item.label for f in FEATURES for item in sorted(f.menu, key=lambda i: i.order)]
    assert sorted(labels) == sorted(expected)


async def test_first_name_with_html_is_shown_as_text(bot):
    patient = bot.user(1002, "<b>Eve</b> & {{ clinic }}")
    await patient.send("/start")
    greeting = await patient.next_message()
    assert "Hello, <b>Eve</b> & {{ clinic }}!" in greeting.text


async def test_unknown_deep_link_falls_back_to_the_greeting(bot):
    patient = bot.user(1003, "Bo")
    await patient.send("/start something-else")
    assert "Hello, Bo!" in (await patient.next_message()).text


async def test_help_lists_patient_commands_only_for_patients(bot):
    patient = bot.user(1004)
    await patient.send("/help")
    text = (await patient.next_message()).text
    for command in all_commands(FEATURES):
        assert (f"/{command.name}" in text) != command.staff, command.name
    assert "Staff commands" not in text


async def test_help_lists_staff_commands_for_staff(bot):
    staff = bot.staff()
    await staff.send("/help")
    text = (await staff.next_message()).text
    for command in all_commands(FEATURES):
        assert f"/{command.name}" in text, command.name


async def test_set_my_commands_matches_the_registry(bot):
    await bot.settle()
    commands = all_commands(FEATURES)
    published = {scope: [c["command"] for c in entries] for scope, entries in bot.server.commands.items()}
    patient_scope = {scope: names for scope, names in published.items() if scope.startswith("default")}
    staff_scope = [names for scope, names in published.items() if str(STAFF_ID) in scope]
    # One patient menu per configured language: the default one without language_code, Spanish with "es".
    assert patient_scope == {"default": [c.name for c in commands if not c.staff],
                             "default:es": [c.name for c in commands if not c.staff]}
    assert staff_scope == [[c.name for c in commands]]


def test_readme_documents_every_command_and_setting():
    text = README.read_text()
    documented = set(re.findall(r"^\| `/([a-z0-9_]+)", text, flags=re.M))
    assert documented == {c.name for c in all_commands(FEATURES)}
    settings = set(re.findall(r"^\| `([A-Z_]+)` \|", text, flags=re.M))
    assert settings == set(SETTINGS)


async def test_cancel_outside_a_flow_says_so(bot):
    patient = bot.user(1005)
    await patient.send("/cancel")
    assert "nothing to cancel" in (await patient.next_message()).text


async def test_cancel_leaves_a_flow_and_clears_its_state(bot):
    patient = bot.user(1006)
    await patient.send("/start")
    await patient.next_message()
    bot.deps.flows.start(1006, "demo", "step1")
    await patient.send("/cancel")
    assert "Cancelled" in (await patient.next_message()).text
    assert bot.deps.flows.get(1006) is None


async def test_unknown_command_gets_a_pointer_to_help(bot):
    patient = bot.user(1007)
    await patient.send("/frobnicate")
    reply = await patient.next_message()
    assert "/frobnicate" in reply.text
    assert "/help" in reply.text


async def test_forged_button_is_answered_and_changes_nothing(bot):
    patient = bot.user(1008)
    await patient.send("/start")
    greeting = await patient.next_message()
    await patient.press_data(greeting.message_id, "nope:1:2")
    await bot.settle()
    assert patient.callback_answers
    assert "no longer active" in patient.callback_answers[-1]["text"]


async def test_a_failing_set_my_commands_is_logged_not_fatal(devserver, start_bot, caplog):
    devserver.fail_next("setMyCommands", status=500, count=5)
    harness = await start_bot()
    patient = harness.user(1009, "Cy")
    await patient.send("/start")
    assert "Hello, Cy!" in (await patient.next_message()).text
    assert "could not publish the command list" in caplog.text
