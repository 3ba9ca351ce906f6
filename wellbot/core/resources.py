"""Where the bundled templates, migrations and example clinic live.

An installed wheel carries them inside the package (`wellbot/_data/`, put
there by the build's force-include); a source checkout has them at the top
level of the repository. Both layouts are supported so tests, `pip install .`
and `pip install -e .` behave the same.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # wellbot/
INSTALLED_DATA = PACKAGE_DIR / "_data"
SOURCE_ROOT = PACKAGE_DIR.parent


def _locate(name: str) -> Path:
    """Return the bundled directory `name`, installed layout first."""
    for base in (INSTALLED_DATA, SOURCE_ROOT):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled directory {name!r} is missing from this installation")


def templates_dir() -> Path:
    """The bundled Jinja2 message templates."""
    return _locate("templates")


def migrations_dir() -> Path:
    """The bundled schema migrations."""
    return _locate("migrations")


def example_clinic_file() -> Path:
    """The bundled example clinic file."""
    return _locate("example-clinic") / "clinic.toml"
