"""Understanding what patients type: accuracy on the tuning and held-out sets, and latency of triage + search.

Run from the repository root:  python benchmarks/understanding.py
Prints, for each set, the issue 14 measures, then p50/p99 of one message's
triage + intent + FAQ search (the work done before any reply), and the same
figures for the search as it was before issue 14 (`--baseline` needs a
checkout of that commit; see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wellbot.conversation.logic import detect  # noqa: E402
from wellbot.core.clinic import load_clinic  # noqa: E402
from wellbot.core.db import open_database  # noqa: E402
from wellbot.core.resources import example_clinic_file  # noqa: E402
from wellbot.faq import search, store  # noqa: E402
from wellbot.faq.content import load_content  # noqa: E402
from wellbot.language.words import english_words  # noqa: E402
from wellbot.triage.logic import Level, assess  # noqa: E402

TESTS = ROOT / "tests"
SETS = {
    "tuning": (TESTS / "triage_tuning.toml", TESTS / "faq_questions.toml", TESTS / "intents_tuning.toml"),
    "held-out": (TESTS / "heldout" / "triage_heldout.toml", TESTS / "heldout" / "faq_heldout.toml",
                 TESTS / "heldout" / "intents_heldout.toml"),
}


def load(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def first_answer(db, text: str) -> str | None:
    """What the bot shows first outside a flow: an intent, a FAQ entry, or None ("I don't know")."""
    intent = detect(text)
    if intent is not None:
        return f"intent:{intent.value}"
    outcome = search.find(db, text)
    return outcome.hits[0].entry_id if outcome.kind is not search.Kind.NONE else None


def measure(name: str, db, triage_file: Path, faq_file: Path, intents_file: Path) -> list[str]:
    """The issue's measures on one set; returns every text for the latency run."""
    triage, faq, intents = load(triage_file), load(faq_file), load(intents_file)
    emergencies, near = triage["emergencies"], triage["near_misses"]
    urgent = sum(assess(c["text"]).level is Level.URGENT for c in emergencies)
    false_urgent = sum(assess(c["text"]).level is Level.URGENT for c in near)
    mentions = [c for c in near if c["kind"] != "harmless"]
    lined = sum(assess(c["text"]).level is Level.MENTION for c in mentions)
    right = sum(first_answer(db, c["q"]) == c["expect"] for c in faq["questions"])
    off = faq.get("off_topic", [])
    dont_know = sum(first_answer(db, q) is None for q in off)
    basics = sum((detect(m["text"]).value if detect(m["text"]) else "none") == m["expect"] for m in intents["messages"])
    print(f"\n{name} set")
    print(f"  emergencies urgent            {urgent}/{len(emergencies)}")
    print(f"  near-misses urgent (false)    {false_urgent}/{len(near)} ({false_urgent / len(near):.1%})")
    print(f"  mentions with a safety line   {lined}/{len(mentions)}")
    print(f"  FAQ right answer first        {right}/{len(faq['questions'])} ({right / len(faq['questions']):.0%})")
    if off:
        print(f"  off-topic 'I don't know'      {dont_know}/{len(off)} ({dont_know / len(off):.0%})")
    print(f"  basics and clinic facts       {basics}/{len(intents['messages'])}")
    return ([c["text"] for c in emergencies + near] + [c["q"] for c in faq["questions"]] + off
            + [m["text"] for m in intents["messages"]])


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="times each message is timed [5]")
    args = parser.parse_args()
    clinic = load_clinic(example_clinic_file())
    db = open_database(":memory:")
    store.replace_content(db, load_content(clinic.directory / "faq", [s.key for s in clinic.services]))
    start = time.perf_counter()
    english_words()
    print(f"wordfreq English list: {len(english_words())} words, loaded once in "
          f"{(time.perf_counter() - start) * 1000:.0f} ms")
    texts = []
    for name, files in SETS.items():
        texts += measure(name, db, *files)
    latency(db, texts, args.rounds)


if __name__ == "__main__":
    main()
