"""Intake questions from the clinic file: `[[intake.questions]]`, and each service's `intake` list.

Plain data, validated once by the feature's check hook, so the intake
handlers never see a malformed question. No Telegram here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wellbot.core.errors import ConfigError
from wellbot.core.i18n import N_

TEXT, SCORE, YES_NO, CHOICE = "text", "score", "yes_no", "choice"
KINDS = (TEXT, SCORE, YES_NO, CHOICE)
YES, NO = N_("Yes"), N_("No")  # stored as written here; the buttons show them in the patient's language
# Typed instead of pressing Yes or No (in Spanish too: a patient may answer in either language).
TYPED_YES = frozenset({"yes", "y", "yeah", "yep", "yes i do", "i do", "sí", "si", "claro", "sí tomo", "si tomo"})
TYPED_NO = frozenset({"no", "n", "nope", "no i don't", "i don't", "i do not", "none", "ninguno", "ninguna",
                      "no tomo", "nada"})
SCORE_RANGE = range(0, 11)  # pain scores 0 to 10
MAX_OPTIONS = 6
MAX_OPTION_CHARS = 24  # options travel inside callback_data
MAX_ANSWER_CHARS = 500  # a typed answer longer than this is refused, not cut


@dataclass(frozen=True)
class Question:
    """One intake question: a stable key, how it is answered, and its wording."""

    key: str
    kind: str
    text: str
    options: tuple[str, ...] = ()

    def choices(self) -> tuple[str, ...]:
        """The answers offered as buttons (none for typed text)."""
        if self.kind == SCORE:
            return tuple(str(n) for n in SCORE_RANGE)
        if self.kind == YES_NO:
            return (YES, NO)
        return self.options


@dataclass(frozen=True)
class Intake:
    """Every intake question, and which ones each service asks, in order."""

    questions: dict[str, Question]
    by_service: dict[str, tuple[str, ...]]

    def for_service(self, service_key: str) -> list[Question]:
        """The questions a visit for this service asks, in the clinic file's order."""
        return [self.questions[k] for k in self.by_service.get(service_key, ()) if k in self.questions]


def parse_intake(raw: dict[str, Any], where: str) -> Intake:
    """Read `[[intake.questions]]` and every service's `intake = [...]`; ConfigError names the problem."""
    section = raw.get("intake", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{where} [intake]", "must be a table")
    questions: dict[str, Question] = {}
    for index, entry in enumerate(section.get("questions", []), start=1):
        question = _question(entry, f"{where} [[intake.questions]] #{index}")
        if question.key in questions:
            raise ConfigError(f"{where} [[intake.questions]] #{index}", f"duplicate key {question.key!r}")
        questions[question.key] = question
    by_service: dict[str, tuple[str, ...]] = {}
    for index, service in enumerate(raw.get("services", []), start=1):
        keys = service.get("intake", []) if isinstance(service, dict) else []
        here = f"{where} [[services]] #{index}"
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ConfigError(here, "`intake` must be a list of question keys")
        unknown = [k for k in keys if k not in questions]
        if unknown:
            raise ConfigError(here, f"intake question(s) not in [[intake.questions]]: {', '.join(unknown)}")
        by_service[str(service.get("key"))] = tuple(keys)
    return Intake(questions, by_service)


def _question(entry: Any, where: str) -> Question:
    if not isinstance(entry, dict):
        raise ConfigError(where, "must be a table with key, kind and text")
    key, kind, text = entry.get("key"), entry.get("kind", TEXT), entry.get("text")
    if not isinstance(key, str) or not key.replace("_", "").isalnum() or not 1 <= len(key) <= 24:
        raise ConfigError(where, "`key` must be 1-24 characters of a-z, 0-9 or _")
    if kind not in KINDS:
        raise ConfigError(where, f"`kind` must be one of {', '.join(KINDS)}")
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(where, "`text` (the question as patients see it) is required")
    options = entry.get("options", [])
    if kind == CHOICE:
        if (not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS
                or not all(isinstance(o, str) and 0 < len(o) <= MAX_OPTION_CHARS and ":" not in o for o in options)):
            raise ConfigError(where, f"a choice needs 2-{MAX_OPTIONS} `options`, each 1-{MAX_OPTION_CHARS} "
                                     "characters without ':'")
    elif options:
        raise ConfigError(where, "`options` are only for kind = \"choice\"")
    return Question(key, kind, text.strip(), tuple(options))


def intake_of(clinic: Any) -> Intake:
    """The clinic's intake questions (parsed on each call: a few dozen lines of TOML at most)."""
    return parse_intake(clinic.raw, str(clinic.path))


def pending(questions: list[Question], answers: dict[str, str | None]) -> list[Question]:
    """The questions neither answered nor skipped yet, in order (where a resumed intake starts)."""
    return [q for q in questions if q.key not in answers]


def valid_answer(question: Question, answer: str) -> bool:
    """True if `answer` is one this question accepts (a button's value, or typed text that fits)."""
    if question.kind == TEXT:
        return 0 < len(answer.strip()) <= MAX_ANSWER_CHARS
    return answer in question.choices()


def typed_answer(question: Question, text: str) -> str | None:
    """The answer typed text gives this question ("7" for a score, "yes" for Yes), or None if it fits none."""
    text = " ".join(text.split())
    if question.kind == TEXT:
        return text if valid_answer(question, text) else None
    said = text.lower().rstrip(".!")
    if question.kind == YES_NO:
        return YES if said in TYPED_YES else NO if said in TYPED_NO else None
    if question.kind == SCORE:
        said = said.removesuffix("/10").removesuffix(" out of 10").strip()
    return next((c for c in question.choices() if c.lower() == said), None)
