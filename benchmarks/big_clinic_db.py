"""Build the big-clinic database the issue-22 benchmarks run on (not a test; prints what it made).

At --scale 1 (the default): 100,000 patients, about 300,000 visits over two
years (23 months of history at about 500 a day, then 80 a day booked over the
next six weeks), 1,000,000 consent events, about 600,000 reminders (two per
visit), and one day in the past holding 500 visits for the /schedule figure.
Everything is relative to now, because `wellbot run` uses the system clock.

Run from the repository root:

    python benchmarks/big_clinic_db.py /tmp/big/wellbot.db              # the issue's size, about a minute
    python benchmarks/big_clinic_db.py /tmp/small/wellbot.db --scale 0.05   # a quick one

It also writes `clinic.toml` next to the database: the example clinic with
capacity 12 (a big clinic's rooms), which the benchmarks point WELLBOT_CLINIC at.
Rows go in with `executemany` inside a few big transactions, as the
migrations leave them (indexes included), then `analyze`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark the checkout, as the tests do

from wellbot.booking.rules import rules_from_clinic  # noqa: E402
from wellbot.core.clinic import load_clinic  # noqa: E402
from wellbot.core.clock import DB_FORMAT  # noqa: E402
from wellbot.core.db import open_database  # noqa: E402

PATIENTS = 100_000
CONSENT_EVENTS = 1_000_000
HISTORY_DAYS = 700  # about 23 months before today...
HISTORY_PER_DAY = 500  # ...at this many visits per open day (about 595 of them): about 300,000 visits
FUTURE_PER_DAY = 80  # visits already booked per open day over the booking horizon
BIG_DAY_VISITS = 500  # one past day this full, for the /schedule figure
BIG_DAY_AGO = 3  # days before today
CAPACITY = 12  # the big clinic's rooms and practitioners
BLOCKED_SHARE = 0.03
SUBSCRIBED, PAUSED = 0.6, 0.1  # shares of subscriptions; the rest unsubscribed
CHUNK = 50_000  # rows per executemany call (memory stays flat)
FIRST_USER = 1_000_000  # patients' Telegram ids start here; benchmark users stay below it
NAMES = ("Ana", "Ben", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "June", "Kofi", "Lena")


def stamp(when: datetime) -> str:
    """UTC text as wellbot stores it."""
    return when.astimezone(UTC).strftime(DB_FORMAT)


def write_clinic(folder: Path) -> Path:
    """The example clinic with a big clinic's capacity, next to the database."""
    text = (ROOT / "example-clinic" / "clinic.toml").read_text()
    text = re.sub(r"(?m)^capacity = \d+", f"capacity = {CAPACITY}", text)
    text = re.sub(r'(?m)^folder = "faq"', f'folder = "{ROOT / "example-clinic" / "faq"}"', text)
    path = folder / "clinic.toml"
    path.write_text(text)
    return path


def open_starts(rules, day: date, tz: ZoneInfo, minutes: int) -> list[datetime]:
    """Wall-clock starts every slot within the day's opening ranges, as UTC."""
    starts = []
    for opens, closes in rules.open_ranges(day):
        wall = datetime.combine(day, opens, tzinfo=tz)
        end = datetime.combine(day, closes, tzinfo=tz)
        while wall + timedelta(minutes=minutes) <= end:
            starts.append(wall.astimezone(UTC))
            wall += timedelta(minutes=rules.slot_minutes)
    return starts


def plan_visits(rules, services, tz: ZoneInfo, today: date, scale: float, rng: random.Random):
    """(start, service, minutes) for every visit: history, the big day, and the booked future."""
    history_days = max(2, int(HISTORY_DAYS * scale))
    for offset in range(-history_days, rules.horizon_days + 1):
        day = today + timedelta(days=offset)
        if offset == -BIG_DAY_AGO:
            per_day = BIG_DAY_VISITS
        elif offset < 0:
            per_day = HISTORY_PER_DAY
        else:
            per_day = FUTURE_PER_DAY
        if not rules.open_ranges(day) and offset != -BIG_DAY_AGO:
            continue
        # The big day may fall on a closed day: give it an open day's hours.
        ranges = rules.open_ranges(day) or next(iter(rules.hours.values()))
        for _ in range(per_day):
            service = rng.choice(services)
            opens, closes = rng.choice(ranges)
            first = datetime.combine(day, opens, tzinfo=tz)
            slots = max(1, int((datetime.combine(day, closes) - datetime.combine(day, opens)).total_seconds()
                               // 60 - service.duration_minutes) // rules.slot_minutes + 1)
            start = first + timedelta(minutes=rules.slot_minutes * rng.randrange(slots))
            yield offset, start.astimezone(UTC), service.key, service.duration_minutes


def cells(start: datetime, minutes: int, rules) -> list[str]:
    """The claim cells a visit holds (as booking.availability.claim_cells, in text)."""
    step = rules.slot_minutes * 60
    first = int(start.timestamp()) // step * step
    stop = start.timestamp() + 60 * (minutes + rules.buffer_minutes)
    out, cell = [], first
    while cell < stop:
        out.append(datetime.fromtimestamp(cell, UTC).strftime(DB_FORMAT))
        cell += step
    return out


def chunks(rows, size: int = CHUNK):
    """Lists of up to `size` rows from an iterable."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def fill(db, clinic, scale: float, seed: int) -> Counter:
    """Insert every table's rows; return how many of each."""
    rng = random.Random(seed)
    rules = rules_from_clinic(clinic)
    tz = clinic.timezone
    now = datetime.now(UTC)
    today = now.astimezone(tz).date()
    made: Counter = Counter()
    patients = max(100, int(PATIENTS * scale))
    users = list(range(FIRST_USER, FIRST_USER + patients))
    long_ago = stamp(now - timedelta(days=HISTORY_DAYS + 30))
    conn = db.conn
    with db.atomic():
        conn.executemany(
            "insert into patients (user_id, chat_id, status, created_at, last_seen_at, blocked_at) "
            "values (?, ?, ?, ?, ?, ?)",
            ((u, u, "blocked" if b else "active", long_ago, stamp(now), stamp(now) if b else None)
             for u in users for b in [rng.random() < BLOCKED_SHARE]))
        made["patients"] = patients
        topic_keys = [t.key for t in clinic.topics]
        subscriptions = []
        for user_id in users:
            roll = rng.random()
            status = "subscribed" if roll < SUBSCRIBED else "paused" if roll < SUBSCRIBED + PAUSED else "unsubscribed"
            topics = rng.sample(topic_keys, rng.randint(1, len(topic_keys))) if status != "unsubscribed" else []
            subscriptions.append((user_id, status, json.dumps(sorted(topics)), stamp(now)))
        conn.executemany("insert into subscriptions (user_id, status, topics, updated_at) values (?, ?, ?, ?)",
                         subscriptions)
        made["subscriptions"] = len(subscriptions)
        events = max(patients, int(CONSENT_EVENTS * scale))
        actions = ("subscribe", "topics", "pause", "resume", "unsubscribe")
        statuses = {"subscribe": "subscribed", "topics": "subscribed", "pause": "paused", "resume": "subscribed",
                    "unsubscribe": "unsubscribed"}
        for batch in chunks(
                (user, "health_news", action, statuses[action], '["pain"]', "button", user, None,
                 stamp(now - timedelta(minutes=events - i)))
                for i in range(events) for user in [users[i % patients]]
                for action in [actions[rng.randrange(len(actions))]]):
            conn.executemany(
                "insert into consent_events (user_id, purpose, action, status, topics, source, chat_id, message_id,"
                " created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
        made["consent_events"] = events
    bookable = [s for s in clinic.services if s.bookable]
    places: Counter = Counter()
    visit_id = 0
    with db.atomic():
        visits, claims, reminders = [], [], []
        for offset, start, service, minutes in plan_visits(rules, bookable, tz, today, scale, rng):
            visit_id += 1
            end = start + timedelta(minutes=minutes)
            user_id = users[rng.randrange(patients)]
            if offset < 0:
                status = rng.choices(("attended", "cancelled", "no_show"), (85, 10, 5))[0]
            else:
                status = "booked" if rng.random() > 0.05 else "cancelled"
            made[f"visits {status}"] += 1
            created = stamp(start - timedelta(days=rng.randint(1, 30)))
            visits.append((visit_id, user_id, service, stamp(start), stamp(end), status,
                           f"{rng.choice(NAMES)} Patient{visit_id}", f"+1555{visit_id:07d}", created, created,
                           created if status != "cancelled" else None,
                           created if status == "cancelled" else None, "patient" if status == "cancelled" else None))
            if status != "cancelled":
                for cell in cells(start, minutes, rules):
                    claims.append((cell, places[cell], visit_id))
                    places[cell] += 1
            done = offset < 0
            for kind, minutes_before in (("reminder", 1440), ("checkin", -180)):
                due = start - timedelta(minutes=minutes_before)
                state = ("sent" if done and status != "cancelled" else "cancelled") if done or status == "cancelled" \
                    else "pending"
                reminders.append((visit_id, kind, minutes_before, stamp(due), state,
                                  f"v{visit_id}:{kind}:{minutes_before}:{stamp(start)}", created, created))
            if len(visits) >= CHUNK:
                _write_visits(conn, visits, claims, reminders, made)
                visits, claims, reminders = [], [], []
        _write_visits(conn, visits, claims, reminders, made)
    db.execute("analyze")
    return made


def _write_visits(conn, visits: list, claims: list, reminders: list, made: Counter) -> None:
    """One chunk of visits with their claims and reminders."""
    conn.executemany(
        "insert into visits (id, user_id, service_key, start_utc, end_utc, status, patient_name, patient_phone,"
        " created_at, updated_at, confirmed_at, cancelled_at, cancelled_by)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        visits)
    conn.executemany("insert into booking_claims (cell_utc, place, visit_id) values (?, ?, ?)", claims)
    conn.executemany(
        "insert into reminders (visit_id, kind, offset_minutes, due_at, status, idempotency_key, created_at,"
        " updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)", reminders)
    made["visits"] += len(visits)
    made["booking_claims"] += len(claims)
    made["reminders"] += len(reminders)


def main() -> None:
    """Parse options, build the database, print what it holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path, help="file to create (its folder gets clinic.toml)")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the issue's size (default 1)")
    parser.add_argument("--seed", type=int, default=22)
    args = parser.parse_args()
    if args.database.exists():
        parser.error(f"{args.database} exists; pick a new file")
    args.database.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    clinic_path = write_clinic(args.database.parent)
    db = open_database(args.database)
    made = fill(db, load_clinic(clinic_path), args.scale, args.seed)
    db.close()
    size = args.database.stat().st_size / 1e6
    print(f"made {args.database} ({size:.0f} MB) and {clinic_path} in {time.perf_counter() - began:.1f} s")
    for table, count in sorted(made.items()):
        print(f"  {table:<22}{count:>10,}")


if __name__ == "__main__":
    main()
