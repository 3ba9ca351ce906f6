"""The clinic file's triage settings: the crisis line and whether staff are alerted. No Telegram imports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wellbot.core.errors import ConfigError

DEFAULT_CRISIS_LINE = "988 (Suicide & Crisis Lifeline, call or text)"
# The same US line in the words its Spanish service uses, for a clinic file that names no crisis line.
DEFAULT_CRISIS_LINES = {"en": DEFAULT_CRISIS_LINE,
                        "es": "988 (Línea de Prevención del Suicidio y Crisis: llame o envíe un mensaje de texto, "
                              "y marque 2 para español)"}
TRIAGE_FIELDS = {"alert_staff", "alert_text"}


@dataclass(frozen=True)
class TriageSettings:
    """What the urgent reply says and who hears about it."""

    emergency_number: str
    crisis_line: str
    alert_staff: bool = True  # staff are told when a patient gets the urgent reply
    alert_text: bool = True  # ... with what the patient wrote (staff need it to phone back)


def triage_settings(clinic: Any) -> TriageSettings:
    """Read `[clinic] crisis_line` and the `[triage]` table; raise ConfigError naming a mistake."""
    where = f"{clinic.path} [triage]"
    table = clinic.section("triage")
    unknown = set(table) - TRIAGE_FIELDS
    if unknown:
        raise ConfigError(where, f"unknown setting(s): {', '.join(sorted(unknown))}")
    for key in TRIAGE_FIELDS & set(table):
        if not isinstance(table[key], bool):
            raise ConfigError(where, f"`{key}` must be true or false")
    default = DEFAULT_CRISIS_LINES.get(getattr(clinic, "language", "en"), DEFAULT_CRISIS_LINE)
    crisis = clinic.section("clinic").get("crisis_line", default)
    if not isinstance(crisis, str) or not crisis.strip():
        raise ConfigError(f"{clinic.path} [clinic]", "`crisis_line` must be non-empty text")
    return TriageSettings(emergency_number=clinic.emergency_number, crisis_line=crisis.strip(),
                          alert_staff=table.get("alert_staff", True), alert_text=table.get("alert_text", True))
