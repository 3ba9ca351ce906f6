"""The local Bot API stand-in: as strict as Telegram, and spoken to by the real PTB over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import warnings

import httpx
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler

from wellbot.sim.devserver import BotAPIServer

TOKEN = "123456:TEST-devserver-token"
PATIENT = 42
HTML = ParseMode.HTML


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest_asyncio.fixture
async def api(devserver):
    """PTB's real Bot, talking to the local server."""
    async with Bot(devserver.token, base_url=devserver.base_url,
                   base_file_url=devserver.base_file_url) as bot:
        yield bot


async def limited(**limits) -> tuple[BotAPIServer, Bot, FakeClock]:
    """A rate-limited server on a fake clock, and a Bot for it (caller closes both)."""
    clock = FakeClock()
    server = BotAPIServer(token=TOKEN, clock=clock, **limits)
    await server.start()
    bot = Bot(TOKEN, base_url=server.base_url)
    await bot.initialize()
    return server, bot, clock


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    """One inline button per row: (label, callback_data)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]
                                 for label, data in buttons])


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after as seconds, whichever PTB_TIMEDELTA mode is on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else value


# ----- happy paths ------------------------------------------------------------------


async def test_send_message_returns_a_message_ptb_understands(devserver, api):
    patient = devserver.user(PATIENT, "Ada")
    message = await api.send_message(PATIENT, "<b>Hi</b> &amp; welcome", parse_mode=HTML,
                                     reply_markup=keyboard(("Book", "book:1")))
    assert message.text == "Hi & welcome"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 2)]
    assert message.from_user.username == devserver.bot_username
    assert message.chat.type == "private"
    assert message.reply_markup.inline_keyboard[0][0].callback_data == "book:1"
    assert message.text_html == "<b>Hi</b> &amp; welcome"

    sent = await patient.next_message()
    assert (sent.html, sent.text, sent.parse_mode) == ("<b>Hi</b> &amp; welcome", "Hi & welcome", "HTML")
    assert sent.button_labels() == ["Book"]
    assert devserver.sent == [sent]
    assert patient.last() is sent
    assert devserver.stats["sent"] == 1


async def test_edit_applies_and_keeps_history(devserver, api):
    patient = devserver.user(PATIENT)
    message = await api.send_message(PATIENT, "Pick a time", reply_markup=keyboard(("9:00", "t:9")))
    await api.edit_message_text("Pick a <i>new</i> time", PATIENT, message.message_id,
                                parse_mode=HTML, reply_markup=keyboard(("10:00", "t:10")))
    sent = patient.last()
    assert sent.text == "Pick a new time"
    assert sent.edits == 1
    assert sent.history == ["Pick a time"]
    assert sent.button_labels() == ["10:00"]
    assert (await patient.wait_for("new time")) is sent


async def test_edit_without_markup_removes_the_inline_keyboard(devserver, api):
    patient = devserver.user(PATIENT)
    message = await api.send_message(PATIENT, "Sure?", reply_markup=keyboard(("Yes", "y")))
    await api.edit_message_text("Sure?", PATIENT, message.message_id)  # same text, no markup
    assert patient.last().buttons() == []


async def test_delete_message(devserver, api):
    patient = devserver.user(PATIENT)
    message = await api.send_message(PATIENT, "temporary")
    assert await api.delete_message(PATIENT, message.message_id)
    assert patient.messages == []
    assert devserver.sent[0].deleted
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await api.delete_message(PATIENT, message.message_id)


async def test_document_upload_round_trip(devserver, api):
    patient = devserver.user(PATIENT)
    content = bytes(range(256)) * 4 + b"\r\n--boundary-lookalike\r\n\r\n"  # binary-safe parsing
    message = await api.send_document(PATIENT, document=content, filename="plan.pdf",
                                      caption="<i>Your plan</i>", parse_mode=HTML)
    assert message.document.file_name == "plan.pdf"
    assert message.caption == "Your plan"
    assert message.caption_entities[0].type == "italic"
    sent = await patient.next_message()
    assert sent.document["content"] == content
    assert sent.document["filename"] == "plan.pdf"
    assert sent.document["mime_type"] == "application/pdf"
    assert sent.document["caption"] == "<i>Your plan</i>"

    again = await api.send_document(PATIENT, document=message.document.file_id)
    assert (await patient.next_message()).document["content"] == content
    assert again.document.file_id == message.document.file_id

    file = await api.get_file(message.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content


async def test_long_poll_returns_a_queued_user_message(devserver, api):
    patient = devserver.user(PATIENT, "Ada", username="ada")
    poll = asyncio.create_task(api.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    await patient.send("/start@wellbot_test_bot promo")
    updates = await asyncio.wait_for(poll, 1)
    message = updates[0].message
    assert message.text == "/start@wellbot_test_bot promo"
    assert message.from_user.id == PATIENT
    assert message.from_user.username == "ada"
    assert message.chat.type == "private"
    assert message.chat.id == PATIENT
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bot_command", 0, 23)]
    assert devserver.pending_updates() == 0
    # The offset acknowledges: nothing comes back.
    assert await api.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()


async def test_long_poll_honours_its_timeout(api):
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await api.get_updates(timeout=dt.timedelta(seconds=0.3)) == ()
    assert 0.25 <= loop.time() - started < 1


async def test_allowed_updates_filters_what_is_queued(devserver, api):
    patient = devserver.user(PATIENT)
    await api.get_updates(timeout=0, allowed_updates=["callback_query"])
    await patient.send("hello")
    assert devserver.pending_updates() == 0
    message = await api.send_message(PATIENT, "Choose", reply_markup=keyboard(("A", "a")))
    await patient.press_data(message.message_id, "a")
    assert [u.callback_query.data for u in await api.get_updates(timeout=0)] == ["a"]


async def test_press_sends_a_callback_query_with_the_button_data(devserver, api):
    patient = devserver.user(PATIENT)
    await api.send_message(PATIENT, "Confirm?", reply_markup=keyboard(("Yes, confirm", "ok:7"),
                                                                      ("No", "no:7")))
    sent = await patient.next_message()
    query_id = await patient.press(sent, "confirm")
    (update,) = await api.get_updates(timeout=0)
    query = update.callback_query
    assert (query.id, query.data, query.from_user.id) == (query_id, "ok:7", PATIENT)
    assert query.message.message_id == sent.message_id
    assert query.message.reply_markup.inline_keyboard[1][0].text == "No"
    assert devserver.unanswered_callbacks() == [query_id]
    await api.answer_callback_query(query_id, "Confirmed")
    assert devserver.unanswered_callbacks() == []
    assert patient.callback_answers[0]["text"] == "Confirmed"


async def test_press_looks_at_the_current_keyboard(devserver, api):
    patient = devserver.user(PATIENT)
    message = await api.send_message(PATIENT, "Pick", reply_markup=keyboard(("Old", "old")))
    sent = patient.last()
    await api.edit_message_reply_markup(PATIENT, message.message_id, reply_markup=keyboard(("New", "new")))
    with pytest.raises(LookupError, match="New"):
        await patient.press(sent, "Old")
    await patient.press(sent, "new")  # exact callback_data matches too


async def test_forged_press_on_an_unknown_message_is_inaccessible(devserver, api):
    patient = devserver.user(PATIENT)
    await patient.press_data(999, "stale:1")
    (update,) = await api.get_updates(timeout=0)
    assert update.callback_query.data == "stale:1"
    assert not update.callback_query.message.is_accessible


async def test_reply_keyboards_and_contacts(devserver, api):
    patient = devserver.user(PATIENT, "Ada", last_name="Byron")
    share = ReplyKeyboardMarkup([[KeyboardButton("Share my phone", request_contact=True)]])
    await api.send_message(PATIENT, "Your phone?", reply_markup=share)
    assert patient.keyboard["keyboard"][0][0]["request_contact"] is True
    await patient.send_contact("+15550100")
    (update,) = await api.get_updates(timeout=0)
    assert update.message.contact.user_id == PATIENT
    assert update.message.contact.phone_number == "+15550100"
    await api.send_message(PATIENT, "Thanks", reply_markup=ReplyKeyboardRemove())
    assert patient.keyboard is None


async def test_media_and_edited_messages_arrive_as_updates(devserver, api):
    patient = devserver.user(PATIENT)
    first = await patient.send("helo")
    await patient.edit(first, "hello")
    await patient.send_sticker()
    await patient.send_photo()
    await patient.send_voice()
    await patient.send_document(filename="scan.pdf", content=b"%PDF-scan")
    updates = await api.get_updates(timeout=0)
    assert updates[1].edited_message.text == "hello"
    assert updates[1].edited_message.message_id == first
    assert updates[2].message.sticker is not None
    assert updates[3].message.photo[-1].width == 800
    assert updates[4].message.voice.mime_type == "audio/ogg"
    document = updates[5].message.document
    assert document.file_name == "scan.pdf"
    file = await api.get_file(document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"%PDF-scan"


async def test_group_chat_and_leaving_it(devserver, api):
    group = devserver.group(-100123, "Front desk")
    staff = devserver.user(900, "Sam")
    await group.send(staff, "/today@wellbot_test_bot")
    (update,) = await api.get_updates(timeout=0)
    assert update.message.chat.type == "group"
    assert update.message.from_user.id == 900
    await api.send_message(-100123, "3 bookings today")
    assert (await group.next_message()).text == "3 bookings today"
    assert await api.leave_chat(-100123)
    assert group.left
    with pytest.raises(Forbidden, match="not a member"):
        await api.send_message(-100123, "hello?")


async def test_get_chat_and_webhook_bookkeeping(devserver, api):
    devserver.user(PATIENT, "Ada")
    chat = await api.get_chat(PATIENT)
    assert (chat.id, chat.type, chat.first_name) == (PATIENT, "private", "Ada")
    await api.set_webhook("https://example.org/hook", secret_token="s3cret")
    assert devserver.webhook == {"url": "https://example.org/hook", "secret_token": "s3cret"}
    assert (await api.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await api.get_updates(timeout=0)
    await api.delete_webhook()
    assert await api.get_updates(timeout=0) == ()


async def test_commands_are_stored_per_scope(devserver, api):
    await api.set_my_commands([BotCommand("book", "Book a visit")])
    await api.set_my_commands([BotCommand("today", "Today's list")], scope=BotCommandScopeChat(900))
    assert devserver.commands["default"] == [{"command": "book", "description": "Book a visit"}]
    staff_key = next(key for key in devserver.commands if "900" in key)
    assert json.loads(staff_key) == {"type": "chat", "chat_id": 900}
    assert [c.command for c in await api.get_my_commands(scope=BotCommandScopeChat(900))] == ["today"]
    await api.delete_my_commands()
    assert "default" not in devserver.commands


async def test_raw_http_json_chunked_and_keep_alive(devserver):
    devserver.user(PATIENT)
    url = f"{devserver.base_url}{devserver.token}"

    async def chunks():
        yield b'{"chat_id": 42, '
        yield b'"text": "chunked"}'

    async with httpx.AsyncClient() as client:
        first = await client.post(f"{url}/sendMessage", json={"chat_id": PATIENT, "text": "json"})
        second = await client.post(f"{url}/sendMessage", content=chunks(),
                                   headers={"content-type": "application/json"})
        third = await client.get(f"{url}/getMe")
    assert first.json()["result"]["text"] == "json"
    assert second.json()["result"]["text"] == "chunked"
    assert third.json()["result"]["is_bot"] is True
    assert first.headers["connection"] == "keep-alive"


async def test_wait_idle_waits_for_delivery_and_quiet(devserver, api):
    patient = devserver.user(PATIENT)
    await patient.send("hi")
    with pytest.raises(TimeoutError, match="1 updates not fetched"):
        await devserver.wait_idle(timeout=0.1)
    await api.get_updates(timeout=0)
    await devserver.wait_idle(timeout=1)


# ----- strictness ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["<p>x</p>", "a < b", "<b>bold", "<br>", "<b>x</i>"])
async def test_invalid_html_is_refused(devserver, api, text):
    devserver.user(PATIENT)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await api.send_message(PATIENT, text, parse_mode=HTML)
    assert devserver.sent == []
    assert devserver.calls[-1].description.startswith("Bad Request: can't parse entities: ")


async def test_length_is_counted_after_entity_parsing(devserver, api):
    devserver.user(PATIENT)
    await api.send_message(PATIENT, "<b>" + "a" * 4096 + "</b>", parse_mode=HTML)
    with pytest.raises(BadRequest, match="Message is too long"):
        await api.send_message(PATIENT, "a" * 4097)
    with pytest.raises(BadRequest, match="Message is too long"):  # 2049 emoji = 4098 UTF-16 units
        await api.send_message(PATIENT, "\U0001f600" * 2049)
    assert len(devserver.sent) == 1


async def test_empty_text_is_refused(devserver, api):
    devserver.user(PATIENT)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await api.send_message(PATIENT, "<b> </b>\n", parse_mode=HTML)


async def test_surrounding_whitespace_is_trimmed_like_telegram(devserver, api):
    patient = devserver.user(PATIENT)
    message = await api.send_message(PATIENT, "\n <b> Hi</b> \n", parse_mode=HTML)
    assert message.text == "Hi"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 2)]
    with pytest.raises(BadRequest, match="Message is not modified"):
        await api.edit_message_text("<b>Hi</b>\n", PATIENT, message.message_id, parse_mode=HTML)
    assert patient.last().text == "Hi"


async def test_long_captions_are_refused(devserver, api):
    devserver.user(PATIENT)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await api.send_document(PATIENT, document=b"x", filename="a.txt", caption="c" * 1025)


async def test_callback_data_is_at_most_64_bytes(devserver, api):
    devserver.user(PATIENT)
    await api.send_message(PATIENT, "ok", reply_markup=keyboard(("A", "\u00e9" * 32)))  # 64 bytes
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await api.send_message(PATIENT, "too long", reply_markup=keyboard(("A", "\u00e9" * 33)))
    with pytest.raises(BadRequest, match=r"(?i)text buttons are unallowed"):
        await api.send_message(PATIENT, "no action", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("A")]]))
    assert len(devserver.sent) == 1


async def test_empty_markup_means_no_keyboard_as_in_telegram(devserver, api):
    patient = devserver.user(PATIENT)
    await api.send_message(PATIENT, "PTB sends {} for this", reply_markup=InlineKeyboardMarkup([]))
    assert patient.last().reply_markup is None
    two_actions = InlineKeyboardButton("A", callback_data="a", url="https://example.org")
    with pytest.raises(BadRequest, match="exactly one of the optional fields"):
        await api.send_message(PATIENT, "x", reply_markup=InlineKeyboardMarkup([[two_actions]]))
    with pytest.raises(BadRequest, match=r"(?i)object expected as reply markup"):
        await api.do_api_request("sendMessage", api_kwargs={"chat_id": PATIENT, "text": "x",
                                                            "reply_markup": [1]})


async def test_identical_edit_is_not_modified(devserver, api):
    devserver.user(PATIENT)
    markup = keyboard(("Yes", "y"))
    message = await api.send_message(PATIENT, "<b>Sure?</b>", parse_mode=HTML, reply_markup=markup)
    with pytest.raises(BadRequest, match="Message is not modified"):
        # Different HTML, same entities: Telegram compares the parsed result.
        await api.edit_message_text("<strong>Sure?</strong>", PATIENT, message.message_id,
                                    parse_mode=HTML, reply_markup=markup)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await api.edit_message_reply_markup(PATIENT, message.message_id, reply_markup=markup)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await api.edit_message_text("x", PATIENT, 999)


async def test_per_chat_rate_allows_a_burst_then_429():
    server, bot, clock = await limited(per_chat_rate=1, retry_after=2)
    try:
        ada, bo = server.user(1, "Ada"), server.user(2, "Bo")
        for n in range(3):
            await bot.send_message(1, f"burst {n}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(1, "one too many")
        assert retry_seconds(caught.value) == 2
        assert [m.text for m in ada.messages] == ["burst 0", "burst 1", "burst 2"]
        await bot.send_message(2, "other chats are not affected")
        clock.advance(1)
        await bot.send_message(1, "after a second")
        assert ada.last().text == "after a second"
        assert len(bo.messages) == 1
        assert server.stats["sent"] == 5
        assert server.stats["rejected_429"] == 1
        assert server.calls[-2].status == 200
    finally:
        await bot.shutdown()
        await server.stop()


async def test_global_rate_is_a_sliding_one_second_window():
    server, bot, clock = await limited(global_rate=5)
    try:
        for user_id in range(1, 7):
            server.user(user_id)
        for user_id in range(1, 6):
            await bot.send_message(user_id, "news")
            clock.advance(0.1)
        with pytest.raises(RetryAfter, match="Flood control exceeded"):
            await bot.send_message(6, "news")
        assert server.user(6).messages == []
        clock.advance(0.55)  # the first send left the window
        await bot.send_message(6, "news")
        assert server.stats["rejected_429"] == 1
        assert server.calls[-2].description == "Too Many Requests: retry after 1"
    finally:
        await bot.shutdown()
        await server.stop()


async def test_blocked_user_gets_403_and_my_chat_member(devserver, api):
    patient = devserver.user(PATIENT)
    patient.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await api.send_message(PATIENT, "reminder")
    (update,) = await api.get_updates(timeout=0)
    change = update.my_chat_member
    assert (change.old_chat_member.status, change.new_chat_member.status) == ("member", "kicked")
    patient.unblock()
    await api.send_message(PATIENT, "welcome back")


async def test_unknown_chat_is_not_found(api):
    with pytest.raises(BadRequest, match="Chat not found"):
        await api.send_message(31337, "hello")


async def test_callback_query_is_answered_once_and_briefly(devserver, api):
    patient = devserver.user(PATIENT)
    await api.send_message(PATIENT, "Go?", reply_markup=keyboard(("Go", "go")))
    query_id = await patient.press(patient.last(), "Go")
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        await api.answer_callback_query(query_id, "x" * 201)
    await api.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await api.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await api.answer_callback_query("123")


@pytest.mark.parametrize("command", [
    BotCommand("Book", "capital letters"),
    BotCommand("book-now", "a dash"),
    BotCommand("x" * 33, "too long a name"),
    BotCommand("book", ""),
    BotCommand("book", "d" * 257),
])
async def test_bad_commands_are_refused(devserver, api, command):
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await api.set_my_commands([command])
    assert devserver.commands == {}


async def test_two_pollers_conflict(devserver, api):
    async with Bot(devserver.token, base_url=devserver.base_url) as second:
        first_poll = asyncio.create_task(api.get_updates(timeout=5))
        await asyncio.sleep(0.05)
        assert await second.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(first_poll, 1)


async def test_wrong_token_and_unknown_method(devserver, api):
    with pytest.raises(InvalidToken):
        async with Bot("999:wrong", base_url=devserver.base_url):
            pass
    assert devserver.calls[-1].status == 401
    with pytest.raises(EndPointNotFound):  # PTB's name for a 404 once the token worked
        await api.do_api_request("sendTelepathy")
    assert (devserver.calls[-1].status, devserver.calls[-1].description) == (404, "Not Found")


async def test_fail_next_injects_errors(devserver, api):
    devserver.user(PATIENT)
    devserver.fail_next("sendMessage", status=502, description="Bad Gateway")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await api.send_message(PATIENT, "first")
    devserver.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 3",
                        retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await api.send_message(PATIENT, "second")
    assert retry_seconds(caught.value) == 3
    await api.send_message(PATIENT, "third")
    assert [m.text for m in devserver.sent] == ["third"]
    assert devserver.stats["injected"] == 2


async def test_timeout_message_names_the_failed_calls(devserver, api):
    patient = devserver.user(PATIENT)
    with pytest.raises(BadRequest):
        await api.send_message(PATIENT, "<p>nope</p>", parse_mode=HTML)
    with pytest.raises(TimeoutError, match="can't parse entities"):
        await patient.next_message(timeout=0.05)


# ----- the real Application end to end ---------------------------------------------------


async def test_application_polls_replies_and_answers_buttons(devserver):
    patient = devserver.user(PATIENT, "Ada")

    async def start(update, context):
        await update.message.reply_html(f"Hello, <b>{update.effective_user.first_name}</b>!",
                                        reply_markup=keyboard(("Book", "book")))

    async def pressed(update, context):
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("Thanks, booked.")

    app = ApplicationBuilder().token(devserver.token).base_url(devserver.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
        try:
            await patient.send("/start")
            greeting = await patient.next_message()
            assert greeting.text == "Hello, Ada!"
            await patient.press(greeting, "Book")
            assert (await patient.wait_for("booked")) is greeting
            await devserver.wait_idle()
            assert devserver.unanswered_callbacks() == []
            assert greeting.buttons() == []  # the edit dropped the keyboard
        finally:
            await app.updater.stop()
            await app.stop()


async def test_send_venue_returns_a_venue_and_is_strict_about_coordinates(devserver, api):
    patient = devserver.user(PATIENT, "Ada")
    message = await api.send_venue(PATIENT, latitude=39.78, longitude=-89.65, title="Clinic", address="1 Main St")
    assert (message.venue.title, message.venue.address) == ("Clinic", "1 Main St")
    assert (message.location.latitude, message.location.longitude) == (39.78, -89.65)
    sent = await patient.next_message()
    assert sent.venue == {"latitude": 39.78, "longitude": -89.65, "title": "Clinic", "address": "1 Main St"}
    with pytest.raises(BadRequest, match=r"(?i)wrong latitude"):
        await api.send_venue(PATIENT, latitude=91, longitude=1, title="Clinic", address="1 Main St")
    with pytest.raises(BadRequest, match=r"(?i)title"):
        await api.send_venue(PATIENT, latitude=1, longitude=2, title=" ", address="1 Main St")
    assert devserver.stats["sent"] == 1
