"""How well the FAQ search ignores the politeness around a question: every known question wrapped in fillers.

Patients rarely type the bare question: "hi, i was wondering ...", "... thanks in advance", "Respected Sir,
kindly ...". Each known set's FAQ questions and off-topic questions are searched bare and inside each
wrapper (shipped content, intents first as the bot does). TUNED wrappers are the ones the search's
courtesy words were chosen against (in-sample); FRESH ones were written after that, to check the words
generalise.

    python benchmarks/faq_fillers.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.faq_honest import first_answer, load_sets  # noqa: E402
from tests.known_sets import is_right  # noqa: E402
from wellbot.core.clinic import load_clinic  # noqa: E402
from wellbot.core.db import open_database  # noqa: E402
from wellbot.core.resources import example_clinic_file  # noqa: E402
from wellbot.faq import store  # noqa: E402
from wellbot.faq.content import load_content  # noqa: E402

TUNED = ["hi, i was wondering {}", "quick question: {}", "sorry to bother you but {}", "could you tell me {}",
         "{} thanks in advance", "hello there! {} cheers", "my friend asked me to find out {}", "{}?? just curious",
         "good morning, {} many thanks", "hey so basically {} lol"]
FRESH = ["Dear clinic, {} Regards", "hiya!! {}", "{} - appreciate any help", "excuse me, {}", "so um {}",
         "{} thank you so much", "my mum wants to know {}", "ok so {}", "Good afternoon. {} Kind regards.",
         "hope you are well. {}"]


def main() -> None:
    """Load the example FAQ, search every wrapped question, print right-first and off-topic honesty."""
    clinic = load_clinic(example_clinic_file())
    db = open_database(":memory:")
    store.replace_content(db, load_content(clinic.directory / "faq", [s.key for s in clinic.services]))
    sets = load_sets()
    questions = [pair for qset in sets for pair in qset.questions]
    off_topic = [text for qset in sets for text in qset.off_topic]
    for label, wrappers in (("bare", ["{}"]), ("tuned wrappers", TUNED), ("fresh wrappers", FRESH)):
        right = sum(is_right(first_answer(db, w.format(q)), expect) for w in wrappers for q, expect in questions)
        honest = sum(first_answer(db, w.format(q)) is None for w in wrappers for q in off_topic)
        asked, off = len(wrappers) * len(questions), len(wrappers) * len(off_topic)
        print(f"{label:<16} right first {right}/{asked} ({right / asked:.1%}),"
              f" off-topic 'I don't know' {honest}/{off} ({honest / off:.1%})")


if __name__ == "__main__":
    main()
