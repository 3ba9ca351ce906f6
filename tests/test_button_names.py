"""Texts name buttons as the buttons read (found in review: "tap Skip" above a "Skip this question" button,
"tap Join" above "⏳ Join the waitlist", "press Resume" above "Resume sending").

The convention the contract test enforces: a template names a button in typographic quotes, “Like this”,
exactly as its label reads in that language (a leading emoji may be left out), and "tap"/"press"
("toque" in Spanish) is never followed by a bare capitalised button name. Button labels are read from the
code itself: every `N_()` message, every `*_LABEL` constant and every literal `(label, X(...).pack())`
button, translated through the shipped catalogue for each language.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.booking_helpers import at, direct_book, fill_first_week_but, to_summary
from tests.test_languages import press, until, with_button
from wellbot.core import i18n

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
LANGUAGES = {"en": TEMPLATES, "es": TEMPLATES / "es"}
QUOTED = re.compile(r"“([^”]+)”")
# A verb of pressing followed by a capitalised word: a button named without quotes.
BARE_NAME = re.compile(r'\b(?i:tap|press|toque|pulse)\s+(?:<b>|")?[A-ZÁÉÍÓÚÑ]')
# Buttons Telegram itself draws (the Start button of a new chat), named as the app shows them.
TELEGRAM_BUTTONS = {"en": {"Start"}, "es": {"Iniciar"}}


def bare(label: str) -> str:
    """The label without a leading emoji or sign ("⏳ Join the waitlist" -> "Join the waitlist")."""
    start = next((i for i, ch in enumerate(label) if ch.isalnum()), len(label))
    return label[start:]


def _strings(node: ast.AST) -> list[str]:
    """The string constants of a constant or a tuple of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple):
        return [s for element in node.elts for s in _strings(element)]
    return []


def _labels_in(tree: ast.AST) -> set[str]:
    """Button labels declared in one module."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_":
            found.update(_strings(node.args[0]))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names = [target] if isinstance(target, ast.Name) else getattr(target, "elts", [])
                values = _strings(node.value)
                if len(names) == len(values):
                    found.update(v for n, v in zip(names, values, strict=True)
                                 if isinstance(n, ast.Name) and n.id.endswith("LABEL"))
        elif isinstance(node, ast.Tuple) and len(node.elts) == 2:
            label, data = node.elts
            if (_strings(label) and isinstance(data, ast.Call) and isinstance(data.func, ast.Attribute)
                    and data.func.attr == "pack"):
                found.update(_strings(label))
    return found


def button_labels(lang: str) -> set[str]:
    """Every label a button can show in `lang`, with and without its leading emoji."""
    declared: set[str] = set()
    for path in (ROOT / "wellbot").rglob("*.py"):
        declared |= _labels_in(ast.parse(path.read_text(encoding="utf-8")))
    shown = {i18n.translate(label, lang) for label in declared} | TELEGRAM_BUTTONS[lang]
    return shown | {bare(label) for label in shown}


def named_but_missing(text: str, labels: set[str] | list[str]) -> list[str]:
    """The quoted button names in `text` that no label in `labels` reads as."""
    readable = set(labels) | {bare(label) for label in labels}
    return [name for name in QUOTED.findall(text) if name not in readable]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_quoted_button_name_in_a_template_is_a_real_label(lang):
    labels = button_labels(lang)
    wrong = {path.name: missing for path in sorted(LANGUAGES[lang].glob("*.html"))
             if (missing := named_but_missing(path.read_text(encoding="utf-8"), labels))}
    assert wrong == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_template_names_a_button_without_quotes(lang):
    bare_names = {path.name: BARE_NAME.findall(text) for path in sorted(LANGUAGES[lang].glob("*.html"))
                  if BARE_NAME.search(text := path.read_text(encoding="utf-8"))}
    assert bare_names == {}


def test_the_label_reader_finds_the_kinds_of_labels_the_code_declares():
    labels = button_labels("en")
    assert {"Skip this question", "⏳ Join the waitlist", "Resume sending", "Done", "Join the waitlist"} <= labels
    assert "Skip" not in labels
    assert "Join" not in labels


async def test_an_intake_question_names_its_skip_button_as_it_reads(bot):
    ann = bot.user(1531, "Ann")
    await ann.press(await to_summary(bot, ann), "Confirm")
    await ann.press(await ann.wait_for("short questions"), "Answer 5 questions")
    question = await ann.wait_for("Question 1 of 5")
    assert QUOTED.findall(question.text), "the question tells the patient which button skips it"
    assert named_but_missing(question.text, question.button_labels()) == []
    await ann.press(await ann.wait_for("Question 1 of 5"), "Skip this question")
    choice = await ann.wait_for("Question 2 of 5")
    await ann.send("maybe")  # not an answer to a choice: the reply names the buttons to use
    nudge = await ann.wait_for("Please tap one of the answers")
    assert len(QUOTED.findall(nudge.text)) == 2
    assert named_but_missing(nudge.text, choice.button_labels()) == []


@pytest.mark.parametrize("lang, join", [("en", "⏳ Join the waitlist for these days"),
                                        ("es", "⏳ Lista de espera para estos días")])
async def test_the_waitlist_preferences_name_the_join_button_as_it_reads(bot, lang, join):
    fill_first_week_but(bot, at(10))
    direct_book(bot, 1533, at(10))
    direct_book(bot, 1534, at(10))
    kim = bot.user(1532, "Kim", language_code=lang)
    await kim.send("/book")
    await press(kim, await until(kim, with_button(":acupuncture")), ":acupuncture")
    await kim.press(await until(kim, lambda m: join in m.button_labels()), join)
    prefs = await until(kim, with_button("book:wj"))
    assert QUOTED.findall(prefs.text)
    assert named_but_missing(prefs.text, prefs.button_labels()) == []
