"""Sending rendered templates: the one place messages leave the bot.

Renders through the shared Renderer, splits long texts, and turns a 403
(the patient blocked the bot) into a recorded fact instead of an error.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError

from wellbot.bot.deps import Deps, WellbotContext
from wellbot.core import patients

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
NOT_MODIFIED = "message is not modified"
# The pressed message is gone or cannot be edited (deleted, or too old): show the screen as a new message.
# httpx errors raised before any byte of a request left: retrying cannot deliver a message twice.
NOT_SENT_ERRORS = (httpx.ConnectTimeout, httpx.ConnectError, httpx.PoolTimeout)
NOT_EDITABLE = ("message to edit not found", "message can't be edited", "there is no text in the message to edit")


def may_have_arrived(error: NetworkError) -> bool:
    """True if the request may have reached Telegram (written, then no answer): resending could duplicate it.

    httpx says which: a connect or pool timeout means nothing was sent, so a
    retry is safe; a read or write timeout, or a connection dropped before the
    answer, means Telegram may have done it. A 5xx answer (no httpx cause) says
    it did not. Telegram has no idempotency key to make a retry safe.
    """
    cause = error.__cause__
    return isinstance(cause, httpx.TransportError) and not isinstance(cause, NOT_SENT_ERRORS)


async def send_html(bot: Any, deps: Deps, chat_id: int, parts: list[str], keyboard: Markup = None,
                    **options: Any) -> Message | None:
    """Send pre-rendered parts (keyboard on the last); None if the chat blocked the bot."""
    message = None
    try:
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            message = await bot.send_message(chat_id, part, parse_mode=ParseMode.HTML,
                                             reply_markup=keyboard if last else None,
                                             disable_web_page_preview=True, **options)
    except Forbidden:
        patients.mark_blocked(deps.db, deps.clock, chat_id, "send_forbidden", deps.hooks.patient_blocked)
        return None
    return message


async def send(bot: Any, deps: Deps, chat_id: int, template: str, *, keyboard: Markup = None,
               **values: Any) -> Message | None:
    """Render `template` and send it to a chat."""
    return await send_html(bot, deps, chat_id, deps.renderer.render_parts(template, **values), keyboard)


async def reply(update: Update, context: WellbotContext, template: str, *, keyboard: Markup = None,
                **values: Any) -> Message | None:
    """Render `template` and send it to the chat the update came from."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await send(context.bot, context.deps, chat.id, template, keyboard=keyboard, **values)


async def show(update: Update, context: WellbotContext, template: str, *,
               keyboard: InlineKeyboardMarkup | None = None, **values: Any) -> Message | None:
    """Edit the pressed message in place (for button flows), or reply if there is none."""
    query = update.callback_query
    parts = context.deps.renderer.render_parts(template, **values)
    message = query.message if query is not None else None
    if (message is None or len(parts) > 1 or not hasattr(message, "text")
            or not getattr(message, "is_accessible", True)):  # too old (Telegram sends date 0): send anew
        return await send_html(context.bot, context.deps, update.effective_chat.id, parts, keyboard)
    try:
        edited = await query.edit_message_text(parts[0], parse_mode=ParseMode.HTML, reply_markup=keyboard,
                                               disable_web_page_preview=True)
    except BadRequest as exc:
        reason = str(exc).lower()
        if NOT_MODIFIED in reason:
            return None  # the same screen again: nothing to change
        if any(gone in reason for gone in NOT_EDITABLE):
            return await send_html(context.bot, context.deps, update.effective_chat.id, parts, keyboard)
        raise
    return edited if isinstance(edited, Message) else None


async def reply_or_show(update: Update, context: WellbotContext, template: str, *, new: bool,
                        keyboard: InlineKeyboardMarkup | None = None, **values: Any) -> Message | None:
    """A new message when `new` (after a command or typed text), else the pressed message edited in place."""
    if new:
        return await reply(update, context, template, keyboard=keyboard, **values)
    return await show(update, context, template, keyboard=keyboard, **values)


async def answer(update: Update, context: WellbotContext, text: str | None = None, *, alert: bool = False) -> None:
    """Answer the pressed button once (a toast if `text`); later calls are ignored."""
    query = update.callback_query
    if query is None or context.answered:
        return
    context.answered = True
    await query.answer(text=text[:200] if text else None, show_alert=alert)
