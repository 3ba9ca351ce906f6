"""The FAQ feature: content validation, loading into SQLite, reloads, the CLI, and the bot end to end."""

import asyncio
import os
import shutil
import signal
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from tests.harness import Harness
from wellbot.app import build_deps
from wellbot.bot import callbacks
from wellbot.bot.telegram_html import plain_text, validate
from wellbot.cli import main
from wellbot.core.errors import ConfigError
from wellbot.core.resources import example_clinic_file
from wellbot.core.settings import Settings
from wellbot.faq import loading, store
from wellbot.faq.content import (
    DEFAULT_DISCLAIMER,
    DEFAULT_RED_FLAGS,
    Entry,
    answer_to_html,
    faq_settings,
    load_content,
)

SERVICES = ["consult", "acupuncture", "moxibustion", "auricular", "cupping", "trigger_point", "nerve_block",
            "epidural", "rf_ablation"]
ENTRY = """+++
question = "Can I drive home after a nerve block?"
topic = "interventional"
phrasings = ["Do I need a driver?"]
service = "nerve_block"
+++

Please **arrange a driver**.
"""


@pytest.fixture
def clinic_dir(tmp_path):
    """A copy of the example clinic (file + FAQ folder) the test may edit."""
    target = tmp_path / "clinic"
    shutil.copytree(example_clinic_file().parent, target)
    return target


def faq_dir(clinic_dir: Path) -> Path:
    return clinic_dir / "faq"


def env_for(clinic_dir: Path, tmp_path: Path) -> dict[str, str]:
    return {"WELLBOT_CLINIC": str(clinic_dir / "clinic.toml"), "WELLBOT_DATABASE": str(tmp_path / "wellbot.db")}


def deps_for(clinic_dir: Path, tmp_path: Path):
    """Deps on a file database, with no feature checks run (so nothing is loaded yet)."""
    return build_deps(Settings.from_env(env_for(clinic_dir, tmp_path)), features=[])


# --- Content ---------------------------------------------------------------

def test_example_clinic_has_the_required_entries():
    content = load_content(example_clinic_file().parent / "faq", SERVICES)
    ids = {entry.id for entry in content.entries}
    assert len(ids) >= 15
    for needed in ("what-is-acupuncture", "moxibustion", "auricular-acupuncture", "cupping",
                   "what-is-pain-management", "what-is-interventional", "pain-vs-interventional",
                   "interventional-modalities", "most-common-intervention", "non-invasive-options",
                   "unbearable-chronic-pain", "neuropathic-pain", "what-to-bring", "visit-length", "reschedule"):
        assert needed in ids
    assert {entry.topic for entry in content.entries} == {topic.key for topic in content.topics}
    assert content.synonyms["needles"] == "acupuncture"


def test_markdown_subset_becomes_escaped_telegram_html():
    html = answer_to_html(
        "# Before you come\n\nBring **ID** & *scans* <script>alert(1)</script>.\n\n"
        "- one_two\n* `code <b>`\n\nSee [our site](https://example.org/?a=1&b=2) or 2 * 3 * 4."
    )
    validate(html)
    assert "<b>Before you come</b>" in html
    assert "<b>ID</b> &amp; <i>scans</i> &lt;script&gt;" in html
    assert "• one_two\n• <code>code &lt;b&gt;</code>" in html
    assert '<a href="https://example.org/?a=1&amp;b=2">our site</a>' in html
    assert "2 * 3 * 4" in plain_text(html)


def test_unbalanced_marks_stay_as_typed():
    html = answer_to_html("a **bold start and _an open underscore")
    validate(html)
    assert plain_text(html) == "a **bold start and _an open underscore"


def test_links_must_be_web_phone_or_mail():
    with pytest.raises(ConfigError, match="javascript"):
        answer_to_html("[x](javascript:alert(1))")


@pytest.mark.parametrize("front, problem", [
    ('topic = "pain"', "`question` is required"),
    ('question = "Q?"\ntopic = "nope"', "topic 'nope' is not in topics.toml"),
    ('question = "Q?"\ntopic = "pain"\nservice = "massage"', "service 'massage' is not a"),
    ('question = "Q?"\ntopic = "pain"\nphrasing = ["typo"]', "unknown field"),
    ('question = "Q?"\ntopic = "pain"\nclinical = "yes"', "`clinical` must be true or false"),
    ('question = "Q?"\ntopic = "pain"\ntags = "one"', "`tags` must be a list"),
    ('question = "Q?\ntopic = "pain"', "not valid TOML"),
])
def test_bad_front_matter_is_refused_naming_the_file(clinic_dir, front, problem):
    (faq_dir(clinic_dir) / "broken.md").write_text(f"+++\n{front}\n+++\nAnswer.\n")
    with pytest.raises(ConfigError, match=problem) as error:
        load_content(faq_dir(clinic_dir), SERVICES)
    assert "broken.md" in error.value.where


@pytest.mark.parametrize("text, problem", [
    ("question = 'Q?'\n", r"must start with a \+\+\+ line"),
    ("+++\nquestion = 'Q?'\ntopic = 'pain'\n", "not closed"),
    ("+++\nquestion = 'Q?'\ntopic = 'pain'\n+++\n\n  \n", "answer .* is empty"),
    ("+++\nquestion = 'Q?'\ntopic = 'pain'\n+++\n" + "word " * 800, "longer than"),
])
def test_bad_files_are_refused(clinic_dir, text, problem):
    (faq_dir(clinic_dir) / "broken.md").write_text(text)
    with pytest.raises(ConfigError, match=problem):
        load_content(faq_dir(clinic_dir), SERVICES)


def test_duplicate_questions_are_refused(clinic_dir):
    (faq_dir(clinic_dir) / "again.md").write_text(
        "+++\nquestion = \"What  is acupuncture\"\ntopic = \"acupuncture\"\n+++\nAgain.\n")
    with pytest.raises(ConfigError, match=r"What is acupuncture.* is also in") as error:
        load_content(faq_dir(clinic_dir), SERVICES)
    assert {"again.md", "what-is-acupuncture.md"} <= set(str(error.value).replace(":", " ").split())


def test_faq_settings_defaults_and_problems(tmp_path):
    defaults = faq_settings({}, tmp_path, "clinic [faq]")
    assert defaults.folder == tmp_path / "faq"
    assert not defaults.folder_required
    assert defaults.disclaimer == DEFAULT_DISCLAIMER
    assert defaults.red_flags == DEFAULT_RED_FLAGS
    with pytest.raises(ConfigError, match="red_flags"):
        faq_settings({"red_flags": "chest pain"}, tmp_path, "clinic [faq]")
    with pytest.raises(ConfigError, match="unknown setting"):
        faq_settings({"folders": "x"}, tmp_path, "clinic [faq]")
    assert load_content(tmp_path / "faq", SERVICES, required=False).entries == ()
    with pytest.raises(ConfigError, match="FAQ folder not found"):
        load_content(tmp_path / "faq", SERVICES)


# --- Loading: validate fully, then swap in one transaction ----------------

def test_reload_swaps_content_and_a_broken_folder_changes_nothing(clinic_dir, tmp_path):
    deps = deps_for(clinic_dir, tmp_path)
    loading.reload(deps)
    before = store.entry_count(deps.db)
    (faq_dir(clinic_dir) / "driver.md").write_text(ENTRY)
    loading.reload(deps)
    assert store.entry_count(deps.db) == before + 1
    (faq_dir(clinic_dir) / "broken.md").write_text("+++\nquestion = 'Q?'\ntopic = 'nope'\n+++\nA.\n")
    with pytest.raises(ConfigError):
        loading.reload(deps)
    assert store.entry_count(deps.db) == before + 1
    assert store.entry(deps.db, "driver") is not None
    deps.db.close()


def test_a_failure_while_writing_rolls_the_whole_swap_back(clinic_dir, tmp_path):
    deps = deps_for(clinic_dir, tmp_path)
    content = loading.reload(deps)
    orphan = Entry(id="orphan", topic="no_such_topic", question="Orphan?", answer_html="x", answer_text="x")
    with pytest.raises(Exception, match="FOREIGN KEY"):
        store.replace_content(deps.db, replace(content, entries=(*content.entries[:3], orphan)))
    assert store.entry_count(deps.db) == len(content.entries)
    assert store.entry(deps.db, "orphan") is None
    deps.db.close()


def test_answers_that_would_not_fit_a_message_fail_the_check(clinic_dir, tmp_path):
    long_answer = "word " * 690
    (faq_dir(clinic_dir) / "long.md").write_text(f"+++\nquestion = 'Long?'\ntopic = 'pain'\n+++\n{long_answer}\n")
    toml = clinic_dir / "clinic.toml"
    toml.write_text(toml.read_text().replace('disclaimer = "General', 'disclaimer = "' + "Very " * 150 + "general"))
    deps = deps_for(clinic_dir, tmp_path)
    with pytest.raises(ConfigError, match="too long for one Telegram message") as error:
        loading.reload(deps)
    assert error.value.where.endswith("long.md")
    deps.db.close()


def test_a_start_with_broken_files_keeps_the_loaded_faq_but_a_first_start_refuses(clinic_dir, tmp_path):
    settings = Settings.from_env(env_for(clinic_dir, tmp_path))
    build_deps(settings).db.close()  # a first start loads the FAQ
    (faq_dir(clinic_dir) / "broken.md").write_text("no front matter")
    deps = build_deps(settings)
    assert store.entry(deps.db, "cupping") is not None
    deps.db.close()
    with pytest.raises(ConfigError, match=r"broken\.md"):
        build_deps(replace(settings, database=tmp_path / "empty.db"))


# --- Command line ----------------------------------------------------------

def test_check_validates_the_faq_files(clinic_dir, tmp_path, capsys):
    env = env_for(clinic_dir, tmp_path)
    assert main(["check"], env) == 0
    (faq_dir(clinic_dir) / "acupuncture-kinds.md").write_text(
        "+++\nquestion = 'Kinds?'\ntopic = 'acupuncture'\nservice = 'reiki'\n+++\nA.\n")
    assert main(["check"], env) == 2
    err = capsys.readouterr().err
    assert "acupuncture-kinds.md" in err
    assert "service 'reiki'" in err


def test_faq_reload_command_loads_and_refuses_broken_content(clinic_dir, tmp_path, capsys):
    env = env_for(clinic_dir, tmp_path)
    assert main(["migrate"], env) == 0  # a reload never creates a database
    assert main(["faq", "reload"], env) == 0
    assert "faq: loaded 25 questions in 4 topics" in capsys.readouterr().out
    (faq_dir(clinic_dir) / "reschedule.md").unlink()
    (faq_dir(clinic_dir) / "broken.md").write_text("no front matter")
    assert main(["faq", "reload"], env) == 2
    assert "broken.md" in capsys.readouterr().err
    deps = deps_for(clinic_dir, tmp_path)
    assert store.entry(deps.db, "reschedule") is not None, "a refused reload keeps the previous FAQ"
    deps.db.close()


# --- The bot, end to end ---------------------------------------------------

START = datetime(2026, 6, 10, 9, 0, tzinfo=ZoneInfo("America/New_York"))
DISCLAIMER_START = "General information only, not medical advice"


def data_of(message, label: str) -> str:
    """The callback_data of the button whose label contains `label`."""
    return next(b["callback_data"] for row in message.buttons() for b in row if label in b["text"])


@pytest_asyncio.fixture
async def clinic_bot(devserver, clinic_dir, tmp_path):
    """A running worker whose clinic folder (and FAQ) the test may edit."""
    harness = Harness(devserver, tmp_path / "bot.db", START, clinic_path=clinic_dir / "clinic.toml")
    await harness.start()
    yield harness
    await harness.stop()
    assert devserver.unanswered_callbacks() == [], "every pressed button must be answered"


async def test_browse_topic_question_answer_and_back(bot):
    patient = bot.user(2001)
    await patient.send("/faq")
    screen = await patient.next_message()
    assert "Questions & answers" in screen.text
    assert screen.button_labels() == ["Acupuncture and Chinese medicine", "Pain management",
                                      "Interventional procedures", "Your visit"]
    await patient.press(screen, "Acupuncture and Chinese medicine")
    screen = await patient.wait_for("Choose a question")
    assert "What is cupping therapy?" in screen.button_labels()
    await patient.press(screen, "What is cupping therapy?")
    screen = await patient.wait_for("suction")
    assert screen.text.startswith("What is cupping therapy?")
    assert screen.text.rstrip().splitlines()[-1].startswith(DISCLAIMER_START)
    assert data_of(screen, "Book a visit") == callbacks.encode("book", "start", "cupping")
    await patient.press(screen, "Back")
    screen = await patient.wait_for("Choose a question")
    assert "What is cupping therapy?" in screen.button_labels()
    assert len(patient.messages) == 1, "browsing edits one message in place"


async def test_practical_answer_has_no_medical_note_and_books_without_a_service(bot):
    patient = bot.user(2002)
    await patient.send("what should I bring to my first appointment")
    answer = await patient.next_message()
    assert answer.text.startswith("What should I bring to my first visit?")
    assert DISCLAIMER_START not in answer.text
    assert data_of(answer, "Book a visit") == callbacks.encode("book", "start")


async def test_long_topics_are_paged(bot):
    patient = bot.user(2003)
    await patient.send("/faq")
    await patient.press(await patient.next_message(), "Interventional procedures")
    first = await patient.wait_for("page 1 of 2")
    questions = [b for row in first.buttons() for b in row if b["callback_data"].startswith("faq:a:")]
    assert len(questions) == 6
    await patient.press(first, "Next")
    second = await patient.wait_for("page 2 of 2")
    assert "What are trigger-point injections?" in second.button_labels()
    assert "Next »" not in second.button_labels()
    await patient.press(second, "Previous")
    await patient.wait_for("page 1 of 2")


async def test_free_text_with_one_clear_match_gets_the_answer(bot):
    patient = bot.user(2004)
    await patient.send("shots in my back")
    answer = await patient.next_message()
    assert answer.text.startswith("What is an epidural steroid injection?")
    assert data_of(answer, "Book a visit") == "book:start:epidural"


async def test_close_candidates_are_offered_as_up_to_three_buttons(bot):
    patient = bot.user(2005)
    await patient.send("/faq injections")
    choices = await patient.next_message()
    assert "Which one did you mean?" in choices.text
    questions = [label for label in choices.button_labels() if label != "All topics"]
    assert 2 <= len(questions) <= 3
    await patient.press(choices, questions[0])
    answer = await patient.wait_for(questions[0])
    assert answer.message_id == choices.message_id
    assert "Book a visit" in answer.button_labels()


async def test_no_match_apologises_with_the_phone_and_the_topics(bot):
    patient = bot.user(2006)
    await patient.send("who won the game last night")
    reply = await patient.next_message()
    assert "I don't know that one" in reply.text
    assert "+1 555 0100" in reply.text
    assert "Pain management" in reply.button_labels()


async def test_fts_syntax_from_a_patient_is_just_text(bot):
    patient = bot.user(2007)
    await patient.send('/faq "AND (')
    assert "I don't know that one" in (await patient.next_message()).text


async def test_red_flag_gets_the_emergency_number_before_anything_else(bot):
    patient = bot.user(2008)
    await patient.send("I have chest pain after acupuncture, is that normal?")
    urgent = await patient.next_message()
    assert "911" in urgent.text
    assert "Please get help now" in urgent.text
    await bot.settle()  # an emergency happening now gets the urgent reply only: nothing to distract from it
    assert len(patient.messages) == 1


async def test_red_flag_without_a_match_gets_only_the_urgent_message(bot):
    patient = bot.user(2009)
    await patient.send("I feel suicidal")
    assert "911" in (await patient.next_message()).text
    await bot.settle()
    assert len(patient.messages) == 1


async def test_red_flag_in_faq_words_comes_first_too(bot):
    patient = bot.user(2010)
    await patient.send("/faq sudden numbness in my leg")
    assert "911" in (await patient.next_message()).text


async def test_menu_item_and_deep_link_open_the_topics(bot):
    patient = bot.user(2011)
    await patient.send("/start faq")
    assert "Choose a topic" in (await patient.next_message()).text
    await patient.send("/start")
    menu = await patient.next_message()
    await patient.press(menu, "Questions & answers")
    screen = await patient.wait_for("Choose a topic")
    assert "Your visit" in screen.button_labels()


@pytest.mark.parametrize("data", ["faq:zz", "faq:t:pain:x", "faq:a", "faq:p:-"])
async def test_forged_faq_buttons_are_answered_as_stale(bot, data):
    patient = bot.user(2012)
    await patient.send("/faq")
    screen = await patient.next_message()
    before = store.entry_count(bot.db)
    await patient.press_data(screen.message_id, data)
    await bot.settle()
    assert "no longer active" in patient.callback_answers[-1]["text"]
    assert store.entry_count(bot.db) == before
    assert patient.last().text == screen.text


async def test_pressing_a_question_twice_shows_it_once(bot):
    patient = bot.user(2013)
    await patient.send("/faq")
    screen = await patient.next_message()
    await patient.press_data(screen.message_id, "faq:a:cupping")
    await patient.press_data(screen.message_id, "faq:a:cupping")
    await bot.settle()
    assert len(patient.messages) == 1
    assert patient.last().text.startswith("What is cupping therapy?")
    assert len(patient.callback_answers) == 2


async def test_cli_reload_takes_effect_at_once_and_old_buttons_say_so(clinic_bot, clinic_dir, tmp_path):
    patient = clinic_bot.user(2014)
    await patient.send("what is moxibustion")
    old = await patient.next_message()
    (faq_dir(clinic_dir) / "moxibustion.md").unlink()
    (faq_dir(clinic_dir) / "driver.md").write_text(ENTRY)
    env = {**clinic_bot.env}
    assert main(["faq", "reload"], env) == 0
    await patient.send("do I need a driver after a nerve block")
    assert (await patient.next_message()).text.startswith("Can I drive home after a nerve block?")
    await patient.press_data(old.message_id, "faq:a:moxibustion")
    await patient.wait_for("Choose a topic")
    assert "changed" in patient.callback_answers[-1]["text"]


async def test_sighup_reloads_and_a_broken_folder_keeps_the_faq(clinic_bot, clinic_dir):
    patient = clinic_bot.user(2015)
    (faq_dir(clinic_dir) / "driver.md").write_text(ENTRY)
    os.kill(os.getpid(), signal.SIGHUP)
    await asyncio.sleep(0.05)
    await patient.send("/faq do I need a driver")
    assert (await patient.next_message()).text.startswith("Can I drive home after a nerve block?")
    (faq_dir(clinic_dir) / "broken.md").write_text("no front matter")
    os.kill(os.getpid(), signal.SIGHUP)
    await asyncio.sleep(0.05)
    await patient.send("/faq do I need a driver")
    assert (await patient.next_message()).text.startswith("Can I drive home after a nerve block?")


async def test_sighup_handler_is_removed_when_the_worker_stops(clinic_bot):
    await clinic_bot.stop()
    handlers = asyncio.get_running_loop()._signal_handlers  # what add_signal_handler filled
    assert signal.SIGHUP not in handlers
