"""Opening hours of another place are not the clinic's hours (issue 14)."""

import pytest

from wellbot.conversation.logic import Intent, detect


@pytest.mark.parametrize("text", [
    "is the chemist down the road open late on saturday",
    "what are the supermarket opening hours",
    "which drugstore is open on christmas",
])
def test_another_places_hours_are_not_ours(text):
    assert detect(text) is None


@pytest.mark.parametrize("text", [
    "are you open on saturdays",
    "is the clinic open on sunday? the pharmacy next door is",
    "what are your opening hours",
])
def test_our_hours_stay_ours(text):
    assert detect(text) is Intent.HOURS
