"""Staff calendar feeds: the schedule as iCalendar (RFC 5545) for Google or Apple Calendar. No Telegram here.

The secret token in the feed's address is its only key (calendar apps send
no credentials), so it is long and random, one live per staff member, and
revocable. Cancelled visits are left out: subscribed calendars drop them.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from wellbot.booking import store as booking
from wellbot.booking.ics import UTC_FORMAT, escape, fold
from wellbot.core.deps import Deps
from wellbot.desk import store

PAST_DAYS, AHEAD_DAYS = 30, 120  # what a calendar app keeps in view; older visits are in the bot
REFRESH = "PT15M"  # calendar apps that honour it re-fetch this often


def owner(deps: Deps, token: str) -> int | None:
    """The staff member whose live feed this is, and still staff; None otherwise."""
    staff_id = store.feed_owner(deps.db, token)
    return staff_id if staff_id is not None and deps.settings.is_staff(staff_id) else None


def calendar(deps: Deps) -> str:
    """The clinic's visits from a month ago to four months ahead, as one VCALENDAR."""
    now = deps.clock.now()
    visits = booking.agenda(deps.db, now - timedelta(days=PAST_DAYS), now + timedelta(days=AHEAD_DAYS))
    stamp = now.astimezone(UTC).strftime(UTC_FORMAT)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//wellbot//staff desk//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(deps.clinic.name)} visits",
             f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}", f"X-PUBLISHED-TTL:{REFRESH}"]
    for visit in visits:
        if visit.status == booking.CANCELLED:
            continue
        service = deps.clinic.service(visit.service_key)
        name = visit.patient_name or "(erased)"
        lines += [
            "BEGIN:VEVENT",
            f"UID:desk-visit-{visit.id}@wellbot",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{visit.start.astimezone(UTC).strftime(UTC_FORMAT)}",
            f"DTEND:{visit.end.astimezone(UTC).strftime(UTC_FORMAT)}",
            "SUMMARY:" + escape(f"{service.name if service else visit.service_key}: {name}"),
            "DESCRIPTION:" + escape(f"Phone: {visit.patient_phone or '-'}. Status: {visit.status}."),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
