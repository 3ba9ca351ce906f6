"""FAQ search latency with 1,000 entries (target: p99 under 5 ms).

Generates a FAQ twenty times the size of a real clinic's (the example
clinic's 25 entries plus synthetic ones built from the same medical words and
made-up words), loads it into a SQLite file the way `wellbot faq reload`
does, then times `search.find` (typo repair, synonyms, FTS5 bm25, re-rank and
decision) for patient-style questions, misspelt questions and no-match text.

Run from the repository root:

    python benchmarks/faq_search.py            # 1,000 entries, 3,000 queries
    python benchmarks/faq_search.py --entries 5000 --queries 5000
    python benchmarks/faq_search.py --leave-one-out           # accuracy on unseen wording (faq_honest.py)
    python benchmarks/faq_search.py --leave-one-out --no-grid # content left out only (faster)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark the checkout, as the tests do

from wellbot.core.clinic import load_clinic  # noqa: E402
from wellbot.core.db import open_database  # noqa: E402
from wellbot.core.resources import example_clinic_file  # noqa: E402
from wellbot.faq import search, store  # noqa: E402
from wellbot.faq.content import Content, Entry, Topic, load_content, words  # noqa: E402

SEED = 20260610
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ven", "dor", "gal", "bri", "tes", "qua", "mon"]
OPENERS = ["What is", "How does", "Can I", "Why does", "When should I", "Is it safe to", "How long does"]


def made_up_words(rng: random.Random, count: int) -> list[str]:
    """Pronounceable nonsense words: a large vocabulary like a big clinic's jargon."""
    found: set[str] = set()
    while len(found) < count:
        found.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(found)


def build_content(total: int, rng: random.Random) -> Content:
    """The example FAQ plus synthetic entries up to `total`."""
    clinic = load_clinic(example_clinic_file())
    base = load_content(clinic.directory / "faq", [s.key for s in clinic.services])
    real = sorted({w for e in base.entries for w in words(e.answer_text) if len(w) > 3})
    vocabulary = real + made_up_words(rng, 3000)
    topics = [*base.topics, *(Topic(f"extra{i}", f"More questions {i}") for i in range(10))]
    entries = list(base.entries)
    for index in range(total - len(entries)):
        question = f"{rng.choice(OPENERS)} {' '.join(rng.sample(vocabulary, rng.randint(2, 5)))}?"
        answer = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(40, 120)))
        entries.append(Entry(
            id=f"gen-{index}", topic=f"extra{index % 10}", question=question, answer_html=answer, answer_text=answer,
            phrasings=tuple(" ".join(rng.sample(vocabulary, 4)) for _ in range(2)),
            tags=tuple(rng.sample(vocabulary, 3)), order=100 + index,
        ))
    return Content(tuple(topics), tuple(entries), base.synonyms)


def typo(word: str, rng: random.Random) -> str:
    """Drop, double or swap one letter after the first."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    dropped, doubled = word[:i] + word[i + 1 :], word[:i] + word[i] + word[i:]
    swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return rng.choice([dropped, doubled, swapped])


def build_queries(content: Content, count: int, rng: random.Random) -> list[str]:
    """A third each: the test set's patient questions, misspelt entry questions, unrelated text."""
    patients = [case["q"] for case in tomllib.loads((ROOT / "tests" / "faq_questions.toml").read_text())["questions"]]
    unrelated = ["what's the weather tomorrow", "hello there", "asdf qwerty", "who won the game last night"]
    queries = []
    for index in range(count):
        kind = index % 3
        if kind == 0:
            queries.append(rng.choice(patients))
        elif kind == 1:
            entry = rng.choice(content.entries)
            queries.append(" ".join(typo(w, rng) for w in words(entry.question)))
        else:
            queries.append(rng.choice(unrelated))
    return queries


def percentile(samples: list[float], fraction: float) -> float:
    """The value below which `fraction` of the samples lie (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * len(ordered)) - 1)]


def print_leave_one_out(grid: bool) -> None:
    """Per-set and pooled accuracy with each set treated as unseen (see benchmarks/faq_honest.py)."""
    from benchmarks.faq_honest import leave_one_out

    clinic = load_clinic(example_clinic_file())
    rows = leave_one_out(load_content(clinic.directory / "faq", [s.key for s in clinic.services]), grid)
    columns = ["shipped", "own_round_left_out", "content_left_out"] + (["grid_left_out"] if grid else [])
    print(f"{'set':<12} {'removed':>7}  " + "  ".join(f"{c + ' (right, off-topic)':<34}" for c in columns))
    for row in rows:
        cells = [f"{row[c][0]}/{row['questions']}, {row[c][1]}/{row['off_topic']}" for c in columns]
        print(f"{row['name']:<12} {row['removed']:>7}  " + "  ".join(f"{cell:<34}" for cell in cells)
              + (f"  {row['point']}" if grid else ""))
    held_out = [r for r in rows if r["name"].startswith("held-out")]
    for label, chosen in ((f"held-out 1-{len(held_out)}", held_out), ("all sets", rows)):
        questions, off = sum(r["questions"] for r in chosen), sum(r["off_topic"] for r in chosen)
        cells = []
        for c in columns:
            right, ok = sum(r[c][0] for r in chosen), sum(r[c][1] for r in chosen)
            cells.append(f"{right}/{questions} {right / questions:.1%}, {ok}/{off} {ok / off:.1%}")
        print(f"{label:<20} " + "  ".join(f"{cell:<34}" for cell in cells))


def main() -> None:
    """Build, load, time and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--leave-one-out", action="store_true",
                        help="print accuracy with each known question set treated as unseen, instead of latency")
    parser.add_argument("--no-grid", dest="grid", action="store_false",
                        help="with --leave-one-out: leave out content only, keep the shipped constants")
    args = parser.parse_args()
    if args.leave_one_out:
        print_leave_one_out(args.grid)
        return
    rng = random.Random(SEED)
    content = build_content(args.entries, rng)
    queries = build_queries(content, args.queries, rng)
    with tempfile.TemporaryDirectory() as scratch:
        db = open_database(Path(scratch) / "bench.db")
        started = time.perf_counter()
        store.replace_content(db, content)
        load_ms = (time.perf_counter() - started) * 1000
        for query in queries[:100]:  # warm SQLite's page cache, as a running worker would be
            search.find(db, query)
        timings = []
        outcomes = {kind: 0 for kind in search.Kind}
        for query in queries:
            started = time.perf_counter()
            outcome = search.find(db, query)
            timings.append((time.perf_counter() - started) * 1000)
            outcomes[outcome.kind] += 1
        db.close()
    print(f"entries: {len(content.entries)}  queries: {len(queries)}  load: {load_ms:.0f} ms")
    print(f"search latency ms: p50 {percentile(timings, 0.50):.2f}  p90 {percentile(timings, 0.90):.2f}  "
          f"p99 {percentile(timings, 0.99):.2f}  max {max(timings):.2f}  mean {statistics.fmean(timings):.2f}")
    print("outcomes: " + "  ".join(f"{kind.value} {n}" for kind, n in outcomes.items()))


if __name__ == "__main__":
    main()
