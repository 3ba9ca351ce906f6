"""A small learned reader of emergencies: logistic regression over words and letter groups. No Telegram imports.

The concept rules in wellbot.triage.logic miss about a fifth of new wordings
(benchmarks/README.md). This model reads the same folded, typo-repaired
clauses and scores how much a message sounds like an emergency, from words,
word pairs and the letter groups inside words (so "breathin", "brething" and
"breathing" share most of their features). Words with digits in them are left
out: figures say nothing about whether a message is an emergency, and a model
that saw "30 minutes ago" and "fever 39.5" in emergencies learned to read a
phone number, a time or a date of birth as one. Its weights are trained by
benchmarks/triage_model.py on every known set and ship in model.json beside
this file: nothing is downloaded or trained at run time.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("model.json")
MODEL_FILE_ES = Path(__file__).with_name("model_es.json")  # the Spanish reading's model (wellbot.triage.spanish)
CHAR_SIZES = (3, 4, 5)  # letter groups of these lengths, inside one word (with its edges marked)
CHAR_WEIGHT = 0.5  # letter groups are many and overlapping: each counts less than a whole word
MAX_EXPONENT = 30.0  # keeps math.exp in range for any score


def words_of(clause: str) -> list[str]:
    """The clause's words the model reads: every one without a digit ("took 20 pills" reads as "took pills")."""
    return [word for word in clause.split() if not any(ch.isdigit() for ch in word)]


def features(clauses: Iterable[str], tags: Iterable[str] = ()) -> dict[str, float]:
    """The message's features: words, word pairs (within a clause), letter groups and triage's own tags; unit length."""
    found: dict[str, float] = {}
    for clause in clauses:
        words = words_of(clause)
        for word in words:
            found["w:" + word] = 1.0
            edged = f"<{word}>"
            for size in CHAR_SIZES:
                for start in range(len(edged) - size + 1):
                    found["c:" + edged[start:start + size]] = CHAR_WEIGHT
        for first, second in itertools.pairwise(words):
            found[f"b:{first} {second}"] = 1.0
    for tag in tags:
        found["t:" + tag] = 1.0
    norm = math.sqrt(sum(v * v for v in found.values())) or 1.0
    return {k: v / norm for k, v in found.items()}


def score(weights: Mapping[str, float], bias: float, found: Mapping[str, float]) -> float:
    """The probability (0 to 1) that the features describe an emergency happening now."""
    total = bias + sum(weights.get(name, 0.0) * value for name, value in found.items())
    return 1.0 / (1.0 + math.exp(-max(-MAX_EXPONENT, min(MAX_EXPONENT, total))))


@cache
def _shipped(path: Path) -> tuple[dict[str, float], float]:
    """A shipped model's weights and bias, read once."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["weights"], float(data["bias"])


def probability(clauses: Iterable[str], tags: Iterable[str] = (), path: Path = MODEL_FILE) -> float:
    """How much the message sounds like an emergency now, by a shipped model (English unless `path` says) (0 to 1)."""
    weights, bias = _shipped(path)
    return score(weights, bias, features(clauses, tags))
