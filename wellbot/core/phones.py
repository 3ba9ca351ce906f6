"""Phone numbers: parsed with the clinic's region, stored as E.164, shown formatted (pure functions).

`phonenumbers` (Google's libphonenumber) knows each country's lengths,
trunk prefixes and digits in any script, which a hand-written check cannot:
"(555) 123-4567", "555 123 4567" and "٥٥٥١٢٣٤٥٦٧" typed at a US clinic are
all stored as +15551234567. Only the length is checked (`is_possible_number`):
a full validity check would refuse numbers a clinic really uses, such as new
ranges not yet in the library's data.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

INTERNATIONAL_DIALLING = "00"  # most of the world's way to dial out; "+" means the same
MAX_TYPED = 40  # characters: longer input is not a phone number


def default_region(clinic_phone: str) -> str | None:
    """The region of the clinic's own number's country code (US for +1), or None."""
    try:
        number = phonenumbers.parse(clinic_phone, None)
    except NumberParseException:
        return None
    region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    return None if region == phonenumbers.UNKNOWN_REGION else region


def valid_region(region: str) -> bool:
    """True for a two-letter region code the library knows (US, GB, DE...)."""
    return region in phonenumbers.SUPPORTED_REGIONS


def parse_phone(text: str, region: str | None) -> str | None:
    """The number as E.164 (+15551234567), read as a local number of `region` unless it has a country code."""
    text = text.strip()
    if not text or len(text) > MAX_TYPED or any(ch.isalpha() for ch in text):
        return None  # the library would read letters as a keypad's digits: a name is not a vanity number
    if text.startswith(INTERNATIONAL_DIALLING):
        text = "+" + text[len(INTERNATIONAL_DIALLING):]
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number) or not number.national_number:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def format_phone(stored: str | None, region: str | None) -> str:
    """A stored number for people: national format at home, international otherwise; as stored if unparseable."""
    if not stored:
        return ""
    try:
        number = phonenumbers.parse(stored, region)
    except NumberParseException:
        return stored
    home = region is not None and phonenumbers.region_code_for_country_code(number.country_code or 0) == region
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL if home else PhoneNumberFormat.INTERNATIONAL)
