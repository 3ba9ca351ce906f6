"""Loading the clinic's FAQ folder into the database: validate everything, then swap.

Used by the start-up check, `wellbot faq reload` and SIGHUP alike, so the
same rules apply everywhere: a folder with any problem changes nothing.
No Telegram imports.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from wellbot.bot.render import Renderer
from wellbot.bot.telegram_html import split_message
from wellbot.core.clinic import Clinic
from wellbot.core.errors import ConfigError
from wellbot.core.i18n import speaking
from wellbot.faq import store
from wellbot.faq.content import (
    ENTRY_SUFFIX,
    SYNONYMS_FILE,
    TOPICS_FILE,
    Content,
    Entry,
    FaqSettings,
    faq_settings,
    load_content,
)

if TYPE_CHECKING:  # the container module pulls in Telegram; this module needs only its fields
    from wellbot.bot.deps import Deps

log = logging.getLogger(__name__)

ANSWER_TEMPLATE = "faq_answer"


def settings_for(clinic: Clinic) -> FaqSettings:
    """The clinic's `[faq]` settings, validated."""
    return faq_settings(clinic.section("faq"), clinic.directory, f"{clinic.path} [faq]")


def answer_values(entry: Entry | store.StoredEntry, settings: FaqSettings) -> dict:
    """What the answer template gets: clinical answers carry the not-medical-advice note."""
    return {"question": entry.question, "answer_html": entry.answer_html,
            "disclaimer": settings.disclaimer if entry.clinical else ""}


def check_rendering(renderer: Renderer, content: Content, settings: FaqSettings) -> None:
    """Render every answer as the bot would; raise ConfigError naming the file that would fail."""
    for entry in content.entries:
        where = f"{settings.folder / (entry.id + ENTRY_SUFFIX)}"
        try:
            text = renderer.render(ANSWER_TEMPLATE, **answer_values(entry, settings))
        except ConfigError as exc:
            raise ConfigError(where, f"answer would not render: {exc.problem}") from None
        if len(split_message(text)) > 1:
            raise ConfigError(where, "answer is too long for one Telegram message; shorten or split it")


def language_folder(settings: FaqSettings, lang: str, default: str) -> Path:
    """Where `lang`'s FAQ lives: the folder itself for the default language, `<folder>/<lang>/` for the others."""
    return settings.folder if lang == default else settings.folder / lang


def load_languages(deps: Deps) -> dict[str, Content]:
    """Every configured language's FAQ, validated and rendered as the bot would (a language without a folder
    is left out: its readers get the default language's FAQ)."""
    clinic = deps.base_clinic
    services = [service.key for service in clinic.services]
    contents: dict[str, Content] = {}
    for lang in clinic.languages:
        settings = settings_for(clinic.localized(lang))  # that language's disclaimer
        folder = language_folder(settings, lang, clinic.default_language)
        if lang != clinic.default_language and not folder.is_dir():
            continue
        content = load_content(folder, services, required=settings.folder_required or lang != clinic.default_language)
        with speaking(lang):
            check_rendering(deps.renderer, content, replace(settings, folder=folder))
        contents[lang] = content
    return contents


def reload(deps: Deps) -> Content:
    """Validate every language's FAQ folder completely, then replace the stored FAQ in one transaction."""
    contents = load_languages(deps)
    store.replace_all(deps.db, contents)
    for lang, content in contents.items():
        log.info("faq loaded language=%s entries=%d topics=%d synonyms=%d", lang, len(content.entries),
                 len(content.topics), len(content.synonyms))
    return contents[deps.base_clinic.default_language]


def missing_entries(deps: Deps, lang: str) -> list[str]:
    """What `faq/<lang>/` lacks beside the default language's FAQ: its topics and synonyms files, entries by id."""
    clinic = deps.base_clinic
    settings = settings_for(clinic)
    folder = language_folder(settings, lang, clinic.default_language)
    if not settings.folder.is_dir():
        return []
    wanted = sorted(p.name for p in settings.folder.glob("*" + ENTRY_SUFFIX))
    missing = [name for name in (TOPICS_FILE, SYNONYMS_FILE) if not (folder / name).is_file()]
    return missing + [name.removesuffix(ENTRY_SUFFIX) for name in wanted if not (folder / name).is_file()]
