"""The kinds of change a visit goes through, as told to `Feature.on_visit_changed` hooks.

Booking records a change and calls the declared listeners in the same
transaction (`wellbot.core.hooks.visit_changed`), so a visit and the rows
other features derive from it (reminders) can never disagree, whatever crashes when.
"""

BOOKED = "booked"
RESCHEDULED = "rescheduled"
CANCELLED = "cancelled"
ATTENDED = "attended"
NO_SHOW = "no_show"
