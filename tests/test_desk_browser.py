"""The staff desk in a real browser: headless Chromium (Debian's package) against the worker and the Bot API stand-in.

Each screen is rendered and saved to tests/screenshots/ for reviewers; forged
or expired launch data shows nothing; an action taken in the page reaches the
patient's chat. Marked slow: `pytest -m "not slow"` is the fast subset.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import pytest_asyncio

from tests.cdp import Browser, chromium_path
from tests.desk_helpers import book_a_day, desk_of, half_sent_broadcast, init_data
from tests.harness import STAFF_ID
from wellbot.booking import store as booking
from wellbot.desk import store as desk_store
from wellbot.desk.config import MAX_INIT_DATA_AGE

pytestmark = pytest.mark.slow
SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest_asyncio.fixture
async def browser():
    """Headless Chromium; skipped only where it is genuinely not installed and this is not CI."""
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium); the browser tests need it")
    chrome = Browser(executable)
    await chrome.start()
    yield chrome
    await chrome.close()


def desk_address(bot, data: str | None) -> str:
    """The Mini App's address as a Telegram client opens it: launch data in the fragment."""
    fragment = f"#tgWebAppData={quote(data, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=tdesktop" if data else ""
    return desk_of(bot).mini_app_url + fragment


async def test_every_screen_renders(desk_bot, browser):
    book_a_day(desk_bot)
    half_sent_broadcast(desk_bot)
    desk_bot.db.execute("insert into booking_waitlist (user_id, service_key, first_day, last_day, created_at) "
                        "values (2003, 'cupping', '2026-06-12', '2026-06-19', '2026-06-10T12:00:00Z')")
    ann = desk_bot.user(2001, "Ann")
    await ann.send("/ask Is parking free on Saturdays?")
    await ann.wait_for("will reply here")
    await browser.open(desk_address(desk_bot, init_data(STAFF_ID, desk_bot.clock.now())))
    await browser.wait_until("document.querySelectorAll('#screen-day .visit').length === 2")
    day = await browser.text()
    assert "Ann O'Lee" in day
    assert "Bo <Day>" in day
    assert "confirmed" in day
    await browser.screenshot(SCREENSHOTS / "desk-day.png")
    await browser.click("nav [data-nav=week]")
    await browser.wait_until("document.querySelector('#screen-week svg.bars rect')")
    assert "Cy Young" in await browser.text()
    await browser.screenshot(SCREENSHOTS / "desk-week.png")
    await browser.click("nav [data-nav=day]")
    await browser.wait_until("document.querySelector('#screen-day [data-patient=\"2001\"]')")
    await browser.click("#screen-day [data-patient='2001']")
    await browser.wait_until("document.querySelector('#screen-patient svg.pain polyline')")
    card = await browser.text()
    assert "8, 7, 5, 3" in card
    assert "Is parking free on Saturdays?" in card
    await browser.screenshot(SCREENSHOTS / "desk-patient.png")
    for tab, marker in (("inbox", "Is parking free"), ("waitlist", "Cupping"), ("campaigns", "62% · sent 25")):
        await browser.click(f"nav [data-nav={tab}]")
        await browser.wait_until(f"document.querySelector('#screen-{tab}')")
        assert marker in await browser.text()
        await browser.screenshot(SCREENSHOTS / f"desk-{tab}.png")


@pytest.mark.parametrize("case", ["forged", "expired", "missing", "patient"])
async def test_forged_or_expired_launch_data_gets_nothing(desk_bot, browser, case):
    book_a_day(desk_bot)
    now = desk_bot.clock.now()
    data = {"forged": init_data(STAFF_ID, now, token="654321:a-different-bot-token-xxxxxxxxxxx"),
            "expired": init_data(STAFF_ID, now - MAX_INIT_DATA_AGE - timedelta(minutes=1)),
            "missing": None,
            "patient": init_data(2001, now, first_name="Ann")}[case]
    await browser.open(desk_address(desk_bot, data))
    await browser.wait_until("document.querySelector('.refused')")
    text = await browser.text()
    assert "Ann" not in text
    assert "Cy Young" not in text
    assert "Acupuncture" not in text
    assert ("for the clinic's staff" if case == "patient" else "menu button") in text
    await browser.screenshot(SCREENSHOTS / f"desk-refused-{case}.png")


async def test_staff_actions_in_the_browser_reach_the_chat(desk_bot, browser):
    ids = book_a_day(desk_bot)
    ann, bo, staff = desk_bot.user(2001, "Ann"), desk_bot.user(2002, "Bo"), desk_bot.staff()
    await ann.send("/start")
    await bo.send("/start")
    await browser.open(desk_address(desk_bot, init_data(STAFF_ID, desk_bot.clock.now())))
    await browser.wait_until(f"document.querySelector('[data-act=cancel][data-visit=\"{ids['ann']}\"]')")
    await browser.click(f"[data-act=cancel][data-visit='{ids['ann']}']")  # asks first
    assert booking.get_visit(desk_bot.db, ids["ann"]).status == booking.BOOKED
    await browser.click(f"[data-act=cancel-yes][data-visit='{ids['ann']}']")
    told = await ann.wait_for("the clinic had to cancel")
    assert "Wed 10 Jun 2026, 14:00" in told.text
    await staff.wait_for("cancelled")
    await browser.wait_until("document.querySelector('#flash').textContent.includes('cancelled')")
    await browser.click(f"[data-act=no_show][data-visit='{ids['bo']}']")
    await browser.wait_until("document.querySelector('#screen-day .status-no-show')")
    await staff.send("/today")
    agenda = await staff.wait_for("Schedule for")
    assert "no-show" in agenda.text
    assert "cancelled" in agenda.text
    await browser.click("#screen-day [data-patient='2002']")
    await browser.wait_until("document.querySelector('#screen-patient form[data-form=message]')")
    await browser.evaluate("document.querySelector('#screen-patient textarea').value = 'We missed you today <3'")
    await browser.click("#screen-patient form[data-form=message] button[type=submit]")
    message = await bo.wait_for("We missed you today <3")
    assert desk_store.open_thread_of(desk_bot.db, 2002) is not None
    await bo.press(message, "Write back")
    await bo.send("Sorry, I overslept")
    await staff.wait_for("Sorry, I overslept")
    await browser.wait_until("document.querySelector('#flash').textContent.includes('Sent')")
    await browser.click("nav [data-nav=inbox]")
    await browser.wait_until("document.querySelector('#screen-inbox') && "
                             "document.body.innerText.includes('Sorry, I overslept')")
    await browser.screenshot(SCREENSHOTS / "desk-after-actions.png")
