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
