"""Two waitlisted patients claim the same freed time, their presses interleaved (review finding).

The freed time is offered to both; both press Claim and get as far as the
summary; one confirms first. The other's Confirm must fail cleanly: one
visit in the time, a clear message that it went to someone else, and the
loser still on the waitlist for the next freed time.
"""

from __future__ import annotations

from tests.test_booking import at, direct_book, fill_first_week_but, join_waitlist, last_answer, visit_rows

TEN_THURSDAY = "2026-06-11T14:00:00Z"


async def _offered_to_both(bot):
    """Two patients on the waitlist, a full 10:00 freed by a cancellation: both get an offer."""
    fill_first_week_but(bot, at(10))
    freed = direct_book(bot, 1040, at(10))
    direct_book(bot, 1041, at(10))  # both rooms held at 10:00
    zed, amy = bot.user(1042, "Zed"), bot.user(1043, "Amy")
    await join_waitlist(bot, zed)
    await join_waitlist(bot, amy)
    owner = bot.user(1040, "Ola")
    await owner.press_data(1, f"vis:cx:{freed}")
    await owner.press(await owner.wait_for("Cancel your"), "Yes, cancel it")
    return zed, await zed.wait_for("A time has freed up"), amy, await amy.wait_for("A time has freed up")


async def _to_summary(user, offer, name):
    await user.press(offer, "Claim this time")
    await user.wait_for("full name")
    await user.send(name)
    await user.send("+1 555 222 3333")
    return await user.wait_for("Tap “Confirm”")


def _held_at_ten(bot):
    return sorted(r["user_id"] for r in visit_rows(bot) if r["start_utc"] == TEN_THURSDAY and r["status"] == "booked")


def _waiting(bot, user_id):
    return bot.db.execute("select status from booking_waitlist where user_id = ?", [user_id]).fetchone()[0]


async def test_the_second_confirm_of_one_freed_time_fails_cleanly_and_stays_waiting(bot):
    zed, offer_z, amy, offer_a = await _offered_to_both(bot)
    summary_z = await _to_summary(zed, offer_z, "Zed Ray")  # Zed is first to claim...
    summary_a = await _to_summary(amy, offer_a, "Amy Ray")
    await amy.press(summary_a, "Confirm")  # ...but Amy confirms first
    await amy.wait_for("Booked!")
    await zed.wait_for("has been taken")
    await zed.press(summary_z, "Confirm")
    await bot.settle()
    assert _held_at_ten(bot) == [1041, 1043], "never double-booked"
    shown = next(m for m in zed.messages if m.message_id == summary_z.message_id).text
    assert "taken by someone else" in shown
    assert "stay on the waitlist" in shown
    assert "Booked!" not in shown
    assert _waiting(bot, 1042) == "waiting", "the loser keeps their place on the waitlist"
    assert _waiting(bot, 1043) == "booked"
    state = bot.deps.flows.get(1042)
    assert state is not None, "left choosing another of the nearest times"
    assert "offer" not in state.data, "no longer claiming the offer"


async def test_a_claim_pressed_after_someone_else_booked_the_time_says_so(bot):
    zed, offer_z, amy, offer_a = await _offered_to_both(bot)
    summary_a = await _to_summary(amy, offer_a, "Amy Ray")
    await amy.press(summary_a, "Confirm")
    await amy.wait_for("Booked!")
    await zed.press(offer_z, "Claim this time")
    await bot.settle()
    assert "taken" in last_answer(zed)
    assert _held_at_ten(bot) == [1041, 1043]
    assert _waiting(bot, 1042) == "waiting"
    assert bot.deps.flows.get(1042) is None


async def test_two_confirms_of_one_freed_time_at_once_book_one(bot):
    zed, offer_z, amy, offer_a = await _offered_to_both(bot)
    summary_z = await _to_summary(zed, offer_z, "Zed Ray")
    summary_a = await _to_summary(amy, offer_a, "Amy Ray")
    await zed.press(summary_z, "Confirm")  # no wait in between: both are handled at once
    await amy.press(summary_a, "Confirm")
    await bot.settle()
    held = _held_at_ten(bot)
    assert len(held) == 2, "one of the two, never both"
    assert 1041 in held
    winner, loser = (amy, zed) if 1043 in held else (zed, amy)
    summary = summary_a if loser is amy else summary_z
    assert any("Booked!" in m.text for m in winner.messages)
    shown = next(m for m in loser.messages if m.message_id == summary.message_id).text
    assert "taken by someone else" in shown
    assert "stay on the waitlist" in shown
    assert _waiting(bot, loser.id) == "waiting"
    assert bot.db.execute("select o.status from booking_offers o join booking_waitlist w on w.id = o.waitlist_id "
                          "where w.user_id = ?", [loser.id]).fetchone()[0] == "gone"


async def test_a_claim_lost_to_a_booking_that_settled_no_offer_closes_it(bot):
    """Taken by a booking outside the bot's flow (the desk, staff): the offer must not lapse later as 'expired'."""
    zed, offer_z, _amy, _offer_a = await _offered_to_both(bot)
    summary_z = await _to_summary(zed, offer_z, "Zed Ray")
    direct_book(bot, 1050, at(10))  # straight through the store: no after_booking, the offer is still open
    await zed.press(summary_z, "Confirm")
    await bot.settle()
    shown = next(m for m in zed.messages if m.message_id == summary_z.message_id).text
    assert "stay on the waitlist" in shown
    assert _held_at_ten(bot) == [1041, 1050]
    status = bot.db.execute("select o.status from booking_offers o join booking_waitlist w on w.id = o.waitlist_id "
                            "where w.user_id = 1042").fetchone()[0]
    assert status == "gone"
    assert _waiting(bot, 1042) == "waiting"
