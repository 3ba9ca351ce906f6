"""The two-way inbox in chat: patients write to the front desk, staff reply and close.

Patients reach it with /ask, the main menu's "Talk to a person", or the
"Ask the front desk" button under an FAQ miss. Staff get each message with
Reply and Close buttons (declared staff-only: the router checks the presser
every time); a reply is the next text the staff member types.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, WebAppInfo
from telegram.error import TelegramError

from wellbot.bot.deps import WellbotContext
from wellbot.bot.keyboards import inline
from wellbot.bot.messaging import answer, reply, send
from wellbot.bot.notify import BotNotifier
from wellbot.core import patients
from wellbot.core.i18n import N_, _
from wellbot.desk import actions, logic, store, web
from wellbot.desk.buttons import AskDesk, DeskClose, DeskReply
from wellbot.desk.views import CLOSE_LABEL, REPLY_LABEL, patient_keyboard, staff_keyboard
from wellbot.staff import notify_staff

log = logging.getLogger(__name__)

ASK_FLOW, REPLY_FLOW, WRITE_STEP = "desk_ask", "desk_reply", "write"
OPEN_DESK_LABEL = N_("🗓 Open the desk")
INBOX_SHOWN = 20  # two buttons each: well under Telegram's 100 inline buttons a message; the desk shows them all


async def ask_command(update: Update, context: WellbotContext) -> None:
    """/ask [message]: send the message to the front desk, or ask for it."""
    parts = (update.message.text or "").split(maxsplit=1) if update.message else []
    text = parts[1] if len(parts) == 2 else ""  # the patient's own line breaks kept (context.args drops them)
    if text.strip():
        await receive(update, context, text)
        return
    await ask_person(update, context)


async def ask_person(update: Update, context: WellbotContext) -> None:
    """Ask the patient to type their message (the main menu, and any feature that hears "a person, please")."""
    context.deps.flows.start(update.effective_user.id, ASK_FLOW, WRITE_STEP)
    await reply(update, context, "desk_ask_prompt")


async def resume_ask(update: Update, context: WellbotContext) -> None:
    """Ask for the patient's message again (after /language changed mid-flow)."""
    await reply(update, context, "desk_ask_prompt")


async def resume_reply(update: Update, context: WellbotContext) -> None:
    """Staff: ask for the reply again, naming the patient (after /language changed mid-flow)."""
    deps = context.deps
    state = deps.flows.get(update.effective_user.id)
    thread = store.get_thread(deps.db, state.data["thread_id"]) if state is not None else None
    if thread is None or thread.status != store.OPEN:  # closed meanwhile: nothing to reply to
        deps.flows.clear(update.effective_user.id)
        await reply(update, context, "desk_closed_toast",
                    outcome=(actions.Outcome.GONE if thread is None else actions.Outcome.CLOSED).value)
        return
    await reply(update, context, "desk_reply_prompt", name=thread.patient_name, user_id=thread.user_id)


async def ask_pressed(update: Update, context: WellbotContext, button: AskDesk) -> None:
    """The "Ask the front desk" or "Write back" button."""
    await answer(update, context)
    await ask_person(update, context)


async def on_patient_text(update: Update, context: WellbotContext) -> None:
    """The patient's message while the front desk waits for it."""
    if update.message is None or not update.message.text:
        await reply(update, context, "desk_patient_problem", outcome=actions.Outcome.EMPTY.value)
        return
    if await receive(update, context, update.message.text):
        context.deps.flows.clear(update.effective_user.id)


async def receive(update: Update, context: WellbotContext, text: str) -> bool:
    """Save the message, tell the patient when to expect a reply, and show it to staff; False if refused."""
    deps, user = context.deps, update.effective_user
    problem = actions.check_text(text)
    if problem is not None:
        await reply(update, context, "desk_patient_problem", outcome=problem.value, limit=actions.MAX_MESSAGE_CHARS)
        return False
    received = actions.patient_wrote(deps, user.id, text, user.first_name)
    await reply(update, context, "desk_received", opened=received.opened, **_when(deps, received))
    thread_id = received.thread.id
    await notify_staff(context.bot, deps, "desk_staff_new", keyboard=lambda: staff_keyboard(thread_id),
                       name=received.thread.patient_name, user_id=user.id, text=text.strip())
    return True


def _when(deps: Any, received: actions.Received) -> dict[str, Any]:
    """Template values for the auto-reply: open now, or which day and time the desk replies."""
    opens = received.opens_at
    if received.open_now or opens is None:
        return {"open_now": received.open_now}
    today = deps.clock.now().astimezone(deps.clinic.timezone).date()
    local = opens.astimezone(deps.clinic.timezone)
    return {"open_now": False, "day_word": logic.day_word(local.date(), today), "at": logic.clock_time(local.time())}


async def reply_pressed(update: Update, context: WellbotContext, button: DeskReply) -> None:
    """Staff: start typing a reply to this thread."""
    deps = context.deps
    thread = store.get_thread(deps.db, button.thread_id)
    if thread is None or thread.status != store.OPEN:
        outcome = actions.Outcome.GONE if thread is None else actions.Outcome.CLOSED
        await answer(update, context, deps.renderer.render("desk_closed_toast", outcome=outcome.value), alert=True)
        return
    staff_id = update.effective_user.id
    # Typed text is read in private chats only, so the prompt (and the reply) go to the
    # staff member's own chat, even when Reply was pressed in the staff group.
    try:
        sent = await send(context.bot, deps, staff_id, "desk_reply_prompt", name=thread.patient_name,
                          user_id=thread.user_id)
    except TelegramError:
        sent = None
    if sent is None:
        await answer(update, context, deps.renderer.render("desk_open_private_toast"), alert=True)
        return
    if deps.db.execute("select 1 from patients where user_id = ?", [staff_id]).fetchone() is None:
        patients.touch(deps.db, deps.clock, staff_id, staff_id)  # flow state hangs off a user row
    deps.flows.start(staff_id, REPLY_FLOW, WRITE_STEP, {"thread_id": thread.id})
    await answer(update, context)


async def on_staff_text(update: Update, context: WellbotContext) -> None:
    """Staff: the typed reply; it goes to the patient as from the clinic."""
    deps, staff_id = context.deps, update.effective_user.id
    state = deps.flows.get(staff_id)
    if state is None or not deps.settings.is_staff(staff_id):  # staff rights are re-checked on every use
        deps.flows.clear(staff_id)
        await reply(update, context, "staff_only")
        return
    thread_id = int(state.data["thread_id"])
    thread = store.get_thread(deps.db, thread_id)
    outcome = await actions.staff_reply(deps, BotNotifier(context.bot, deps), thread_id=thread_id, staff_id=staff_id,
                                        text=update.message.text or "", keyboard=patient_keyboard)
    if outcome not in (actions.Outcome.TOO_LONG, actions.Outcome.EMPTY):
        deps.flows.clear(staff_id)
    await reply(update, context, "desk_reply_result", outcome=outcome.value,
                name=thread.patient_name if thread else None, limit=actions.MAX_MESSAGE_CHARS)


async def close_pressed(update: Update, context: WellbotContext, button: DeskClose) -> None:
    """Staff: close a thread (the patient is told)."""
    deps = context.deps
    outcome = await actions.close(deps, BotNotifier(context.bot, deps), thread_id=button.thread_id,
                                  staff_id=update.effective_user.id)
    await answer(update, context, deps.renderer.render("desk_closed_toast", outcome=outcome.value))


async def inbox_command(update: Update, context: WellbotContext) -> None:
    """/inbox: the open conversations, each with Reply and Close."""
    deps = context.deps
    threads = store.threads(deps.db, limit=INBOX_SHOWN)
    rows = []
    for thread in threads:
        who = (thread.patient_name or str(thread.user_id))[:20]
        rows.append([(f"{_(REPLY_LABEL)} {who}", DeskReply(thread.id).pack()),
                     (f"{_(CLOSE_LABEL)} {who}", DeskClose(thread.id).pack())])
    lines = []
    for thread in threads:
        last = store.messages(deps.db, thread.id)[-1]
        lines.append({"name": thread.patient_name, "user_id": thread.user_id, "updated_at": thread.updated_at,
                      "last": (_("You") + ": " if last.sender == store.STAFF else "") + last.body[:200]})
    await reply(update, context, "desk_inbox", threads=lines, keyboard=inline(rows) if rows else None)


# ---- the Mini App and calendar feeds --------------------------------------------------------------

async def desk_command(update: Update, context: WellbotContext) -> None:
    """/desk: a button that opens the Mini App (the same page as the staff menu button)."""
    desk = web.running(context.application)
    if desk is None:
        await reply(update, context, "desk_off")
        return
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(_(OPEN_DESK_LABEL), web_app=WebAppInfo(desk.mini_app_url))]])
    await web.set_menu_button(context.bot, desk, update.effective_user.id)  # missed at start if the chat was new
    await reply(update, context, "desk_open", keyboard=keyboard)


async def calendar_feed_command(update: Update, context: WellbotContext) -> None:
    """/calendar_feed [revoke]: a new secret iCalendar address (the old one stops), or revoke it."""
    deps, staff_id = context.deps, update.effective_user.id
    args = [a.lower() for a in context.args or []]
    if args == ["revoke"]:
        await reply(update, context, "desk_feed_revoked", count=actions.revoke_feed(deps, staff_id))
        return
    desk = web.running(context.application)
    if args or desk is None:
        await reply(update, context, "desk_off" if desk is None else "desk_feed_usage")
        return
    await reply(update, context, "desk_feed", url=desk.feed_url(actions.new_feed(deps, staff_id)))
