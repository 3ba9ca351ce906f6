"""Practitioners from the clinic file: who gives which services, on which hours, with which days off.

Plain data, validated once by the feature's check hook. Each practitioner's
availability is the clinic's rules with their own hours, their days off added
to the clinic's closed dates, and room for one visit at a time; a time is free
for a service when the rooms have a place and at least one practitioner who
gives it (the chosen one, or anyone for "first available") is free.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from wellbot.booking.rules import Rules, _closed, _hours
from wellbot.core.errors import ConfigError

KEY_CHARS = 16  # keys travel inside callback_data


@dataclass(frozen=True)
class Practitioner:
    """One practitioner: the services they give, their own hours and days off, and their staff id if any."""

    key: str
    name: str
    services: frozenset[str]
    rules: Rules  # the clinic's rules with their hours and days off, one visit at a time
    staff_id: int | None = None  # a staff member's Telegram id: /today shows them their own day first

    def gives(self, service_key: str) -> bool:
        """True if they give this service."""
        return service_key in self.services


def parse_practitioners(raw: dict[str, Any], clinic_rules: Rules, where: str) -> tuple[Practitioner, ...]:
    """Read `[[practitioners]]`; ConfigError names the problem. None listed: capacity is the rooms alone."""
    entries = raw.get("practitioners", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{where} [[practitioners]]", "must be a list of tables")
    service_keys = {s.get("key") for s in raw.get("services", []) if isinstance(s, dict)}
    found: list[Practitioner] = []
    for index, entry in enumerate(entries, start=1):
        here = f"{where} [[practitioners]] #{index}"
        if not isinstance(entry, dict):
            raise ConfigError(here, "must be a table")
        key, name = entry.get("key"), entry.get("name")
        if not isinstance(key, str) or not key.replace("_", "").isalnum() or not 1 <= len(key) <= KEY_CHARS \
                or key != key.lower():
            raise ConfigError(here, f"`key` must be 1-{KEY_CHARS} characters of a-z, 0-9 or _")
        if any(p.key == key for p in found):
            raise ConfigError(here, f"duplicate key {key!r}")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(here, "`name` is required")
        services = entry.get("services", [])
        if not isinstance(services, list) or not services or any(s not in service_keys for s in services):
            raise ConfigError(here, "`services` must list keys from [[services]]")
        staff_id = entry.get("staff_id")
        if staff_id is not None and (not isinstance(staff_id, int) or isinstance(staff_id, bool)):
            raise ConfigError(here, "`staff_id` must be a numeric Telegram user id")
        hours = entry.get("hours")
        own_hours = _hours(hours, f"{here} hours") if hours is not None else clinic_rules.hours
        days_off = _closed(entry.get("days_off", []), here)
        rules = replace(clinic_rules, hours=own_hours, closed_dates=clinic_rules.closed_dates | days_off, capacity=1)
        found.append(Practitioner(key, name.strip(), frozenset(services), rules, staff_id))
    return tuple(found)


def giving(practitioners: tuple[Practitioner, ...], service_key: str, wanted: str | None = None) -> list[Practitioner]:
    """Who may take a visit for the service: the one wanted, or everyone who gives it."""
    return [p for p in practitioners if p.gives(service_key) and (not wanted or p.key == wanted)]


def practitioners_of(clinic: Any, clinic_rules: Rules) -> tuple[Practitioner, ...]:
    """The clinic's practitioners (parsed on each call: a few short tables)."""
    return parse_practitioners(clinic.raw, clinic_rules, str(clinic.path))
