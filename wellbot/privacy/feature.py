"""The privacy feature's declaration: /privacy, /mydata, /forget, media replies, the daily retention purge."""

from __future__ import annotations

from telegram.ext import MessageHandler, filters

from wellbot.bot.features import ButtonRoute, Command, Feature, FlowSteps
from wellbot.bot.router import MAIN_GROUP
from wellbot.core.i18n import N_
from wellbot.privacy.handlers import (
    CONFIRM_STEP,
    FORGET_FLOW,
    MEDIA,
    EraseData,
    KeepData,
    ask_to_forget,
    check_policy,
    erase_pressed,
    keep_pressed,
    on_typed_while_confirming,
    reply_to_media,
    resume_forget,
    schedule_retention,
    send_my_data,
    show_privacy,
    status_lines,
)

FEATURE = Feature(
    name="privacy",
    commands=[
        Command("privacy", N_("What we store about you, and why"), show_privacy),
        Command("mydata", N_("Get a copy of your data"), send_my_data),
        Command("forget", N_("Erase your data"), ask_to_forget),
    ],
    buttons=[ButtonRoute.typed(EraseData, erase_pressed), ButtonRoute.typed(KeepData, keep_pressed)],
    flow_steps=[FlowSteps(FORGET_FLOW, {CONFIRM_STEP: frozenset({EraseData, KeepData})},
                          on_text=on_typed_while_confirming, typed=frozenset({CONFIRM_STEP}),
                          on_resume=resume_forget)],
    handlers=[(MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & MEDIA, reply_to_media),
               MAIN_GROUP)],
    startup=[schedule_retention],
    checks=[check_policy],
    status=[status_lines],
)
