"""Train triage's learned model, and estimate honestly how it generalises (leave one set out).

Run from the repository root:
    python benchmarks/triage_model.py            # leave-one-set-out figures, then train and write the model
    python benchmarks/triage_model.py --compare  # also naive Bayes and the model without letter groups/augmentation

The known sets are the triage tuning set and held-out sets 1-10 (each with
emergencies and near-misses; FAQ questions and off-topic questions count as
harmless messages too). For each of the 11 sets, a model is trained without
it and measured on it: that figure estimates what happens on wording nobody
tuned on. Then one model is trained on all of them and written to
wellbot/triage/model.json (what ships). The rules in wellbot/triage/logic.py
were tuned with all of these sets in view, so the figures for "rules" and
"rules + model" on a left-out set are NOT blind; the blind figures of the
rules alone are in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tomllib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wellbot.triage import logic, model  # noqa: E402

TESTS = ROOT / "tests"
HELDOUT = TESTS / "heldout"
# (name, triage file, FAQ file): the eleven known sets (set 10 since its blind run).
# Never the blind Spanish ones (es_*).
SETS = [
    ("tuning", TESTS / "triage_tuning.toml", TESTS / "faq_questions.toml"),
    ("held-out 1", HELDOUT / "triage_heldout.toml", HELDOUT / "faq_heldout.toml"),
    *((f"held-out {n}", HELDOUT / f"round{n}_heldout.toml", HELDOUT / f"round{n}_heldout.toml") for n in range(2, 11)),
]
INTENTS = TESTS / "intents_tuning.toml"
EPOCHS = 15
LEARNING_RATE = 0.5
L2 = 1e-3  # compared with 1e-4 and 1e-5 (30 epochs) by the figures below: the same trade-off, fewer wild scores
PRUNE = 1e-3  # weights smaller than this are left out of the shipped file
SEED = 14
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9)  # each is measured as the model's "urgent" line
LOW = logic.MODEL_CONFIRMS
LOWS = (0.0, 0.1, 0.2, 0.3, 0.5)  # the rules' urgent finding stands from this probability (measured: sets 5-9)

Example = tuple[str, int]  # (text, 1 for an emergency happening now)


def load_set(triage_file: Path, faq_file: Path) -> dict[str, list[str]]:
    """One set's messages by kind."""
    triage = tomllib.loads(triage_file.read_text(encoding="utf-8"))
    faq = tomllib.loads(faq_file.read_text(encoding="utf-8"))
    return {
        "emergencies": [c["text"] for c in triage["emergencies"]],
        "near_misses": [c["text"] for c in triage["near_misses"]],
        "harmless": [c["q"] for c in faq["questions"]] + list(faq["off_topic"]),
    }


def examples(data: dict[str, list[str]]) -> list[Example]:
    """Emergencies as positives, near-misses and harmless questions as negatives."""
    return ([(t, 1) for t in data["emergencies"]] + [(t, 0) for t in data["near_misses"]]
            + [(t, 0) for t in data["harmless"]])


def typo(text: str, rng: random.Random) -> str:
    """The text with a letter dropped, doubled or swapped in two of its longer words (as patients type)."""
    words = text.split()
    for _ in range(2):
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) < 5:
            continue
        j = rng.randrange(1, len(w) - 1)
        kind = rng.randrange(3)
        words[i] = (w[:j] + w[j + 1:] if kind == 0 else w[:j] + w[j] + w[j:] if kind == 1
                    else w[:j] + w[j + 1] + w[j] + w[j + 2:])
    return " ".join(words)


# How patients wrap a message. Given to emergencies and harmless messages
# alike, so that the wrapping itself says nothing ("hi, can you help me? i
# can not breathe" is still an emergency).
WRAPPERS = (
    "hi, {}", "hello {}", "sorry to bother you but {}", "can you help me? {}", "{} what should i do?",
    "{} please help", "good morning, {}", "{} is that normal?", "quick question, {}", "{}, can someone call me",
)


def augment(train: list[Example], rng: random.Random) -> list[Example]:
    """The examples plus a typo'd copy and a politely wrapped copy of each."""
    return (train + [(typo(t, rng), y) for t, y in train]
            + [(rng.choice(WRAPPERS).format(t), y) for t, y in train])


def featurize(text: str, chars: bool = True) -> dict[str, float]:
    """What the shipped model sees of a message (the same call as triage makes)."""
    found = logic.model_features(text)
    if not chars:
        found = {k: v for k, v in found.items() if not k.startswith("c:")}
    return found


def train_logistic(data: list[tuple[dict[str, float], int]], seed: int = SEED) -> tuple[dict[str, float], float]:
    """Logistic regression by stochastic gradient descent (AdaGrad steps, L2), classes weighted to balance."""
    rng = random.Random(seed)
    positives = sum(y for _, y in data) or 1
    class_weight = {1: len(data) / (2 * positives), 0: len(data) / (2 * (len(data) - positives or 1))}
    weights: dict[str, float] = {}
    squares: dict[str, float] = {}
    bias, bias_square = 0.0, 0.0
    order = list(range(len(data)))
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for i in order:
            found, y = data[i]
            p = model.score(weights, bias, found)
            grad = (p - y) * class_weight[y]
            for name, value in found.items():
                g = grad * value + L2 * weights.get(name, 0.0)
                squares[name] = squares.get(name, 0.0) + g * g
                weights[name] = weights.get(name, 0.0) - LEARNING_RATE * g / math.sqrt(squares[name])
            bias_square += grad * grad
            bias -= LEARNING_RATE * grad / math.sqrt(bias_square)
    return weights, bias


def train_bayes(data: list[tuple[dict[str, float], int]]) -> Callable[[dict[str, float]], float]:
    """Multinomial naive Bayes over the same features (for comparison), as a probability function."""
    counts = {0: Counter[str](), 1: Counter[str]()}
    for found, y in data:
        counts[y].update({k: v for k, v in found.items()})
    vocab = set(counts[0]) | set(counts[1])
    totals = {y: sum(c.values()) + len(vocab) for y, c in counts.items()}
    prior = math.log(sum(y for _, y in data) / (len(data) - sum(y for _, y in data)))

    def probability(found: dict[str, float]) -> float:
        logit = prior + sum(v * (math.log((counts[1][k] + 1) / totals[1]) - math.log((counts[0][k] + 1) / totals[0]))
                            for k, v in found.items() if k in vocab)
        return 1 / (1 + math.exp(-max(-30, min(30, logit))))

    return probability


def rules(text: str) -> tuple[logic.Finding, bool]:
    """The concept rules alone (no model), and whether they read a finding as a mention."""
    return logic.rules_reading(text)


def leave_one_out(kind: str, chars: bool, augmented: bool, probabilities: dict | None = None) -> dict:
    """Per threshold, pooled counts (model alone; rules + model), each set measured by a model trained without it."""
    sets = {name: load_set(t, f) for name, t, f in SETS}
    intents = [(m["text"], 0) for m in tomllib.loads(INTENTS.read_text(encoding="utf-8"))["messages"]]
    pooled: dict[str, dict[float, list[int]]] = {}
    print(f"\nleave one set out: {kind}, letter groups {'on' if chars else 'off'}, "
          f"typo augmentation {'on' if augmented else 'off'}")
    print(f"  {'left-out set':<12} {'threshold':>9}  {'model: urgent / false / harmless':>34}  "
          f"{'rules+model: urgent / false / harmless':>40}")
    for name, left_out in sets.items():
        train = intents + [e for other, data in sets.items() if other != name for e in examples(data)]
        if augmented:
            train = augment(train, random.Random(SEED))
        featurized = [(featurize(t, chars), y) for t, y in train]
        if kind == "logistic":
            weights, bias = train_logistic(featurized)

            def prob(found: dict[str, float], w: dict[str, float] = weights, b: float = bias) -> float:
                return model.score(w, b, found)
        else:
            prob = train_bayes(featurized)
        scored = {part: [(text, prob(featurize(text, chars)), rules(text)) for text in texts]
                  for part, texts in left_out.items()}
        if probabilities is not None:
            probabilities[name] = {part: [p for _t, p, _f in rows] for part, rows in scored.items()}
        for t in THRESHOLDS:
            counts = []
            for use_rules in (False, True):
                for part in ("emergencies", "near_misses", "harmless"):
                    counts.append(sum(
                        logic.combine(*f, p, LOW, t, text).level is logic.Level.URGENT if use_rules else p >= t
                        for text, p, f in scored[part]))
            counts += [len(left_out["emergencies"]), len(left_out["near_misses"]), len(left_out["harmless"])]
            row = pooled.setdefault(kind, {}).setdefault(t, [0] * len(counts))
            for i, c in enumerate(counts):
                row[i] += c
            if t == logic.MODEL_URGENT:
                e, n, h = counts[6:]
                print(f"  {name:<12} {t:>9}  {counts[0]:>3}/{e} {counts[1]:>3}/{n} {counts[2]:>3}/{h}"
                      f"{'':>14}{counts[3]:>3}/{e} {counts[4]:>3}/{n} {counts[5]:>3}/{h}")
    print("  pooled over every left-out set:")
    for t, row in pooled[kind].items():
        e, n, h = row[6:]
        print(f"    threshold {t}: model alone urgent {row[0]}/{e} ({row[0] / e:.1%}), false {row[1]}/{n} "
              f"({row[1] / n:.1%}), harmless {row[2]}/{h}; rules + model urgent {row[3]}/{e} ({row[3] / e:.1%}), "
              f"false {row[4]}/{n} ({row[4] / n:.1%}), harmless {row[5]}/{h}")
    return pooled


HISTORY = {5: "6a6d212", 6: "65e8443", 7: "7a17720", 8: "04c9bb2", 9: "e1892d6"}  # commits that added each set
OLD_RULES = """
import json, sys, tomllib
sys.path.insert(0, sys.argv[1])
from wellbot.triage.logic import assess
data = tomllib.loads(open(sys.argv[2], encoding="utf-8").read())
texts = {"emergencies": [c["text"] for c in data["emergencies"]],
         "near_misses": [c["text"] for c in data["near_misses"]],
         "harmless": [c["q"] for c in data["questions"]] + list(data["off_topic"])}
print(json.dumps({part: [[assess(t).level.value, assess(t).concept] for t in ts] for part, ts in texts.items()}))
"""


def _read_as_mention(finding: logic.Finding) -> bool:
    """For old rules, which do not say: any concept mention counts as read as past or hypothetical (cautious)."""
    return finding.level is logic.Level.MENTION and finding.concept != logic.SAFETY_NET


def historical(probabilities: dict) -> None:
    """Sets 5-9 as they first met the code: the rules of the commit that added each set, plus the left-out model.

    This is the honest estimate for rules + model: neither part saw the set.
    """
    import subprocess
    import tempfile

    pooled: dict[str, list[int]] = {}
    for n, commit in HISTORY.items():
        with tempfile.TemporaryDirectory() as tmp:
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "wellbot"], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            old = json.loads(subprocess.run([sys.executable, "-c", OLD_RULES, tmp,
                                             str(HELDOUT / f"round{n}_heldout.toml")],
                                            check=True, capture_output=True, text=True).stdout)
        probs = probabilities[f"held-out {n}"]
        texts = load_set(HELDOUT / f"round{n}_heldout.toml", HELDOUT / f"round{n}_heldout.toml")
        for low in LOWS:
            for t in THRESHOLDS:
                for part in ("emergencies", "near_misses", "harmless"):
                    findings = [logic.Finding(logic.Level(level), concept) for level, concept in old[part]]
                    row = pooled.setdefault(f"{part} {low} {t}", [0, 0, 0, 0, 0])
                    levels = [logic.combine(f, _read_as_mention(f), p, low, t, text).level
                              for f, p, text in zip(findings, probs[part], texts[part], strict=True)]
                    row[0] += sum(f.level is logic.Level.URGENT for f in findings)
                    row[1] += sum(p >= t for p in probs[part])
                    row[2] += sum(level is logic.Level.URGENT for level in levels)
                    row[3] += len(findings)
                    row[4] += sum(level is logic.Level.NONE for level in levels)
    print("\nsets 5-9 as they first met the code (rules of the commit that added each set; model trained without it)")
    e, n, h = (pooled[f"{part} {LOWS[0]} {THRESHOLDS[0]}"] for part in ("emergencies", "near_misses", "harmless"))
    print(f"  rules alone: urgent {e[0]}/{e[3]}, false urgent {n[0]}/{n[3]}, harmless urgent {h[0]}/{h[3]}")
    for t in THRESHOLDS:
        e, n, h = (pooled[f"{part} {LOWS[0]} {t}"] for part in ("emergencies", "near_misses", "harmless"))
        print(f"  model alone at {t}: urgent {e[1]}/{e[3]} ({e[1] / e[3]:.1%}), false urgent {n[1]}/{n[3]} "
              f"({n[1] / n[3]:.1%}), harmless urgent {h[1]}/{h[3]}")
    for low in LOWS:
        for t in THRESHOLDS:
            e, n, h = (pooled[f"{part} {low} {t}"] for part in ("emergencies", "near_misses", "harmless"))
            print(f"  rules + model, confirms {low}, urgent {t}: urgent {e[2]}/{e[3]} ({e[2] / e[3]:.1%}), "
                  f"false urgent {n[2]}/{n[3]} ({n[2] / n[3]:.1%}), harmless urgent {h[2]}/{h[3]}; "
                  f"emergencies with neither the urgent reply nor the safety line {e[4]}")


def rules_alone() -> None:
    """The rules' figures on every set (not blind: they were tuned on all of them)."""
    sets = {name: load_set(t, f) for name, t, f in SETS}
    e = sum(rules(t)[0].level is logic.Level.URGENT for d in sets.values() for t in d["emergencies"])
    n = sum(rules(t)[0].level is logic.Level.URGENT for d in sets.values() for t in d["near_misses"])
    ne = sum(len(d["emergencies"]) for d in sets.values())
    nn = sum(len(d["near_misses"]) for d in sets.values())
    print(f"\nrules alone, every known set (tuned on them, not blind): urgent {e}/{ne}, false {n}/{nn}")


def train_and_write() -> None:
    """Train on every known set (with typo copies) and write the shipped model file."""
    sets = [load_set(t, f) for _name, t, f in SETS]
    intents = [(m["text"], 0) for m in tomllib.loads(INTENTS.read_text(encoding="utf-8"))["messages"]]
    train = augment(intents + [e for data in sets for e in examples(data)], random.Random(SEED))
    weights, bias = train_logistic([(featurize(t), y) for t, y in train])
    kept = {k: round(w, 4) for k, w in sorted(weights.items()) if abs(w) >= PRUNE}
    model.MODEL_FILE.write_text(json.dumps({
        "about": "wellbot triage model: logistic regression, trained by benchmarks/triage_model.py",
        "bias": round(bias, 4), "weights": kept,
    }, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwrote {model.MODEL_FILE.relative_to(ROOT)}: {len(kept)} weights (of {len(weights)}), "
          f"{model.MODEL_FILE.stat().st_size // 1024} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="also measure naive Bayes and simpler features")
    parser.add_argument("--no-write", action="store_true", help="measure only; leave model.json alone")
    args = parser.parse_args()
    rules_alone()
    probabilities: dict = {}
    leave_one_out("logistic", chars=True, augmented=True, probabilities=probabilities)
    historical(probabilities)
    if args.compare:
        leave_one_out("logistic", chars=True, augmented=False)
        leave_one_out("logistic", chars=False, augmented=True)
        leave_one_out("bayes", chars=True, augmented=True)
    if not args.no_write:
        train_and_write()


if __name__ == "__main__":
    main()
