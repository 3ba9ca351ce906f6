"""The `wellbot chat` subcommand, declared without importing the Bot API stand-in.

Only `wellbot chat` itself loads `wellbot.sim.chat` (and with it the
1,700-line devserver); `wellbot run` and every other command never do.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from wellbot.bot.features import CliCommand
from wellbot.core.settings import Settings

DEFAULT_USER_ID = 1001  # the simulated patient, unless --user says otherwise
DEFAULT_NAME = "Pat"


def configure_chat(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-staff", action="store_true", help="be a staff member in this session")
    parser.add_argument("--user", type=int, default=DEFAULT_USER_ID, metavar="ID",
                        help=f"your Telegram user id (default {DEFAULT_USER_ID})")
    parser.add_argument("--name", default=DEFAULT_NAME, help=f"your first name (default {DEFAULT_NAME})")
    parser.add_argument("--language", default="en", metavar="CODE",
                        help="your Telegram app's language_code at first contact, e.g. es or es-MX (default en)")
    parser.add_argument("--clinic", type=Path, help="clinic file to try (default: WELLBOT_CLINIC or the example)")
    parser.add_argument("--database", type=Path,
                        help="database to keep (default: a temporary one, deleted at exit)")



def run_chat(args: argparse.Namespace, settings: Settings) -> int:
    """Load the simulator and run a chat session."""
    from wellbot.sim.chat import cmd_chat

    return cmd_chat(args, settings)


# The subcommands this module adds to `wellbot` (composed in wellbot.cli).
COMMANDS = [
    CliCommand("chat", "Talk to the bot in this terminal: no token, no network.",
               "wellbot chat --clinic ./my-clinic/clinic.toml", run=run_chat, configure=configure_chat),
]
