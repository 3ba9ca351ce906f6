"""Keyboards the desk's chat handlers and its Mini App share."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from wellbot.bot.keyboards import inline
from wellbot.core.i18n import N_
from wellbot.desk.buttons import AskDesk, DeskClose, DeskReply

REPLY_LABEL, CLOSE_LABEL = N_("✍️ Reply"), N_("✅ Close")  # desk_open_private_toast names Reply
ANSWER_LABEL = N_("✍️ Write back")


def staff_keyboard(thread_id: int) -> InlineKeyboardMarkup:
    """Reply and Close under a patient's message to staff, in the language being written (the staff reader's)."""
    return inline([[(REPLY_LABEL, DeskReply(thread_id).pack()), (CLOSE_LABEL, DeskClose(thread_id).pack())]])


def patient_keyboard() -> InlineKeyboardMarkup:
    """Write back, under the clinic's reply in the patient's chat."""
    return inline([[(ANSWER_LABEL, AskDesk("reply").pack())]])
