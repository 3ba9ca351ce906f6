"""Import contracts: the domain never imports Telegram, and the worker never loads the simulator.

Each check runs in a fresh interpreter, so what one test imported cannot hide
what another module pulls in; `sys.modules` there shows the whole transitive
import, package `__init__` files included.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The domain is what `mypy` checks: [tool.mypy] files in pyproject.toml is the
# one list, so a module added there is held to this contract too.
MYPY_FILES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["files"]

# Run in the child: import one module, report every `telegram` module loaded
# and, for the first one, the chain of wellbot files that asked for it.
PROBE = """
import importlib, json, sys, traceback

class Watch:
    chain = None
    def find_spec(self, name, path=None, target=None):
        if Watch.chain is None and name.split(".")[0] == "telegram":
            Watch.chain = [f"{f.filename.split('wellbot/', 1)[-1]}:{f.lineno}" for f in traceback.extract_stack()
                           if "/wellbot/" in f.filename and "importlib" not in f.filename]
        return None

sys.meta_path.insert(0, Watch())
importlib.import_module(sys.argv[1])
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "telegram")
print(json.dumps({"telegram": loaded, "chain": Watch.chain}))
"""

# Run in the child: what `wellbot run` and every other command load before
# dispatching (the parser imports each feature's CLI declarations).
WORKER_PROBE = """
import json, sys
import wellbot.app
from wellbot.cli import build_parser
build_parser()
print(json.dumps(sorted(m for m in sys.modules if m.startswith("wellbot.sim."))))
"""
SIMULATOR = {"wellbot.sim.devserver", "wellbot.sim.chat"}
DOMAIN_ROOMS = ("store", "actions", "logic", "engine")  # in every feature package that has them


def module_name(path: Path) -> str:
    """`wellbot/core/db.py` -> `wellbot.core.db`; a package's `__init__.py` -> the package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def domain_modules() -> list[str]:
    """Every module mypy checks, folders expanded to their modules."""
    found = []
    for entry in MYPY_FILES:
        path = ROOT / entry
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        found.extend(module_name(file) for file in files)
    return found


def run_child(code: str, *args: str) -> str:
    """Run code in a fresh interpreter from the checkout; return its stdout."""
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_store_actions_logic_and_engine_is_in_the_domain():
    rooms = {module_name(p) for room in DOMAIN_ROOMS for p in (ROOT / "wellbot").glob(f"*/{room}.py")}
    core = {module_name(p) for p in (ROOT / "wellbot" / "core").glob("*.py")}
    missing = (rooms | core) - set(domain_modules())
    assert not missing, f"add to [tool.mypy] files in pyproject.toml: {sorted(missing)}"


@pytest.mark.parametrize("module", domain_modules())
def test_domain_module_never_imports_telegram(module):
    report = json.loads(run_child(PROBE, module))
    assert report["telegram"] == [], f"{module} loads {report['telegram'][:3]}... via {report['chain']}"


def test_the_worker_and_its_commands_never_load_the_simulator():
    loaded = set(json.loads(run_child(WORKER_PROBE)))
    assert loaded.isdisjoint(SIMULATOR), f"wellbot run would load {sorted(loaded & SIMULATOR)}"


def test_a_flow_with_only_staff_buttons_is_a_staff_flow():
    """A flow whose every button is staff-only is re-checked per typed message (found: the desk's was not)."""
    from wellbot.app import FEATURES

    for feature in FEATURES:
        staff_kinds = {route.button for route in feature.buttons if route.staff and route.button is not None}
        for steps in feature.flow_steps:
            if steps.kinds() and steps.kinds() <= staff_kinds:
                assert steps.flow in feature.staff_flows, f"{feature.name}: flow {steps.flow!r} is staff-only"
