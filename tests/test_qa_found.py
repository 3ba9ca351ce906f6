"""Bugs found by trying the bot as patients and staff after the issue-18 refactor, reproduced through the bot."""

from tests.harness import STAFF_ID  # noqa: F401


async def test_opening_hours_are_one_day_per_line(bot):
    """'are you open saturday?' ran the answer, the heading and every weekday into one line."""
    ida = bot.user(3101, "Ida")
    await ida.send("are you open saturday?")
    hours = await ida.wait_for("Opening hours")
    lines = hours.text.splitlines()
    assert lines[0] == "Yes, we are open on Saturday 13 June: 09:00-13:00."
    assert "Opening hours" in lines
    assert "Monday: 09:00-12:30, 13:30-18:00" in lines
    assert "Sunday: closed" in lines
    assert any(line.startswith("Also closed on:") for line in lines)


async def test_urgent_reply_alert_to_staff_has_what_they_wrote_on_its_own_line(bot):
    """Staff's urgent-reply alert ran 'cauda equina.They wrote: ...They were told to call 911' together."""
    ann = bot.user(3102, "Ann")
    staff = bot.staff()
    await ann.send("i took too many of my pain pills")
    alert = await staff.wait_for("Urgent reply sent")
    lines = alert.text.splitlines()
    assert lines[0].endswith("user id 3102: overdose.")
    assert lines[1] == "They wrote: i took too many of my pain pills"
    assert lines[2].startswith("They were told to call 911.")
