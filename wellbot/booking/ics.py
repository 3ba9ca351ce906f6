"""An iCalendar (.ics) file for one visit, with the clinic's time zone spelled out.

Start and end are written in local time with TZID, and a VTIMEZONE built
from the zone's real offsets for the visit's year, so calendar apps show the
right time on both sides of a daylight-saving change.

One visit keeps one UID (unique per clinic install and visit) for its whole
life; each move and the cancellation raise its SEQUENCE, so a calendar app
that imported the first file updates that event instead of adding a second
one, and a METHOD:CANCEL file with STATUS:CANCELLED removes it (RFC 5546).
The format is small enough to write by hand; tests read the files back with
the `icalendar` package to prove they parse as intended.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

LINE_LIMIT = 75  # octets per line before folding (RFC 5545 3.1)
LOCAL_FORMAT = "%Y%m%dT%H%M%S"
UTC_FORMAT = "%Y%m%dT%H%M%SZ"
PUBLISH, CANCEL = "PUBLISH", "CANCEL"  # a new or moved visit; a cancelled one


def escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _param(text: str) -> str:
    """A parameter value, quoted (RFC 5545 3.2: DQUOTE may not appear inside)."""
    return '"' + text.replace('"', "'") + '"'


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character."""
    out, current = [], ""
    for ch in line:
        limit = LINE_LIMIT if not out else LINE_LIMIT - 1  # continuation lines start with a space
        if len((current + ch).encode("utf-8")) > limit:
            out.append(current)
            current = ch
        else:
            current += ch
    out.append(current)
    return "\r\n ".join(out)


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def transitions(tz: ZoneInfo, year: int) -> list[tuple[datetime, timedelta, timedelta, str]]:
    """(UTC instant, offset before, offset after, name after) of each offset change in `year`."""
    found = []
    instant = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(hours=1)
    before = instant.astimezone(tz).utcoffset()
    while instant < end:
        after = (instant + step).astimezone(tz).utcoffset()
        if after != before:
            moment = instant
            while (moment + timedelta(minutes=1)).astimezone(tz).utcoffset() == before:  # find the minute
                moment += timedelta(minutes=1)
            moment += timedelta(minutes=1)
            found.append((moment, before, after, moment.astimezone(tz).tzname() or ""))
            before = after
        instant += step
    return found


def vtimezone(tz: ZoneInfo, year: int) -> list[str]:
    """VTIMEZONE lines describing the zone's offsets in `year`."""
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tz.key}"]
    changes = transitions(tz, year)
    if not changes:
        jan = datetime(year, 1, 1, tzinfo=tz)
        offset = _offset(jan.utcoffset())
        lines += ["BEGIN:STANDARD", f"DTSTART:{year}0101T000000", f"TZOFFSETFROM:{offset}", f"TZOFFSETTO:{offset}",
                  f"TZNAME:{jan.tzname()}", "END:STANDARD"]
    for moment, before, after, name in changes:
        kind = "DAYLIGHT" if after > before else "STANDARD"
        wall = (moment + before).replace(tzinfo=None)  # local wall time just before the change
        lines += [f"BEGIN:{kind}", f"DTSTART:{wall.strftime(LOCAL_FORMAT)}", f"TZOFFSETFROM:{_offset(before)}",
                  f"TZOFFSETTO:{_offset(after)}", f"TZNAME:{name}", f"END:{kind}"]
    return [*lines, "END:VTIMEZONE"]


def visit_uid(calendar_id: str, visit_id: int) -> str:
    """The UID of a visit's event: the same for every file about that visit, different for every clinic."""
    return f"visit-{visit_id}-{calendar_id}@wellbot"


def visit_ics(*, uid: str, start: datetime, end: datetime, tz: ZoneInfo, summary: str, location: str,
              description: str, stamp: datetime, sequence: int = 0, method: str = PUBLISH,
              organizer: tuple[str, str] | None = None) -> bytes:
    """The .ics bytes for one visit (aware UTC times in, local TZID times out).

    `organizer` is (name, email): RFC 5546 wants an ORGANIZER on a cancellation.
    """
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    status = "CANCELLED" if method == CANCEL else "CONFIRMED"
    who = [f"ORGANIZER;CN={_param(organizer[0])}:mailto:{organizer[1]}"] if organizer else []
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//wellbot//booking//EN", "CALSCALE:GREGORIAN", f"METHOD:{method}",
        *vtimezone(tz, local_start.year),
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"SEQUENCE:{sequence}",
        f"STATUS:{status}",
        *who,
        f"DTSTAMP:{stamp.astimezone(UTC).strftime(UTC_FORMAT)}",
        f"DTSTART;TZID={tz.key}:{local_start.strftime(LOCAL_FORMAT)}",
        f"DTEND;TZID={tz.key}:{local_end.strftime(LOCAL_FORMAT)}",
        f"SUMMARY:{escape(summary)}",
        f"LOCATION:{escape(location)}",
        f"DESCRIPTION:{escape(description)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
