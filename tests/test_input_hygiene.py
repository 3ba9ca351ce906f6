"""Someone else's number, loose phone and name input, and edits past the length cap (issue 21, findings 8-9)."""

from __future__ import annotations

from tests.booking_helpers import to_name_step, visit_rows

LONG_FAQ = "/faq " + "back pain " * 480  # 4,805 characters


async def test_someone_elses_contact_is_refused_and_nothing_is_booked(bot):
    eve = bot.user(1101, "Eve")
    await to_name_step(eve)
    await eve.send_contact("+1 555 987 6543", own=False)  # a contact card with no Telegram account
    assert "not yours" in (await eve.next_message()).text
    await eve.send_contact("+1 555 987 6544", own=False, user_id=1102)  # another person's own contact
    assert "not yours" in (await eve.next_message()).text
    await eve.send_contact("+1 555 111 2222")  # her own: accepted
    summary = await eve.wait_for("Tap “Confirm”")
    assert "(555) 111-2222" in summary.text
    assert "987" not in summary.text
    await eve.press(summary, "Confirm")
    await eve.wait_for("Booked!")
    [row] = visit_rows(bot)
    assert (row["patient_name"], row["patient_phone"]) == ("Eve", "+15551112222")


async def test_phone_in_other_scripts_is_stored_as_e164_and_shown_formatted(bot):
    ali, staff = bot.user(1103, "Ali"), bot.staff()
    await to_name_step(ali)
    await ali.send("Ali Hassan")
    await ali.wait_for("phone number")
    await ali.send("\u0665\u0665\u0665 \u0661\u0662\u0663 \u0664\u0665\u0666\u0667")  # Arabic-Indic digits
    summary = await ali.wait_for("Tap “Confirm”")
    assert "(555) 123-4567" in summary.text
    await ali.press(summary, "Confirm")
    await ali.wait_for("Booked!")
    await bot.settle()
    assert visit_rows(bot)[0]["patient_phone"] == "+15551234567"
    notice = await staff.wait_for("New booking")
    assert "(555) 123-4567" in notice.text


async def test_stacked_marks_are_refused_and_fullwidth_names_normalised(bot):
    zed = bot.user(1104, "Zed")
    await to_name_step(zed)
    await zed.send("Z" + "\u0301" * 70 + "ed Mark")
    assert "does not look like a name" in (await zed.next_message()).text
    await zed.send("\uff3a\uff45\uff44 \uff2d\uff41\uff52\uff4b")  # fullwidth letters: "Zed Mark"
    await zed.wait_for("phone number")
    await zed.send("555 123 4567")
    summary = await zed.wait_for("Tap “Confirm”")
    assert "Zed Mark" in summary.text


async def test_editing_an_old_message_into_a_long_command_is_refused_like_a_long_message(bot):
    pat = bot.user(1105, "Pat")
    first = await pat.send("hello")
    await pat.next_message()
    await pat.edit(first, LONG_FAQ)
    refusal = await pat.next_message()
    assert "1000" in refusal.text
    await bot.settle()
    assert len(pat.messages) == 2, "the edited command was not run"
