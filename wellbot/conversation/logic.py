"""What a typed message asks for: a greeting, "book", "talk to a person", a clinic fact. No Telegram imports.

Only clear requests are intents; everything else goes on to the FAQ search.
Patterns are tuned on tests/intents_tuning.toml and measured on the held-out
tests/heldout/intents_heldout.toml.
"""

from __future__ import annotations

import re
from enum import Enum

from wellbot.language.words import fold


class Intent(Enum):
    """What the patient wants, when it is not a FAQ question."""

    GREETING = "greeting"
    THANKS = "thanks"
    MENU = "menu"
    HELP = "help"
    BOOK = "book"
    VISITS = "visits"  # cancel, move or see my visits
    HUMAN = "human"  # how to reach the front desk
    HOURS = "hours"
    ADDRESS = "address"
    PHONE = "phone"
    PARKING = "parking"
    TRANSIT = "transit"
    PRICES = "prices"
    INSURANCE = "insurance"


GREETING = (r"(?:hi+|hello+|hey+|hiya|howdy|yo|good (?:morning|afternoon|evening|day)|greetings|hey there|hi there"
            r"|hello there)")
THANKS = r"(?:thanks?|thank (?:you|u)|thx|ty|cheers|ta|many thanks|much appreciated|great thanks|ok thanks|okay thanks)"
POLITE_TAIL = r"(?:\s+(?:so much|a lot|very much|again|all|there|everyone|team|bot|doc|doctor))*"
ONLY_GREETING = re.compile(rf"^{GREETING}{POLITE_TAIL}$")
ONLY_THANKS = re.compile(rf"^(?:{THANKS}){POLITE_TAIL}$")
LEADING_GREETING = re.compile(rf"^{GREETING}\b(?:\s+there)?\s*")
APPOINTMENT = r"(?:appointment|appointments|appt|appts|visit|visits|booking|bookings|session|consultation|slot)"

# Checked in this order: the first that matches wins.
PATTERNS: tuple[tuple[Intent, re.Pattern[str]], ...] = tuple((intent, re.compile(pattern)) for intent, pattern in (
    (Intent.MENU, r"^(?:the |main |show (?:me )?(?:the )?|open (?:the )?|back to (?:the )?|go to (?:the )?)?(?:main )?"
                  r"(?:menu|options)$|^(?:start|start over|home|main menu)$|\bwhat are (?:the|my) options\b"),
    (Intent.HELP,
                  r"^(?:help|help me|i need help|need help|can you help(?: me)?|please help|\?+)$"
                  r"|^what (?:else )?can you do(?: for me| here)?$"
                  r"|^what do you do$|\bhow does this (?:bot |thing )?work\b|\bwhat can i (?:ask|do) (?:here|you)\b"
                  r"|\bhow do i use (?:this|you)\b"),
    (Intent.VISITS, rf"\b(?:cancel|move|reschedule|postpone|rebook|push back)\w*\b(?:\s+\S+){{0,3}}\s+{APPOINTMENT}\b"
                    rf"|\bmy (?:next |upcoming |future )?(?:appointments|visits|bookings)\b|\bwhen is my (?:next )?"
                    rf"{APPOINTMENT}\b|^(?:cancel|reschedule|my visits)$"),
    (Intent.BOOK, rf"\b(?:book|make|schedule|arrange|get|need|want|like|request|have)\w*(?: me| in| an?| another| a new"
                  rf"| one| for)*(?: \w+)? {APPOINTMENT}\b|\b(?:to|can i|could i|wanna|please|lets|let me|i want to|"
                  rf"id like to) book\b|^book\b|\bbook (?:me|in|an?|now|for|acupuncture|a time"
                  rf"|myself)\b(?!(?: me)?(?: an?| in)? (?:taxi|cab|ride|table"
                  r"|flight|hotel|room|car|uber)\b)"),
    (Intent.HUMAN, r"\b(?:talk|speak|chat)\w*\s+(?:to|with)\s+(?:a |an |the |some |your )?(?:real |actual |live )?"
                   r"(?:person|human|someone|somebody|staff|receptionist|reception|doctor|nurse|front desk|team|people"
                   r"|manager)|\b(?:real|actual|live) person\b|\bhuman\b|\bput me through\b|\bcall me back\b"
                   r"|\bcontact (?:you|the clinic|someone|a person)\b|\bfront desk\b|\breceptionist\b"),
    (Intent.TRANSIT, r"\bbus(?:es)?\b|\btrain\b|\bstation\b|\bsubway\b|\bmetro\b|\btram\b|\bpublic transport\b"
                     r"|\btransit\b|\bby (?:bus|train|tube|underground)\b"),
    (Intent.PARKING, r"\bpark(?:ing)?\b|\bcar park\b|\bgarage\b"),
    (Intent.HOURS,
                   r"\bopening (?:hours|times)\b|\b(?:are|r) (?:you|u) (?:open|closed|in|working)\b(?! to\b)"
                   r"|\bopen (?:on|at|today"
                   r"|tomorrow|now|right now|late|early|this|next|sunday|monday|tuesday|wednesday|thursday|friday"
                   r"|saturday|weekends?|christmas|holidays?)\b|\bwhat time do you\b|\bwhen (?:do|are) you (?:open"
                   r"|close)"
                   r"|\b(?:your )?hours\b|\bclos(?:e|ed|ing) (?:on|at|today|tomorrow|time)\b|^open\b"),
    (Intent.PHONE,
                   r"\b(?:your|the clinic|clinic|office|contact|reception) (?:phone|number)\b|\bphone (?:number|you"
                   r"|the clinic|us)\b"
                   r"|^phone\??$|\bby phone\b|\btelephone\b|\bnumber to call\b|\b(?:call|ring) (?:you|the clinic)\b"
                   r"|\byour number\b"),
    (Intent.ADDRESS, r"\bwhere (?:are|r) (?:you|u)\b|\bwhere is (?:the|your) (?:clinic|office|practice)\b|\baddress\b"
                     r"|\blocation\b|\bfind (?:you|the clinic|your (?:clinic|office))\b|\bdirections?\b"
                     r"|\bhow (?:do|can) i get (?:to you|there|to the clinic)\b|\blocated\b|\bmap\b"),
    (Intent.INSURANCE,
                       r"(?<!car )(?<!travel )(?<!life )(?<!home )(?<!pet )(?<!house )\binsurance\b(?! card)"
                       r"|\binsured\b|\binsurers?\b|\bmedicare\b|\bmedicaid\b|\bcovered by\b"
                       r"|\bhealth (?:fund|plan)\b|\bhsa\b|\bfsa\b"),
    (Intent.PRICES,
                    r"\bhow much (?:is|are|for|to)\b|\bhow much (?:does|do|will|would)(?: \S+){0,4} (?:cost|charge|be"
                    r"|pay)\b|\bcosts?\b|\bprices?\b|\bpricing\b|\bfees?\b"
                    r"|\bcharges?\b|\bafford\b|\bexpensive\b|\bcheap\b(?! flights)"),
))


# Booking something that is not a visit here ("book me a taxi") is not a booking request.
NOT_OUR_BOOKING = re.compile(r"\b(?:taxi|cab|uber|ride|table|restaurant|flights?|hotel|room|car|tickets?)\b")


def detect(text: str) -> Intent | None:
    """The intent of a typed message, or None when it is a question for the FAQ."""
    folded = " ".join(re.findall(r"[a-z0-9?]+", fold(text)))
    bare = folded.replace("?", "").strip()
    if ONLY_GREETING.match(bare):
        return Intent.GREETING
    if ONLY_THANKS.match(bare):
        return Intent.THANKS
    rest = LEADING_GREETING.sub("", folded).strip() or folded
    for intent, pattern in PATTERNS:
        if pattern.search(rest) and not (intent is Intent.BOOK and NOT_OUR_BOOKING.search(rest)):
            return intent
    return None
