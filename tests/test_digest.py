"""Digests: [digest] settings, quiet hours, unseen items per topic, no empty or repeated digests."""

import dataclasses
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.test_delivery_engine import FakeTime, StrictMessenger, add_subscribers, drain
from wellbot.bot.render import Renderer
from wellbot.core.errors import ConfigError
from wellbot.newsletter import digest, items, store
from wellbot.newsletter.engine import Engine, EngineConfig, Status

TZ = ZoneInfo("America/New_York")


@pytest.fixture
def renderer(clinic):
    return Renderer(TZ, {"clinic": clinic})


def with_section(clinic, table):
    return dataclasses.replace(clinic, raw={**clinic.raw, "digest": table})


def add(db, clinic, clock, title, topics, publish="now", body="Text"):
    return items.add_items(db, clock, [items.make_item(clinic, clock, title=title, body=body, topics=topics,
                                                       publish=publish)])[0]


def test_digest_table_defaults_and_validation(clinic):
    assert digest.digest_config(with_section(clinic, {})) == digest.DigestConfig()
    config = digest.digest_config(clinic)  # the example clinic's table
    assert config.schedule == "0 9 * * mon"
    assert config.quiet_start == time(21, 0)
    fire = config.trigger(clinic).get_next_fire_time(None, datetime(2026, 6, 10, 13, 0, tzinfo=UTC))
    assert fire.astimezone(TZ).strftime("%a %H:%M") == "Mon 09:00"
    for bad, reason in [({"schedule": "every monday"}, "cron"), ({"quiet_hours": "9pm-8am"}, "quiet_hours"),
                        ({"max_items": 0}, "max_items")]:
        with pytest.raises(ConfigError, match=reason):
            digest.digest_config(with_section(clinic, bad))


def test_quiet_hours_cross_midnight(clinic):
    config = digest.DigestConfig(quiet_start=time(21, 0), quiet_end=time(8, 0))
    at = lambda h, m=0: datetime(2026, 6, 10, h, m, tzinfo=TZ).astimezone(UTC)  # noqa: E731
    assert config.quiet(at(22), clinic)
    assert config.quiet(at(7, 59), clinic)
    assert not config.quiet(at(8), clinic)
    assert not config.quiet(at(20, 59), clinic)
    assert digest.quiet_end_after(at(22), config, clinic) == datetime(2026, 6, 11, 8, 0, tzinfo=TZ)
    assert not digest.DigestConfig().quiet(at(3), clinic)


def test_each_subscriber_gets_unseen_published_items_on_their_topics(db, clinic, clock, renderer):
    add_subscribers(db, clock, [1], topics=("pain",))
    add_subscribers(db, clock, [2], topics=("tcm",))
    add_subscribers(db, clock, [3], topics=("wellness",))
    pain = add(db, clinic, clock, "Pain <news>", ["pain"], body="<b>Move</b> gently")
    both = add(db, clinic, clock, "Needles", ["pain", "tcm"])
    add(db, clinic, clock, "Later", ["pain"], publish="2026-06-20 09:00")  # not yet published
    config = digest.DigestConfig()
    planned = {p.user_id: p for p in digest.make_planner(renderer, clinic, config, clock.now)(db, {})}
    assert set(planned) == {1, 2}  # subscriber 3 has nothing new: no empty digest
    assert planned[1].item_ids == (pain, both)
    assert planned[2].item_ids == (both,)
    text = planned[1].payload
    assert "Pain &lt;news&gt;" in text
    assert "<b>Move</b> gently" in text
    assert "Later" not in text


async def test_a_sent_digest_is_not_repeated(db, clinic, clock, renderer):
    add_subscribers(db, clock, [1, 2], topics=("pain",))
    add(db, clinic, clock, "One", ["pain"])
    planner = digest.make_planner(renderer, clinic, digest.DigestConfig(), clock.now)
    t = FakeTime()
    messenger = StrictMessenger(t)
    engine = Engine(store.SqliteStore(db, clock, {"digest": planner}), messenger, None, EngineConfig(rate=100),
                    now=t.now, sleep=t.sleep)
    store.create_campaign(db, clock, "digest", "all", "", None)
    assert await drain(engine) is Status.DONE
    assert len(messenger.delivered) == 2
    assert digest.subscribers_with_news(db, clock.now()) == 0
    assert list(planner(db, {})) == []  # planners yield (the store plans in steps)
    add(db, clinic, clock, "Two", ["pain"])
    assert [p.item_ids for p in planner(db, {})] == [(2,), (2,)]


def test_long_digests_keep_to_one_message_and_the_rest_waits(db, clinic, clock, renderer):
    add_subscribers(db, clock, [1], topics=("pain",))
    for n in range(3):
        add(db, clinic, clock, f"Item {n}", ["pain"], body="x" * 2500)
    [planned] = digest.make_planner(renderer, clinic, digest.DigestConfig(), clock.now)(db, {})
    assert planned.item_ids == (1,)


def test_a_broken_template_pauses_the_digest_before_anything_is_written(db, clinic, clock, tmp_path):
    (tmp_path / "digest.html").write_text("{{ items | nosuchfilter }}", encoding="utf-8")
    broken = Renderer(TZ, {"clinic": clinic}, extra_dirs=[tmp_path])
    add_subscribers(db, clock, [1], topics=("pain",))
    add(db, clinic, clock, "One", ["pain"])
    planner = digest.make_planner(broken, clinic, digest.DigestConfig(), clock.now)
    campaign = store.create_campaign(db, clock, "digest", "all", "", None)
    assert store.SqliteStore(db, clock, {"digest": planner}).next_campaign() is None
    row = store.get_campaign(db, campaign)
    assert row["status"] == "paused"
    assert "could not prepare" in row["pause_reason"]
    assert store.delivery_counts(db, campaign)["total"] == 0


def test_a_broken_override_template_fails_the_start_up_check(clinic, tmp_path):
    from wellbot.newsletter.digest_handlers import check_digest

    (tmp_path / "digest.html").write_text("{% for item in items %}<p>{{ item.title }}</p>{% endfor %}",
                                          encoding="utf-8")

    class FakeDeps:
        renderer = Renderer(TZ, {"clinic": clinic}, extra_dirs=[tmp_path])

    FakeDeps.clinic = clinic
    with pytest.raises(ConfigError, match="template digest"):
        check_digest(FakeDeps)


def test_quiet_end_is_computed_in_clinic_time_across_days(clinic):
    config = digest.DigestConfig(quiet_start=time(21, 0), quiet_end=time(8, 0))
    before = datetime(2026, 6, 10, 7, 0, tzinfo=TZ)
    assert digest.quiet_end_after(before, config, clinic) - before == timedelta(hours=1)


# --- End to end: preview and send through the bot ------------------------------------

def _subscribe(bot, user_id, topics):
    from tests.test_broadcast import subscribe

    subscribe(bot, [user_id], topics=topics)


async def test_digest_preview_and_send_through_the_bot(bot):
    clinic, clock = bot.deps.clinic, bot.clock
    _subscribe(bot, 1301, ("pain",))
    _subscribe(bot, 1302, ("wellness",))
    add(bot.db, clinic, clock, "Stretch daily", ["pain"])
    staff = bot.staff()
    await staff.send("/digest_preview")
    pick = await staff.wait_for("pick one")
    await staff.press(pick, "1301")
    await staff.wait_for("Subscriber 1301 would receive this next (1 item)")
    shown = await staff.wait_for("Stretch daily")
    assert shown.button_labels() == ["Unsubscribe", "Manage topics"]
    await staff.send("/digest_preview 1302")
    await staff.wait_for("no new items")
    await staff.send("/digest_send")
    confirm = await staff.wait_for("1 subscriber has news")
    await staff.press(confirm, "Send the digest now")
    await staff.wait_for("Digest #1 is queued")
    got = await bot.user(1301).wait_for("Stretch daily")
    assert got.button_labels() == ["Unsubscribe", "Manage topics"]
    await staff.wait_for("Digest #1 done: 1 sent")
    await staff.press_data(confirm.message_id, "dg:go")  # nothing new now: no second, empty digest
    await bot.settle()
    assert len(list(bot.db.query("select id from campaigns"))) == 1
    assert sum("Stretch daily" in m.text for m in bot.user(1301).messages) == 1
    assert bot.user(1302).messages == []


async def test_digest_send_in_quiet_hours_says_when_they_end_and_queues_nothing(bot):
    _subscribe(bot, 1351, ("pain",))
    add(bot.db, bot.deps.clinic, bot.clock, "Late news", ["pain"])
    bot.clock.set(datetime(2026, 6, 10, 22, 30, tzinfo=TZ))
    staff = bot.staff()
    await staff.send("/digest_send")
    said = await staff.wait_for("quiet hours until Thu 11 Jun 2026, 08:00")
    assert said.button_labels() == []
    await bot.settle()
    assert list(bot.db.query("select id from campaigns")) == []
    assert bot.user(1351).messages == []


async def test_scheduled_digest_waits_out_quiet_hours(bot):
    from wellbot.newsletter.actions import queue_digest

    _subscribe(bot, 1401, ("pain",))
    add(bot.db, bot.deps.clinic, bot.clock, "Night news", ["pain"])
    bot.clock.set(datetime(2026, 6, 10, 22, 30, tzinfo=TZ))
    assert queue_digest(bot.deps, "schedule") == (None, "quiet")
    bot.clock.set(datetime(2026, 6, 11, 8, 0, tzinfo=TZ))
    campaign_id, why = queue_digest(bot.deps, "schedule")
    assert campaign_id == 1
    assert why == ""
    assert queue_digest(bot.deps, "schedule") == (None, "pending")
    await bot.user(1401).wait_for("Night news")
    jobs = [job.name for job in bot.app.job_queue.jobs()]
    assert "newsletter-digest" in jobs
