"""Privacy: the policy, export, erasure and retention logic, and the bot's privacy commands."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlite_utils import Database

from wellbot.bot.features import Feature
from wellbot.core.clock import to_db
from wellbot.core.db import apply_migrations
from wellbot.core.errors import ConfigError
from wellbot.privacy import store as personal_data
from wellbot.privacy.store import Policy, erase, export, load_policy, purge

NOW = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)
ALICE, BOB = 101, 7777


@pytest.fixture
def db():
    db = Database(memory=True)
    db.execute("PRAGMA foreign_keys = ON")
    apply_migrations(db)
    # A feature's own table, as booking/reminders/newsletter add theirs.
    db.execute("create table notes (id integer primary key, user_id integer references patients(user_id) "
               "on delete cascade, text text not null, sent_at text not null)")
    for user_id in (ALICE, BOB):
        _patient(db, user_id)
    return db


def _patient(db, user_id):
    stamp = to_db(NOW)
    db.execute("insert into patients (user_id, chat_id, status, created_at, last_seen_at) "
               "values (?, ?, 'active', ?, ?)", [user_id, user_id, stamp, stamp])
    db.execute("insert into flows (user_id, flow, step, token, data, updated_at) values (?, 'book', 'when', 'abc', "
               "?, ?)", [user_id, json.dumps({"service": "acupuncture"}), stamp])
    db.execute("insert into subscriptions (user_id, status, topics, updated_at) values (?, 'subscribed', ?, ?)",
               [user_id, json.dumps(["pain"]), stamp])
    _visit(db, user_id, NOW - timedelta(days=3), name=f"Name {user_id}")
    db.execute("insert into notes (user_id, text, sent_at) values (?, ?, ?)", [user_id, f"note {user_id}", stamp])


NOTHING_ELSE = {"core.conversations": 0, "core.unsubscribed": 0, "core.blocked_patients": 0}


def _visit(db, user_id, start, name="Ada", status="attended"):
    db.execute(
        "insert into visits (user_id, service_key, start_utc, end_utc, status, patient_name, patient_phone, "
        "created_at, updated_at) values (?, 'acupuncture', ?, ?, ?, ?, '+1 555 0199', ?, ?)",
        [user_id, to_db(start), to_db(start + timedelta(hours=1)), status, name, to_db(start), to_db(start)],
    )


def _notes_feature(calls=None):
    """A feature with every personal-data hook over its own `notes` table."""
    def export_notes(db, user_id):
        return {"notes": [r["text"] for r in db.query("select text from notes where user_id = ?", [user_id])]}

    def erase_notes(db, user_id, now):
        assert db.conn.in_transaction, "erase hooks run inside the erasure transaction"
        db.execute("delete from notes where user_id = ?", [user_id])

    def purge_notes(db, cutoff):
        if calls is not None:
            calls.append(cutoff)
        return db.execute("delete from notes where sent_at < ?", [to_db(cutoff)]).rowcount

    return Feature(name="notes", export_data=export_notes, erase_data=erase_notes, purge=purge_notes)


def _count(db, table, user_id):
    return db.execute(f"select count(*) from {table} where user_id = ?", [user_id]).fetchone()[0]


# --- the [privacy] table ---------------------------------------------------

def test_missing_privacy_table_takes_defaults():
    assert load_policy({}) == Policy()


def test_privacy_table_is_read():
    rules = load_policy({"past_visits_days": 365, "delivery_records_days": 30, "visit_erasure": "delete"})
    assert rules == Policy(365, 30, "delete")
    assert rules.visit_cutoff(NOW) == NOW - timedelta(days=365)
    assert rules.delivery_cutoff(NOW) == NOW - timedelta(days=30)


@pytest.mark.parametrize("table, key", [
    ({"past_visits_days": 0}, "past_visits_days"),
    ({"past_visits_days": "730"}, "past_visits_days"),
    ({"delivery_records_days": True}, "delivery_records_days"),
    ({"delivery_records_days": 10**6}, "delivery_records_days"),
    ({"visit_erasure": "shred"}, "visit_erasure"),
    ({"retention": 5}, "retention"),
])
def test_malformed_privacy_table_names_the_key(table, key):
    with pytest.raises(ConfigError, match=key):
        load_policy(table, "clinic.toml [privacy]")


def test_bundled_clinic_has_a_valid_privacy_table():
    from wellbot.core.clinic import load_clinic
    from wellbot.core.resources import example_clinic_file

    clinic = load_clinic(example_clinic_file())
    assert "privacy" in clinic.raw
    assert load_policy(clinic.section("privacy")) == Policy(730, 90, "anonymise")


# --- /mydata ---------------------------------------------------------------

def test_export_holds_the_patients_own_rows_and_every_feature_hook(db):
    document = export(db, [_notes_feature(), Feature(name="no_hooks")], ALICE, NOW)
    assert document["user_id"] == ALICE
    assert document["patient"]["chat_id"] == ALICE
    assert document["conversation"]["data"] == {"service": "acupuncture"}
    assert document["subscription"] == {"status": "subscribed", "topics": ["pain"], "updated_at": to_db(NOW)}
    assert [v["patient_name"] for v in document["visits"]] == [f"Name {ALICE}"]
    assert document["features"] == {"notes": {"notes": [f"note {ALICE}"]}}
    text = personal_data.export_json(document).decode("utf-8")
    assert str(BOB) not in text, "nothing about another patient"
    assert json.loads(text) == document


def test_export_of_an_unknown_user_is_empty_not_an_error(db):
    document = export(db, [_notes_feature()], 999, NOW)
    assert document["patient"] is None
    assert document["visits"] == []
    assert document["features"]["notes"] == {"notes": []}


# --- /forget ---------------------------------------------------------------

def test_erase_removes_personal_data_and_anonymises_visits(db):
    hooks = erase(db, [_notes_feature(), Feature(name="no_hooks")], ALICE, NOW, Policy())
    assert hooks == ["notes"]
    for table in ("patients", "flows", "subscriptions", "notes", "visits"):
        assert _count(db, table, ALICE) == 0, table
        assert _count(db, table, BOB) == 1, f"{table}: another patient's data is untouched"
    kept = list(db.query("select * from visits where user_id is null"))
    assert len(kept) == 1, "the clinic keeps the visit record"
    assert kept[0]["patient_name"] is None
    assert kept[0]["patient_phone"] is None
    assert kept[0]["service_key"] == "acupuncture"
    assert kept[0]["status"] == "attended"


def test_erase_with_delete_policy_deletes_visits(db):
    erase(db, [], ALICE, NOW, Policy(visit_erasure="delete"))
    assert db.execute("select count(*) from visits").fetchone()[0] == 1  # Bob's only


def test_erasure_is_recorded_without_who_or_what(db):
    erase(db, [_notes_feature()], ALICE, NOW, Policy())
    assert db["erasures"].columns_dict == {"id": int, "erased_at": str, "hooks_run": str}
    rows = list(db.query("select * from erasures"))
    assert rows == [{"id": 1, "erased_at": to_db(NOW), "hooks_run": '["notes"]'}]
    dump = json.dumps(rows)
    assert str(ALICE) not in dump
    assert "Name" not in dump
    assert "555" not in dump


def test_core_does_not_redo_visits_a_feature_hook_erased(db):
    def booking_erase(db, user_id, now):
        db.execute("update visits set user_id = null, patient_name = 'erased', patient_phone = null "
                   "where user_id = ?", [user_id])

    erase(db, [Feature(name="booking", erase_data=booking_erase)], ALICE, NOW, Policy(visit_erasure="delete"))
    names = [r["patient_name"] for r in db.query("select patient_name from visits where user_id is null")]
    assert names == ["erased"], "the core left the visits the booking hook handled alone"


def test_a_failing_hook_erases_nothing(db):
    def broken(db, user_id, now):
        db.execute("delete from notes where user_id = ?", [user_id])
        raise RuntimeError("hook bug")

    with pytest.raises(RuntimeError):
        erase(db, [Feature(name="broken", erase_data=broken)], ALICE, NOW, Policy())
    for table in ("patients", "flows", "subscriptions", "notes", "visits"):
        assert _count(db, table, ALICE) == 1, f"{table}: rolled back"
    assert db.execute("select count(*) from erasures").fetchone()[0] == 0


# --- retention -------------------------------------------------------------

def test_purge_passes_delivery_cutoff_to_features_and_purges_old_core_visits(db):
    _visit(db, BOB, NOW - timedelta(days=800), name="old")
    _visit(db, BOB, NOW - timedelta(days=800), name="old and never marked", status="booked")
    db.execute("insert into notes (user_id, text, sent_at) values (?, 'old', ?)",
               [BOB, to_db(NOW - timedelta(days=91))])
    calls = []
    removed = purge(db, [_notes_feature(calls)], NOW, Policy(730, 90))
    assert calls == [NOW - timedelta(days=90)]
    assert removed == {"notes": 1, "core.visits": 2, **NOTHING_ELSE}
    assert db.execute("select count(*) from visits").fetchone()[0] == 2, "recent visits stay"
    assert purge(db, [_notes_feature()], NOW, Policy(730, 90)) == {"notes": 0, "core.visits": 0, **NOTHING_ELSE}


def test_a_visit_feature_gets_the_visit_cutoff_and_owns_visit_purging(db):
    _visit(db, BOB, NOW - timedelta(days=800), name="old")
    calls = []
    booking = Feature(name="booking", purge=lambda db, cutoff: calls.append(cutoff) or 0, owns_visit_records=True)
    removed = purge(db, [booking], NOW, Policy(730, 90))
    assert calls == [NOW - timedelta(days=730)]
    assert removed == {"booking": 0, **NOTHING_ELSE}, "the core leaves visits to the feature that purges them"
    assert db.execute("select count(*) from visits").fetchone()[0] == 3


# --- the bot, end to end ---------------------------------------------------

async def test_privacy_command_states_what_why_how_long_and_how(bot):
    patient = bot.user(2001, "Ada")
    await patient.send("/privacy")
    text = (await patient.next_message()).text
    for expected in ("What I store", "Telegram user id", "phone number", "730 days", "90 days", "/mydata",
                     "/forget", "without your name"):
        assert expected in text, expected


async def test_mydata_sends_the_patients_data_as_a_json_document(bot):
    patient = bot.user(2002, "Ada")
    other = bot.user(2003, "Bo")
    await other.send("/start")
    await other.next_message()
    await patient.send("/start")
    await patient.next_message()
    _visit(bot.db, 2002, NOW - timedelta(days=2), name="Ada Lovelace")
    await patient.send("/mydata")
    message = await patient.next_message()
    assert message.document["filename"] == "my-data-2026-06-10.json"
    assert "everything I hold about you" in message.text
    document = json.loads(message.document["content"])
    assert document["patient"]["user_id"] == 2002
    assert [v["patient_name"] for v in document["features"]["booking"]["visits"]] == ["Ada Lovelace"]
    assert "visits" not in document, "the visit owner's export lists them; the core must not list them twice"
    assert {f.name for f in bot.deps.features if f.export_data} <= set(document["features"])
    assert "2003" not in message.document["content"].decode()


async def _ask_to_forget(patient):
    await patient.send("/forget")
    message = await patient.next_message()
    assert message.button_labels() == ["Yes, erase my data", "No, keep my data"]
    return message


async def test_forget_after_confirmation_erases_and_records_only_that_it_happened(bot):
    patient = bot.user(2004, "Ada")
    await patient.send("/start")
    await patient.next_message()
    _visit(bot.db, 2004, NOW - timedelta(days=2), name="Ada Lovelace")
    confirm = await _ask_to_forget(patient)
    assert _count(bot.db, "patients", 2004) == 1, "nothing is erased before the confirmation"
    await patient.press(confirm, "Yes")
    assert "your data has been erased" in (await patient.wait_for("erased")).text
    await bot.settle()
    for table in ("patients", "flows", "subscriptions", "visits"):
        assert _count(bot.db, table, 2004) == 0, table
    assert [r["patient_name"] for r in bot.db.query("select patient_name from visits")] == [None]
    erasures = list(bot.db.query("select * from erasures"))
    assert len(erasures) == 1
    assert "2004" not in json.dumps(erasures)
    assert sorted(json.loads(erasures[0]["hooks_run"])) == sorted(f.name for f in bot.deps.features if f.erase_data)


async def test_forget_twice_pressed_erases_once_and_the_old_button_is_stale(bot):
    patient = bot.user(2005)
    confirm = await _ask_to_forget(patient)
    data = confirm.buttons()[0][0]["callback_data"]
    await patient.press(confirm, "Yes")
    await patient.wait_for("erased")
    await patient.press_data(confirm.message_id, data)  # a double tap, or an old copy of the button
    await bot.settle()
    assert bot.db.execute("select count(*) from erasures").fetchone()[0] == 1
    assert "no longer active" in patient.callback_answers[-1]["text"]


async def test_forget_can_be_declined_and_typing_erases_nothing(bot):
    patient = bot.user(2006)
    confirm = await _ask_to_forget(patient)
    await patient.send("yes please erase")
    assert "Nothing has been erased yet" in (await patient.next_message()).text
    await patient.press(confirm, "No")
    assert "Nothing was erased" in (await patient.wait_for("Nothing was erased")).text
    await bot.settle()
    assert _count(bot.db, "patients", 2006) == 1
    assert _count(bot.db, "flows", 2006) == 0
    assert bot.db.execute("select count(*) from erasures").fetchone()[0] == 0


async def test_forged_or_foreign_forget_buttons_do_nothing(bot):
    alice, mallory = bot.user(2007, "Alice"), bot.user(2008, "Mallory")
    confirm = await _ask_to_forget(alice)
    token = bot.deps.flows.get(2007).token
    await mallory.send("/start")
    greeting = await mallory.next_message()
    for data in (f"priv:erase:{token}", "priv:erase", "priv:erase:000000", f"priv:nuke:{token}"):
        await mallory.press_data(greeting.message_id, data)  # Alice's live token, pressed by Mallory
    await bot.settle()
    assert _count(bot.db, "patients", 2007) == 1
    assert bot.deps.flows.get(2007) is not None
    assert _count(bot.db, "patients", 2008) == 1
    assert all("no longer active" in a["text"] for a in mallory.callback_answers)
    assert len(mallory.messages) == 1, "no message besides the toast"
    assert bot.db.execute("select count(*) from erasures").fetchone()[0] == 0
    await alice.press(confirm, "No")
    await alice.wait_for("Nothing was erased")


async def test_retention_job_is_scheduled_daily_and_purges(bot):
    from types import SimpleNamespace

    from wellbot.privacy import handlers as privacy

    [job] = bot.app.job_queue.get_jobs_by_name(privacy.RETENTION_JOB)
    assert job.trigger.interval == timedelta(days=1)
    patient = bot.user(2009)
    await patient.send("/start")
    await patient.next_message()
    _visit(bot.db, 2009, bot.clock.now() - timedelta(days=731), name="old")
    _visit(bot.db, 2009, bot.clock.now() - timedelta(days=700), name="recent")
    await privacy.run_retention(SimpleNamespace(application=bot.app))
    assert [r["patient_name"] for r in bot.db.query("select patient_name from visits")] == ["recent"]


def test_check_refuses_a_malformed_privacy_table(tmp_path, capsys):
    from wellbot.cli import main
    from wellbot.core.resources import example_clinic_file

    source = example_clinic_file()
    clinic = tmp_path / "clinic.toml"
    clinic.write_text(source.read_text().replace('visit_erasure = "anonymise"', 'visit_erasure = "shred"'))
    (tmp_path / "faq").symlink_to(source.parent / "faq")
    assert main(["check"], {"WELLBOT_CLINIC": str(clinic), "WELLBOT_DATABASE": str(tmp_path / "x.db")}) == 2
    assert "[privacy]: `visit_erasure` must be one of anonymise, delete" in capsys.readouterr().err


def test_features_that_find_rows_through_visits_erase_before_the_visit_owner(db):
    found = []

    def reminders_erase(db, user_id, now):  # finds the patient's reminders through visits.user_id
        found.extend(r["id"] for r in db.query("select id from visits where user_id = ?", [user_id]))

    def booking_erase(db, user_id, now):
        db.execute("update visits set user_id = null where user_id = ?", [user_id])

    features = [Feature(name="booking", erase_data=booking_erase, owns_visit_records=True),
                Feature(name="reminders", erase_data=reminders_erase)]
    assert erase(db, features, ALICE, NOW, Policy()) == ["reminders", "booking"]
    assert len(found) == 1, "the reminders hook still saw the patient's visit"
