"""Issue 14's measures through the running bot: what a new patient SEES for every message of one set.

Run from the repository root:  python benchmarks/understanding_live.py SET.toml
SET.toml is in the held-out sets' format (`emergencies` [{text, concept}],
`near_misses` [{text, kind}], `questions` [{q, expect}], `off_topic`
[strings]; any part may be absent), or an intents set's (`messages`
[{text, expect}], expect an intent or "none").

The real telegram.ext.Application is built and started as the tests do
(tests/harness.py), polling the strict local Bot API server
(wellbot/sim/devserver.py) over HTTP on 127.0.0.1, with the example clinic.
Each message is typed by a brand-new patient in a fresh private chat (a new
user id per message: a new patient may type a question at once, no /start
or consent step comes first), in concurrent batches. What the patient saw
is read from the chat, by comparing each message with the screens the bot
renders: the urgent reply (first, before anything else), the safety line,
an FAQ answer (each entry's answer rendered from the content in the bot's
database), the "which did you mean" choices (the entry on the first
button), the honest "I don't know", and the intent screens (booking's first
step, My visits, help, the front desk, greeting, thanks, menu, clinic
facts; the command screens are captured from the running bot with /book,
/visits, /help and /ask).

Prints the measures of benchmarks/understanding.py's measure() read live,
measure()'s own figures, and how many messages the two readings disagree
on (triage level, and the first answer). Message texts are never printed
unless asked: --show-misses lists the live misses, --show-disagreements
the messages where the two readings differ (the lead runs this on blind
sets).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure the checkout, as the tests do

from benchmarks.understanding import first_answer, load, measure  # noqa: E402
from tests.conftest import DEFAULT_START  # noqa: E402
from tests.harness import TOKEN, Harness  # noqa: E402
from tests.known_sets import is_right  # noqa: E402
from wellbot.clinic_info import actions as info_actions  # noqa: E402
from wellbot.conversation.logic import Intent  # noqa: E402
from wellbot.core.clinic import load_clinic  # noqa: E402
from wellbot.core.db import open_database  # noqa: E402
from wellbot.core.resources import example_clinic_file  # noqa: E402
from wellbot.faq import loading, store  # noqa: E402
from wellbot.faq.content import load_content  # noqa: E402
from wellbot.faq.handlers import _label as button_label  # noqa: E402
from wellbot.sim.devserver import BotAPIServer, SentMessage, SimUser  # noqa: E402
from wellbot.triage.logic import Level  # noqa: E402
from wellbot.triage.settings import triage_settings  # noqa: E402
from wellbot.triage.spanish import assess_both  # noqa: E402

FIRST_PATIENT_ID = 100_000  # far from the staff id and the reference patients
REFERENCE_PATIENT_ID = 90_000
PATIENT_NAME = "Pat"
DEFAULT_BATCH = 50  # messages typed at once, each by its own patient
SETTLE_SECONDS = 120.0  # a batch must be fully handled within this
HOURS_BLOCK = "<b>Opening hours</b>"  # the week's hours every hours answer ends with

URGENT, MENTION, NONE = "urgent", "safety line", "none"
LEVELS = {Level.URGENT: URGENT, Level.MENTION: MENTION, Level.NONE: NONE}
UNRECOGNISED = "unrecognised screen"


@dataclass(frozen=True)
class Message:
    """One message of the set: which part it is from, its text, what it expects (FAQ questions)."""

    part: str
    text: str
    expect: str = ""


@dataclass(frozen=True)
class Reading:
    """What one message got: the triage level seen, and the first answer (entry id, `intent:...`, None)."""

    level: str
    answer: str | None

    def describe(self) -> str:
        """A short label for listings."""
        answer = "urgent reply" if self.level == URGENT else (self.answer or "I don't know")
        return f"{answer}{' + safety line' if self.level == MENTION else ''}"


def messages_of(data: dict) -> list[Message]:
    """Every message of a set, part by part."""
    return ([Message("emergencies", c["text"]) for c in data.get("emergencies", [])]
            + [Message("near_misses", c["text"]) for c in data.get("near_misses", [])]
            + [Message("questions", c["q"], c["expect"]) for c in data.get("questions", [])]
            + [Message("off_topic", text) for text in data.get("off_topic", [])]
            + [Message("intents", m["text"], m["expect"]) for m in data.get("messages", [])])


class Screens:
    """The screens a patient can be shown for typed text, as the running bot renders them (exact HTML)."""

    def __init__(self, harness: Harness, captured: dict[str, str]) -> None:
        deps = harness.deps
        renderer = deps.renderer
        crisis_line = triage_settings(deps.clinic).crisis_line
        self.urgent = {renderer.render("triage_urgent", crisis=crisis, crisis_line=crisis_line, in_flow=False)
                       for crisis in (False, True)}
        self.safety = {renderer.render("triage_safety_line", crisis=crisis, crisis_line=crisis_line)
                       for crisis in (False, True)}
        self.choices = renderer.render("faq_choices")
        self.by_html: dict[str, set[str | None]] = {}
        self._add(renderer.render("faq_no_match"), None)
        settings = loading.settings_for(deps.clinic)
        self.by_label: dict[str, set[str]] = {}
        language = deps.base_clinic.default_language
        for (entry_id,) in deps.db.execute("select id from faq_entries where language = ?", [language]):
            entry = store.entry(deps.db, entry_id, language)
            self._add(renderer.render_parts(loading.ANSWER_TEMPLATE, **loading.answer_values(entry, settings))[0],
                      entry_id)
            self.by_label.setdefault(button_label(entry.question), set()).add(entry_id)
        for intent, template in ((Intent.GREETING, "conv_greeting"), (Intent.THANKS, "conv_thanks"),
                                 (Intent.MENU, "conv_menu")):
            self._add(renderer.render(template, first_name=PATIENT_NAME), f"intent:{intent.value}")
        for intent in (Intent.ADDRESS, Intent.PHONE, Intent.PARKING, Intent.TRANSIT, Intent.PRICES, Intent.INSURANCE):
            self._add(renderer.render("info_fact", **info_actions.fact_values(deps, intent.value)),
                      f"intent:{intent.value}")
        for intent, html in captured.items():
            self._add(html, f"intent:{intent}")
        hours = renderer.render("info_hours", **info_actions.hours_values(deps))
        self.hours_block = hours[hours.index(HOURS_BLOCK):]

    def _add(self, html: str, answer: str | None) -> None:
        """One screen; screens that render the same (two facts the clinic has no text for) keep every name."""
        self.by_html.setdefault(html, set()).add(answer)

    def read(self, seen: list[SentMessage]) -> tuple[Reading, set[str | None]]:
        """The reading of what one patient saw, and every answer the first screen may stand for."""
        if seen and seen[0].html in self.urgent:
            return Reading(URGENT, "urgent"), {"urgent"}
        shown = [message for message in seen if message.html not in self.safety]
        level = MENTION if len(shown) < len(seen) else NONE
        answers = self._answers(shown[0]) if shown else {UNRECOGNISED}
        first = sorted(answers, key=str)[0]
        return Reading(level, first), answers

    def _answers(self, message: SentMessage) -> set[str | None]:
        """Which answer(s) one screen is."""
        if message.html in self.by_html:
            return self.by_html[message.html]
        if message.html == self.choices:
            labels = message.button_labels()
            return set(self.by_label.get(labels[0], {UNRECOGNISED})) if labels else {UNRECOGNISED}
        if message.html.endswith(self.hours_block):
            return {f"intent:{Intent.HOURS.value}"}
        return {UNRECOGNISED}


async def capture_command_screens(harness: Harness) -> dict[str, str]:
    """The first screen of /book, /visits, /help and /ask, each for a new patient: what the intents open."""
    captured = {}
    commands = {Intent.BOOK: "/book", Intent.VISITS: "/visits", Intent.HELP: "/help", Intent.HUMAN: "/ask"}
    for number, (intent, command) in enumerate(commands.items()):
        patient = harness.user(REFERENCE_PATIENT_ID + number, PATIENT_NAME)
        await patient.send(command)
        captured[intent.value] = (await patient.next_message(timeout=SETTLE_SECONDS)).html
    return captured


async def live_readings(messages: list[Message], batch: int) -> list[tuple[Reading, set[str | None]]]:
    """Start the bot, have a new patient type each message, and read what each saw."""
    server = BotAPIServer(token=TOKEN)
    await server.start()
    with tempfile.TemporaryDirectory() as scratch:
        harness = Harness(server, Path(scratch) / "wellbot.db", DEFAULT_START)
        harness.staff()  # staff have a chat with the bot, so urgent replies' alerts reach someone
        await harness.start()
        try:
            screens = Screens(harness, await capture_command_screens(harness))
            readings = []
            for start in range(0, len(messages), batch):
                patients: list[SimUser] = []
                for offset, message in enumerate(messages[start:start + batch]):
                    patient = harness.user(FIRST_PATIENT_ID + start + offset, PATIENT_NAME)
                    await patient.send(message.text)
                    patients.append(patient)
                await harness.settle(SETTLE_SECONDS)
                readings += [screens.read(patient.messages) for patient in patients]
        finally:
            await harness.stop()
            await server.stop()
    return readings


def function_db():
    """The in-memory FAQ database measure() reads, loaded the way understanding.py loads it."""
    clinic = load_clinic(example_clinic_file())
    db = open_database(":memory:")
    store.replace_content(db, load_content(clinic.directory / "faq", [s.key for s in clinic.services]))
    return db


def function_reading(db, message: Message) -> Reading:
    """measure()'s reading of one message: triage by assess_both, then the first answer unless urgent."""
    level = LEVELS[assess_both(message.text).level]
    return Reading(level, "urgent" if level == URGENT else first_answer(db, message.text))


def figures(messages: list[Message], readings: list[Reading]) -> dict[str, tuple[int, int]]:
    """The live measures, labelled as measure() labels them."""
    def part(name: str) -> list[tuple[Message, Reading]]:
        return [(m, r) for m, r in zip(messages, readings, strict=True) if m.part == name]

    emergencies, near, questions, off = (part(name) for name in ("emergencies", "near_misses", "questions",
                                                                  "off_topic"))
    intents = part("intents")
    values = {
        "emergencies urgent": (sum(r.level == URGENT for _, r in emergencies), len(emergencies)),
        "near-misses urgent": (sum(r.level == URGENT for _, r in near), len(near)),
        "emergencies with no urgent reply and no safety line": (sum(r.level == NONE for _, r in emergencies),
                                                                len(emergencies)),
        "FAQ right first": (sum(is_right(r.answer, m.expect) for m, r in questions), len(questions)),
        "  of which My visits for a reschedule question": (
            sum(r.answer != m.expect and is_right(r.answer, m.expect) for m, r in questions), len(questions)),
        "off-topic 'I don't know'": (sum(r.level != URGENT and r.answer is None for _, r in off), len(off)),
        # measure() does not triage FAQ questions; a patient asking one may get the urgent reply instead.
        "FAQ questions and off-topic that got the urgent reply": (
            sum(r.level == URGENT for _, r in questions + off), len(questions + off)),
    }
    if intents:
        values["basics and clinic facts"] = (sum(intent_of(r) == m.expect for m, r in intents), len(intents))
    return values


def intent_of(reading: Reading) -> str:
    """The intent a reading shows, "none" for anything else (measure()'s reading of the intents sets)."""
    answer = reading.answer or ""
    return answer.removeprefix("intent:") if reading.level != URGENT and answer.startswith("intent:") else "none"


def is_miss(message: Message, reading: Reading) -> bool:
    """Whether the live bot got this message wrong by the issue's measures."""
    if message.part == "emergencies":
        return reading.level != URGENT
    if message.part == "near_misses":
        return reading.level == URGENT
    if message.part == "questions":
        return not is_right(reading.answer, message.expect)
    if message.part == "intents":
        return intent_of(reading) != message.expect
    return reading.level == URGENT or reading.answer is not None


def print_figures(title: str, values: dict[str, tuple[int, int]]) -> None:
    """One block of figures."""
    print(f"\n{title}")
    for label, (hits, total) in values.items():
        print(f"  {label:<55} {hits}/{total} ({hits / total:.0%})" if total else f"  {label:<55} -")


def listing(title: str, rows: Iterable[str]) -> None:
    """A titled list (only printed when asked)."""
    rows = list(rows)
    print(f"\n{title}: {len(rows)}")
    for row in rows:
        print(f"  {row}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set_file", type=Path, help="a set in the held-out sets' TOML format")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help=f"messages sent at once [{DEFAULT_BATCH}]")
    parser.add_argument("--show-misses", action="store_true", help="print the live misses (message texts)")
    parser.add_argument("--show-disagreements", action="store_true",
                        help="print the messages where the live bot and the function reading differ")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the worker's warnings (urgent replies, loop lag) are not figures
    messages = messages_of(load(args.set_file))
    start = time.perf_counter()
    live = asyncio.run(live_readings(messages, args.batch))
    elapsed = time.perf_counter() - start
    readings = [reading for reading, _ in live]
    print(f"{len(messages)} messages, each from a new patient, through the running bot in {elapsed:.1f} s")
    print_figures("through the running bot (what each patient saw)", figures(messages, readings))

    db = function_db()
    print_figures("measure() in benchmarks/understanding.py (function calls; FAQ questions not triaged)",
                  measure(db, args.set_file, args.set_file, args.set_file if any(m.part == "intents" for m in messages)
                          else None))

    functions = [function_reading(db, message) for message in messages]
    unrecognised = [m for m, (r, _) in zip(messages, live, strict=True) if r.answer == UNRECOGNISED]
    triage_apart = [(m, r, f) for m, r, f in zip(messages, readings, functions, strict=True) if r.level != f.level]
    answer_apart = [(m, r, f) for m, (r, answers), f in zip(messages, live, functions, strict=True)
                    if r.level == f.level and f.answer not in answers]
    print(f"\nlive vs function reading, {len(messages)} messages: triage level differs on {len(triage_apart)}, "
          f"first answer differs on {len(answer_apart)} (same level), screens not recognised {len(unrecognised)}")
    for name in ("emergencies", "near_misses", "questions", "off_topic", "intents"):
        total = sum(m.part == name for m in messages)
        apart = sum(m.part == name for m, _, _ in triage_apart + answer_apart)
        if total:
            print(f"  {name:<12} agree {total - apart}/{total}")
    if args.show_disagreements:
        listing("disagreements (part: live | functions: text)",
                (f"{m.part}: {r.describe()} | {f.describe()}: {m.text!r}" for m, r, f in triage_apart + answer_apart))
    if args.show_misses:
        listing("live misses (part, expected: saw: text)",
                (f"{m.part}{' ' + m.expect if m.expect else ''}: {r.describe()}: {m.text!r}"
                 for m, r in zip(messages, readings, strict=True) if is_miss(m, r)))


if __name__ == "__main__":
    main()
