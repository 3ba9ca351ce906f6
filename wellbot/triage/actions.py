"""What triage does about one message: read it, and tell staff about an urgent one. No Telegram imports."""

from __future__ import annotations

import logging

from wellbot.core.deps import Deps
from wellbot.core.hooks import Notifier
from wellbot.core.i18n import N_, _
from wellbot.faq import loading as faq_loading
from wellbot.faq.search import find_red_flag
from wellbot.triage import logic, spanish
from wellbot.triage.settings import triage_settings

log = logging.getLogger(__name__)

CLINIC_PHRASE = "clinic_phrase"  # the concept name of a match on the clinic's own `[faq] red_flags`
# What staff read for each concept in an urgent-reply alert, in their language (the names are the triage's own
# keys with spaces; a concept not listed here is shown as its key).
CONCEPT_WORDS = {"anaphylaxis": N_("anaphylaxis"), "breathing": N_("breathing"), "cauda_equina": N_("cauda equina"),
                 "fainting": N_("fainting"), "heart": N_("heart"), "overdose": N_("overdose"),
                 "post_procedure": N_("post procedure"), "seizure": N_("seizure"), "self_harm": N_("self harm"),
                 "stroke": N_("stroke"), "suicidal": N_("suicidal"), "sounds_urgent": N_("sounds urgent"),
                 CLINIC_PHRASE: N_("clinic phrase")}


def read(deps: Deps, text: str) -> logic.Finding:
    """Triage's concepts in English and Spanish (both, always: patients mix them), plus the clinic's `red_flags`."""
    finding = spanish.assess_both(text)
    if finding.level is not logic.Level.NONE:
        return finding
    phrases = faq_loading.settings_for(deps.clinic).red_flags
    if phrases and find_red_flag(text, phrases):
        return logic.Finding(logic.Level.URGENT, CLINIC_PHRASE)
    return finding


def composing(deps: Deps, flow: str | None) -> bool:
    """Whether the user is writing content (a broadcast, a news item) that may well name emergencies."""
    return flow is not None and any(flow in feature.composing_flows for feature in deps.features)


def concept_word(concept: str | None) -> str:
    """A triage concept as staff read it, in the language being written."""
    return _(CONCEPT_WORDS[concept]) if concept in CONCEPT_WORDS else str(concept or "")


async def alert_staff(deps: Deps, notifier: Notifier, finding: logic.Finding, *, user_id: int, name: str,
                      username: str, text: str) -> int:
    """Tell staff a patient got the urgent reply (if the clinic wants that); return how many were told."""
    settings = triage_settings(deps.clinic)
    if not settings.alert_staff or deps.settings.is_staff(user_id):
        return 0
    concept = finding.concept
    told = await notifier.staff("triage_staff_alert", user_id=user_id, name=name, username=username,
                                text=text if settings.alert_text else "",
                                localized=lambda: {"concept": concept_word(concept)})
    log.info("staff told of an urgent reply user_id=%s staff_reached=%s", user_id, told)
    return told
