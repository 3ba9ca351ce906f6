"""Booking: slot claims that make the database refuse double-booking, blocks, waitlist.

A visit holds one place in every grid cell its time (plus buffer) touches;
the primary key (cell_utc, place) means two visits can never hold the same
place at the same time, whichever process or connection writes them.
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.booking")


@migrations()
def create_slot_claims(db):
    """One row per (grid cell, place) a visit holds; the primary key is the double-booking guard."""
    db.execute(
        """
        create table booking_claims (
            cell_utc text not null,
            place integer not null check (place >= 0),
            visit_id integer not null references visits(id) on delete cascade,
            primary key (cell_utc, place)
        )
        """
    )
    db.execute("create index booking_claims_by_visit on booking_claims(visit_id)")


@migrations()
def create_booking_requests(db):
    """The booking flow's token per confirmed booking: pressing Confirm twice books once.

    Keyed by user too: flow tokens are short and only unique per user.
    """
    db.execute(
        """
        create table booking_requests (
            user_id integer not null,
            token text not null,
            visit_id integer not null references visits(id) on delete cascade,
            created_at text not null,
            primary key (user_id, token)
        )
        """
    )


@migrations()
def create_blocks(db):
    """Time ranges staff closed to online booking (a meeting, a practitioner away)."""
    db.execute(
        """
        create table booking_blocks (
            id integer primary key,
            start_utc text not null,
            end_utc text not null check (end_utc > start_utc),
            created_by integer not null,
            created_at text not null
        )
        """
    )
    db.execute("create index booking_blocks_by_start on booking_blocks(start_utc)")


@migrations()
def create_waitlist(db):
    """Patients waiting for a service in a range of days, and the freed times offered to them."""
    db.execute(
        """
        create table booking_waitlist (
            id integer primary key,
            user_id integer not null references patients(user_id) on delete cascade,
            service_key text not null,
            first_day text not null,
            last_day text not null,
            status text not null default 'waiting' check (status in ('waiting', 'booked', 'left')),
            created_at text not null
        )
        """
    )
    db.execute("create index booking_waitlist_by_status on booking_waitlist(status, created_at)")
    db.execute(
        """
        create table booking_offers (
            id integer primary key,
            waitlist_id integer not null references booking_waitlist(id) on delete cascade,
            start_utc text not null,
            expires_at text not null,
            status text not null default 'open' check (status in ('open', 'claimed', 'gone', 'expired')),
            created_at text not null
        )
        """
    )
