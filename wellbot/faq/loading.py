"""Loading the clinic's FAQ folder into the database: validate everything, then swap.

Used by the start-up check, `wellbot faq reload` and SIGHUP alike, so the
same rules apply everywhere: a folder with any problem changes nothing.
No Telegram imports.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from wellbot.bot.render import Renderer
from wellbot.bot.telegram_html import split_message
from wellbot.core.clinic import Clinic
from wellbot.core.errors import ConfigError
from wellbot.faq import store
from wellbot.faq.content import ENTRY_SUFFIX, Content, Entry, FaqSettings, faq_settings, load_content

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


def reload(deps: Deps) -> Content:
    """Validate the FAQ folder completely, then replace the stored FAQ with it in one transaction."""
    settings = settings_for(deps.clinic)
    services = [service.key for service in deps.clinic.services]
    content = load_content(settings.folder, services, required=settings.folder_required)
    check_rendering(deps.renderer, content, settings)
    store.replace_content(deps.db, content)
    log.info("faq loaded entries=%d topics=%d synonyms=%d", len(content.entries), len(content.topics),
             len(content.synonyms))
    return content
