"""The `wellbot` command: thin wrappers over plain functions.

Every subcommand has help text with an example (a test checks it). Problems
an operator can fix print one line naming the setting and exit with code 2.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence

from wellbot import __version__
from wellbot.bot.features import CliCommand
from wellbot.core.errors import ConfigError
from wellbot.core.logs import add_secret, setup_logging
from wellbot.core.settings import Settings

log = logging.getLogger("wellbot")

EXIT_CONFIG = 2

def _configure_run(parser: argparse.ArgumentParser) -> None:
    from wellbot.bot.webhook import DEFAULT_LISTEN, DEFAULT_PORT

    parser.add_argument("--webhook", metavar="URL",
                        help="receive updates by webhook at this public https URL instead of polling "
                             "(needs a TLS proxy in front; see README)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"local port of the webhook server (default {DEFAULT_PORT})")
    parser.add_argument("--listen", default=DEFAULT_LISTEN,
                        help=f"local address of the webhook server (default {DEFAULT_LISTEN}; 0.0.0.0 for all)")


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Start the worker until SIGTERM or SIGINT (standing by while another worker holds the lease)."""
    import asyncio

    from wellbot.app import build_application, build_deps, settle_heap
    from wellbot.bot.runner import Runner
    from wellbot.bot.webhook import webhook_config
    from wellbot.core.deps import POLLING, WEBHOOK

    settings.require_token()
    hook = webhook_config(settings, args.webhook, args.port, args.listen) if args.webhook else None
    if hook:
        add_secret(hook.secret)  # PTB logs setWebhook's parameters at DEBUG
    mode = WEBHOOK if hook else POLLING
    runner = Runner(settings, build_deps, build_application, mode=mode,
                    webhook_options=hook.options() if hook else None, settle=settle_heap)
    return asyncio.run(runner.run())


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply migrations and say what ran."""
    from wellbot.core.db import apply_migrations, open_database, schema_version

    db = open_database(settings.database, migrate=False)
    applied = apply_migrations(db)
    print(f"applied {len(applied)} migration(s)" + "".join(f"\n  {name}" for name in applied))
    print(f"schema version: {schema_version(db)}")
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    """Run every validation the worker runs at start, on a throwaway database."""
    from wellbot.app import build_deps
    from wellbot.checks import run_checks

    for line in run_checks(settings, build_deps):
        print(line)
    return 0


def all_subcommands() -> list[CliCommand]:
    """Every `wellbot` subcommand, in help order: the worker's own, operations, the simulator, then features'."""
    from wellbot import ops
    from wellbot.app import FEATURES
    from wellbot.sim import cli as sim_cli

    found = [*COMMANDS, *ops.COMMANDS, *sim_cli.COMMANDS, *(c for f in FEATURES for c in f.cli)]
    names = [c.name for c in found]
    if len(set(names)) != len(names):
        raise ValueError(f"a subcommand is declared twice: {names}")
    return found


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="wellbot",
        description="A Telegram bot for a pain-management and acupuncture clinic. "
                    "Settings come from the environment (see README).",
    )
    parser.add_argument("--version", action="version", version=f"wellbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in all_subcommands():
        child = sub.add_parser(command.name, help=command.help, description=command.help,
                               epilog=f"Example:\n  {command.example}",
                               formatter_class=argparse.RawDescriptionHelpFormatter)
        child.set_defaults(run=command.run)
        command.configure(child)
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Entry point of the `wellbot` command; returns the exit code."""
    environ = os.environ if environ is None else environ
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_CONFIG
    try:
        settings = Settings.from_env(environ)
        secrets = [settings.token or "", settings.extra.get("WELLBOT_WEBHOOK_SECRET", "")]
        setup_logging(settings.log_level_number, secrets, settings.log_format)
        return args.run(args, settings)
    except ConfigError as exc:
        print(f"wellbot: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


# The subcommands this module adds to `wellbot` (composed in wellbot.cli).
COMMANDS = [
    CliCommand("run", "Run the worker: long polling, or a webhook with --webhook (applies pending migrations first).",
               "TELEGRAM_BOT_TOKEN=123:abc... wellbot run",
               run=cmd_run, configure=_configure_run),
    CliCommand("migrate", "Apply pending database migrations (safe to run twice).",
               "WELLBOT_DATABASE=/var/lib/wellbot/wellbot.db wellbot migrate",
               run=cmd_migrate),
    CliCommand("check", "Validate the settings, the clinic file and every template, then exit.",
               "WELLBOT_CLINIC=./my-clinic/clinic.toml wellbot check",
               run=cmd_check),
]
