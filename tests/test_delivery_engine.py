"""The delivery engine: pacing, 429 pauses, blocked users, retries, thresholds, resume.

The engine runs against the real SQLite store and a simulated messenger on
a simulated clock, so a 300-recipient send at 29/s takes milliseconds and
the pacing itself can be checked against a strict sliding-window limit.
"""

import asyncio
import json
from collections import deque
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from wellbot.core.clock import to_db
from wellbot.newsletter import store as st
from wellbot.newsletter.engine import (
    Engine,
    EngineConfig,
    Outcome,
    Pacer,
    PushResult,
    Recorded,
    Status,
    backoff,
)

TZ = ZoneInfo("America/New_York")


class FakeTime:
    """A monotonic clock that sleeping advances."""

    def __init__(self):
        self.t = 1000.0

    def now(self):
        return self.t

    async def sleep(self, seconds):
        await asyncio.sleep(0)  # pushes just started run at the moment they were dispatched
        self.t += max(seconds, 0.0)
        await asyncio.sleep(0)


class StrictMessenger:
    """Answers like a strict Bot API: 429 past `limit` messages in any 1 s window, 403 for blocked chats."""

    def __init__(self, time_, limit=30, blocked=(), transient=None, refuse=()):
        self.time = time_
        self.limit = limit
        self.blocked = set(blocked)
        self.transient = dict(transient or {})  # chat_id -> failures to inject before success
        self.refuse = set(refuse)
        self.window = deque()
        self.delivered = []  # (time, chat_id)
        self.answers = []

    async def push(self, delivery):
        await asyncio.sleep(0)
        now = self.time.now()
        while self.window and self.window[0] <= now - 1.0:
            self.window.popleft()
        if len(self.window) >= self.limit:
            self.answers.append("429")
            return PushResult(Outcome.RETRY_AFTER, retry_after=1.0)
        self.window.append(now)
        if delivery.chat_id in self.blocked:
            self.answers.append("403")
            return PushResult(Outcome.BLOCKED)
        if self.transient.get(delivery.chat_id, 0) > 0:
            self.transient[delivery.chat_id] -= 1
            self.answers.append("500")
            return PushResult(Outcome.TRANSIENT, error="Internal Server Error (500)")
        if delivery.chat_id in self.refuse:
            self.answers.append("400")
            return PushResult(Outcome.FAILED, error="bad request")
        self.delivered.append((now, delivery.chat_id))
        self.answers.append("200")
        return PushResult(Outcome.SENT, message_id=len(self.delivered))


class Reports:
    def __init__(self):
        self.progressed = []
        self.ended = []

    async def progress(self, campaign, counts, rate):
        self.progressed.append(counts)

    async def finished(self, campaign, counts, status, reason):
        self.ended.append((campaign.id, status, reason, counts))


def add_subscribers(db, clock, ids, status="subscribed", topics=("pain",), patient_status="active"):
    now = to_db(clock.now())
    for user_id in ids:
        db.execute("insert into patients (user_id, chat_id, status, created_at, last_seen_at) values (?, ?, ?, ?, ?)",
                   [user_id, user_id, patient_status, now, now])
        db.execute("insert into subscriptions (user_id, status, topics, updated_at) values (?, ?, ?, ?)",
                   [user_id, status, json.dumps(list(topics)), now])


def broadcast_planner(db, row):
    return [st.Planned(r["user_id"], r["chat_id"]) for r in st.recipients(db, row["audience"])]


def make_engine(db, clock, messenger, time_, reporter=None, **config):
    store = st.SqliteStore(db, clock, {"broadcast": broadcast_planner})
    config.setdefault("rate", 29.0)
    return Engine(store, messenger, reporter, EngineConfig(**config), now=time_.now, sleep=time_.sleep)


def queue(db, clock, audience="all", body="Hello"):
    return st.create_campaign(db, clock, "broadcast", audience, body, created_by=900)


async def drain(engine):
    """Run every queued campaign to its end."""
    while (campaign := engine.store.next_campaign()) is not None:
        status = await engine.run_campaign(campaign)
        if status in (Status.PAUSED, None):
            return status
    return Status.DONE


def max_in_window(times, window=1.0):
    best, start = 0, 0
    for end in range(len(times)):
        while times[end] - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


# --- Pacer: pure logic on an injected clock ------------------------------------

def test_pacer_spaces_sends_evenly_and_never_bursts_after_idle():
    t = FakeTime()
    pacer = Pacer(10.0, per_chat_interval=1.0, now=t.now)
    assert pacer.wait_global() <= 0
    pacer.take(1)
    assert pacer.wait_global() == pytest.approx(0.1)
    t.t += 5.0  # idle for a while: no saved-up tokens
    pacer.take(2)
    pacer_wait = pacer.wait_global()
    assert pacer_wait == pytest.approx(0.1)


def test_pacer_pause_holds_everyone_and_per_chat_interval_holds_one_chat():
    t = FakeTime()
    pacer = Pacer(100.0, per_chat_interval=1.0, now=t.now)
    pacer.take(7)
    assert pacer.wait_chat(7) == pytest.approx(1.0)
    assert pacer.wait_chat(8) <= 0
    pacer.pause(3.0)
    assert pacer.wait_global() == pytest.approx(3.0)
    t.t += 3.0
    assert pacer.wait_global() <= 0


def test_backoff_doubles_and_is_capped():
    assert [backoff(n, 0.5, 3.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_rate_must_be_positive():
    with pytest.raises(ValueError, match="rate must be positive"):
        Pacer(0)


# --- The engine against a strict simulated server ------------------------------

async def test_three_hundred_at_29_per_second_never_trip_a_strict_30_per_second_server(db, clock):
    add_subscribers(db, clock, range(1, 301))
    t = FakeTime()
    messenger = StrictMessenger(t, limit=30)
    engine = make_engine(db, clock, messenger, t)
    campaign = queue(db, clock)
    start = t.now()
    assert await drain(engine) is Status.DONE
    elapsed = t.now() - start
    assert messenger.answers.count("429") == 0
    assert sorted(chat for _, chat in messenger.delivered) == list(range(1, 301))
    assert max_in_window([when for when, _ in messenger.delivered]) <= 30
    assert 300 / elapsed == pytest.approx(29.0, rel=0.03)
    assert st.delivery_counts(db, campaign)["sent"] == 300


async def test_429_pauses_every_send_for_retry_after_and_loses_nothing(db, clock):
    add_subscribers(db, clock, range(1, 101))
    t = FakeTime()
    messenger = StrictMessenger(t, limit=10)  # the engine is set too fast for this server
    engine = make_engine(db, clock, messenger, t, rate=40.0)
    queue(db, clock)
    assert await drain(engine) is Status.DONE
    assert sorted(chat for _, chat in messenger.delivered) == list(range(1, 101))
    # After each 429 nothing was pushed for the retry_after second.
    pushes = [when for when, _ in messenger.delivered]
    first_429 = messenger.answers.index("429")
    assert first_429 > 0
    refused_at = sorted(pushes)[9]
    assert all(not (refused_at < when < refused_at + 1.0) for when in pushes)


async def test_blocked_users_are_marked_blocked_and_not_retried(db, clock):
    add_subscribers(db, clock, range(1, 21))
    t = FakeTime()
    messenger = StrictMessenger(t, blocked={3, 4})
    engine = make_engine(db, clock, messenger, t)
    campaign = queue(db, clock)
    await drain(engine)
    assert messenger.answers.count("403") == 2
    statuses = {r["user_id"]: r["status"] for r in db.query("select user_id, status from patients")}
    assert statuses[3] == statuses[4] == "blocked"
    assert statuses[5] == "active"
    counts = st.delivery_counts(db, campaign)
    assert (counts["sent"], counts["blocked"]) == (18, 2)


async def test_server_errors_are_retried_with_backoff_a_bounded_number_of_times(db, clock):
    add_subscribers(db, clock, range(1, 11))
    t = FakeTime()
    messenger = StrictMessenger(t, transient={2: 2, 5: 99})
    engine = make_engine(db, clock, messenger, t, max_attempts=4, backoff_base=0.5)
    campaign = queue(db, clock)
    await drain(engine)
    sent = [chat for _, chat in messenger.delivered]
    assert sorted(sent) == [1, 2, 3, 4, 6, 7, 8, 9, 10]
    assert messenger.answers.count("500") == 2 + 4  # chat 5 tried exactly max_attempts times
    row = next(db.query("select status, attempts from deliveries where user_id = 5"))
    assert (row["status"], row["attempts"]) == ("failed", 4)
    assert st.delivery_counts(db, campaign)["failed"] == 1


async def test_error_threshold_pauses_the_campaign_tells_staff_and_resume_finishes_it(db, clock):
    add_subscribers(db, clock, range(1, 41))
    t = FakeTime()
    messenger = StrictMessenger(t, refuse=set(range(1, 6)))
    reports = Reports()
    engine = make_engine(db, clock, messenger, t, reporter=reports, error_threshold=5)
    campaign = queue(db, clock)
    assert await drain(engine) is Status.PAUSED
    row = st.get_campaign(db, campaign)
    assert row["status"] == "paused"
    assert "5 messages failed" in row["pause_reason"]
    assert reports.ended[-1][1] is Status.PAUSED
    sent_before = len(messenger.delivered)
    assert sent_before < 35
    messenger.refuse.clear()
    assert st.resume(db, campaign)
    assert await drain(engine) is Status.DONE
    chats = [chat for _, chat in messenger.delivered]
    assert sorted(chats) == list(range(6, 41))
    assert len(chats) == len(set(chats))


async def test_stopped_engine_resumes_from_the_database_without_duplicates(db, clock):
    add_subscribers(db, clock, range(1, 201))
    t = FakeTime()
    messenger = StrictMessenger(t)
    first = make_engine(db, clock, messenger, t)
    campaign = queue(db, clock)
    first.start()
    while len(messenger.delivered) < 50:
        await asyncio.sleep(0)
    await first.stop()
    assert st.get_campaign(db, campaign)["status"] == "running"
    assert st.delivery_counts(db, campaign)["sending"] == 0
    second = make_engine(db, clock, messenger, t)  # a new process on the same database
    assert await drain(second) is Status.DONE
    chats = [chat for _, chat in messenger.delivered]
    assert sorted(chats) == list(range(1, 201))


async def test_after_a_crash_rows_caught_mid_send_are_not_sent_again(db, clock):
    add_subscribers(db, clock, range(1, 11))
    campaign = queue(db, clock)
    store = st.SqliteStore(db, clock, {"broadcast": broadcast_planner})
    store.next_campaign()
    batch = store.next_batch(campaign, 0, 3)
    store.mark_sending([batch[0].id, batch[1].id])
    store.record([Recorded(batch[0], "sent", message_id=1)])  # the process died with batch[1] in flight
    t = FakeTime()
    messenger = StrictMessenger(t)
    await drain(make_engine(db, clock, messenger, t))
    chats = sorted(chat for _, chat in messenger.delivered)
    assert chats == [3, 4, 5, 6, 7, 8, 9, 10]
    assert st.delivery_counts(db, campaign)["uncertain"] == 1


async def test_one_campaign_at_a_time_in_queue_order(db, clock):
    add_subscribers(db, clock, range(1, 31))
    t = FakeTime()
    messenger = StrictMessenger(t)
    engine = make_engine(db, clock, messenger, t)
    first, second = queue(db, clock, body="one"), queue(db, clock, body="two")
    await drain(engine)
    order = [r["campaign_id"] for r in db.query("select campaign_id from deliveries where status = 'sent' "
                                                 "order by updated_at, id")]
    assert order == [first] * 30 + [second] * 30
    assert len(messenger.delivered) == 60


async def test_cancel_stops_the_send_and_skips_the_rest(db, clock):
    add_subscribers(db, clock, range(1, 101))
    t = FakeTime()
    messenger = StrictMessenger(t)
    engine = make_engine(db, clock, messenger, t)
    campaign = queue(db, clock)
    engine.start()
    while len(messenger.delivered) < 10:
        await asyncio.sleep(0)
    engine.cancel(campaign)
    while st.get_campaign(db, campaign)["status"] == "running":
        await asyncio.sleep(0)
    await engine.stop()
    counts = st.delivery_counts(db, campaign)
    assert st.get_campaign(db, campaign)["status"] == "cancelled"
    assert counts["pending"] == 0
    assert counts["skipped"] > 50
    assert counts["sent"] == len(messenger.delivered)


async def test_opt_out_mid_campaign_is_honoured_and_topic_audience_is_respected(db, clock):
    add_subscribers(db, clock, range(1, 11), topics=("pain",))
    add_subscribers(db, clock, range(11, 16), topics=("tcm",))
    add_subscribers(db, clock, [16], status="paused", topics=("pain",))
    add_subscribers(db, clock, [17], patient_status="blocked", topics=("pain",))
    assert st.count_recipients(db, "topic:pain") == 10
    assert st.count_recipients(db) == 15
    campaign = queue(db, clock, audience="topic:pain")
    store = st.SqliteStore(db, clock, {"broadcast": broadcast_planner})
    store.next_campaign()
    db.execute("update subscriptions set status = 'unsubscribed' where user_id = 4")
    t = FakeTime()
    messenger = StrictMessenger(t)
    await drain(make_engine(db, clock, messenger, t))
    assert sorted(chat for _, chat in messenger.delivered) == [1, 2, 3, 5, 6, 7, 8, 9, 10]
    assert st.delivery_counts(db, campaign)["skipped"] == 1


def test_delivery_rows_are_unique_per_campaign_and_recipient(db, clock):
    add_subscribers(db, clock, [1])
    campaign = queue(db, clock)
    store = st.SqliteStore(db, clock, {"broadcast": broadcast_planner})
    store.next_campaign()
    with pytest.raises(Exception, match="UNIQUE"):
        db.execute("insert into deliveries (campaign_id, user_id, chat_id, updated_at) values (?, 1, 1, 'x')",
                   [campaign])


def test_purge_export_and_erase(db, clock):
    add_subscribers(db, clock, [1, 2])
    campaign = queue(db, clock)
    store = st.SqliteStore(db, clock, {"broadcast": broadcast_planner})
    store.next_campaign()
    store.record([Recorded(d, "sent", message_id=1) for d in store.next_batch(campaign, 0, 10)])
    store.finish(campaign, Status.DONE)
    assert [d["campaign_id"] for d in st.export_deliveries(db, 1)["deliveries"]] == [campaign]
    st.erase_deliveries(db, 1, clock.now())
    assert st.export_deliveries(db, 1)["deliveries"] == []
    assert st.purge_deliveries(db, clock.now() - timedelta(days=1)) == 0
    assert st.purge_deliveries(db, clock.now() + timedelta(seconds=1)) == 1


# --- Settings ---------------------------------------------------------------------

def test_send_rate_settings_default_and_validate():
    from wellbot.core.errors import ConfigError
    from wellbot.newsletter.engine import DEFAULT_RATE, PAID_CATCH_UP, PAID_RATE, engine_config

    assert engine_config({}) == (EngineConfig(rate=DEFAULT_RATE, max_in_flight=9, window_limit=30), False)
    assert engine_config({"WELLBOT_PAID_BROADCAST": "on"}) == (EngineConfig(rate=PAID_RATE, max_in_flight=32,
                                                                                  mark_ahead=16,
                                                                                  catch_up=PAID_CATCH_UP), True)
    assert engine_config({"WELLBOT_SEND_RATE": "5"})[0] == EngineConfig(rate=5.0, max_in_flight=4, window_limit=30)
    assert engine_config({"WELLBOT_SEND_RATE": "250"})[0].window_limit is None  # a server with other limits
    for bad in ({"WELLBOT_SEND_RATE": "fast"}, {"WELLBOT_SEND_RATE": "0"}, {"WELLBOT_SEND_RATE": "5000"},
                {"WELLBOT_PAID_BROADCAST": "maybe"}):
        with pytest.raises(ConfigError) as caught:
            engine_config(bad)
        assert caught.value.where == next(iter(bad))


def test_pacer_makes_up_small_lateness_but_never_bursts():
    t = FakeTime()
    pacer = Pacer(10.0, now=t.now)
    pacer.take(1)  # slot grid: 1000.0, 1000.1, 1000.2 ...
    t.t += 0.102  # woke 2 ms late
    pacer.take(2)
    assert pacer.wait_global() == pytest.approx(0.098)  # back on the grid
    t.t += 0.5  # a long stall
    pacer.take(3)
    assert pacer.wait_global() == pytest.approx(0.1)  # grid restarts: no burst to catch up


def test_pacer_keeps_telegrams_window_when_one_request_is_slow():
    t = FakeTime()
    pacer = Pacer(29.9, now=t.now, window_limit=30)
    sends = []
    for _ in range(30):
        t.t += max(0.0, pacer.wait_global())
        sends.append(pacer.take(1))
    start = sends[0][0]
    t.t += max(0.0, pacer.wait_global())  # the grid alone would send the 31st 1.003 s after the 1st...
    assert pacer.wait_global() > 0, "...but the 1st, still unanswered, may not have reached Telegram yet"
    t.t = start + 0.3
    sends[0][1] = t.t  # it was answered (so reached Telegram) at most 300 ms after its slot
    assert pacer.wait_global() == pytest.approx(1.005)
    t.t += 1.005
    assert pacer.wait_global() <= 0
    pacer.answered(sends[1])
    assert sends[1][1] == t.t


def test_pacer_never_lets_31_reach_telegram_in_one_second_however_late_they_arrive():
    """Found in test_send_budget.py under load: a send reached the server up to 1 s after its slot."""
    t = FakeTime()
    pacer = Pacer(29.5, now=t.now, window_limit=30)
    arrivals = []
    for n in range(300):
        while (wait := pacer.wait_global()) > 0:
            t.t += min(wait, 0.25)
        send = pacer.take(n)
        delay = 0.4 if n % 37 == 0 else 0.002  # now and then the request reaches the server late
        arrivals.append(t.t + delay)
        send[1] = t.t + delay + 0.001  # answered just after it arrived
    arrivals.sort()
    assert max(sum(1 for a in arrivals if s <= a < s + 1.0) for s in arrivals) <= 30


class CountingStore(st.SqliteStore):
    """The SQLite store, counting the commits that mark rows 'sending'."""

    def __init__(self, *args):
        super().__init__(*args)
        self.mark_commits = []

    def mark_sending(self, delivery_ids):
        self.mark_commits.append(list(delivery_ids))
        super().mark_sending(delivery_ids)


async def test_marks_ahead_share_commits_and_429s_still_lose_and_duplicate_nothing(db, clock):
    add_subscribers(db, clock, range(1, 121))
    t = FakeTime()
    messenger = StrictMessenger(t, limit=30)
    store = CountingStore(db, clock, {"broadcast": broadcast_planner})
    engine = Engine(store, messenger, None, EngineConfig(rate=1000.0, max_in_flight=4, mark_ahead=8),
                    now=t.now, sleep=t.sleep)
    campaign = queue(db, clock)
    assert await drain(engine) is Status.DONE
    chats = [chat for _, chat in messenger.delivered]
    assert sorted(chats) == list(range(1, 121))  # every one once, despite the 429s
    assert "429" in messenger.answers
    assert max(len(ids) for ids in store.mark_commits) == 8
    assert len(store.mark_commits) < 120
    counts = st.delivery_counts(db, campaign)
    assert counts["sent"] == 120
    assert counts["sending"] == 0


async def test_rows_marked_ahead_but_not_pushed_are_released_on_stop(db, clock):
    add_subscribers(db, clock, range(1, 101))
    t = FakeTime()
    messenger = StrictMessenger(t, limit=10_000)
    store = CountingStore(db, clock, {"broadcast": broadcast_planner})
    engine = Engine(store, messenger, None, EngineConfig(rate=1000.0, max_in_flight=2, mark_ahead=8),
                    now=t.now, sleep=t.sleep)
    campaign = queue(db, clock)
    engine.start()
    while len(messenger.delivered) < 13:  # mid-way through a group of marks
        await asyncio.sleep(0)
    await engine.stop()
    pushed = {chat for _, chat in messenger.delivered}
    counts = st.delivery_counts(db, campaign)
    assert counts["sending"] == 0
    assert counts["sent"] == len(pushed)
    marked = {i for ids in store.mark_commits for i in ids}
    assert len(marked) > len(pushed)  # some were marked and never pushed...
    attempts = {row["user_id"]: row["attempts"] for row in db.query("select user_id, attempts from deliveries")}
    assert all(attempts[user] == 0 for user in range(1, 101) if user not in pushed)  # ...and are untouched now
    await drain(make_engine(db, clock, messenger, t))
    assert sorted(chat for _, chat in messenger.delivered) == list(range(1, 101))


def test_marks_ahead_only_at_high_rates():
    from wellbot.newsletter.engine import mark_ahead_for

    assert mark_ahead_for(29.0) == mark_ahead_for(30.0) == 1  # at Telegram's rate: marked just before its push
    assert mark_ahead_for(100.0) == 5
    assert mark_ahead_for(900.0) == mark_ahead_for(1_000_000.0) == 16


class WallTime(FakeTime):
    """FakeTime whose sleeping also moves the wall clock (the ManualClock the hold reads)."""

    def __init__(self, clock):
        super().__init__()
        self.clock = clock

    async def sleep(self, seconds):
        await asyncio.sleep(0)  # pushes just started run at the moment they were dispatched
        self.clock.advance(timedelta(seconds=max(seconds, 0.0)))
        self.t += max(seconds, 0.0)
        await asyncio.sleep(0)


class WallMessenger(StrictMessenger):
    """A StrictMessenger that notes the wall-clock time of every delivery."""

    def __init__(self, time_, clock):
        super().__init__(time_)
        self.clock = clock
        self.walls = []

    async def push(self, delivery):
        wall = self.clock.now().astimezone(TZ)  # when the engine pushed it
        result = await super().push(delivery)
        if result.outcome is Outcome.SENT:
            self.walls.append(wall)
        return result


async def test_a_digest_sending_when_quiet_hours_begin_waits_for_their_end_then_finishes(db, clock):
    from datetime import time as day_time
    from types import SimpleNamespace

    from wellbot.newsletter.digest import DigestConfig, quiet_hold

    clinic = SimpleNamespace(timezone=TZ)
    config = DigestConfig(quiet_start=day_time(21, 0), quiet_end=day_time(8, 0))
    clock.set(datetime(2026, 6, 10, 20, 59, 57, tzinfo=TZ).astimezone(UTC))  # 3 s before quiet hours
    add_subscribers(db, clock, range(1, 201))  # about 7 s of sending at 29/s
    t = WallTime(clock)
    messenger = WallMessenger(t, clock)
    store = st.SqliteStore(db, clock, {"digest": broadcast_planner, "broadcast": broadcast_planner})
    engine = Engine(store, messenger, None, EngineConfig(rate=29.0), now=t.now, sleep=t.sleep,
                    hold=quiet_hold(config, clinic, clock.now))
    campaign = st.create_campaign(db, clock, "digest", "all", "News", created_by=None)
    assert await drain(engine) is Status.DONE
    walls = messenger.walls
    assert sorted(chat for _, chat in messenger.delivered) == list(range(1, 201))
    assert not [w for w in walls if w.hour >= 21 or w.hour < 8]  # nothing in quiet hours
    before = [w for w in walls if w.day == 10]
    assert 50 < len(before) < 100  # it had started...
    assert min(w for w in walls if w.day == 11) >= datetime(2026, 6, 11, 8, 0, tzinfo=TZ)  # ...and resumed at 08:00
    assert max(walls) < datetime(2026, 6, 11, 8, 1, tzinfo=TZ)
    assert st.delivery_counts(db, campaign)["sent"] == 200


async def test_a_held_campaign_stops_at_once_and_other_kinds_are_not_held(db, clock):
    add_subscribers(db, clock, range(1, 11))
    t = FakeTime()
    messenger = StrictMessenger(t)
    store = st.SqliteStore(db, clock, {"digest": broadcast_planner, "broadcast": broadcast_planner})
    engine = Engine(store, messenger, None, EngineConfig(rate=29.0), now=t.now, sleep=asyncio.sleep,
                    hold=lambda campaign: 3600.0 if campaign.kind == "digest" else 0.0)
    digest_id = st.create_campaign(db, clock, "digest", "all", "News", created_by=None)
    engine.start()
    for _ in range(20):
        await asyncio.sleep(0)
    await asyncio.wait_for(engine.stop(), 1.0)  # the hour's hold does not delay a stop
    assert messenger.delivered == []
    assert st.get_campaign(db, digest_id)["status"] == "running"  # resumes on the next start
    assert st.delivery_counts(db, digest_id)["pending"] == 10
    store.finish(digest_id, Status.CANCELLED)
    queue(db, clock)
    await drain(make_engine(db, clock, messenger, FakeTime()))
    assert sorted(chat for _, chat in messenger.delivered) == list(range(1, 11))


class RecordingStore(st.SqliteStore):
    """The SQLite store, noting each outcome commit and the row counts when a campaign is finished."""

    def __init__(self, *args):
        super().__init__(*args)
        self.record_commits = []
        self.counts_at_finish = None

    def record(self, outcomes):
        self.record_commits.append(len(outcomes))
        super().record(outcomes)

    def finish(self, campaign_id, status, reason=""):
        self.counts_at_finish = st.delivery_counts(self.db, campaign_id)
        super().finish(campaign_id, status, reason)


def batched_engine(db, clock, messenger, t):
    store = RecordingStore(db, clock, {"broadcast": broadcast_planner})
    return Engine(store, messenger, None, EngineConfig(rate=1000.0, max_in_flight=4, mark_ahead=8),
                  now=t.now, sleep=t.sleep), store


async def test_outcomes_written_in_groups_are_all_flushed_when_a_campaign_finishes(db, clock):
    add_subscribers(db, clock, range(1, 151))
    t = FakeTime()
    engine, store = batched_engine(db, clock, StrictMessenger(t, limit=10_000), t)
    queue(db, clock)
    assert await drain(engine) is Status.DONE
    assert max(store.record_commits) > 1
    assert len(store.record_commits) < 150  # grouped, not one commit each
    assert sum(store.record_commits) == 150
    assert store.counts_at_finish["sent"] == 150
    assert store.counts_at_finish["sending"] == 0  # before 'done'


@pytest.mark.parametrize("how", ["stop", "cancel"])
async def test_outcomes_written_in_groups_are_all_flushed_when_a_campaign_stops(db, clock, how):
    add_subscribers(db, clock, range(1, 151))
    t = FakeTime()
    messenger = StrictMessenger(t, limit=10_000)
    engine, store = batched_engine(db, clock, messenger, t)
    campaign = queue(db, clock)
    engine.start()
    while len(messenger.delivered) < 20:  # fewer than one group of outcomes: none written yet
        await asyncio.sleep(0)
    assert sum(store.record_commits) < len(messenger.delivered)
    if how == "cancel":
        engine.cancel(campaign)
        while st.get_campaign(db, campaign)["status"] != "cancelled":
            await asyncio.sleep(0)
    await engine.stop()
    counts = st.delivery_counts(db, campaign)
    assert counts["sending"] == 0
    assert counts["sent"] == len(messenger.delivered)
    assert sum(store.record_commits) == len(messenger.delivered)


async def test_a_big_audience_is_planned_in_steps_with_the_loop_free_between_them(db, clock, monkeypatch):
    """prepare_next writes PLAN_STEP rows per transaction and lets other work run between steps."""
    monkeypatch.setattr(st, "PLAN_STEP", 7)
    add_subscribers(db, clock, range(1, 51))
    campaign = queue(db, clock)
    store = st.SqliteStore(db, clock, {"broadcast": broadcast_planner})
    seen = []

    async def other_work():  # another patient's update, while the campaign is planned
        for _ in range(20):
            seen.append(db.execute("select count(*) from deliveries").fetchone()[0])
            await asyncio.sleep(0)

    await asyncio.gather(store.prepare_next(), other_work())
    assert any(0 < n < 50 for n in seen)  # it ran while rows were being written
    assert st.get_campaign(db, campaign)["status"] == "running"
    assert st.delivery_counts(db, campaign)["pending"] == 50
    assert store.next_campaign().id == campaign


async def test_a_campaign_cancelled_while_it_is_planned_keeps_no_pending_row(db, clock, monkeypatch):
    monkeypatch.setattr(st, "PLAN_STEP", 5)
    add_subscribers(db, clock, range(1, 31))
    campaign = queue(db, clock)
    store = st.SqliteStore(db, clock, {"broadcast": broadcast_planner})

    async def cancel_soon():
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert st.cancel(db, clock, campaign)

    await asyncio.gather(store.prepare_next(), cancel_soon())
    counts = st.delivery_counts(db, campaign)
    assert st.get_campaign(db, campaign)["status"] == "cancelled"
    assert counts["pending"] == 0
    assert counts["skipped"] == counts["total"]
    assert store.next_campaign() is None


async def test_planning_again_after_a_crash_adds_only_the_missing_rows(db, clock):
    add_subscribers(db, clock, range(1, 21))
    campaign = queue(db, clock)
    store = st.SqliteStore(db, clock, {"broadcast": broadcast_planner})
    store._write_planned(campaign, [st.Planned(u, u) for u in range(1, 8)])  # the process died part-way
    assert st.get_campaign(db, campaign)["status"] == "queued"
    await store.prepare_next()
    counts = st.delivery_counts(db, campaign)
    assert counts["total"] == 20
    assert counts["pending"] == 20
    assert st.get_campaign(db, campaign)["status"] == "running"


def test_at_paid_rates_a_short_stall_is_made_up_and_no_second_holds_more_than_the_catch_up_allows():
    """1,000/s: slots up to PAID_CATCH_UP late are still used (so a preempted worker keeps its rate)."""
    from wellbot.newsletter.engine import PAID_CATCH_UP, config_for

    config = config_for(1000.0, paid=True)
    assert config.catch_up == PAID_CATCH_UP
    assert config_for(29.0).catch_up < PAID_CATCH_UP
    t = FakeTime()
    pacer = Pacer(config.rate, per_chat_interval=0.0, now=t.now, catch_up=config.catch_up)
    sends = []
    for n in range(5000):
        if n % 500 == 499:
            t.t += 0.015 if n % 1000 == 499 else 0.05  # stalls: one made up, one too long to make up
        while (wait := pacer.wait_global()) > 0:
            t.t += wait
        pacer.take(n)
        sends.append(t.t)
    window = deque()
    for moment in sends:
        window.append(moment)
        while window[0] <= moment - 1.0:
            window.popleft()
        assert len(window) <= 1000 * (1 + PAID_CATCH_UP) + 1
    # 4.999 s of slots plus the five 50 ms stalls: the five 15 ms ones cost nothing (they would at 4 ms).
    assert sends[-1] - sends[0] < 4.999 + 5 * 0.05 + 0.002
