"""Pain-score trends for staff: pure, no I/O."""

from __future__ import annotations

# A change smaller than this between the first and last half is "steady".
STEADY_BAND = 1.0


def summarize(scores: list[int]) -> dict:
    """Latest score, average and direction ("better", "worse", "steady", "" if too few)."""
    if not scores:
        return {"latest": None, "average": None, "direction": ""}
    average = round(sum(scores) / len(scores), 1)
    direction = ""
    if len(scores) >= 2:
        half = len(scores) // 2
        earlier = sum(scores[:half]) / half
        later = sum(scores[-half:]) / half
        if later <= earlier - STEADY_BAND:
            direction = "better"  # lower pain
        elif later >= earlier + STEADY_BAND:
            direction = "worse"
        else:
            direction = "steady"
    return {"latest": scores[-1], "average": average, "direction": direction}
