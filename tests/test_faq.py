"""The FAQ feature: content validation, loading into SQLite, reloads, the CLI, and the bot end to end."""

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from wellbot.app import build_deps
from wellbot.cli import main
from wellbot.errors import ConfigError
from wellbot.faq import loading, store
from wellbot.faq.content import (
    DEFAULT_DISCLAIMER,
    DEFAULT_RED_FLAGS,
    Entry,
    answer_to_html,
    faq_settings,
    load_content,
)
from wellbot.resources import example_clinic_file
from wellbot.settings import Settings
from wellbot.telegram_html import plain_text, validate

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
    with pytest.raises(ConfigError, match="What is acupuncture.* is also in") as error:
        load_content(faq_dir(clinic_dir), SERVICES)
    assert {"again.md", "what-is-acupuncture.md"} <= set(str(error.value).replace(":", " ").split())


def test_faq_settings_defaults_and_problems(tmp_path):
    defaults = faq_settings({}, tmp_path, "clinic [faq]")
    assert defaults.folder == tmp_path / "faq" and not defaults.folder_required
    assert defaults.disclaimer == DEFAULT_DISCLAIMER and defaults.red_flags == DEFAULT_RED_FLAGS
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


# --- Command line ----------------------------------------------------------

def test_check_validates_the_faq_files(clinic_dir, tmp_path, capsys):
    env = env_for(clinic_dir, tmp_path)
    assert main(["check"], env) == 0
    (faq_dir(clinic_dir) / "acupuncture-kinds.md").write_text(
        "+++\nquestion = 'Kinds?'\ntopic = 'acupuncture'\nservice = 'reiki'\n+++\nA.\n")
    assert main(["check"], env) == 2
    err = capsys.readouterr().err
    assert "acupuncture-kinds.md" in err and "service 'reiki'" in err


def test_faq_reload_command_loads_and_refuses_broken_content(clinic_dir, tmp_path, capsys):
    env = env_for(clinic_dir, tmp_path)
    assert main(["faq", "reload"], env) == 0
    assert "faq: loaded 25 questions in 4 topics" in capsys.readouterr().out
    (faq_dir(clinic_dir) / "reschedule.md").unlink()
    (faq_dir(clinic_dir) / "broken.md").write_text("no front matter")
    assert main(["faq", "reload"], env) == 2
    assert "broken.md" in capsys.readouterr().err
    deps = deps_for(clinic_dir, tmp_path)
    assert store.entry(deps.db, "reschedule") is not None, "a refused reload keeps the previous FAQ"
    deps.db.close()
