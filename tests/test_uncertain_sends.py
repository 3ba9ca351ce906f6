"""A send whose outcome is unknown is recorded as uncertain, never retried blindly (issue 21, finding 2).

When Telegram delivered a broadcast message but answered after the read
timeout, the engine took the timeout for a failure and sent it again: one
patient got 4 copies and staff were told it failed. Now that delivery is
`uncertain`, staff see it apart from the failures, and may resend to the
uncertain ones with one tap.
"""

from __future__ import annotations

import httpx
import pytest
from telegram.error import NetworkError, TimedOut

from tests.test_broadcast import compose, subscribe
from wellbot.bot.lanes import POOL_TIMEOUT_TEXT
from wellbot.newsletter.engine import Outcome
from wellbot.newsletter.messenger import network_outcome

READ_TIMEOUT = 0.3  # the bulk bot's read timeout in these tests
LATE = 1.0  # Telegram's answer comes this long after it delivered


def _copies(user, text):
    return [m for m in user.messages if text in m.text]


async def test_a_late_answer_is_uncertain_not_resent_and_staff_can_resend(bot):
    bot.overrides["bulk_read_timeout"] = READ_TIMEOUT
    await bot.restart()
    subscribe(bot, [3001, 3002])
    slow, fine = bot.user(3001), bot.user(3002)
    bot.server.answer_late("sendMessage", LATE, chat_id=3001)
    confirm = await compose(bot, "Clinic closed Monday")
    staff = bot.staff()
    await staff.press(confirm, "Send now")
    notice = await staff.wait_for("may or may not have arrived", timeout=10)
    await bot.settle()
    assert len(_copies(slow, "Clinic closed Monday")) == 1, "delivered once, never sent again blindly"
    assert len(_copies(fine, "Clinic closed Monday")) == 1
    statuses = dict(bot.db.execute("select user_id, status from deliveries").fetchall())
    assert statuses == {3001: "uncertain", 3002: "sent"}
    progress = staff.messages[[m.message_id for m in staff.messages].index(notice.message_id) - 1]
    assert "Failed: 0" in progress.text
    assert "Uncertain: 1" in progress.text
    await staff.send("/broadcasts")
    history = await staff.wait_for("Broadcasts")
    assert "0 failed" in history.text
    assert "1 uncertain" in history.text
    await staff.press(notice, "Resend to 1")
    await slow.wait_for("Clinic closed Monday")
    await bot.settle()
    assert len(_copies(slow, "Clinic closed Monday")) == 2
    assert len(_copies(fine, "Clinic closed Monday")) == 1
    assert dict(bot.db.execute("select user_id, status from deliveries").fetchall())[3001] == "sent"
    await staff.press_data(notice.message_id, "bc:resend:1")  # a second press (an old copy) resends nothing
    await bot.settle()
    assert len(_copies(slow, "Clinic closed Monday")) == 2


@pytest.mark.parametrize("cause, outcome", [
    (httpx.ReadTimeout("late"), Outcome.UNCERTAIN),
    (httpx.WriteTimeout("half written"), Outcome.UNCERTAIN),
    (httpx.RemoteProtocolError("Server disconnected without sending a response."), Outcome.UNCERTAIN),
    (httpx.ConnectTimeout("no connection"), Outcome.TRANSIENT),
    (httpx.ConnectError("refused"), Outcome.TRANSIENT),
    (httpx.PoolTimeout("no connection free"), Outcome.TRANSIENT),
    (None, Outcome.TRANSIENT),  # a 5xx answer: Telegram says it did not do it
])
def test_only_errors_after_the_request_was_written_are_uncertain(cause, outcome):
    error = TimedOut() if isinstance(cause, httpx.TimeoutException) else NetworkError("Bad Gateway")
    error.__cause__ = cause
    assert network_outcome(error) is outcome
    assert network_outcome(TimedOut(POOL_TIMEOUT_TEXT)) is Outcome.TRANSIENT



async def _lost_reminder(bot):
    """A visit tomorrow at 10:00 whose day-before reminder was delivered but its answer lost; its visit id."""
    from tests.test_reminders import PATIENT, at, book, run_at

    visit_id = book(bot, at(2026, 6, 12, 10, 0))
    bot.server.answer_late("sendMessage", None, chat_id=PATIENT)  # delivered, then the connection drops
    await run_at(bot, at(2026, 6, 11, 10, 0))
    return visit_id


async def test_a_reminder_whose_answer_never_came_is_not_sent_again(bot):
    from tests.test_reminders import PATIENT, at, rows, run_at

    user = bot.user(PATIENT)
    visit_id = await _lost_reminder(bot)
    await run_at(bot, at(2026, 6, 11, 10, 5))
    assert len(user.messages) == 1
    row = rows(bot, visit_id)[("reminder", 1440)]
    assert (row["status"], row["outcome"]) == ("failed", "uncertain_not_resent")
    assert "may have arrived" in row["last_error"]


async def test_staff_can_resend_an_uncertain_reminder_once(bot):
    """Review finding: staff saw nothing of an uncertain reminder and had no way to send it again."""
    from tests.test_reminders import PATIENT, at, rows, run_at

    user, staff = bot.user(PATIENT), bot.staff()
    visit_id = await _lost_reminder(bot)
    await run_at(bot, at(2026, 6, 11, 10, 2))  # a minute on: the staff notice of what timed out meanwhile
    notice = await staff.wait_for("may or may not have reached")
    assert "Ada Tester" in notice.text
    await user.press_data(notice.message_id, notice.buttons()[0][0]["callback_data"])  # a patient: refused
    await bot.settle()
    assert "only for the clinic's staff" in user.callback_answers[-1]["text"]
    assert len(user.messages) == 1
    bot.clock.set(at(2026, 6, 11, 11, 30))  # well past the reminder's grace: staff chose to send it anyway
    await staff.press(notice, "Resend")
    await user.wait_for("Reminder", timeout=5)
    await bot.settle()
    assert len(user.messages) == 2
    row = rows(bot, visit_id)[("reminder", 1440)]
    assert (row["status"], row["outcome"]) == ("sent", f"resent_by_staff:{staff.id}")
    await staff.press(notice, "Resend")  # a second tap, or a second staff member: nothing sent again
    await bot.settle()
    assert len(user.messages) == 2
    assert "Already handled" in staff.callback_answers[-1]["text"]


async def test_a_resend_button_under_a_notice_from_before_notices_were_gathered_still_works_once(bot):
    """Notices sent one per reminder (before migration 0130) keep their working button."""
    from tests.test_reminders import PATIENT, rows
    from wellbot.reminders.views import ResendReminder

    user, staff = bot.user(PATIENT), bot.staff()
    visit_id = await _lost_reminder(bot)
    reminder_id = rows(bot, visit_id)[("reminder", 1440)]["id"]
    old = await staff.send("/help")  # a message to hang the old notice's button on
    await staff.press_data(old, ResendReminder(reminder_id).pack())
    await user.wait_for("Reminder", timeout=5)
    await staff.press_data(old, ResendReminder(reminder_id).pack())
    await bot.settle()
    assert len(user.messages) == 2
    assert "Already resent" in staff.callback_answers[-1]["text"]


async def test_an_uncertain_reminder_for_a_cancelled_visit_is_not_resent(bot):
    from tests.test_reminders import PATIENT, at, rows, run_at

    user, staff = bot.user(PATIENT), bot.staff()
    visit_id = await _lost_reminder(bot)
    await run_at(bot, at(2026, 6, 11, 10, 2))
    notice = await staff.wait_for("may or may not have reached")
    bot.db.execute("update visits set status = 'cancelled' where id = ?", [visit_id])
    await staff.press(notice, "Resend")
    summary = await staff.wait_for("Uncertain reminders resent")
    await bot.settle()
    assert len(user.messages) == 1
    assert "0 sent" in summary.text
    assert "1 not sent: the visit is no longer on" in summary.text
    assert rows(bot, visit_id)[("reminder", 1440)]["outcome"] == "uncertain_not_resent"
