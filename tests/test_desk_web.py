"""The staff desk over HTTP: initData checks, the screens' data, actions that reach the chat, calendar feeds.

The browser tests (tests/test_desk_browser.py) drive the same worker through Chromium;
these check the HTTP contract directly and quickly.
"""

from datetime import timedelta

import httpx
import pytest

from tests.desk_helpers import book_a_day, desk_of, half_sent_broadcast, init_data
from tests.harness import STAFF_ID, TOKEN, webhook_worker
from wellbot.booking import store as booking
from wellbot.core.errors import ConfigError
from wellbot.core.settings import Settings
from wellbot.desk import logic
from wellbot.desk.config import MAX_INIT_DATA_AGE, desk_config


async def get(bot, path, data=None):
    """GET a desk path, with launch data when given."""
    headers = {"X-Telegram-Init-Data": data} if data is not None else {}
    async with httpx.AsyncClient() as client:
        return await client.get(f"http://127.0.0.1:{desk_of(bot).port}{path}", headers=headers)


async def post(bot, path, data, body=None):
    """POST to a desk path with launch data."""
    async with httpx.AsyncClient() as client:
        return await client.post(f"http://127.0.0.1:{desk_of(bot).port}{path}", json=body or {},
                                 headers={"X-Telegram-Init-Data": data})


async def test_staff_get_the_menu_button_and_patients_do_not(desk_bot, devserver):
    button = devserver.menu_buttons[STAFF_ID]
    assert button["type"] == "web_app"
    assert button["web_app"]["url"] == desk_of(desk_bot).mini_app_url
    assert 2001 not in devserver.menu_buttons
    assert None not in devserver.menu_buttons
    page = await get(desk_bot, "/desk/")
    assert page.status_code == 200
    assert "desk.js" in page.text
    assert "Content-Security-Policy" in page.headers


async def test_nothing_without_valid_staff_init_data(desk_bot):
    book_a_day(desk_bot)
    now = desk_bot.clock.now()
    forged = init_data(STAFF_ID, now, token="123456:some-other-bot-token-xxxxxxxxx")
    tampered = init_data(STAFF_ID, now).replace("Sam", "Eve")
    expired = init_data(STAFF_ID, now - MAX_INIT_DATA_AGE - timedelta(minutes=1))
    for data in (None, "", forged, tampered, expired, "hash=00&user=%7B%7D"):
        for path in ("/desk/api/day", "/desk/api/patient/2001", "/desk/api/inbox", "/desk/api/week"):
            answer = await get(desk_bot, path, data)
            assert answer.status_code == 401, (path, data)
            assert "Ann" not in answer.text
            assert "html" not in answer.json()
    patient = await get(desk_bot, "/desk/api/day", init_data(2001, now, first_name="Ann"))
    assert patient.status_code == 403
    assert "Ann O" not in patient.text
    refused = await post(desk_bot, "/desk/api/visit/1/cancel", expired)
    assert refused.status_code == 401
    assert booking.get_visit(desk_bot.db, 1).status == booking.BOOKED


async def test_screens_show_the_schedule_patient_card_waitlist_and_campaigns(desk_bot):
    ids = book_a_day(desk_bot)
    desk_bot.db.execute("insert into booking_waitlist (user_id, service_key, first_day, last_day, created_at) "
                        "values (2003, 'cupping', '2026-06-12', '2026-06-19', '2026-06-10T12:00:00Z')")
    data = init_data(STAFF_ID, desk_bot.clock.now())
    day = (await get(desk_bot, "/desk/api/day?date=2026-06-10", data)).json()["html"]
    assert "Ann O&#39;Lee" in day
    assert "Bo &lt;Day&gt;" in day
    assert "confirmed" in day
    assert "14:00" in day
    assert "09:00" in day
    lin, ortiz = day.index("Dr. Mei Lin, DACM"), day.index("Sam Ortiz, L.Ac.")  # a column per practitioner
    assert lin < day.index("Ann O&#39;Lee") < ortiz < day.index("Bo &lt;Day&gt;")
    assert "running late 10 min" in day
    assert f'data-act="no_show" data-visit="{ids["bo"]}"' in day  # started at 09:00: can be marked
    assert f'data-act="no_show" data-visit="{ids["ann"]}"' not in day  # 14:00 has not started
    week = (await get(desk_bot, "/desk/api/week?date=2026-06-10", data)).json()["html"]
    assert "Cy Young" in week
    assert "<svg" in week
    assert "Acupuncture" in week
    card = (await get(desk_bot, "/desk/api/patient/2001", data)).json()["html"]
    assert "Lower &lt;back&gt;" in card  # intake answers, escaped
    assert "with Dr. Mei Lin, DACM" in card
    assert "<polyline" in card
    assert "8, 7, 5, 3" in card
    assert "never asked" in card
    waitlist = (await get(desk_bot, "/desk/api/waitlist", data)).json()["html"]
    assert "Cy Young" in waitlist
    assert "Cupping" in waitlist
    campaigns = (await get(desk_bot, "/desk/api/campaigns", data)).json()["html"]
    assert "No broadcasts" in campaigns
    half_sent_broadcast(desk_bot, recipients=4, sent=1)
    campaigns = (await get(desk_bot, "/desk/api/campaigns", data)).json()["html"]
    assert "25% · sent 1" in campaigns
    assert 'value="25"' in campaigns
    assert (await get(desk_bot, "/desk/api/day?date=2026-13-40", data)).status_code == 400
    assert (await get(desk_bot, "/desk/api/patient/999999", data)).status_code == 404


async def test_actions_in_the_desk_take_effect_in_the_chat(desk_bot):
    ids = book_a_day(desk_bot)
    ann, staff = desk_bot.user(2001, "Ann"), desk_bot.staff()
    data = init_data(STAFF_ID, desk_bot.clock.now())
    answer = (await post(desk_bot, f"/desk/api/visit/{ids['ann']}/cancel", data)).json()
    assert answer == {"ok": True, "status": "cancelled"}
    await ann.wait_for("the clinic had to cancel")
    await staff.wait_for("cancelled")
    again = (await post(desk_bot, f"/desk/api/visit/{ids['ann']}/cancel", data)).json()
    assert again["ok"] is False
    marked = (await post(desk_bot, f"/desk/api/visit/{ids['bo']}/no_show", data)).json()
    assert marked == {"ok": True, "status": "no-show"}
    await staff.send("/today")
    agenda = await staff.wait_for("Schedule for")
    assert "no-show" in agenda.text
    assert (await post(desk_bot, "/desk/api/patient/777/message", data, {"text": "hello"})).status_code == 404
    too_long = (await post(desk_bot, "/desk/api/patient/2001/message", data, {"text": "x" * 3001})).json()
    assert too_long == {"ok": False, "outcome": "too_long"}
    sent = (await post(desk_bot, "/desk/api/patient/2001/message", data, {"text": "Please call us <soon>"})).json()
    assert sent == {"ok": True, "outcome": "sent"}
    told = await ann.wait_for("Please call us <soon>")
    assert "Write back" in " ".join(told.button_labels())
    await ann.press(told, "Write back")
    await ann.wait_for("Write your message")
    await ann.send("Calling now")
    await staff.wait_for("Calling now")
    inbox = (await get(desk_bot, "/desk/api/inbox", data)).json()["html"]
    assert "Please call us &lt;soon&gt;" in inbox
    assert "Calling now" in inbox


async def test_calendar_feed_issue_serve_and_revoke(desk_bot):
    book_a_day(desk_bot)
    staff = desk_bot.staff()
    await staff.send("/calendar_feed")
    message = await staff.wait_for("Your calendar feed")
    url = next(line for line in message.text.splitlines() if line.startswith("http"))
    async with httpx.AsyncClient() as client:
        feed = await client.get(url)
        assert feed.status_code == 200
        assert feed.headers["content-type"].startswith("text/calendar")
        assert feed.text.startswith("BEGIN:VCALENDAR\r\n")
        assert "SUMMARY:Acupuncture: Cy Young" in feed.text
        assert "DTSTART:20260611T140000Z" in feed.text
        await staff.send("/calendar_feed")  # a new address: the old one stops
        newer = await staff.wait_for("Your calendar feed")
        assert (await client.get(url)).status_code == 404
        new_url = next(line for line in newer.text.splitlines() if line.startswith("http"))
        assert (await client.get(new_url)).status_code == 200
        await staff.send("/calendar_feed revoke")
        await staff.wait_for("revoked")
        assert (await client.get(new_url)).status_code == 404
    pat = desk_bot.user(2001, "Ann")
    await pat.send("/calendar_feed")
    await pat.wait_for("staff")


async def test_desk_off_says_how_to_switch_it_on(bot):
    staff = bot.staff()
    await staff.send("/desk")
    await staff.wait_for("WELLBOT_DESK_LISTEN")
    assert bot.server.menu_buttons == {}


def test_init_data_validation():
    from datetime import UTC, datetime
    now = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)
    good = init_data(STAFF_ID, now)
    assert logic.validate_init_data(good, TOKEN, now, MAX_INIT_DATA_AGE).id == STAFF_ID
    with pytest.raises(logic.InitDataError, match="expired"):
        logic.validate_init_data(good, TOKEN, now + MAX_INIT_DATA_AGE + timedelta(seconds=1), MAX_INIT_DATA_AGE)
    with pytest.raises(logic.InitDataError, match="signature"):
        logic.validate_init_data(good, "1:" + "x" * 30, now, MAX_INIT_DATA_AGE)
    with pytest.raises(logic.InitDataError, match="twice"):
        logic.validate_init_data(good + "&auth_date=1", TOKEN, now, MAX_INIT_DATA_AGE)
    with pytest.raises(logic.InitDataError):
        logic.validate_init_data("x" * 5000, TOKEN, now, MAX_INIT_DATA_AGE)


@pytest.mark.parametrize("listen, url", [("nohost", ""), ("127.0.0.1:99999", ""), ("127.0.0.1:80", "ftp://x"),
                                         ("127.0.0.1:80", "https://desk.example/?a=1")])
def test_bad_desk_settings_are_refused(listen, url):
    settings = Settings.from_env({"WELLBOT_DESK_LISTEN": listen, "WELLBOT_DESK_URL": url})
    with pytest.raises(ConfigError):
        desk_config(settings)


async def test_the_desk_is_served_in_webhook_mode_too(devserver, tmp_path):
    from datetime import UTC, datetime

    from wellbot.desk import web

    devserver.user(STAFF_ID, "Sam")
    env = {"WELLBOT_STAFF_IDS": str(STAFF_ID), "WELLBOT_DESK_LISTEN": "127.0.0.1:0"}
    async with webhook_worker(devserver, tmp_path / "w.db", "https://bot.example.org/hook", env) as (_, _, app):
        desk = web.running(app)
        assert devserver.menu_buttons[STAFF_ID]["web_app"]["url"] == desk.mini_app_url
        data = init_data(STAFF_ID, datetime.now(UTC))
        async with httpx.AsyncClient() as client:
            day = await client.get(f"http://127.0.0.1:{desk.port}/desk/api/day",
                                   headers={"X-Telegram-Init-Data": data})
        assert day.status_code == 200
        assert "No visits booked" in day.json()["html"]
    assert web.running(app) is None


async def test_feed_tokens_never_reach_the_logs(desk_bot, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    staff = desk_bot.staff()
    await staff.send("/calendar_feed")
    message = await staff.wait_for("Your calendar feed")
    url = next(line for line in message.text.splitlines() if line.startswith("http"))
    token = url.rsplit("/", 1)[-1].removesuffix(".ics")
    async with httpx.AsyncClient() as client:
        assert (await client.get(url)).status_code == 200
        assert (await client.get(url.replace(token, token[::-1]))).status_code == 404
    served = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("wellbot", "tornado")))
    assert "/desk/feed/<token>" in served  # the worker's own lines (the test's httpx client logs its URL)
    assert token not in served
