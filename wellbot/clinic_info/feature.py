"""The clinic-info feature's declaration: the "Clinic info" menu item, its buttons and the [info] check."""

from __future__ import annotations

from wellbot.bot.features import ButtonRoute, Feature, MenuItem
from wellbot.clinic_info.buttons import ShowFact
from wellbot.clinic_info.handlers import check, fact_pressed, show_menu
from wellbot.core.i18n import N_

FEATURE = Feature(
    name="clinic_info",
    buttons=[ButtonRoute.typed(ShowFact, fact_pressed)],
    menu=[MenuItem("info", N_("Clinic info"), show_menu, order=60)],
    deep_links={"info": show_menu},
    checks=[check],
)
