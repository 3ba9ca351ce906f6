"""Train triage's learned model for one language, and estimate honestly how it generalises (leave one set out).

Run from the repository root:
    python benchmarks/triage_model.py                       # English: leave-one-set-out figures, then write the model
    python benchmarks/triage_model.py --compare --no-write  # English: also naive Bayes and simpler variants
    python benchmarks/triage_model.py --language es         # Spanish: the same for the Spanish reading's model
    python benchmarks/triage_model.py --only-write          # no figures: retrain and write (after the rules moved)

One model for each lexicon of the triage engine (wellbot.triage.engine):
logistic regression over the lexicon's folded, typo-repaired words, word
pairs and letter groups, trained with a typo'd copy and a politely wrapped
copy of each message. Training is deterministic (fixed seed, fixed order):
the same sets give the same figures and the same model file.

English (--language en): the known sets are the triage tuning and stress
sets, held-out sets 1-14 and 16 and triage dev sets 19 and 20 (FAQ and
off-topic questions count as harmless too). For each of the 19 sets a model
is trained without it and measured on it; held-out sets 5-9 are also
measured with the rules of the commit that added each (as they first met
the code: the honest estimate for rules + model). Then one
model is trained on all of them and written to wellbot/triage/model.json.

Spanish (--language es): the known sets are the batches of
tests/triage_tuning_es.toml, the dev set and es_round1; the Spanish intents
set and the bot's own Spanish words are harmless training for every run.
Never es_round2 (it stays out of training, see benchmarks/README.md).
The model is written to wellbot/triage/model_es.json.

The rules were tuned with all of these sets in view, so the "rules now"
figures on a left-out set are NOT blind.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import random
import re
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import known_sets  # noqa: E402
from wellbot.triage import logic, model, spanish  # noqa: E402

EPOCHS = 15
LEARNING_RATE = 0.5
L2 = 1e-3  # compared with 1e-4 and 1e-5 (30 epochs) by the figures below: the same trade-off, fewer wild scores
PRUNE = 1e-3  # weights smaller than this are left out of the shipped file
SEED = 14
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9)  # each is measured as the model's "urgent" line
LOW = logic.MODEL_CONFIRMS

Example = tuple[str, int]  # (text, 1 for an emergency happening now)
Sets = dict[str, dict[str, list[str]]]  # set name -> emergencies / near_misses / harmless -> messages
# Messages written from the concepts for training only (never measured): in every run unless --no-synthetic.
SYNTHETIC = {language: ROOT / "benchmarks" / "data" / f"triage_synthetic_{language}.toml" for language in ("en", "es")}


def synthetic(language: str, wanted: bool = True) -> list[Example]:
    """The language's synthetic training messages (emergencies and near-misses), or none."""
    if not wanted:
        return []
    data = known_sets.load(SYNTHETIC[language])
    return ([(t, 1) for t in known_sets.texts(data, "emergencies")]
            + [(t, 0) for t in known_sets.texts(data, "near_misses")])


@functools.cache
def features(language: str, text: str) -> dict[str, float]:
    """What the language's shipped model sees of a message (the same call as triage makes; every fold reuses it)."""
    return (spanish if language == "es" else logic).model_features(text)


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
WRAPPERS = {
    "en": ("hi, {}", "hello {}", "sorry to bother you but {}", "can you help me? {}", "{} what should i do?",
           "{} please help", "good morning, {}", "{} is that normal?", "quick question, {}",
           "{}, can someone call me"),
    "es": ("hola, {}", "buenas tardes {}", "perdon que moleste pero {}", "me pueden ayudar? {}", "{} que hago?",
           "{} ayuda por favor", "buenos dias, {}", "disculpe, {}", "una pregunta, {}",
           "{}, alguien me puede llamar"),
}


def augment(train: list[Example], rng: random.Random, language: str = "en") -> list[Example]:
    """The examples plus a typo'd copy and a politely wrapped copy of each."""
    return (train + [(typo(t, rng), y) for t, y in train]
            + [(rng.choice(WRAPPERS[language]).format(t), y) for t, y in train])


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


def train(language: str, data: list[Example]) -> tuple[dict[str, float], float]:
    """The language's model trained on these examples (with their copies)."""
    copies = augment(data, random.Random(SEED), language)
    return train_logistic([(features(language, t), y) for t, y in copies])


def write_model(path: Path, weights: dict[str, float], bias: float, about: str) -> None:
    """Write a shipped model file (small weights pruned, keys sorted: the same training gives the same file)."""
    kept = {k: round(w, 4) for k, w in sorted(weights.items()) if abs(w) >= PRUNE}
    path.write_text(json.dumps({"about": about, "bias": round(bias, 4), "weights": kept},
                               separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwrote {path.relative_to(ROOT)}: {len(kept)} weights (of {len(weights)}), "
          f"{path.stat().st_size // 1024} KiB")


def old_readings(commit: str, script: str, args: list[str], stdin: str = "") -> dict:
    """What `script` prints (as JSON) when run against the wellbot package of an old commit."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "wellbot"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        return json.loads(subprocess.run([sys.executable, "-c", script, tmp, *args], input=stdin, check=True,
                                         capture_output=True, text=True).stdout)


# ---------------------------------------------------------------- English

EN_INTENTS = known_sets.INTENTS_TUNING
LOWS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)  # the rules' urgent finding stands from this probability (measured: sets 5-9)


def load_set(triage_file: Path, faq_file: Path) -> dict[str, list[str]]:
    """One English set's messages by kind."""
    triage, faq = known_sets.load(triage_file), known_sets.load(faq_file)
    return {
        "emergencies": known_sets.texts(triage, "emergencies"),
        "near_misses": known_sets.texts(triage, "near_misses"),
        "harmless": known_sets.texts(faq, "questions") + known_sets.texts(faq, "off_topic"),
    }


def english_sets() -> Sets:
    """The known English sets (tuning, stress, held-out 1-14 and 16, dev 19-20), FAQ questions as harmless messages."""
    return {"tuning": load_set(known_sets.TRIAGE_TUNING, known_sets.FAQ_TUNING),
            "stress": load_set(known_sets.TRIAGE_STRESS, known_sets.TRIAGE_STRESS),
            "held-out 1": load_set(known_sets.TRIAGE_HELDOUT, known_sets.FAQ_HELDOUT),
            **{f"held-out {n}": load_set(path, path) for n, path in known_sets.ROUND_FILES.items()
               if n not in known_sets.UNTRAINED_ROUNDS},
            # Known since their first run this round: folds of their own, so each is measured by a model without it.
            "dev 19": load_set(known_sets.TRIAGE_DEV19, known_sets.TRIAGE_DEV19),
            "dev 20": load_set(known_sets.TRIAGE_DEV20, known_sets.TRIAGE_DEV20)}


def english_intents() -> list[Example]:
    """The English conversation set, as harmless messages."""
    return [(m["text"], 0) for m in known_sets.load(EN_INTENTS)["messages"]]


def featurize(text: str, chars: bool = True) -> dict[str, float]:
    """What the English model sees of a message, optionally without letter groups (for --compare)."""
    found = features("en", text)
    return found if chars else {k: v for k, v in found.items() if not k.startswith("c:")}


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


def leave_one_out(kind: str, chars: bool, augmented: bool, probabilities: dict | None = None,
                  extra: list[Example] | None = None) -> dict:
    """Per threshold, pooled counts (model alone; rules + model), each set measured by a model trained without it."""
    sets = english_sets()
    intents = english_intents() + (extra or [])
    pooled: dict[str, dict[float, list[int]]] = {}
    print(f"\nleave one set out: {kind}, letter groups {'on' if chars else 'off'}, "
          f"typo augmentation {'on' if augmented else 'off'}")
    print(f"  {'left-out set':<12} {'threshold':>9}  {'model: urgent / false / harmless':>34}  "
          f"{'rules+model: urgent / false / harmless':>40}")
    for name, left_out in sets.items():
        train_set = intents + [e for other, data in sets.items() if other != name for e in examples(data)]
        if augmented:
            train_set = augment(train_set, random.Random(SEED))
        featurized = [(featurize(t, chars), y) for t, y in train_set]
        if kind == "logistic":
            weights, bias = train_logistic(featurized)

            def prob(found: dict[str, float], w: dict[str, float] = weights, b: float = bias) -> float:
                return model.score(w, b, found)
        else:
            prob = train_bayes(featurized)
        scored = {part: [(text, prob(featurize(text, chars)), logic.rules_reading(text)) for text in texts]
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
EN_OLD_RULES = """
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
    pooled: dict[str, list[int]] = {}
    for n, commit in HISTORY.items():
        path = known_sets.ROUND_FILES[n]
        old = old_readings(commit, EN_OLD_RULES, [str(path)])
        probs = probabilities[f"held-out {n}"]
        texts = load_set(path, path)
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
    """The English rules' figures on every set (not blind: they were tuned on all of them)."""
    sets = english_sets()
    e = sum(logic.rules_reading(t)[0].level is logic.Level.URGENT for d in sets.values() for t in d["emergencies"])
    n = sum(logic.rules_reading(t)[0].level is logic.Level.URGENT for d in sets.values() for t in d["near_misses"])
    ne = sum(len(d["emergencies"]) for d in sets.values())
    nn = sum(len(d["near_misses"]) for d in sets.values())
    print(f"\nrules alone, every known set (tuned on them, not blind): urgent {e}/{ne}, false {n}/{nn}")


def english(args: argparse.Namespace) -> None:
    """The English figures, then (unless --no-write) the shipped English model."""
    extra = synthetic("en", not args.no_synthetic)
    if not args.only_write:
        english_leave_one_out(args, extra)
    if not args.no_write:
        weights, bias = train("en", english_intents() + extra
                              + [e for data in english_sets().values() for e in examples(data)])
        write_model(model.MODEL_FILE, weights, bias,
                    "wellbot triage model: logistic regression, trained by benchmarks/triage_model.py")


def english_leave_one_out(args: argparse.Namespace, extra: list[Example]) -> None:
    """The English figures: the rules alone, leave one set out, sets 5-9 as first met, and --compare's variants."""
    rules_alone()
    probabilities: dict = {}
    leave_one_out("logistic", chars=True, augmented=True, probabilities=probabilities, extra=extra)
    if not args.no_history:
        historical(probabilities)
    if args.compare:
        leave_one_out("logistic", chars=True, augmented=False, extra=extra)
        leave_one_out("logistic", chars=False, augmented=True, extra=extra)
        leave_one_out("bayes", chars=True, augmented=True, extra=extra)


# ---------------------------------------------------------------- Spanish

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
ES_LOWS = (0.0, 0.5)  # the rules' urgent finding stands from this probability
ES_OLD_RULES = """
import json, sys, tomllib
sys.path.insert(0, sys.argv[1])
from wellbot.triage.spanish import assess_both
texts = json.loads(sys.stdin.read())
print(json.dumps({part: [[assess_both(t).level.value, assess_both(t).concept] for t in ts]
                  for part, ts in texts.items()}))
"""


def tuning_batches() -> Sets:
    """The Spanish tuning set cut into its batches, by the comment that opens each batch."""
    batches: Sets = {f"batch {n}": {"emergencies": [], "near_misses": [], "harmless": []} for n in range(1, 12)}
    part, batch = "emergencies", 1
    text = known_sets.TRIAGE_TUNING_ES.read_text(encoding="utf-8")
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("near_misses"):
            part, batch = "near_misses", 1
        elif stripped.startswith("#") and "batch" in stripped:
            batch = BATCH_WORDS.index(re.search(r"(\w+) batch", stripped).group(1)) + 1  # type: ignore[union-attr]
        elif stripped.startswith("{ text"):
            batches[f"batch {batch}"][part].append(tomllib.loads("x = " + stripped.rstrip(","))["x"]["text"])
    whole = tomllib.loads(text)
    assert sum(len(b["emergencies"]) for b in batches.values()) == len(whole["emergencies"])
    assert sum(len(b["near_misses"]) for b in batches.values()) == len(whole["near_misses"])
    return batches


def spanish_sets() -> Sets:
    """Every known Spanish set by name: the tuning batches, the dev set and es_round1."""
    sets = tuning_batches()
    dev = known_sets.load(known_sets.TRIAGE_DEV_ES)
    sets["dev"] = {"emergencies": known_sets.texts(dev, "emergencies"),
                   "near_misses": known_sets.texts(dev, "near_misses"), "harmless": []}
    first = known_sets.load(known_sets.ES_ROUND1)
    sets["es_round1"] = {"emergencies": known_sets.texts(first, "emergencies"),
                         "near_misses": known_sets.texts(first, "near_misses"),
                         "harmless": known_sets.texts(first, "questions") + known_sets.texts(first, "off_topic")}
    return sets


def spanish_intents() -> list[Example]:
    """The Spanish conversation set and the bot's own Spanish words (a reply-keyboard label comes back as text)."""
    labels = re.findall(r'^msgstr "(.+)"$', CATALOGUE.read_text(encoding="utf-8"), re.MULTILINE)
    return ([(m["text"], 0) for m in known_sets.load(known_sets.INTENTS_TUNING_ES)["messages"]]
            + [(label, 0) for label in labels if "{" not in label])


def first_met(sets: Sets) -> dict[str, dict[str, list[tuple[logic.Finding, bool]]]]:
    """Each set read by the rules of the commit it first met (assess_both there), and whether read as a mention."""
    found = {}
    for name, commit in FIRST_MET.items():
        old = old_readings(commit, ES_OLD_RULES, [], json.dumps(sets[name]))
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


def spanish_leave_one_out(sets: Sets, old: dict, extra: list[Example]) -> None:
    """Each set scored by a model trained without it; pooled figures for the model alone and with the rules."""
    pooled: dict[str, list[int]] = {}
    print("left-out set, model alone: urgent emergencies / urgent near-misses / urgent harmless")
    for name, left_out in sets.items():
        line: list[str] = []
        weights, bias = train("es", spanish_intents() + extra + [e for other, data in sets.items() if other != name
                                                                 for e in examples(data)])
        for part, texts in left_out.items():
            probs = [model.score(weights, bias, features("es", t)) for t in texts]
            now = [spanish.rules_reading(t) for t in texts]
            english_findings = [logic.assess(t) for t in texts]
            want = logic.Level.URGENT
            for t in THRESHOLDS:
                tally(pooled, f"model {t} {part}", [p >= t for p in probs])
                for low in ES_LOWS:
                    tally(pooled, f"now {low} {t} {part}",
                          [spanish.merge(e, decide(x, r, p, low, t), x).level is want
                           for x, r, p, e in zip(texts, now, probs, english_findings, strict=True)])
                    if name in old:
                        decided = [decide(x, r, p, low, t) for x, r, p in zip(texts, old[name][part], probs,
                                                                               strict=True)]
                        tally(pooled, f"old {low} {t} {part}", [d.level is want for d in decided])
                        tally(pooled, f"old-none {low} {t} {part}", [d.level is logic.Level.NONE for d in decided])
            tally(pooled, f"rules-now {part}",
                  [spanish.merge(e, r[0], x).level is want
                   for x, r, e in zip(texts, now, english_findings, strict=True)])
            if name in old:
                tally(pooled, f"rules-old {part}", [r[0].level is want for r in old[name][part]])
            line.append(f"{sum(p >= spanish.MODEL_URGENT for p in probs)}/{len(texts)}")
        print(f"{name:<11} model alone at {spanish.MODEL_URGENT}: {' '.join(line)}")
    _print_pooled(pooled)


def _print_pooled(pooled: dict[str, list[int]]) -> None:
    """The pooled Spanish figures, one line per reading and cut-off."""
    def fig(key: str) -> str:
        hit, total = pooled.get(key, [0, 0])
        return f"{hit}/{total} ({hit / total:.1%})" if total else "-"

    parts = ("emergencies", "near_misses", "harmless")
    print("\npooled over every left-out set: urgent / false urgent / harmless urgent")
    print("  rules now alone (tuned on every set):", " / ".join(fig(f"rules-now {p}") for p in parts))
    print("  rules as first met alone (11 sets, not batch 1):", " / ".join(fig(f"rules-old {p}") for p in parts))
    for t in THRESHOLDS:
        print(f"  model alone at {t}:", " / ".join(fig(f"model {t} {p}") for p in parts))
    for low in ES_LOWS:
        for t in THRESHOLDS:
            print(f"  rules now + model, confirms {low}, urgent {t}:",
                  " / ".join(fig(f"now {low} {t} {p}") for p in parts))
    for low in ES_LOWS:
        for t in THRESHOLDS:
            print(f"  rules as first met + model, confirms {low}, urgent {t}:",
                  " / ".join(fig(f"old {low} {t} {p}") for p in parts),
                  f"; emergencies with neither urgent reply nor safety line {fig(f'old-none {low} {t} emergencies')}")


def spanish_figures(args: argparse.Namespace) -> None:
    """The Spanish figures, then (unless --no-write) the shipped Spanish model."""
    sets = spanish_sets()
    print("sets:", ", ".join(f"{n} {len(d['emergencies'])}/{len(d['near_misses'])}" for n, d in sets.items()))
    old = {} if args.no_history or args.only_write else first_met(sets)
    extra = synthetic("es", not args.no_synthetic)
    if not args.only_write:
        spanish_leave_one_out(sets, old, extra)
    if not args.no_write:
        weights, bias = train("es", spanish_intents() + extra + [e for data in sets.values() for e in examples(data)])
        write_model(model.MODEL_FILE_ES, weights, bias,
                    "wellbot Spanish triage model: logistic regression, trained by benchmarks/triage_model.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=("en", "es"), default="en", help="which lexicon's model (default en)")
    parser.add_argument("--compare", action="store_true", help="English: also naive Bayes and simpler features")
    parser.add_argument("--no-write", action="store_true", help="measure only; leave the model file alone")
    parser.add_argument("--only-write", action="store_true",
                        help="skip the figures: retrain on every known set and write the model (deterministic)")
    parser.add_argument("--no-history", action="store_true", help="skip the rules as each set first met them")
    parser.add_argument("--no-synthetic", action="store_true",
                        help="train without benchmarks/data/triage_synthetic_*.toml (the figures before they existed)")
    args = parser.parse_args()
    if args.language == "es":
        spanish_figures(args)
    else:
        english(args)


if __name__ == "__main__":
    main()
