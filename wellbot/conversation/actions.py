"""What to do with typed text outside a flow: which feature answers it. No Telegram imports.

Nothing here changes state; it is the one place that maps what a message
asks for (`logic.detect`) to who answers it, so the handler stays a switch.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from wellbot.conversation import spanish
from wellbot.conversation.logic import Intent, detect


class Answerer(Enum):
    """Who answers a typed message."""

    FAQ = "faq"  # a question: search the FAQ (or say "I don't know")
    FACT = "fact"  # a clinic fact (`fact` says which)
    BOOK = "book"  # start booking
    VISITS = "visits"  # the patient's visits, to cancel or move one
    HELP = "help"  # /help
    PERSON = "person"  # the front-desk inbox: a person replies in this chat (wellbot.desk)
    TEMPLATE = "template"  # a short reply with the main menu (`template` says which)


@dataclass(frozen=True)
class Route:
    """The answerer, and which fact or template."""

    answerer: Answerer
    fact: str = ""
    template: str = ""
    intent: Intent | None = None


FACT_INTENTS = {Intent.HOURS: "hours", Intent.ADDRESS: "address", Intent.PHONE: "phone", Intent.PARKING: "parking",
                Intent.TRANSIT: "transit", Intent.PRICES: "prices", Intent.INSURANCE: "insurance"}
TEMPLATES = {Intent.GREETING: "conv_greeting", Intent.THANKS: "conv_thanks", Intent.MENU: "conv_menu"}
ANSWERERS = {Intent.BOOK: Answerer.BOOK, Intent.VISITS: Answerer.VISITS, Intent.HELP: Answerer.HELP,
             Intent.HUMAN: Answerer.PERSON}


# Language -> its own intent reader, tried before the English one (patients mix in "ok thanks", "menu").
READERS = {"es": spanish.detect}


def read_intent(text: str, lang: str | None = None) -> Intent | None:
    """The intent of a typed message in the patient's language, then in English."""
    reader = READERS.get(lang or "")
    return (reader(text) if reader else None) or detect(text)


def route(text: str, lang: str | None = None) -> Route:
    """Who answers a typed message outside a flow, read in the patient's language `lang`."""
    intent = read_intent(text, lang)
    if intent is None:
        return Route(Answerer.FAQ)
    if intent in FACT_INTENTS:
        return Route(Answerer.FACT, fact=FACT_INTENTS[intent], intent=intent)
    if intent in TEMPLATES:
        return Route(Answerer.TEMPLATE, template=TEMPLATES[intent], intent=intent)
    return Route(ANSWERERS[intent], intent=intent)
