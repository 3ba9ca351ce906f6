"""Updates the library cannot read are logged once by id, acknowledged and skipped (issue 21, finding 1).

A `poll` missing the fields python-telegram-bot requires used to make every
getUpdates fail to parse: the same batch came back forever, no later update
was answered, thousands of CRITICAL lines a second dumped the raw batch (with
patients' phones and text) and `wellbot status` still said healthy.
"""

from __future__ import annotations

import asyncio
import json
import logging

from wellbot.bot import heartbeat, intake
from wellbot.ops import status_report

BROKEN_POLL = {"poll": {"id": "5", "question": "secret question from +1 555 0199"}}  # no options, no type


async def test_an_unparseable_update_is_skipped_and_later_patients_are_answered(bot, caplog):
    pat = bot.user(1001, "Pat")
    with caplog.at_level(logging.DEBUG):
        broken_id = bot.server.enqueue_raw(BROKEN_POLL)
        await pat.send("/help")
        reply = await pat.next_message()
        await bot.settle()
    assert "/book" in reply.text
    skipped = [r for r in caplog.records if "update skipped" in r.getMessage()]
    assert len(skipped) == 1, "logged exactly once"
    assert f"update_id={broken_id}" in skipped[0].getMessage()
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert "555 0199" not in everything
    assert "secret question" not in everything
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]
    assert bot.server.pending_updates() == 0


async def test_status_counts_skipped_updates_and_stays_healthy(bot):
    pat = bot.user(1001, "Pat")
    broken_id = bot.server.enqueue_raw(BROKEN_POLL)
    bot.server.enqueue_raw({"message": {"message_id": 1, "chat": "not a chat", "date": "soon", "text": "hi"}})
    await pat.send("/help")
    await pat.next_message()
    await bot.settle()
    report = status_report(bot.db, bot.clock.now(), [])
    lines = dict(report.lines)
    assert report.healthy
    assert lines["updates"].startswith("2 skipped (unreadable)")
    assert str(broken_id + 1) in lines["updates"]


async def test_a_poller_that_keeps_fetching_the_same_batch_is_reported_stuck(bot, monkeypatch):
    """Should another shape slip past the screen, status says the worker is not moving on."""
    monkeypatch.setattr(intake, "readable", lambda raw: None)  # the screen misses this shape
    monkeypatch.setattr(logging.getLogger("telegram"), "disabled", True)  # PTB would log each failed parse
    bot.server.enqueue_raw(BROKEN_POLL)
    for _ in range(200):
        if heartbeat.STUCK in heartbeat.read_state(bot.db):
            break
        await asyncio.sleep(0.02)
    report = status_report(bot.db, bot.clock.now(), [])
    assert not report.healthy
    assert dict(report.lines)["updates"].startswith("NOT PROGRESSING")
    monkeypatch.undo()
    await bot.settle()  # the real screen skips it; polling moves on
    await bot.user(1001, "Pat").send("/help")
    await bot.user(1001).next_message()
    assert heartbeat.STUCK not in heartbeat.read_state(bot.db)
    assert status_report(bot.db, bot.clock.now(), []).healthy


def test_screen_replaces_only_the_unreadable_update():
    good = {"update_id": 7, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
                                         "text": "hello"}}
    payload = json.dumps({"ok": True, "result": [{"update_id": 6, **BROKEN_POLL}, good]}).encode()
    screened = intake.screen(payload)
    assert screened.skipped == [(6, "poll", "TypeError")]
    assert screened.highest_id == 7
    assert json.loads(screened.payload)["result"] == [{"update_id": 6}, good]
    untouched = json.dumps({"ok": True, "result": [good]}).encode()
    assert intake.screen(untouched).payload == untouched
    assert intake.screen(b"<html>502</html>").payload == b"<html>502</html>"


async def test_repeated_poll_failures_back_off_instead_of_hammering(bot):
    bot.server.fail_next("getUpdates", status=500, count=1000)
    await asyncio.sleep(2)
    polls = [c for c in bot.server.calls if c.method == "getUpdates" and c.status == 500]
    assert 2 <= len(polls) <= 3, f"{len(polls)} failed polls in 2 s: they come 1 s, 1.5 s, 2.25 s ... apart"
    bot.server._failures.clear()
    pat = bot.user(1001, "Pat")
    await pat.send("/help")
    await pat.next_message(timeout=10)  # and it catches up once Telegram answers again
