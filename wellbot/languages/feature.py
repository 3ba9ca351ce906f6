"""The language feature's declaration: /language, the "Language" menu item and its button."""

from __future__ import annotations

from wellbot.bot.features import ButtonRoute, Command, Feature, MenuItem
from wellbot.core.i18n import N_
from wellbot.languages.buttons import ChooseLanguage
from wellbot.languages.handlers import choose_language, show_languages

MENU_KEY = "language"

FEATURE = Feature(
    name="languages",
    commands=[Command("language", N_("Choose the language I write in"), show_languages)],
    buttons=[ButtonRoute.typed(ChooseLanguage, choose_language)],
    menu=[MenuItem(MENU_KEY, N_("🌐 Language / Idioma"), show_languages, order=90)],
    deep_links={MENU_KEY: show_languages},
)
