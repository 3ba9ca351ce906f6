"""Privacy: /privacy, /mydata, /forget, the retention job and polite media replies.

Thin Telegram handlers over `wellbot.personal_data`, which walks every
feature's personal-data hooks; the clinic's rules come from the `[privacy]`
table of the clinic file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from telegram import InputFile, Message, Update
from telegram.ext import Application, filters

from wellbot.bot import keyboards
from wellbot.bot.callbacks import Button
from wellbot.bot.deps import DEPS_KEY, Deps, WellbotContext
from wellbot.bot.messaging import reply, show
from wellbot.core.flows import Flow
from wellbot.core.i18n import N_
from wellbot.privacy import actions
from wellbot.privacy import store as personal_data

log = logging.getLogger(__name__)

FORGET_FLOW = "privacy_forget"
CONFIRM_STEP = "confirm"


@dataclass(frozen=True)
class EraseData(Button, tag="priv:erase"):
    """Yes, erase my data (bound to one /forget by its flow token)."""

    token: str


@dataclass(frozen=True)
class KeepData(Button, tag="priv:keep"):
    """No, keep it."""

    token: str

ERASE_LABEL = N_("Yes, erase my data")
KEEP_LABEL = N_("No, keep my data")
RETENTION_JOB = "privacy_retention"
RETENTION_INTERVAL = timedelta(days=1)
RETENTION_FIRST_RUN = timedelta(minutes=1)  # soon after start, not in the middle of start-up


policy = actions.policy


def check_policy(deps: Deps) -> None:
    """Fail start-up and `wellbot check` on a malformed `[privacy]` table."""
    personal_data.load_policy(deps.clinic.section(personal_data.SECTION),
                              f"{deps.clinic.path} [{personal_data.SECTION}]")


async def show_privacy(update: Update, context: WellbotContext) -> None:
    """Say what is stored, why, for how long, and how to get or erase it."""
    rules = policy(context.deps)
    await reply(update, context, "privacy_info", past_visits_days=rules.past_visits_days,
                delivery_records_days=rules.delivery_records_days,
                anonymise=rules.visit_erasure == personal_data.ANONYMISE)


async def send_my_data(update: Update, context: WellbotContext) -> None:
    """Send the patient everything the bot holds about them as a JSON document."""
    document, filename = actions.my_data(context.deps, update.effective_user.id)
    await context.bot.send_document(update.effective_chat.id, InputFile(document, filename=filename),
                                    caption=context.deps.renderer.render("privacy_mydata"))


async def ask_to_forget(update: Update, context: WellbotContext) -> None:
    """Ask for confirmation before erasing anything."""
    state = context.deps.flows.start(update.effective_user.id, FORGET_FLOW, CONFIRM_STEP)
    await reply(update, context, "privacy_forget_confirm", keyboard=_confirm_keyboard(state.token),
                anonymise=policy(context.deps).visit_erasure == personal_data.ANONYMISE)


def _confirm_keyboard(token: str):
    """Erase / keep buttons bound to this /forget's flow token."""
    return keyboards.inline([[(ERASE_LABEL, EraseData(token).pack()), (KEEP_LABEL, KeepData(token).pack())]])


async def keep_pressed(update: Update, context: WellbotContext, button: KeepData, state: Flow) -> None:
    """Keep everything: the /forget flow ends."""
    context.deps.flows.clear(state.user_id)
    await show(update, context, "privacy_forget_kept")


async def erase_pressed(update: Update, context: WellbotContext, button: EraseData, state: Flow) -> None:
    """Erase, for the presser's own live /forget only (the router checked its token, never ids in the data)."""
    deps, user_id = context.deps, state.user_id
    actions.forget(deps, user_id)
    await show(update, context, "privacy_forgotten")


async def on_typed_while_confirming(update: Update, context: WellbotContext) -> None:
    """Typed text during /forget: point at the buttons (nothing is erased by typing)."""
    state = context.deps.flows.get(update.effective_user.id)
    await reply(update, context, "privacy_forget_pending", keyboard=_confirm_keyboard(state.token))


async def resume_forget(update: Update, context: WellbotContext) -> None:
    """Ask again, with the same flow's buttons (after /language changed mid-flow)."""
    state = context.deps.flows.get(update.effective_user.id)
    if state is not None:
        await reply(update, context, "privacy_forget_confirm", keyboard=_confirm_keyboard(state.token),
                    anonymise=policy(context.deps).visit_erasure == personal_data.ANONYMISE)


async def reply_to_media(update: Update, context: WellbotContext) -> None:
    """Stickers, photos, voice, video and files: a polite note that only typed text is read."""
    await reply(update, context, "privacy_media", kind=media_kind(update.message))


def media_kind(message: Message) -> str:
    """A word for what the patient sent, for the reply."""
    if message.sticker:
        return "sticker"
    if message.photo:
        return "photo"
    if message.voice or message.audio or message.video_note:
        return "voice"
    if message.video or message.animation:
        return "video"
    return "file"


MEDIA = (filters.Sticker.ALL | filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO
         | filters.VIDEO_NOTE | filters.ANIMATION | filters.Document.ALL)


async def schedule_retention(application: Application) -> None:
    """Run the retention purge daily (first shortly after start)."""
    application.job_queue.run_repeating(run_retention, interval=RETENTION_INTERVAL, first=RETENTION_FIRST_RUN,
                                        name=RETENTION_JOB)


async def run_retention(context: WellbotContext) -> None:
    """Purge records older than the clinic's retention limits."""
    deps: Deps = context.application.bot_data[DEPS_KEY]
    actions.purge_expired(deps)


def status_lines(db, now) -> list[tuple[str, str]]:
    """`wellbot status`: how many erasures were carried out."""
    return [("erasures carried out", str(personal_data.erasure_count(db)))]
