"""Print triage's reading of every message in every known set, one line each, to diff before and after a change.

Run from the repository root:
    python benchmarks/triage_readings.py > /tmp/before.txt
    ... change the code ...
    python benchmarks/triage_readings.py > /tmp/after.txt && diff /tmp/before.txt /tmp/after.txt

A refactor that means to keep behaviour must leave the output identical:
each line holds the English and the Spanish readings (rules alone, rules and
model, the model's probability) and the bot's merged finding (urgent or
not, the concept, whether the crisis line is given).
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.known_sets import ALL_FILES  # noqa: E402
from wellbot.triage import logic, model, spanish  # noqa: E402
from wellbot.triage.logic import Finding  # noqa: E402


def messages(path: Path) -> list[str]:
    """Every message of a set file: triage texts, FAQ questions, intents and off-topic questions."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for value in data.values():
        for item in value if isinstance(value, list) else []:
            if isinstance(item, str):
                found.append(item)
            elif isinstance(item, dict):
                found += [item[k] for k in ("text", "q") if isinstance(item.get(k), str)]
    return found


def show(finding: Finding) -> str:
    """One finding as level/concept, with a star for the crisis line."""
    return f"{finding.level.value}/{finding.concept}{'*' if finding.crisis else ''}"


def reading(text: str) -> str:
    """Everything triage makes of one message, on one line."""
    english, english_marked = logic.rules_reading(text)
    spanish_rules, spanish_marked = spanish.rules_reading(text)
    return " ".join((
        show(english), str(english_marked), show(logic.assess(text)),
        show(spanish_rules), str(spanish_marked), show(spanish.assess(text)),
        show(spanish.assess_both(text)), f"{_probability(logic.model_features(text), model.MODEL_FILE):.6f}",
        f"{_probability(spanish.model_features(text), model.MODEL_FILE_ES):.6f}",
    ))


def _probability(found: dict[str, float], path: Path) -> float:
    """A shipped model's probability for these features."""
    weights, bias = model._shipped(path)
    return model.score(weights, bias, found)


def main() -> None:
    for path in ALL_FILES:
        for text in messages(path):
            print(f"{path.relative_to(ROOT)}\t{text!r}\t{reading(text)}")


if __name__ == "__main__":
    main()
