"""What the clinic-info feature answers, from the clinic file and the clock. No Telegram imports."""

from __future__ import annotations

from typing import Any

from wellbot.booking.rules import Rules, rules_from_clinic
from wellbot.clinic_info import logic
from wellbot.core.deps import Deps

# The facts, in the order the "Clinic info" screen lists them.
FACTS = ("hours", "address", "phone", "parking", "transit", "prices", "insurance")


def rules(deps: Deps) -> Rules:
    """The clinic's hours and closed dates: the booking feature's rules, parsed once for both."""
    if deps.booking_rules is None:
        deps.booking_rules = rules_from_clinic(deps.clinic)
    return deps.booking_rules


def offered(deps: Deps) -> list[str]:
    """The facts worth a button: hours, address and phone always; the rest when the clinic file gives them."""
    info = logic.info_of(deps.clinic)
    return [fact for fact in FACTS if fact not in logic.INFO_FIELDS or getattr(info, fact)]


def fact_values(deps: Deps, fact: str) -> dict[str, Any]:
    """What the `info_fact` template shows for one fact (empty text: call the front desk)."""
    return {"fact": fact, "value": getattr(logic.info_of(deps.clinic), fact, "") if fact in logic.INFO_FIELDS else ""}


def hours_values(deps: Deps, text: str = "") -> dict[str, Any]:
    """What the `info_hours` template shows: open now or not, a day the patient named, the week, closed dates."""
    clinic_rules = rules(deps)
    now = deps.clock.now().astimezone(deps.clinic.timezone)
    day = logic.day_asked(text, now.date()) if text else None
    return {
        "state": logic.open_state(clinic_rules, now),
        "asked_now": bool(text) and logic.asks_now(text),
        "day": day,
        "day_ranges": clinic_rules.open_ranges(day) if day else (),
        "day_closed_date": day in clinic_rules.closed_dates if day else False,
        "week": logic.week(clinic_rules),
        "closed": logic.closed_ahead(clinic_rules, now.date()),
    }
