"""Gaps found in review (December 2026), each reproduced through the real bot before its fix.

The clock starts Wed 10 June 2026, 09:00 New York (tests/conftest.py).
"""

from __future__ import annotations

import pytest

from tests.test_languages import until
from wellbot.bot.render import Renderer
from wellbot.core import i18n
from wellbot.core.clinic import load_clinic
from wellbot.core.resources import example_clinic_file
from wellbot.triage.settings import triage_settings

# ---- 2. the crisis line is named once: the clinic's value already says how to reach it ----------------------


@pytest.mark.parametrize("lang, text, how", [
    ("en", "I want to end my life", "call or text"),
    ("es", "mi familia estaria mejor sin mi", "mensaje de texto"),
])
async def test_the_crisis_reply_says_how_to_reach_the_line_once(bot, lang, text, how):
    rosa = bot.user(3201, "Rosa", language_code=lang)
    await rosa.send(text)
    urgent = await until(rosa, lambda m: "988" in m.text)
    assert urgent.text.count(how) == 1, urgent.text


@pytest.mark.parametrize("lang, how", [("en", "call or text"), ("es", "mensaje de texto")])
def test_the_safety_line_says_how_to_reach_the_crisis_line_once(lang, how):
    clinic = load_clinic(example_clinic_file())
    renderer = Renderer(clinic.timezone)
    renderer.set_clinic(clinic)
    with i18n.speaking(lang):
        line = renderer.render("triage_safety_line", crisis=True,
                               crisis_line=triage_settings(clinic.localized(lang)).crisis_line)
    assert line.count(how) == 1, line
