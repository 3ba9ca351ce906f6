"""The staff desk's declaration: the inbox (/ask, /inbox), the Mini App (/desk), calendar feeds, data hooks."""

from __future__ import annotations

from wellbot.bot.features import ButtonRoute, Command, Feature, FlowSteps, MenuItem
from wellbot.core.deps import Deps
from wellbot.core.i18n import N_
from wellbot.desk import handlers, store, web
from wellbot.desk.buttons import AskDesk, DeskClose, DeskReply
from wellbot.desk.config import desk_config

WRITING = frozenset({handlers.WRITE_STEP})


def check_config(deps: Deps) -> None:
    """Refuse to start with a malformed WELLBOT_DESK_LISTEN or WELLBOT_DESK_URL."""
    desk_config(deps.settings)

FEATURE = Feature(
    name="desk",
    commands=[
        Command("ask", N_("Write to the front desk (a person replies here)"), handlers.ask_command,
                usage=N_("[message]")),
        Command("inbox", N_("Open conversations with patients"), handlers.inbox_command, staff=True),
        Command("desk", N_("Open the staff desk (schedule, patients, inbox) as a Mini App"), handlers.desk_command,
                staff=True),
        Command("calendar_feed", N_("Your secret calendar (iCalendar) address, or revoke it"),
                handlers.calendar_feed_command, staff=True, usage=N_("[revoke]")),
    ],
    menu=[MenuItem("ask", N_("💬 Talk to a person"), handlers.ask_person, order=80)],
    buttons=[
        ButtonRoute.typed(AskDesk, handlers.ask_pressed),
        # Staff-only: the router checks the presser against the staff list on every press.
        ButtonRoute.typed(DeskReply, handlers.reply_pressed, staff=True),
        ButtonRoute.typed(DeskClose, handlers.close_pressed, staff=True),
    ],
    flow_steps=[
        FlowSteps(handlers.ASK_FLOW, {}, on_text=handlers.on_patient_text, typed=WRITING,
                  on_resume=handlers.resume_ask),
        FlowSteps(handlers.REPLY_FLOW, {}, on_text=handlers.on_staff_text, typed=WRITING,
                  on_resume=handlers.resume_reply),
    ],
    startup=[web.startup],  # the Mini App and feeds, in polling and webhook mode alike
    shutdown=[web.shutdown],
    checks=[check_config],
    export_data=store.export_data,
    erase_data=store.erase_data,
    purge=store.purge,
)
