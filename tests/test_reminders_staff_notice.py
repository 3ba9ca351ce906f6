"""Uncertain reminders reach staff as one notice per staff chat, not one message each.

Found in review: a Telegram outage at 9:00 with 200 timeouts sent every
staff chat 200 messages (each with its own button), competing with
patients' sends for the one send budget.
"""

from __future__ import annotations

from tests.test_reminders import at, book, run_at

MANY = 40  # reminders due together whose sends all time out
NOTICE = "may or may not have reached"


def _outage(bot, count: int = MANY, first: int = 2001) -> list[int]:
    """Book `count` patients' visits on 12 June, 10:00 to 10:20; every patient's next send drops the line."""
    ids = [first + n for n in range(count)]
    for n, patient in enumerate(ids):
        bot.user(patient)
        book(bot, at(2026, 6, 12, 10, 10 * (n % 3)), user_id=patient)
        bot.server.answer_late("sendMessage", None, chat_id=patient)  # delivered, then the connection drops
    return ids


def _notices(user) -> list:
    """The uncertain-reminder notices a staff chat received."""
    return [m for m in user.messages if NOTICE in m.text]


async def test_an_outage_gives_each_staff_chat_one_notice_not_one_per_reminder(bot):
    staff = bot.staff()
    _outage(bot)
    await run_at(bot, at(2026, 6, 11, 10, 20))  # every reminder is due: all 40 sends time out
    await run_at(bot, at(2026, 6, 11, 10, 22))  # the notice window has passed
    assert len(_notices(staff)) == 1, f"staff got {len(_notices(staff))} messages for {MANY} uncertain reminders"
