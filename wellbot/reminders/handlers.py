"""Thin handlers: the Confirm button, check-in score buttons and the staff /checkins command."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InputFile, Update

from wellbot.bot import callbacks
from wellbot.bot.deps import WellbotContext
from wellbot.bot.messaging import answer, reply, show
from wellbot.core.i18n import N_, _
from wellbot.desk import charts
from wellbot.reminders import actions, store, views
from wellbot.reminders import trends as trend_logic
from wellbot.reminders.config import policy_from_clinic

log = logging.getLogger(__name__)

CHART_WORD = "chart"  # `/checkins <user id> chart`: the trend as a picture
# A trend's direction as staff read it (trends.summarize gives the English keys).
DIRECTION_WORDS = {"better": N_("better"), "worse": N_("worse"), "steady": N_("steady")}


def summarize(scores: list[int]) -> dict:
    """trends.summarize, with the direction in the language being written."""
    summary = trend_logic.summarize(scores)
    direction = summary["direction"]
    return {**summary, "direction": _(DIRECTION_WORDS[direction]) if direction in DIRECTION_WORDS else direction}



async def confirm(update: Update, context: WellbotContext, button: views.ConfirmVisit) -> None:
    """Record that the presser will come to their visit; pressing again changes nothing."""
    deps, user_id, visit_id = context.deps, update.effective_user.id, button.visit_id
    result = actions.confirm(deps, visit_id=visit_id, user_id=user_id)
    if result == actions.NOT_YOURS:
        raise callbacks.CallbackDataError("visit not found for this patient")
    await answer(update, context, deps.renderer.render(f"rem_confirm_{result}_toast"))
    if result in ("confirmed", "already"):
        values = views.visit_values(deps, store.visit(deps.db, visit_id))
        # Pressed on the last reminder (it is that close to the visit): keep its Running late and Call buttons.
        last_offset = timedelta(minutes=min(policy_from_clinic(deps.clinic).offsets, default=0))
        last = values["start"] - deps.clock.now() <= last_offset
        await show(update, context, "rem_reminder",
                   keyboard=views.reminder_keyboard(visit_id, confirmed=True, changeable=values["changeable"],
                                                    last=last, intake=views.intake_button(deps, visit_id)),
                   **values)


async def answer_checkin(update: Update, context: WellbotContext, button: views.CheckinScore) -> None:
    """Store the patient's pain score once and thank them."""
    deps, user_id, reminder_id, score = context.deps, update.effective_user.id, button.reminder_id, button.score
    result, stored = actions.record_checkin(deps, reminder_id=reminder_id, user_id=user_id, score=score)
    if result == actions.NOT_YOURS:
        raise callbacks.CallbackDataError("check-in not found for this patient")
    await answer(update, context, deps.renderer.render(f"rem_checkin_{result}_toast", score=stored))
    await show(update, context, "rem_checkin_thanks", score=stored)


async def resend(update: Update, context: WellbotContext, button: views.ResendReminder) -> None:
    """Staff: send an uncertain reminder once more (the router checked the presser is staff)."""
    deps = context.deps
    dispatcher = deps.reminders
    if dispatcher is None:  # stopping: nothing sends now
        await answer(update, context, deps.renderer.render("rem_resend_toast", result="stopped"))
        return
    result = await dispatcher.resend_uncertain(button.reminder_id, update.effective_user.id)
    await answer(update, context, deps.renderer.render("rem_resend_toast", result=result))


async def resend_all(update: Update, context: WellbotContext, button: views.ResendNotice) -> None:
    """Staff: send every reminder of a notice still uncertain once more (the router checked the presser is staff)."""
    deps = context.deps
    if not store.notice_exists(deps.db, button.notice_id):
        raise callbacks.CallbackDataError("no such reminder notice")
    dispatcher = deps.reminders
    if dispatcher is None:  # stopping: nothing sends now
        await answer(update, context, deps.renderer.render("rem_resend_toast", result="stopped"))
        return
    waiting = len(store.still_uncertain(deps.db, button.notice_id))
    # Answered before sending: many resends take longer than a button may spin.
    await answer(update, context, deps.renderer.render("rem_resend_all_toast", count=waiting))
    if waiting:
        results = await dispatcher.resend_notice(button.notice_id, update.effective_user.id)
        await reply(update, context, "rem_resend_all_done", results=dict(results))


async def typed_checkin(update: Update, context: WellbotContext) -> bool:
    """A pain score typed instead of tapped answers the open check-in; False when the text is not one."""
    result = actions.typed_checkin(context.deps, user_id=update.effective_user.id, text=update.message.text)
    if result is None:
        return False
    await reply(update, context, "rem_checkin_thanks", score=result[1])
    return True


async def typed_confirm(update: Update, context: WellbotContext) -> bool:
    """A typed yes to a reminder confirms the visit like its Confirm button; False when the text is not one."""
    deps = context.deps
    result = actions.typed_confirm(deps, user_id=update.effective_user.id, text=update.message.text)
    if result is None:
        return False
    await reply(update, context, "rem_confirm_typed", result=result[0],
                **views.visit_values(deps, store.visit(deps.db, result[1])))
    return True


async def checkins(update: Update, context: WellbotContext) -> None:
    """Staff: every recent patient's pain-score trend, or one patient's answers with `/checkins <user id>`."""
    deps = context.deps
    args = context.args or []
    if not args:
        trends = [{**row, **summarize(row["scores"])} for row in store.recent_trends(deps.db)]
        await reply(update, context, "rem_checkins", trends=trends)
        return
    chart = len(args) == 2 and args[1].lower() == CHART_WORD
    if not (len(args) == 1 or chart) or not args[0].isdigit():
        await reply(update, context, "rem_checkins_usage")
        return
    user_id = int(args[0])
    answers = store.patient_checkins(deps.db, user_id)
    if chart and answers:  # the same trend as the staff desk's chart, as a picture for staff who stay in chat
        png = charts.pain_png([(a["answered_at"], a["score"]) for a in answers])
        caption = deps.renderer.render("rem_checkins_chart", user_id=user_id, first=answers[0]["answered_at"],
                                       last=answers[-1]["answered_at"], **summarize([a["score"] for a in answers]))
        await context.bot.send_photo(update.effective_chat.id, InputFile(png, filename=f"pain-{user_id}.png"),
                                     caption=caption)
        return
    services = {s.key: s.name for s in deps.clinic.services}
    await reply(update, context, "rem_checkins_patient", user_id=user_id, answers=answers, services=services,
                **summarize([a["score"] for a in answers]))
