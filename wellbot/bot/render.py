"""The one renderer: Jinja2 templates -> Telegram HTML, escaped and split.

Every message text the bot sends comes from a template in `templates/` (or a
clinic's own override folder, searched first). The environment is sandboxed,
autoescaping and strict about undefined names, so user-supplied text is
always shown as text and a broken template fails loudly at `wellbot check`
rather than halfway through a send.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from wellbot.bot.telegram_html import TelegramHTMLError, split_message, validate
from wellbot.core.errors import ConfigError
from wellbot.core.phones import format_phone
from wellbot.core.resources import templates_dir

TEMPLATE_SUFFIX = ".html"
SAMPLES_DIR = "samples"


class Renderer:
    """Renders named templates for Telegram's HTML parse mode."""

    def __init__(self, tz: ZoneInfo, globals_: dict[str, Any] | None = None,
                 extra_dirs: Iterable[Path] = (), region: str | None = None) -> None:
        self.tz = tz
        self.dirs = [*extra_dirs, templates_dir()]
        self.env = SandboxedEnvironment(
            loader=FileSystemLoader([str(d) for d in self.dirs]),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(
            local=self.local,
            day=lambda when: self.local(when, "%A %d %B %Y"),
            time=lambda when: self.local(when, "%H:%M"),
            when=lambda when: self.local(when, "%a %d %b %Y, %H:%M"),
            zone=lambda when: self.local(when, "%Z"),  # "EDT": the zone in force at that instant
            phone=lambda stored: format_phone(stored, region),  # stored E.164, shown the clinic's way
        )
        # "New York" from "America/New_York": how the booking screens name the clinic's time.
        self.env.globals["zone_city"] = tz.key.rsplit("/", 1)[-1].replace("_", " ")
        self.env.globals.update(globals_ or {})

    def local(self, when: datetime, fmt: str = "%a %d %b %Y, %H:%M") -> str:
        """Show an aware UTC datetime in the clinic's time zone."""
        if when.tzinfo is None:
            raise ValueError("refusing to show a naive datetime")
        return when.astimezone(self.tz).strftime(fmt)

    def render(self, name: str, /, **values: Any) -> str:
        """Render `name` (without suffix) to one validated Telegram HTML text."""
        try:
            text = self.env.get_template(name + TEMPLATE_SUFFIX).render(**values).strip()
        except TemplateError as exc:
            raise ConfigError(f"template {name}", str(exc)) from exc
        try:
            validate(text)
        except TelegramHTMLError as exc:
            raise ConfigError(f"template {name}", f"renders HTML Telegram would refuse: {exc}") from exc
        return text

    def render_parts(self, name: str, /, **values: Any) -> list[str]:
        """Render and split into parts that each fit one Telegram message."""
        return split_message(self.render(name, **values))

    def render_string(self, source: str, **values: Any) -> str:
        """Render template source (staff-edited text) in the same sandbox, validated."""
        try:
            text = self.env.from_string(source).render(**values).strip()
            validate(text)
        except (TemplateError, TelegramHTMLError) as exc:
            raise ConfigError("template", str(exc)) from exc
        return text

    def template_names(self) -> list[str]:
        """Every message template (partials starting with `_` excluded)."""
        names = set()
        for directory in self.dirs:
            for file in directory.glob("*" + TEMPLATE_SUFFIX):
                if not file.name.startswith("_"):
                    names.add(file.name.removesuffix(TEMPLATE_SUFFIX))
        return sorted(names)

    def sample_values(self, name: str) -> dict[str, Any]:
        """The sample data `wellbot check` renders a template with."""
        for directory in self.dirs:
            file = directory / SAMPLES_DIR / f"{name}.toml"
            if file.is_file():
                try:
                    return tomllib.loads(file.read_text(encoding="utf-8"))
                except tomllib.TOMLDecodeError as exc:
                    raise ConfigError(str(file), f"is not valid TOML: {exc}") from None
        raise ConfigError(f"template {name}", f"has no sample data file {SAMPLES_DIR}/{name}.toml")

    def check_all(self) -> list[str]:
        """Render every template with its sample data; raise on the first problem."""
        names = self.template_names()
        for name in names:
            self.render(name, **self.sample_values(name))
        return names


def bold(text: str) -> Markup:
    """Escape text and wrap it in <b>: for code that builds small HTML pieces."""
    return Markup("<b>{}</b>").format(text)
