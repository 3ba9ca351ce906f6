"""Booking, issue 16: waitlist preferences.

Appended rather than folded into 0030, so databases already in use gain the
columns in place.
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.booking_more")


@migrations()
def add_waitlist_preferences(db):
    """Preferred weekdays ("0,3": Monday and Thursday) and parts of day ("am,pm"); empty means any."""
    db.execute("alter table booking_waitlist add column weekdays text not null default ''")
    db.execute("alter table booking_waitlist add column day_parts text not null default ''")


@migrations()
def add_calendar_identity(db):
    """Calendar files: a SEQUENCE per visit (bumped on every move and on cancelling) and this install's id.

    The id goes into every UID, so visit 7 of one clinic never updates visit 7 of another
    in a patient's calendar.
    """
    import uuid

    db.execute("alter table visits add column ics_sequence integer not null default 0")
    db.execute("create table booking_meta (key text primary key, value text not null)")
    db.execute("insert into booking_meta (key, value) values ('calendar_id', ?)", [uuid.uuid4().hex])


@migrations()
def add_running_late(db):
    """A patient's "running late" report on the day: how many minutes, and when they said so."""
    db.execute("alter table visits add column late_minutes integer")
    db.execute("alter table visits add column late_reported_at text")


@migrations()
def create_dependants(db):
    """Family members a patient books for (a child, a parent): name and date of birth, kept for next time.

    Visits for one name the dependant; their own name stays in patient_name as for anyone.
    """
    db.execute(
        """
        create table dependants (
            id integer primary key,
            user_id integer not null references patients(user_id) on delete cascade,
            name text not null,
            birth_date text not null,
            created_at text not null,
            unique (user_id, name, birth_date)
        )
        """
    )
    db.execute("alter table visits add column dependant_id integer references dependants(id) on delete set null")


@migrations()
def create_intake_answers(db):
    """Answers to a visit's intake questions (from the clinic file); a NULL answer means skipped."""
    db.execute(
        """
        create table intake_answers (
            visit_id integer not null references visits(id) on delete cascade,
            question_key text not null,
            answer text,
            answered_at text not null,
            primary key (visit_id, question_key)
        )
        """
    )


@migrations()
def create_phone_patients(db):
    """Patients the front desk books by phone who have no Telegram account: name and phone only."""
    db.execute(
        """
        create table phone_patients (
            id integer primary key,
            name text not null,
            phone text not null,
            created_by integer not null,
            created_at text not null
        )
        """
    )
    db.execute("create index phone_patients_by_phone on phone_patients(phone)")
    db.execute("alter table visits add column phone_patient_id integer references phone_patients(id) "
               "on delete set null")


@migrations()
def add_practitioners(db):
    """Which practitioner takes a visit, and their own claims: one visit per practitioner per grid cell.

    Like booking_claims for rooms, the primary key makes the database refuse a practitioner
    booked twice at once, whichever connection writes.
    """
    db.execute("alter table visits add column practitioner_key text")
    db.execute(
        """
        create table practitioner_claims (
            cell_utc text not null,
            practitioner_key text not null,
            visit_id integer not null references visits(id) on delete cascade,
            primary key (cell_utc, practitioner_key)
        )
        """
    )
    db.execute("create index practitioner_claims_by_visit on practitioner_claims(visit_id)")
