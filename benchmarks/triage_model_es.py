"""Train the Spanish reading's learned model, and estimate honestly how it generalises (leave one set out).

Run from the repository root:
    python benchmarks/triage_model_es.py             # leave-one-set-out figures, then train and write the model
    python benchmarks/triage_model_es.py --no-write  # measure only

The same model and training as English (benchmarks/triage_model.py: logistic
regression over words, word pairs and letter groups, typo'd and politely
wrapped copies), over the Spanish reading's own folded, typo-repaired
clauses (wellbot.triage.spanish.model_features). The known Spanish sets are
the ten batches of tests/triage_tuning_es.toml (each was measured on the code
before being tuned on), the dev set and the first blind Spanish held-out set
(es_round1, known since its one run); the Spanish intents set adds harmless
messages to every training run. Never the second blind Spanish set (es_round2).

For each set, a model trained without it is measured on it. With the rules
as each set first met them (the commit before the one that added it) this
is the honest estimate for rules + model: neither part had seen the set.
Then one model is trained on all of them and written to
wellbot/triage/model_es.json (what ships).
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from triage_model import PRUNE, SEED, THRESHOLDS, train_logistic, typo  # noqa: E402

from wellbot.triage import logic, model, spanish  # noqa: E402

TESTS = ROOT / "tests"
TUNING = TESTS / "triage_tuning_es.toml"
DEV = TESTS / "triage_dev_es.toml"
ROUND1 = TESTS / "heldout" / "es_round1_heldout.toml"
INTENTS = TESTS / "intents_tuning_es.toml"
CATALOGUE = ROOT / "wellbot" / "locale" / "es" / "LC_MESSAGES" / "wellbot.po"
BATCH_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
               "eleventh")
# The commit whose rules each set first met: the parent of the commit that added each batch; the fifth
# round's commit for the dev set (its one run); the commit the lead measured es_round1 at.
FIRST_MET = {
    "batch 2": "45296cb^", "batch 3": "dcefe66^", "batch 4": "208179c^", "batch 5": "81ee0fe^",
    "batch 6": "6d2e7cf^", "batch 7": "956910d^", "batch 8": "7dac321^", "batch 9": "7440047^",
    "batch 10": "31b1de5^", "dev": "81ee0fe", "es_round1": "bec42d6",
}
LOWS = (0.0, 0.5)  # the rules' urgent finding stands from this probability
# How patients wrap a message, given to emergencies and harmless messages alike (so the wrapping says nothing).
WRAPPERS = (
    "hola, {}", "buenas tardes {}", "perdon que moleste pero {}", "me pueden ayudar? {}", "{} que hago?",
    "{} ayuda por favor", "buenos dias, {}", "disculpe, {}", "una pregunta, {}", "{}, alguien me puede llamar",
)
OLD_RULES = """
import json, sys, tomllib
sys.path.insert(0, sys.argv[1])
from wellbot.triage.spanish import assess_both
texts = json.loads(sys.stdin.read())
print(json.dumps({part: [[assess_both(t).level.value, assess_both(t).concept] for t in ts]
                  for part, ts in texts.items()}))
"""

Example = tuple[str, int]
Sets = dict[str, dict[str, list[str]]]


def tuning_batches() -> Sets:
    """The tuning set cut into its ten batches, by the comment that opens each batch."""
    batches: Sets = {f"batch {n}": {"emergencies": [], "near_misses": [], "harmless": []} for n in range(1, 12)}
    part, batch = "emergencies", 1
    for line in TUNING.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("near_misses"):
            part, batch = "near_misses", 1
        elif stripped.startswith("#") and "batch" in stripped:
            batch = BATCH_WORDS.index(re.search(r"(\w+) batch", stripped).group(1)) + 1
        elif stripped.startswith("{ text"):
            batches[f"batch {batch}"][part].append(tomllib.loads("x = " + stripped.rstrip(","))["x"]["text"])
    whole = tomllib.loads(TUNING.read_text(encoding="utf-8"))
    assert sum(len(b["emergencies"]) for b in batches.values()) == len(whole["emergencies"])
    assert sum(len(b["near_misses"]) for b in batches.values()) == len(whole["near_misses"])
    return batches


def load_sets() -> Sets:
    """Every known Spanish set by name: the ten tuning batches, the dev set and es_round1."""
    sets = tuning_batches()
    dev = tomllib.loads(DEV.read_text(encoding="utf-8"))
    sets["dev"] = {"emergencies": [c["text"] for c in dev["emergencies"]],
                   "near_misses": [c["text"] for c in dev["near_misses"]], "harmless": []}
    first = tomllib.loads(ROUND1.read_text(encoding="utf-8"))
    sets["es_round1"] = {"emergencies": [c["text"] for c in first["emergencies"]],
                         "near_misses": [c["text"] for c in first["near_misses"]],
                         "harmless": [c["q"] for c in first["questions"]] + list(first["off_topic"])}
    return sets


def examples(data: dict[str, list[str]]) -> list[Example]:
    """Emergencies as positives, near-misses and harmless questions as negatives."""
    return ([(t, 1) for t in data["emergencies"]] + [(t, 0) for t in data["near_misses"]]
            + [(t, 0) for t in data["harmless"]])


def intents() -> list[Example]:
    """The Spanish conversation set and the bot's own Spanish words (a reply-keyboard label comes back as text)."""
    labels = re.findall(r'^msgstr "(.+)"$', CATALOGUE.read_text(encoding="utf-8"), re.MULTILINE)
    return ([(m["text"], 0) for m in tomllib.loads(INTENTS.read_text(encoding="utf-8"))["messages"]]
            + [(label, 0) for label in labels if "{" not in label])


def augment(train: list[Example], rng: random.Random) -> list[Example]:
    """The examples plus a typo'd copy and a politely wrapped copy of each."""
    return (train + [(typo(t, rng), y) for t, y in train]
            + [(rng.choice(WRAPPERS).format(t), y) for t, y in train])


features = functools.cache(spanish.model_features)  # every fold reads the same messages


def train(data: list[Example]) -> tuple[dict[str, float], float]:
    """The Spanish model trained on these examples (with their copies)."""
    return train_logistic([(features(t), y) for t, y in augment(data, random.Random(SEED))])


def first_met(sets: Sets) -> dict[str, dict[str, list[tuple[logic.Finding, bool]]]]:
    """Each set read by the rules of the commit it first met (assess_both there), and whether read as a mention."""
    found = {}
    for name, commit in FIRST_MET.items():
        with tempfile.TemporaryDirectory() as tmp:
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "wellbot"], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            old = json.loads(subprocess.run([sys.executable, "-c", OLD_RULES, tmp], input=json.dumps(sets[name]),
                                            check=True, capture_output=True, text=True).stdout)
        found[name] = {part: [(f, f.level is logic.Level.MENTION and f.concept != spanish.SAFETY_NET)
                              for f in (logic.Finding(logic.Level(level), concept) for level, concept in rows)]
                       for part, rows in old.items()}
    return found


def decide(text: str, rules: tuple[logic.Finding, bool], p: float, low: float, high: float) -> logic.Finding:
    """What the bot does with the Spanish rules' reading and the model's probability (model only for mostly Spanish)."""
    finding, marked = rules
    if spanish._mostly_spanish(text):
        finding = spanish.combine(finding, marked, p, low, high, text)
    return finding


def tally(rows: dict[str, list[int]], key: str, hits: list[bool]) -> None:
    """Add a count of hits and a total to one pooled row."""
    row = rows.setdefault(key, [0, 0])
    row[0] += sum(hits)
    row[1] += len(hits)


def leave_one_out(sets: Sets, old: dict) -> None:
    """Each set scored by a model trained without it; pooled figures for the model alone and with the rules."""
    pooled: dict[str, list[int]] = {}
    print("left-out set, model alone: urgent emergencies / urgent near-misses / urgent harmless")
    for name, left_out in sets.items():
        line: list[str] = []
        weights, bias = train(intents() + [e for other, data in sets.items() if other != name
                                           for e in examples(data)])
        for part, texts in left_out.items():
            probs = [model.score(weights, bias, features(t)) for t in texts]
            now = [spanish.rules_reading(t) for t in texts]
            english = [logic.assess(t) for t in texts]
            want = logic.Level.URGENT
            for t in THRESHOLDS:
                tally(pooled, f"model {t} {part}", [p >= t for p in probs])
                for low in LOWS:
                    tally(pooled, f"now {low} {t} {part}",
                          [spanish.merge(e, decide(x, r, p, low, t), x).level is want
                           for x, r, p, e in zip(texts, now, probs, english, strict=True)])
                    if name in old:
                        decided = [decide(x, r, p, low, t) for x, r, p in zip(texts, old[name][part], probs,
                                                                               strict=True)]
                        tally(pooled, f"old {low} {t} {part}", [d.level is want for d in decided])
                        tally(pooled, f"old-none {low} {t} {part}", [d.level is logic.Level.NONE for d in decided])
            tally(pooled, f"rules-now {part}",
                  [spanish.merge(e, r[0], x).level is want for x, r, e in zip(texts, now, english, strict=True)])
            if name in old:
                tally(pooled, f"rules-old {part}", [r[0].level is want for r in old[name][part]])
            line.append(f"{sum(p >= spanish.MODEL_URGENT for p in probs)}/{len(texts)}")
        print(f"{name:<11} model alone at {spanish.MODEL_URGENT}: {' '.join(line)}")
    _print_pooled(pooled)


def _print_pooled(pooled: dict[str, list[int]]) -> None:
    """The pooled figures, one line per reading and cut-off."""
    def fig(key: str) -> str:
        hit, total = pooled.get(key, [0, 0])
        return f"{hit}/{total} ({hit / total:.1%})" if total else "-"

    parts = ("emergencies", "near_misses", "harmless")
    print("\npooled over every left-out set: urgent / false urgent / harmless urgent")
    print("  rules now alone (tuned on every set):", " / ".join(fig(f"rules-now {p}") for p in parts))
    print("  rules as first met alone (11 sets, not batch 1):", " / ".join(fig(f"rules-old {p}") for p in parts))
    for t in THRESHOLDS:
        print(f"  model alone at {t}:", " / ".join(fig(f"model {t} {p}") for p in parts))
    for low in LOWS:
        for t in THRESHOLDS:
            print(f"  rules now + model, confirms {low}, urgent {t}:",
                  " / ".join(fig(f"now {low} {t} {p}") for p in parts))
    for low in LOWS:
        for t in THRESHOLDS:
            print(f"  rules as first met + model, confirms {low}, urgent {t}:",
                  " / ".join(fig(f"old {low} {t} {p}") for p in parts),
                  f"; emergencies with neither urgent reply nor safety line {fig(f'old-none {low} {t} emergencies')}")


def train_and_write(sets: Sets) -> None:
    """Train on every known Spanish set (with copies) and write the shipped model file."""
    weights, bias = train(intents() + [e for data in sets.values() for e in examples(data)])
    kept = {k: round(w, 4) for k, w in sorted(weights.items()) if abs(w) >= PRUNE}
    model.MODEL_FILE_ES.write_text(json.dumps({
        "about": "wellbot Spanish triage model: logistic regression, trained by benchmarks/triage_model_es.py",
        "bias": round(bias, 4), "weights": kept,
    }, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwrote {model.MODEL_FILE_ES.relative_to(ROOT)}: {len(kept)} weights (of {len(weights)}), "
          f"{model.MODEL_FILE_ES.stat().st_size // 1024} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="measure only; leave model_es.json alone")
    parser.add_argument("--no-history", action="store_true", help="skip the rules as each set first met them")
    args = parser.parse_args()
    sets = load_sets()
    print("sets:", ", ".join(f"{n} {len(d['emergencies'])}/{len(d['near_misses'])}" for n, d in sets.items()))
    old = {} if args.no_history else first_met(sets)
    leave_one_out(sets, old)
    if not args.no_write:
        train_and_write(sets)


if __name__ == "__main__":
    main()
