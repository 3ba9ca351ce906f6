"""The booking feature's declaration: commands, buttons, menu items, flow and data hooks."""

from __future__ import annotations

from wellbot.booking import desk, effects, flow, intake, staff, store, visits, waitlist
from wellbot.booking.buttons import ClaimOffer
from wellbot.booking.common import check_intake, check_practitioners, check_rules
from wellbot.bot.features import ButtonRoute, Command, Feature, MenuItem
from wellbot.core.i18n import N_

FEATURE = Feature(
    name="booking",
    commands=[
        Command("book", N_("Book a visit"), flow.book_command),
        Command("visits", N_("Your upcoming visits: reschedule or cancel"), visits.visits_command),
        Command("today", N_("Today's visits with names and confirmation status"), staff.today_command, staff=True,
                usage=N_("[practitioner|all]")),
        Command("schedule", N_("The visits of one day"), staff.schedule_command, staff=True,
                usage=N_("YYYY-MM-DD [practitioner|all]")),
        Command("block", N_("Close a time range to online booking"), staff.block_command, staff=True,
                usage="YYYY-MM-DD HH:MM-HH:MM"),
        Command("unblock", N_("Reopen a blocked time range (or part of one) to online booking"), staff.unblock_command,
                staff=True, usage="YYYY-MM-DD HH:MM-HH:MM"),
        Command("patient", N_("Find a patient who phoned: book, move or cancel for them, or message them"),
                desk.patient_command, staff=True, usage=N_("<name or phone>")),
        Command("newpatient", N_("Make a record for a patient without Telegram"), desk.new_patient_command,
                staff=True, usage=N_("<full name> <phone>")),
    ],
    buttons=[*flow.ROUTES, *visits.ROUTES, *intake.ROUTES, ButtonRoute.typed(ClaimOffer, waitlist.claim),
             *staff.ROUTES, *desk.ROUTES],
    menu=[
        MenuItem("book", N_("Book a visit"), flow.book_command, order=10),
        MenuItem("visits", N_("My visits"), visits.visits_command, order=20),
    ],
    deep_links={"book": flow.book_command},
    flow_steps=[flow.STEPS, intake.STEPS, desk.STEPS],
    staff_flows=frozenset({desk.FLOW}),  # booking or messaging for a patient: only while still staff
    checks=[check_rules, check_intake, check_practitioners],
    export_data=store.export_visits,
    erase_data=store.erase_visits,
    purge=store.purge_visits,
    owns_visit_records=True,
    # Confirmations, calendar files and notices promised in a booking's own transaction (the outbox).
    effects=effects.PERFORMERS,
    idempotent_effects=effects.IDEMPOTENT,
    # The waitlist settles its offers after a booking and offers a freed time to those waiting.
    after_visit_booked=waitlist.after_booking,
    after_visit_freed=waitlist.offer_freed,
    startup=[waitlist.start_expiry],  # tells patients whose waitlist offer lapsed
)
