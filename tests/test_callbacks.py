"""Typed buttons (wellbot.bot.callbacks.Button) and declared flow steps (FlowSteps), as the router uses them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from wellbot.app import FEATURES
from wellbot.booking.buttons import ConfirmBooking, PickService, PickTime, StartBooking
from wellbot.booking.flow import STEPS
from wellbot.bot.callbacks import MAX_BYTES, Button, CallbackDataError, candidates
from wellbot.bot.features import ButtonRoute


@dataclass(frozen=True)
class Sample(Button, tag="t:s"):
    number: int
    word: str = ""


def test_a_button_packs_to_its_tag_and_fields_and_unpacks_to_the_same_value():
    button = Sample(42, "hello")
    assert button.pack() == "t:s:42:hello"
    [(tag, parts), _] = candidates(button.pack())
    assert tag == Sample.TAG
    assert Sample.unpack(parts) == button


def test_a_trailing_field_at_its_default_stays_off_the_wire():
    assert Sample(7).pack() == "t:s:7"
    assert Sample.unpack(["7"]) == Sample(7, "")
    assert StartBooking().pack() == "book:start"
    assert StartBooking("acupuncture").pack() == "book:start:acupuncture"


@pytest.mark.parametrize("parts", [[], ["x"], ["1", "a", "extra"], ["1.5"]])
def test_parts_that_do_not_fit_the_fields_are_refused_as_forged(parts):
    with pytest.raises(CallbackDataError):
        Sample.unpack(parts)


def test_packing_refuses_data_over_telegrams_64_bytes_and_separators_inside_fields():
    assert len(Sample(1, "a" * (MAX_BYTES - len("t:s:1:"))).pack().encode()) == MAX_BYTES
    with pytest.raises(ValueError, match="over 64 bytes"):
        Sample(1, "a" * MAX_BYTES).pack()
    with pytest.raises(ValueError, match="may not contain"):
        Sample(1, "a:b").pack()


def test_a_button_kind_needs_a_tag():
    with pytest.raises(TypeError, match="needs a tag"):
        @dataclass(frozen=True)
        class Untagged(Button):
            x: int


def test_every_declared_button_tag_is_unique_across_features():
    tags = [route.prefix for feature in FEATURES for route in feature.buttons]
    assert len(tags) == len(set(tags))
    typed = [route for feature in FEATURES for route in feature.buttons if route.button is not None]
    assert all(route.prefix == route.button.TAG for route in typed)


def test_the_longest_tag_wins_so_old_prefix_routes_and_typed_ones_can_share_a_prefix():
    assert [tag for tag, _ in candidates("vis:cx:12")] == ["vis:cx", "vis"]
    assert candidates("book")[0] == ("book", [])


def test_the_booking_step_table_allows_each_button_only_where_the_flow_shows_it():
    assert STEPS.allows("service", PickService)
    assert not STEPS.allows("day", PickService)
    assert STEPS.allows("time", PickTime)
    assert not STEPS.allows("summary", PickTime)
    assert STEPS.allows("summary", ConfirmBooking)
    assert not STEPS.allows("name", ConfirmBooking)
    assert STEPS.typed == frozenset({"name", "phone", "family_name", "family_birth"})  # family: issue 16


def test_a_typed_route_takes_its_prefix_from_the_button():
    async def handler(update, context, button):
        return None

    route = ButtonRoute.typed(PickTime, handler, staff=True)
    assert (route.prefix, route.button, route.staff) == ("book:t", PickTime, True)


# --- through the bot -----------------------------------------------------------------------------------


async def test_a_live_flow_button_pressed_out_of_step_is_refused_and_changes_nothing(bot):
    gil = bot.user(1201, "Gil")
    await gil.send("/book")
    services = await gil.wait_for("which service")
    state = bot.deps.flows.get(1201)
    # A time button with the live token, pressed while the flow is still at the service step.
    await gil.press_data(services.message_id, PickTime(state.token, "20260611T140000Z").pack())
    await bot.settle()
    assert "no longer active" in (gil.callback_answers[-1].get("text") or "")
    after = bot.deps.flows.get(1201)
    assert (after.step, after.data) == (state.step, state.data)
    assert list(bot.db.query("select id from visits")) == []


async def test_confirm_pressed_again_after_booking_says_already_booked_not_stale(bot):
    from tests.booking_helpers import to_summary

    hal = bot.user(1202, "Hal")
    summary = await to_summary(bot, hal)
    confirm = ConfirmBooking(bot.deps.flows.get(1202).token).pack()
    assert confirm in [b["callback_data"] for row in summary.buttons() for b in row]
    await hal.press_data(summary.message_id, confirm)
    await hal.wait_for("Booked!")
    await hal.press_data(summary.message_id, confirm)  # a double tap arriving after the booking
    await bot.settle()
    assert "already" in (hal.callback_answers[-1].get("text") or "").lower()
    assert len(list(bot.db.query("select id from visits"))) == 1
