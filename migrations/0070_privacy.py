"""Privacy: a record that an erasure happened, never whose or what.

The clinic must be able to show that a patient's /forget was honoured
without keeping anything that identifies the patient, so the row holds only
the time and which features' erase hooks ran.
"""

from sqlite_utils import Migrations

migrations = Migrations("wellbot.privacy")


@migrations()
def create_erasures(db):
    """One row per /forget carried out: when, and which hooks ran (JSON list of feature names)."""
    db.execute(
        """
        create table erasures (
            id integer primary key,
            erased_at text not null,
            hooks_run text not null default '[]'
        )
        """
    )
