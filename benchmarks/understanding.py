"""Understanding what patients type: issue 14's measures on every set, the wordfreq comparison, and latency.

Run from the repository root:  python benchmarks/understanding.py
Prints, for the tuning sets and each held-out set in tests/heldout/, the
emergencies that get the urgent reply, near-misses that get it instead of an
answer, FAQ questions whose right entry comes first, and off-topic questions
answered "I don't know"; then the same pooled figures with typo repair
allowed to change real English words (no wordfreq guard); then p50/p99 of
triage + intent + FAQ search for one message. The first-run (blind) figures
of each held-out set are recorded in benchmarks/README.md: a held-out set
measures blind only once.

Triage is the bot's: the English and the Spanish readings together
(wellbot.triage.spanish.assess_both). The Spanish tuning and dev sets are
printed too, and both Spanish held-out sets (known and tuned on since their
one blind run).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.known_sets import ENGLISH_TRIAGE_FILES, is_right  # noqa: E402
from wellbot.conversation.logic import detect  # noqa: E402
from wellbot.core.clinic import load_clinic  # noqa: E402
from wellbot.core.db import open_database  # noqa: E402
from wellbot.core.resources import example_clinic_file  # noqa: E402
from wellbot.faq import search, store  # noqa: E402
from wellbot.faq.content import load_content  # noqa: E402
from wellbot.language import words  # noqa: E402
from wellbot.triage.logic import Level  # noqa: E402
from wellbot.triage.spanish import assess_both as assess  # noqa: E402

TESTS = ROOT / "tests"
HELDOUT = TESTS / "heldout"
# (name, triage file, FAQ file, intents file); None where a set has no such part.
SETS = [
    ("tuning", TESTS / "triage_tuning.toml", TESTS / "faq_questions.toml", TESTS / "intents_tuning.toml"),
    ("stress (tuning, triage only)", TESTS / "triage_stress_en.toml", None, None),
    ("held-out 1 (issue's)", HELDOUT / "triage_heldout.toml", HELDOUT / "faq_heldout.toml",
     HELDOUT / "intents_heldout.toml"),
    *((f"held-out {n}", HELDOUT / f"round{n}_heldout.toml", HELDOUT / f"round{n}_heldout.toml", None)
      for n in (*range(2, 15), 16, 17, 18)),
    ("dev 15 (FAQ only; known, tuned on since its first run)", None, TESTS / "faq_dev15.toml", None),
    ("dev 19 (triage only; known, tuned on since its first run)", TESTS / "triage_dev19.toml", None, None),
    ("dev 20 (triage only; known, tuned on since its first run)", TESTS / "triage_dev20.toml", None, None),
]
# Spanish triage (issue 17): tuned on, set aside before tuning, and both held-out sets (known since their one run).
SPANISH_SETS = [
    ("Spanish tuning", TESTS / "triage_tuning_es.toml", None, None),
    ("Spanish dev (a fifth set aside before tuning)", TESTS / "triage_dev_es.toml", None, None),
    ("Spanish held-out 1 (known, tuned on since its one run)", HELDOUT / "es_round1_heldout.toml", None, None),
    ("Spanish held-out 2 (known, tuned on since its one run)", HELDOUT / "es_round2_heldout.toml", None, None),
]


def load(path: Path | None) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8")) if path else {}


def first_answer(db, text: str) -> str | None:
    """What the bot shows first outside a flow: an intent, a FAQ entry, or None ("I don't know")."""
    intent = detect(text)
    if intent is not None:
        return f"intent:{intent.value}"
    outcome = search.find(db, text)
    return outcome.hits[0].entry_id if outcome.kind is not search.Kind.NONE else None


def measure(db, triage_file: Path | None, faq_file: Path, intents_file: Path | None) -> dict[str, tuple[int, int]]:
    """(hits, total) for each measure on one set."""
    triage, faq, intents = load(triage_file), load(faq_file), load(intents_file)
    emergencies, near = triage.get("emergencies", []), triage.get("near_misses", [])
    off = faq.get("off_topic", [])
    figures = {
        "emergencies urgent": (sum(assess(c["text"]).level is Level.URGENT for c in emergencies), len(emergencies)),
        "near-misses urgent": (sum(assess(c["text"]).level is Level.URGENT for c in near), len(near)),
        "emergencies with no urgent reply and no safety line":
            (sum(assess(c["text"]).level is Level.NONE for c in emergencies), len(emergencies)),
        "FAQ right first": (sum(is_right(first_answer(db, c["q"]), c["expect"]) for c in faq.get("questions", [])),
                            len(faq.get("questions", []))),
        "  of which My visits for a reschedule question": (
            sum(first_answer(db, c["q"]) != c["expect"] and is_right(first_answer(db, c["q"]), c["expect"])
                for c in faq.get("questions", [])), len(faq.get("questions", []))),
        "off-topic 'I don't know'": (sum(first_answer(db, q) is None for q in off), len(off)),
    }
    if intents:
        messages = intents["messages"]
        figures["basics and clinic facts"] = (
            sum((detect(m["text"]).value if detect(m["text"]) else "none") == m["expect"] for m in messages),
            len(messages))
    return figures


def report(db, spanish_sets: list) -> list[str]:
    """Print every set's figures and the pooled (English) held-out ones; return every text (for the latency run)."""
    pooled: dict[str, list[int]] = {}
    for name, *files in SETS + spanish_sets:
        figures = measure(db, *files)
        print(f"\n{name}")
        for label, (hits, total) in figures.items():
            print(f"  {label:<55} {hits}/{total} ({hits / total:.0%})" if total else f"  {label:<55} -")
            if name.startswith("held-out"):
                pooled.setdefault(label, [0, 0])
                pooled[label][0] += hits
                pooled[label][1] += total
    print("\nall held-out sets together (seen: not blind, see benchmarks/README.md)")
    for label, (hits, total) in pooled.items():
        print(f"  {label:<55} {hits}/{total} ({hits / total:.1%})")
    texts = []
    for _name, *files in SETS + spanish_sets:
        triage, faq = load(files[0]), load(files[1])
        texts += [c["text"] for c in triage.get("emergencies", []) + triage.get("near_misses", [])]
        texts += [c["q"] for c in faq.get("questions", [])] + faq.get("off_topic", [])
    return list(dict.fromkeys(texts))


def without_wordfreq(db) -> None:
    """The pooled held-out figures when typo repair may change any word the clinic's texts do not use."""
    real_english, real_is_word = words.is_english, search.is_word
    words.is_english = lambda word: False
    search.is_word = lambda word, language="en": False  # the FAQ's repair asks through is_word
    try:
        pooled: dict[str, list[int]] = {}
        for _name, *files in (row for row in SETS if row[0].startswith("held-out")):
            for label, (hits, total) in measure(db, *files).items():
                pooled.setdefault(label, [0, 0])
                pooled[label][0] += hits
                pooled[label][1] += total
    finally:
        words.is_english, search.is_word = real_english, real_is_word
    print("\nthe same, WITHOUT the wordfreq guard (real English words may be 'repaired' into clinic words)")
    for label, (hits, total) in pooled.items():
        print(f"  {label:<55} {hits}/{total} ({hits / total:.1%})")


def latency(db, texts: list[str], rounds: int) -> None:
    """p50/p99/max of triage + intent + search for one message."""
    for text in texts[:50]:  # warm the caches (word list, compiled patterns)
        assess(text), first_answer(db, text)
    times = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            assess(text)
            first_answer(db, text)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p99 = times[int(len(times) * 0.99) - 1]
    print(f"\ntriage + intent + search, {len(times)} messages: p50 {statistics.median(times):.2f} ms, "
          f"p99 {p99:.2f} ms, max {times[-1]:.2f} ms (target p99 < 20 ms)")


MENTION_KINDS = ("historical", "hypothetical", "third_party")
QUESTION_START = re.compile(r"(?:^|[,.;!?]\s*)(what|how|can|could|is|are|does|do|should|will|would|why|when|where|which"
                            r"|who|any)\b", re.IGNORECASE)


def mentions(db) -> None:
    """Near-misses of the mention kinds that ask a question: the first answer each gets (issue 14's safety line +
    the normal answer)."""
    answered = total = 0
    for path in ENGLISH_TRIAGE_FILES:
        for case in load(path).get("near_misses", []):
            text = case["text"]
            if case.get("kind") not in MENTION_KINDS or not ("?" in text or QUESTION_START.search(text)):
                continue
            answer = first_answer(db, text)
            total += 1
            answered += answer is not None
            print(f"  {answer or '-':<28} {path.stem}: {text}")
    print(f"\nmention near-misses that ask a question: {answered}/{total} get an answer (intent or FAQ entry)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="times each message is timed [3]")
    parser.add_argument("--mentions", action="store_true",
                        help="only list the mention near-misses that ask a question, with the answer each gets")
    args = parser.parse_args()
    clinic = load_clinic(example_clinic_file())
    db = open_database(":memory:")
    store.replace_content(db, load_content(clinic.directory / "faq", [s.key for s in clinic.services]))
    if args.mentions:
        mentions(db)
        return
    start = time.perf_counter()
    words.english_words()
    print(f"wordfreq English list: {len(words.english_words())} words, loaded once in "
          f"{(time.perf_counter() - start) * 1000:.0f} ms")
    texts = report(db, SPANISH_SETS)
    without_wordfreq(db)
    latency(db, texts, args.rounds)


if __name__ == "__main__":
    main()
