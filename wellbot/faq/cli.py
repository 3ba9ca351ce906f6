"""`wellbot faq reload`: load edited FAQ files into the database a running worker reads."""

from __future__ import annotations

import argparse

from wellbot.bot.features import CliCommand
from wellbot.core.settings import Settings

ACTIONS = ("reload",)


def _configure(parser: argparse.ArgumentParser) -> None:
    """The one action, named so more can follow."""
    parser.add_argument("action", choices=ACTIONS, help="reload: validate the FAQ files, then replace the FAQ")


def cmd_faq(args: argparse.Namespace, settings: Settings) -> int:
    """Validate and load the clinic's FAQ folder; print what was loaded."""
    from wellbot.app import build_deps
    from wellbot.core.db import open_existing
    from wellbot.faq.loading import reload

    open_existing(settings.database).close()  # a reload changes an existing database, never creates one
    deps = build_deps(settings, features=[])  # only the database and renderer: no other feature's checks
    try:
        content = reload(deps)
    finally:
        deps.db.close()
    print(f"faq: loaded {len(content.entries)} questions in {len(content.topics)} topics "
          f"and {len(content.synonyms)} synonyms into {settings.database}")
    return 0


# The subcommands this module adds to `wellbot` (composed in wellbot.cli).
COMMANDS = [
    CliCommand("faq", "Reload the FAQ files into the database; a running worker answers from them at once. "
               "Nothing changes if any file has a problem.",
               "WELLBOT_CLINIC=./my-clinic/clinic.toml wellbot faq reload",
               run=cmd_faq, configure=_configure),
]
