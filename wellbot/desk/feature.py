"""The staff desk's declaration: the two-way inbox (/ask, /inbox), and its personal-data hooks."""

from __future__ import annotations

from wellbot.bot.features import ButtonRoute, Command, Feature, FlowSteps, MenuItem
from wellbot.desk import handlers, store
from wellbot.desk.buttons import AskDesk, DeskClose, DeskReply

WRITING = frozenset({handlers.WRITE_STEP})

FEATURE = Feature(
    name="desk",
    commands=[
        Command("ask", "Write to the front desk (a person replies here)", handlers.ask_command, usage="[message]"),
        Command("inbox", "Open conversations with patients", handlers.inbox_command, staff=True),
    ],
    menu=[MenuItem("ask", "💬 Talk to a person", handlers.ask_person, order=80)],
    buttons=[
        ButtonRoute.typed(AskDesk, handlers.ask_pressed),
        # Staff-only: the router checks the presser against the staff list on every press.
        ButtonRoute.typed(DeskReply, handlers.reply_pressed, staff=True),
        ButtonRoute.typed(DeskClose, handlers.close_pressed, staff=True),
    ],
    flow_steps=[
        FlowSteps(handlers.ASK_FLOW, {}, on_text=handlers.on_patient_text, typed=WRITING),
        FlowSteps(handlers.REPLY_FLOW, {}, on_text=handlers.on_staff_text, typed=WRITING),
    ],
    export_data=store.export_data,
    erase_data=store.erase_data,
    purge=store.purge,
)
