"""`wellbot news add|list|delete|import`: thin wrappers over `items` for operators."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wellbot.bot.features import CliCommand
from wellbot.core.clinic import load_clinic
from wellbot.core.clock import SystemClock
from wellbot.core.db import open_existing
from wellbot.core.settings import Settings
from wellbot.newsletter import items

EXIT_BAD_INPUT = 2  # usage errors exit 2 like every other command (README "Command line")
AUTHOR = "cli"


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="Add one item (body in Telegram HTML).")
    add.add_argument("--title", required=True)
    add.add_argument("--body", required=True, help="Telegram HTML, e.g. '<b>Tip:</b> stretch daily'")
    add.add_argument("--topics", required=True, help="comma-separated topic keys from the clinic file")
    add.add_argument("--publish", default="now", help="'now' or 'YYYY-MM-DD HH:MM' clinic time")
    add.add_argument("--link", default="")
    lst = actions.add_parser("list", help="List the latest items.")
    lst.add_argument("--limit", type=int, default=20)
    delete = actions.add_parser("delete", help="Delete an item by id.")
    delete.add_argument("id", type=int)
    imp = actions.add_parser("import", help="Import items from a Markdown (.md) or CSV (.csv) file; all or none.")
    imp.add_argument("file", type=Path)


def cmd_news(args: argparse.Namespace, settings: Settings) -> int:
    """Run one news action against the configured database."""
    clinic = load_clinic(settings.clinic_path)
    db = open_existing(settings.database, migrate=True)  # news needs the current schema; never creates the file
    clock = SystemClock(clinic.timezone)
    try:
        if args.action == "add":
            item = items.make_item(clinic, clock, title=args.title, body=args.body, topics=args.topics.split(","),
                                   publish=args.publish, link=args.link, author=AUTHOR)
            print(f"added item {items.add_items(db, clock, [item])[0]}")
        elif args.action == "list":
            for item in items.list_items(db, args.limit):
                local = item.publish_at.astimezone(clinic.timezone).strftime("%Y-%m-%d %H:%M")
                print(f"{item.id}\t{local}\t{','.join(item.topics)}\t{item.title}")
        elif args.action == "delete":
            if not items.delete_item(db, args.id):
                print(f"wellbot news: no item {args.id}", file=sys.stderr)
                return EXIT_BAD_INPUT
            print(f"deleted item {args.id}")
        else:
            fmt = "csv" if args.file.suffix.lower() == ".csv" else "md"
            ids = items.import_items(db, clinic, clock, args.file.read_text(encoding="utf-8"), fmt, AUTHOR)
            print(f"imported {len(ids)} item(s)")
    except (items.ItemError, OSError, UnicodeDecodeError) as exc:
        print(f"wellbot news: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        db.close()
    return 0


# The subcommands this module adds to `wellbot` (composed in wellbot.cli).
COMMANDS = [
    CliCommand("news", "Add, list, delete or import health-news items.",
               "wellbot news import news.md   |   wellbot news add --title 'Open Saturday' --body 'We are open.' "
               "--topics clinic",
               run=cmd_news, configure=_configure),
]
