"""An honest estimate of FAQ accuracy on new wording: leave-one-set-out over the known question sets.

Every known set (the tuning set and held-out rounds 1 to 11) has been seen,
and the FAQ's content and the search's constants were adjusted after each
run, so their plain figures over-state how the search does on wording it has
never met. This module estimates it instead, one set at a time, as if that
set had never been seen:

1. Content: every phrasing, tag and synonym that first appeared in git
   history after the set was committed is taken out (read from the commits,
   so it is exact for those three; changes to answers' wording and to the
   search code after a run are not undone, so the figure still flatters a
   little). It is also strict: it removes content later rounds added for
   other sets, so it is a low estimate. The optimistic column removes only
   what was added between the set and the next set (its own round of
   fixes); the truth for new wording lies between the two.
2. Constants: a small grid of the search's tuned constants is scored on the
   OTHER sets (right-first plus off-topic "I don't know"), and the best point
   is measured on the left-out set.

Used by `benchmarks/faq_search.py --leave-one-out`.
"""

from __future__ import annotations

import itertools
import subprocess
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from tests.known_sets import is_right
from wellbot.conversation.logic import detect
from wellbot.core.db import open_database
from wellbot.faq import search, store
from wellbot.faq.content import Content

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "heldout"
# The known sets (name, file). Never add a blind set here before its one measurement.
KNOWN_SETS = [
    ("tuning", ROOT / "tests" / "faq_questions.toml"),
    ("held-out 1", HELDOUT / "faq_heldout.toml"),
    *((f"held-out {n}", HELDOUT / f"round{n}_heldout.toml") for n in range(2, 15)),
    ("dev 15", ROOT / "tests" / "faq_dev15.toml"),
]
FAQ_PATH = "example-clinic/faq"
# The last commit before the FAQ was reworked for new wording (issue 14 part 2). Content that appeared up to it
# AFTER a set was added may have been written from that set's misses; content added later on this branch was
# written from the entries and the clinic's web page, not from any set, and is kept.
BASE = "9b0771715522c5e28ea8ccfb50063a13681d81c9"
# Sets measured blind after BASE, with the commit of that one run: what was written after it may come from the
# set's misses, so leaving the set out takes it away (judged on the history up to HEAD, not BASE).
MEASURED_AT: dict[str, str | None] = {"held-out 11": "731f18ad86be3b5b28d727227e4a102861f98521",
               "held-out 12": "bafef09a027452bb991c59f4458d0c450d738942",
               "held-out 13": "8ba40f4d30f28cb0b938589aa3b6af50eeb084c1",
               "held-out 14": "d9040b7bd65b5458faa838cbabf92305833def21",
               "dev 15": None}  # measured on main's search as it arrived: the commit that added it (survives a rebase)
# The constants the grid may choose, with the values tried (each includes the shipped value).
GRID = {
    "COVERAGE_WEIGHT": (1.0, 2.0, 3.0),
    "EXPLAINED_POWER": (0.5, 1.0, 2.0),
    "MIN_EXPLAINED": (0.3, 0.4, 0.5),
}


@dataclass(frozen=True)
class QuestionSet:
    """One known set's FAQ part."""

    name: str
    questions: tuple[tuple[str, str], ...]  # (question, expected entry id)
    off_topic: tuple[str, ...]


def load_sets() -> list[QuestionSet]:
    """The known sets' FAQ questions and off-topic lists."""
    found = []
    for name, path in KNOWN_SETS:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        found.append(QuestionSet(name, tuple((c["q"], c["expect"]) for c in data.get("questions", [])),
                                 tuple(data.get("off_topic", []))))
    return found


def first_answer(db, text: str) -> str | None:
    """What the bot shows first outside a flow: an intent, an entry id, or None ("I don't know")."""
    intent = detect(text)
    if intent is not None:
        return f"intent:{intent.value}"
    outcome = search.find(db, text)
    return outcome.hits[0].entry_id if outcome.kind is not search.Kind.NONE else None


def score(db, qset: QuestionSet) -> tuple[int, int]:
    """(right first, off-topic answered "I don't know") on one set."""
    right = sum(is_right(first_answer(db, q), expect) for q, expect in qset.questions)
    return right, sum(first_answer(db, q) is None for q in qset.off_topic)


def _run_git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def _items_at(commit: str) -> set[tuple[str, ...]]:
    """The English FAQ's phrasings, tags and synonyms as they stood at one commit."""
    found: set[tuple[str, ...]] = set()
    for path in _run_git("ls-tree", "--name-only", f"{commit}:{FAQ_PATH}").split():
        if path.endswith(".md"):
            text = _run_git("show", f"{commit}:{FAQ_PATH}/{path}")
            front = tomllib.loads(text.split("+++")[1])
            entry = path.removesuffix(".md")
            found |= {("phrasing", entry, p) for p in front.get("phrasings", [])}
            found |= {("tag", entry, t) for t in front.get("tags", [])}
        elif path == "synonyms.toml":
            table = tomllib.loads(_run_git("show", f"{commit}:{FAQ_PATH}/{path}")).get("synonyms", {})
            found |= {("synonym", k, v) for k, v in table.items()}
    return found


def history(tip: str = BASE) -> tuple[dict[tuple[str, ...], int], dict[str, int]]:
    """When each phrasing, tag and synonym first appeared, and when each set was added (positions up to `tip`).

    A set measured after BASE counts as added at the commit it was measured on (MEASURED_AT).
    """
    order = {c: i for i, c in enumerate(_run_git("rev-list", "--reverse", "--topo-order", tip).split())}
    first: dict[tuple[str, ...], int] = {}
    for commit in _run_git("rev-list", "--reverse", "--topo-order", tip, "--", FAQ_PATH).split():
        for item in _items_at(commit):
            first.setdefault(item, order[commit])
    added = {}
    for name, path in KNOWN_SETS:
        if name in MEASURED_AT:
            if MEASURED_AT[name] in order:
                added[name] = order[MEASURED_AT[name]]
            elif MEASURED_AT[name] is None and tip != BASE:  # measured as it arrived: the commit that added it
                arrived = _run_git("log", "--diff-filter=A", "--format=%H", tip, "--", str(path.relative_to(ROOT)))
                added[name] = order[arrived.split()[-1]]
            continue
        commits = _run_git("log", "--diff-filter=A", "--format=%H", BASE, "--", str(path.relative_to(ROOT))).split()
        added[name] = order[commits[-1]]
    return first, added


def without_set(content: Content, written_after) -> tuple[Content, int]:
    """The content without the phrasings, tags and synonyms `written_after(item)` says came after the set."""
    removed = 0
    entries = []
    for entry in content.entries:
        phrasings = tuple(p for p in entry.phrasings if not written_after(("phrasing", entry.id, p)))
        tags = tuple(t for t in entry.tags if not written_after(("tag", entry.id, t)))
        removed += len(entry.phrasings) - len(phrasings) + len(entry.tags) - len(tags)
        entries.append(replace(entry, phrasings=phrasings, tags=tags))
    synonyms = {k: v for k, v in content.synonyms.items() if not written_after(("synonym", k, v))}
    removed += len(content.synonyms) - len(synonyms)
    return Content(content.topics, tuple(entries), synonyms), removed


@contextmanager
def constants(values: dict[str, float]) -> Iterator[None]:
    """The search module's constants set to `values` for the duration."""
    saved = {name: getattr(search, name) for name in values}
    for name, value in values.items():
        setattr(search, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(search, name, value)


def grid_points() -> list[dict[str, float]]:
    """Every combination of the grid's values."""
    return [dict(zip(GRID, values, strict=True)) for values in itertools.product(*GRID.values())]


def leave_one_out(content: Content, grid: bool = True) -> list[dict]:
    """Per set: its size, the figures as shipped, with its content left out, and with constants chosen without it."""
    sets = load_sets()
    first, added = history()
    late_first, late_added = history("HEAD")
    db = open_database(":memory:")
    store.replace_content(db, content)
    shipped = {s.name: score(db, s) for s in sets}
    # Every grid point scored on every set once, with the shipped content: the other sets are seen sets anyway.
    table = {}
    for index, point in enumerate(grid_points() if grid else []):
        with constants(point):
            table[index] = {s.name: sum(score(db, s)) for s in sets}
    rows = []
    for left_out in sets:
        others = [s for s in sets if s is not left_out]
        if left_out.name in MEASURED_AT:  # its own round is everything since its run: both bounds are one
            first_at, seen_at, next_seen = late_first, late_added[left_out.name], 10**9
        else:
            first_at, seen_at = first, added[left_out.name]
            next_seen = min((at for at in added.values() if at > seen_at), default=len(first) + 10**9)
        # Optimistic bound: only what was written between this set and the next one (its own round of fixes).
        own_round, _ = without_set(content, lambda item, a=seen_at, b=next_seen, f=first_at: a < f.get(item, -1) < b)
        store.replace_content(db, own_round)
        own_round_score = score(db, left_out)
        trimmed, removed = without_set(content, lambda item, a=seen_at, f=first_at: f.get(item, -1) > a)
        store.replace_content(db, trimmed)
        row = {"name": left_out.name, "questions": len(left_out.questions), "off_topic": len(left_out.off_topic),
               "shipped": shipped[left_out.name], "content_left_out": score(db, left_out), "removed": removed,
               "own_round_left_out": own_round_score}
        if table:
            best = max(table, key=lambda i: sum(table[i][s.name] for s in others))
            point = grid_points()[best]
            with constants(point):
                row["grid_left_out"] = score(db, left_out)
            row["point"] = point
        rows.append(row)
    db.close()
    return rows
