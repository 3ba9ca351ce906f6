"""`wellbot chat`: the real bot in a terminal, driven here line by line."""

import importlib.util
import io
import re
import sqlite3
import sys

import pytest
from telegram import Update

from wellbot import front_door
from wellbot.bot import callbacks, keyboards
from wellbot.bot.deps import WellbotContext
from wellbot.bot.features import ButtonRoute, Feature, MenuItem
from wellbot.bot.messaging import answer
from wellbot.cli import main
from wellbot.core.errors import ConfigError
from wellbot.core.settings import Settings
from wellbot.sim.chat import (
    DEMO_PHONE,
    ChatSession,
    Choice,
    chat_settings,
    choices_of,
    html_to_terminal,
    render_message,
    run_chat,
)
from wellbot.sim.devserver import SentMessage

BOOKING_INSTALLED = importlib.util.find_spec("wellbot.booking") is not None
MAX_BOOKING_STEPS = 15


# --- rendering --------------------------------------------------------------------------------------------------


def test_html_is_plain_without_a_terminal_and_bold_with_one():
    html = 'Hello, <b>Pat &amp; Co</b>! See <a href="https://example.org/a?x=1&amp;y=2">our site</a>.'
    assert html_to_terminal(html, ansi=False) == "Hello, Pat & Co! See our site (https://example.org/a?x=1&y=2)."
    ansi = html_to_terminal(html, ansi=True)
    assert "\x1b[1mPat & Co\x1b[0m" in ansi
    assert "<b>" not in ansi


def test_nested_styles_are_restored_after_an_inner_close():
    text = html_to_terminal("<b>bold <i>both</i> bold</b> plain", ansi=True)
    assert text == "\x1b[0m\x1b[1mbold \x1b[0m\x1b[1m\x1b[3mboth\x1b[0m\x1b[1m bold\x1b[0m plain"


def test_a_link_whose_text_is_its_url_is_not_repeated():
    assert html_to_terminal('<a href="https://example.org">https://example.org</a>', ansi=False) == (
        "https://example.org")


def test_message_with_document_and_buttons_renders_as_numbered_choices():
    markup = keyboards.inline([[("Yes", "x:1"), ("No", "x:0")], [("Website", None, "https://example.org")]])
    message = SentMessage(message_id=1, chat_id=1, html="<b>Sure?</b>\nReally", text="Sure?\nReally",
                          reply_markup=markup.to_dict(), document={"filename": "visits.ics"})
    assert render_message(message, ansi=False) == (
        "bot> [file: visits.ics]\n"
        "     Sure?\n"
        "     Really\n"
        "     [1] Yes\n"
        "     [2] No\n"
        "     [3] Website (https://example.org)"
    )
    assert render_message(message, ansi=False, edited=True).startswith("bot (edited)> [file: visits.ics]")


def test_reply_keyboard_buttons_are_choices_too():
    markup = keyboards.share_contact("Share my phone number").to_dict()
    assert choices_of(markup) == [Choice("Share my phone number", send_text="Share my phone number",
                                         share_contact=True)]


def test_chat_settings_use_a_fake_token_and_can_make_you_staff(tmp_path):
    base = Settings.from_env({"TELEGRAM_BOT_TOKEN": "999:" + "x" * 30, "WELLBOT_STAFF_IDS": "5"})
    chat = chat_settings(base, user_id=7, as_staff=True, database=tmp_path / "c.db", clinic=None)
    assert chat.token != base.token
    assert chat.staff_ids == {5, 7}
    assert chat.database == tmp_path / "c.db"
    assert chat_settings(base, user_id=5, as_staff=False, database=tmp_path / "c.db", clinic=None).staff_ids == set()
    with pytest.raises(ConfigError, match="--clinic"):
        chat_settings(base, user_id=7, as_staff=False, database=tmp_path / "c.db", clinic=tmp_path / "none.toml")


# --- the session, driven line by line ---------------------------------------------------------------------------

DEMO_PREFIX = "demo"


async def _open_demo(update: Update, context: WellbotContext) -> None:
    """Show a message with a pressable button and a link button."""
    markup = keyboards.inline([[("Apples", callbacks.encode(DEMO_PREFIX, "apples"))],
                               [("Our website", None, "https://example.org")]])
    await context.bot.send_message(update.effective_chat.id, "<b>Pick</b> one", reply_markup=markup)


async def _picked(update: Update, context: WellbotContext, parts: list[str]) -> None:
    """Edit the pressed message in place, and send a document, like real features do."""
    await answer(update, context, "Good choice")
    await update.callback_query.edit_message_text(f"You picked {parts[0]}")
    await context.bot.send_document(update.effective_chat.id, io.BytesIO(b"BEGIN:VCALENDAR"),
                                    filename="visit.ics", caption="Your visit")


DEMO = Feature(name="demo", menu=[MenuItem("demo", "Demo menu", _open_demo)],
               buttons=[ButtonRoute(DEMO_PREFIX, _picked)])


@pytest.fixture
async def session(tmp_path):
    settings = Settings.from_env({"WELLBOT_DATABASE": str(tmp_path / "chat.db")})
    chat = ChatSession(chat_settings(settings, user_id=1001, as_staff=False, database=tmp_path / "chat.db",
                                     clinic=None), features=[front_door.FEATURE, DEMO])
    await chat.start()
    yield chat
    await chat.stop()
    assert chat.server.unanswered_callbacks() == []


async def test_start_shows_the_menu_as_numbered_choices_and_a_number_presses_one(session):
    out = "\n".join(await session.say("/start"))
    assert "Hello, Pat!" in out
    assert "[1] Demo menu" in out
    out = "\n".join(await session.say("1"))
    assert out == "bot> Pick one\n     [1] Apples\n     [2] Our website (https://example.org)"
    assert "opens https://example.org" in (await session.say("2"))[0]
    out = await session.say("1")
    assert out == ["(notice: Good choice)", "bot (edited)> You picked apples",
                   "bot> [file: visit.ics]\n     Your visit"]


async def test_help_and_free_text_go_to_the_real_bot(session):
    out = "\n".join(await session.say("/help"))
    assert "/start" in out
    assert "/cancel" in out
    await session.say("/start")
    out = "\n".join(await session.say("99"))
    assert "no choice 99; choose 1 to 1" in out
    out = "\n".join(await session.say("5550100123"))  # too long to be a choice: sent as text
    assert "didn't catch that" in out


async def test_run_chat_loop_reads_until_quit_and_echoes_a_transcript(tmp_path):
    settings = Settings.from_env({})
    chat = ChatSession(chat_settings(settings, user_id=1001, as_staff=False, database=tmp_path / "c.db",
                                     clinic=None))
    writer = io.StringIO()
    await run_chat(chat, io.StringIO("/help\n/quit\n/never-read\n"), writer)
    text = writer.getvalue()
    assert text.startswith("Talking to the bot as user 1001.")
    assert "you> /help\n" in text
    assert "What I can do" in text
    assert "/never-read" not in text
    assert text.endswith("you> /quit\nbye\n")
    assert "\x1b[" not in text, "no ANSI codes when the output is not a terminal"


def test_chat_command_on_a_kept_database_as_staff(tmp_path, monkeypatch, capsys):
    database = tmp_path / "kept.db"
    monkeypatch.setattr(sys, "stdin", io.StringIO("/help\n"))  # then end of input
    env = {"TELEGRAM_BOT_TOKEN": "999:" + "r" * 30}  # a real-looking token must not be used
    assert main(["chat", "--as-staff", "--user", "4242", "--name", "Robin", "--database", str(database)], env) == 0
    out = capsys.readouterr().out
    assert "as user 4242 (staff)" in out
    assert "Hello, Robin!" in out
    assert out.endswith("bye\n")
    rows = sqlite3.connect(database).execute("select user_id from patients").fetchall()
    assert rows == [(4242,)]


def test_chat_command_uses_a_temporary_database_by_default(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("/quit\n"))
    assert main(["chat"], {}) == 0
    assert "Hello, Pat!" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == [], "nothing is left behind"


# --- a whole booking, once the booking feature is installed -----------------------------------------------------


def _choice_number(session, word):
    return next((n for n, c in enumerate(session.choices, 1) if word in c.label.lower()), None)


@pytest.mark.skipif(not BOOKING_INSTALLED, reason="the booking feature (wellbot.booking) is not in this tree yet")
async def test_chat_completes_a_booking(tmp_path):
    settings = Settings.from_env({})
    session = ChatSession(chat_settings(settings, user_id=1001, as_staff=False, database=tmp_path / "c.db",
                                        clinic=None))
    await session.start()
    try:
        transcript = await session.say("/book")
        for _ in range(MAX_BOOKING_STEPS):
            confirm = _choice_number(session, "confirm")
            if confirm:
                answer = await session.say(str(confirm))
                transcript += answer
                break
            last = session.user.last()
            if choices_of(last.reply_markup):  # buttons (a share-contact keyboard too): take the first
                transcript += await session.say("1")
            elif "phone" in last.text.lower() and "name" not in last.text.lower():
                transcript += await session.say(DEMO_PHONE)
            else:  # a question without buttons: the name comes first
                transcript += await session.say("Pat Example")
        else:
            pytest.fail("no Confirm button within the steps:\n" + "\n".join(transcript))
        db = session.app.bot_data["deps"].db
        visits = list(db.query("select status, patient_name from visits where user_id = ?", [1001]))
        assert visits, "\n".join(transcript)
        assert visits[0]["status"] == "booked", "\n".join(transcript)
        assert re.search(r"booked|confirmed", "\n".join(answer), re.IGNORECASE), "\n".join(transcript)
    finally:
        await session.stop()


def test_chat_refuses_a_database_a_running_worker_holds(tmp_path):
    """Found landing issue 15: `wellbot chat --database` on the database a worker serves would run a second
    dispatcher, engine and outbox there, claiming real reminders and news and sending them to the stand-in."""
    from wellbot.core import lease
    from wellbot.core.db import open_database

    database = tmp_path / "served.db"
    db = open_database(database)
    worker = lease.Worker.this_process()
    lease.acquire(db, worker, 30)
    base = Settings.from_env({})
    with pytest.raises(ConfigError, match="holds the lease"):
        chat_settings(base, user_id=7, as_staff=False, database=database, clinic=None)
    lease.release(db, worker)  # the worker stopped: a chat on its database is fine again
    db.close()
    assert chat_settings(base, user_id=7, as_staff=False, database=database, clinic=None).database == database

