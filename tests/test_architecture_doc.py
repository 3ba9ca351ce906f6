"""ARCHITECTURE.md stays true: every path and module it names (outside the worked example) exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "ARCHITECTURE.md"
EXAMPLE_HEADING = "## Worked example"  # names a feature that does not exist yet, on purpose
PATH = re.compile(r"`((?:wellbot|templates|migrations|tests)/[\w./]*)`")
MODULE = re.compile(r"`(wellbot(?:\.\w+)+)`")
ROOM = re.compile(r"^\| `(\w+\.py)`", re.M)


def _described_part() -> str:
    return DOC.read_text(encoding="utf-8").split(EXAMPLE_HEADING)[0]


def test_every_path_the_architecture_names_exists():
    paths = set(PATH.findall(_described_part()))
    assert len(paths) > 10, "the page names the modules it describes"
    missing = sorted(p for p in paths if not (ROOT / p.rstrip("/")).exists())
    assert missing == []


def test_every_dotted_module_the_architecture_names_imports():
    modules = set(MODULE.findall(_described_part()))
    missing = sorted(m for m in modules if importlib.util.find_spec(m) is None)
    assert missing == []


def test_the_rooms_table_names_rooms_that_the_feature_packages_really_have():
    rooms = set(ROOM.findall(_described_part()))
    packages = [p for p in (ROOT / "wellbot").iterdir() if (p / "feature.py").exists()]
    assert {"feature.py", "store.py", "actions.py", "buttons.py", "handlers.py"} <= rooms
    assert {p.name for p in packages} >= {"booking", "faq", "newsletter", "reminders", "subscriptions", "privacy"}
    for package in packages:
        assert (package / "actions.py").exists(), f"{package.name} has no actions room"
    for room in rooms:
        assert any((p / room).exists() for p in packages), f"no feature package has {room}"


def test_the_worked_example_uses_the_hooks_a_feature_can_really_declare():
    from wellbot.bot.features import Feature

    example = DOC.read_text(encoding="utf-8").split(EXAMPLE_HEADING)[1]
    for hook in re.findall(r"`(after_visit_booked|on_visit_changed|after_visit_freed|on_patient_blocked)`", example):
        assert hook in Feature.__dataclass_fields__, hook
