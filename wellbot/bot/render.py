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

from babel.numbers import format_decimal
from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from wellbot.bot.telegram_html import TelegramHTMLError, split_message, validate
from wellbot.core import dates, i18n
from wellbot.core.errors import ConfigError
from wellbot.core.phones import format_phone
from wellbot.core.resources import templates_dir

TEMPLATE_SUFFIX = ".html"
SAMPLES_DIR = "samples"


class Renderer:
    """Renders named templates for Telegram's HTML parse mode."""

    def __init__(self, tz: ZoneInfo, globals_: dict[str, Any] | None = None,
                 extra_dirs: Iterable[Path] = (), region: str | None = None,
                 default_language: str = i18n.SOURCE_LANGUAGE) -> None:
        self.tz = tz
        self.dirs = [*extra_dirs, templates_dir()]
        self.region = region
        self.default_language = default_language
        self.globals = dict(globals_ or {})
        self._envs: dict[str, SandboxedEnvironment] = {}
        self.env = self.env_for(default_language)

    def language(self) -> str:
        """The language being written (wellbot.core.i18n), else the clinic's default."""
        return i18n.current_language() or self.default_language

    def env_for(self, lang: str) -> SandboxedEnvironment:
        """The Jinja environment for `lang`: `<dir>/<lang>/` before `<dir>/` for every template dir."""
        env = self._envs.get(lang)
        if env is not None:
            return env
        search = [p for d in self.dirs for p in (str(d / lang), str(d))]
        env = SandboxedEnvironment(
            loader=FileSystemLoader(search),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(
            local=lambda when, fmt="%a %d %b %Y, %H:%M": self.local(when, fmt, lang),
            day=lambda when: self.local(when, "%A %d %B %Y", lang),
            time=lambda when: self.local(when, "%H:%M", lang),
            when=lambda when: self.local(when, "%a %d %b %Y, %H:%M", lang),
            zone=lambda when: self.local(when, "%Z", lang),  # "EDT": the zone in force at that instant
            number=lambda value: format_decimal(value, locale=lang.replace("-", "_")),
            phone=lambda stored: format_phone(stored, self.region),  # stored E.164, shown the clinic's way
            # Calendar dates (no time zone to convert): "Saturday 13 June", "Saturdays", "24 Dec 2026".
            day_month=lambda day: dates.show(day, "day_month", lang),
            weekday_plural=lambda day: dates.weekday_plural(day, lang),
            short_date=lambda day: dates.show(day, "short_date", lang),
        )
        # "New York" from "America/New_York" ("Nueva York" in Spanish): how the booking screens name the clinic's time.
        env.globals["zone_city"] = dates.city_of_zone(self.tz.key, lang)
        env.globals.update(self.globals)
        clinic = self.globals.get("clinic")
        if clinic is not None and hasattr(clinic, "localized"):
            env.globals["clinic"] = clinic.localized(lang)  # the clinic's texts in this language
        env.globals["lang"] = lang
        self._envs[lang] = env
        return env

    def set_clinic(self, clinic: Any) -> None:
        """Use a changed clinic (tests, a reload) in every language's templates."""
        self.globals["clinic"] = clinic
        self._envs.clear()
        self.env = self.env_for(self.default_language)

    def local(self, when: datetime, fmt: str = "%a %d %b %Y, %H:%M", lang: str | None = None) -> str:
        """Show an aware UTC datetime in the clinic's time zone, in `lang` (default: the language being written)."""
        if when.tzinfo is None:
            raise ValueError("refusing to show a naive datetime")
        local = when.astimezone(self.tz)
        kind = dates.STRFTIME_KINDS.get(fmt)
        if kind is None:
            return local.strftime(fmt)  # "%Z" and formats with no words in them
        return dates.show(local, kind, lang or self.language())

    def render(self, name: str, /, **values: Any) -> str:
        """Render `name` (without suffix) to one validated Telegram HTML text, in the language being written."""
        try:
            text = self.env_for(self.language()).get_template(name + TEMPLATE_SUFFIX).render(**values).strip()
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
            text = self.env_for(self.language()).from_string(source).render(**values).strip()
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

    def check_all(self, languages: Iterable[str] = ()) -> list[str]:
        """Render every template with its sample data in each language; raise on the first problem."""
        names = self.template_names()
        for lang in [self.default_language, *languages]:
            with i18n.speaking(lang):
                for name in names:
                    self.render(name, **self.sample_values(name))
        return names

    def missing_translations(self, lang: str) -> list[str]:
        """Templates with no `<lang>/` version in any template dir: `lang` readers get the default-language one."""
        return [name for name in self.template_names()
                if not any((d / lang / f"{name}{TEMPLATE_SUFFIX}").is_file() for d in self.dirs)]

    def untranslated_overrides(self, lang: str) -> list[str]:
        """Clinic overrides with no `<lang>/` version: `lang` readers see the clinic's default-language wording."""
        overrides = self.dirs[:-1]
        return sorted({f.name.removesuffix(TEMPLATE_SUFFIX) for d in overrides for f in d.glob("*" + TEMPLATE_SUFFIX)
                       if not f.name.startswith("_") and not (d / lang / f.name).is_file()})


def bold(text: str) -> Markup:
    """Escape text and wrap it in <b>: for code that builds small HTML pieces."""
    return Markup("<b>{}</b>").format(text)
