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

# Ways to move, postpone, bring forward, swap or cancel, with common typos ("cancle", "rearange", "resched").
CHANGE_VISIT = (r"(?:cancel\w*|cancle\w*|cansel\w*|call(?:ing|ed)? off|move|moving|moved|re-?schedul\w*|resched\w*"
                r"|postpone\w*|postpne\w*|re-?book\w*|push(?:ing)?(?: back| forward)?|bring forward|shift|shifting"
                r"|change|changing|chnage|swap|swapping|switch|switching|delay|put off|re-?arr?ange?\w*"
                r"|amend|modify|adjust)")
# Words between the verb and the visit; "before", "between", "into" make it about the visit, not moving it.
FILLER = r"(?!(?:before|after|during|between|into|around|while|when|at|in|with|without|for|per|each|every)\b)\S+"
MODAL = (r"(?:please|pls|can (?:i|you|we)|could (?:i|you|we)|i (?:need|want|have|would like|d like) to"
         r"|(?:need|want|have) to|id like to|i wanna|wanna)")
# The visit, with typos ("apointment", "appoitment", "appt", "apt") and the Spanish "cita" patients mix in.
LOOSE_APPOINTMENT = (rf"(?:{APPOINTMENT}|ap+oi?n?t?m\w*|ap+oin\w*|ap+ts?|sessions|slots|consultations|reservations?"
                     r"|citas?)")

# Checked in this order: the first that matches wins.
PATTERNS: tuple[tuple[Intent, re.Pattern[str]], ...] = tuple((intent, re.compile(pattern)) for intent, pattern in (
    (Intent.MENU, r"^(?:the |main |show (?:me )?(?:the )?|open (?:the )?|back to (?:the )?|go to (?:the )?)?(?:main )?"
                  r"(?:menu|options)$|^(?:start|start over|home|main menu)$"
                  # only on its own: "...nothing helps, what are my options" asks about treatment (set 13)
                  r"|^(?:so |ok |okay |hi |hello )?what are (?:the|my) options(?: here| please)?$"),
    (Intent.HELP,
                  r"^(?:help|help me|i need help|need help|can you help(?: me)?|please help|\?+)$"
                  r"|^what (?:else )?can you do(?: for me| here)?$"
                  r"|^what do you do$|\bhow does this (?:bot |thing )?work\b|\bwhat can i (?:ask|do) (?:here|you)\b"
                  r"|\bhow do i use (?:this|you)\b"),
    (Intent.VISITS, rf"\b{CHANGE_VISIT}(?:\s+{FILLER}){{0,4}}\s+{LOOSE_APPOINTMENT}\b"
                    rf"|\b(?:bring|make|push|put|call)(?:\s+{FILLER}){{0,2}}\s+{LOOSE_APPOINTMENT}"
                    rf"\s+(?:forward|earlier|later|back|off)\b"
                    rf"|^(?:{MODAL}\s+)?{CHANGE_VISIT} (?:it|that|this)(?: back| forward| off)?"
                    rf"(?: for (?:him|her|them|me|us|my \w+))?(?: to (?:\w+ ){{0,2}}\w+)?(?: please| pls)?$"
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
                   # "hours" asks when the clinic is open, not how long something lasts ("rfa how many hours
                   # does it take", set 13) or has gone on ("it has hurt for hours")
                   r"|\b(?:your |the |clinic |office |business |working )?hours\b(?<!\bmany hours)(?<!\bfor hours)"
                   r"(?<!\bin hours)(?<!\bfew hours)(?<!\d hours)(?! (?:does|do|will|would|did|is|it|of|after|later|ago"
                   r"|long|each|per|a day)\b)"
                   r"|\bclos(?:e|ed|ing) (?:on|at|today|tomorrow|time)\b|^open\b"),
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
                    r"|\bcharges?\b|\bafford\b|\bexpensive\b|\bpricey\b|\bcostly\b|\bcheap(?:er|est)?\b(?! flights)"),
))


# Prices of things that are not the clinic's ("apple's stock price", "how much does a car cost") are not a
# question for the clinic: they go on to the FAQ search, which answers an honest "I don't know".
NOT_OUR_PRICE = re.compile(
    r"\b(?:stocks?|shares?|bitcoin|btc|crypto\w*|ethereum|gold|silver|oil|petrol|gas|gasoline|diesel|fuel|cars?"
    r"|vehicles?|house|houses|home|homes|rent|mortgage|property|flights?|tickets?|hotels?|taxi|uber|train fare"
    r"|milk|bread|eggs|beer|coffee|food|groceries|iphones?|phones?|laptops?|tv|netflix|living|electricity|energy"
    r"|dollar|euro|pound|exchange rate|market|apple|tesla|amazon|google|nvidia|shipping|postage|stamps?)\b")
# Words that make a price question about the clinic even when it also names something else.
OUR_PRICE = re.compile(
    rf"\b(?:you|your|u|here|clinic|{LOOSE_APPOINTMENT}|treatments?|acupuncture|cupping|massage|therapy|needl\w*"
    r"|injections?|consult\w*|assessment|package)\b")


# Opening hours of another place ("is the chemist open on sundays") are not a question for the clinic; they
# go on to the FAQ search, which answers an honest "I don't know" (unless the clinic is named too).
NOT_OUR_PLACE = re.compile(
    r"\b(?:pharmac(?:y|ies)|pharmacist|chemists?|drugstores?|shops?|stores?|supermarkets?|banks?|post office"
    r"|library|gym|pool|restaurants?|cafe|pub|bar|dentists?|vets?|garage|mall|market|church|council)\b")
OUR_PLACE = re.compile(r"\b(?:you|your|u|ur|clinic|reception|front desk)\b")


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
        if pattern.search(rest) and not _not_ours(intent, rest):
            return intent
    return None


def _not_ours(intent: Intent, text: str) -> bool:
    """Whether a matched booking, hours or price request is about something other than this clinic."""
    if intent is Intent.BOOK:
        return bool(NOT_OUR_BOOKING.search(text))
    if intent is Intent.HOURS:
        return bool(NOT_OUR_PLACE.search(text)) and not OUR_PLACE.search(text)
    if intent is Intent.PRICES:
        return bool(NOT_OUR_PRICE.search(text)) and not OUR_PRICE.search(text)
    return False
