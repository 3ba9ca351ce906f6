"""Erased data is gone from the files on disk, not only from the tables (issue 21, finding 6).

After /forget, the patient's name and phone stayed readable in the
database's `-wal` file until some later checkpoint, and in the freed space of
the main file; the worker also never checkpointed or closed the database on
exit. Now erasure zeroes freed space (`secure_delete`) and truncates the WAL,
and a stopped worker leaves one self-contained file.
"""

from __future__ import annotations

from tests.booking_helpers import to_summary

NAME = "Xanthippe Quorravel"
PHONE = "+1 555 013 7777"


def _on_disk(path) -> bytes:
    """The database file and its WAL, as a thief copying the folder would get them."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_forget_leaves_no_trace_of_name_or_phone_in_the_files(bot):
    patient = bot.user(2201, "Xan")
    summary = await to_summary(bot, patient, name=NAME, phone=PHONE)
    await patient.press(summary, "Confirm")
    await patient.wait_for("Booked!")
    await bot.settle()
    assert NAME.encode() in _on_disk(bot.database), "the booking was written where the test looks"
    await patient.send("/forget")
    confirm = await patient.wait_for("erase")
    await patient.press(confirm, "Yes")
    await patient.wait_for("erased")
    await bot.settle()
    disk = _on_disk(bot.database)
    assert NAME.encode() not in disk
    assert b"Quorravel" not in disk
    assert b"5550137777" not in disk
    assert PHONE.encode() not in disk


async def test_a_stopped_worker_leaves_no_wal_behind(bot):
    patient = bot.user(2202, "Pat")
    await patient.send("/start")
    await patient.next_message()
    await bot.settle()
    await bot.stop()
    wal = bot.database.with_name(bot.database.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
