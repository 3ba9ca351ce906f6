"""The engine's messenger on python-telegram-bot: one send_message, its errors mapped to outcomes.

The only newsletter module besides the handlers that imports telegram. Every
bulk message carries the Unsubscribe and Manage topics buttons (handled by
the consent feature). Pushes go through a bot of their own (`bulk_bot`) with
one connection per push in flight (wellbot.bot.lanes).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from wellbot.bot import keyboards
from wellbot.bot.lanes import READ_TIMEOUT, LaneRequest
from wellbot.bot.messaging import may_have_arrived
from wellbot.bot.ratelimit import BULK_BYPASS, BulkAwareRateLimiter
from wellbot.core.i18n import N_, speaking
from wellbot.newsletter.engine import Delivery, Outcome, PushResult
from wellbot.subscriptions.buttons import ManageTopics, Unsubscribe

log = logging.getLogger(__name__)

UNSUBSCRIBE_LABEL = N_("Unsubscribe")
MANAGE_LABEL = N_("Manage topics")
CHAT_GONE = ("chat not found", "user is deactivated", "peer_id_invalid")


def subscription_keyboard() -> InlineKeyboardMarkup:
    """The buttons every digest and broadcast carries."""
    return keyboards.inline([[(UNSUBSCRIBE_LABEL, Unsubscribe().pack()), (MANAGE_LABEL, ManageTopics().pack())]])


def bulk_bot(bot: Bot, lanes: int, read_timeout: float = READ_TIMEOUT) -> ExtBot:
    """A bot for bulk pushes: `bot`'s token, server and rate limiter, with `lanes` connections of its own.

    Sharing the rate limiter keeps the bypass (and its wait on a 429 pause
    the interactive side is sitting out); the separate connections keep a
    broadcast from crowding out replies to patients.
    """
    return ExtBot(bot.token, base_url=lambda _token: bot.base_url, base_file_url=lambda _token: bot.base_file_url,
                  request=LaneRequest(lanes, read_timeout=read_timeout), local_mode=bot.local_mode,
                  rate_limiter=getattr(bot, "rate_limiter", None))


def network_outcome(error: NetworkError) -> Outcome:
    """UNCERTAIN if the push may have reached Telegram (written, then no answer), else TRANSIENT (retry)."""
    return Outcome.UNCERTAIN if may_have_arrived(error) else Outcome.TRANSIENT


def retry_seconds(value: int | float | timedelta) -> float:
    """RetryAfter.retry_after as seconds (an int, or a timedelta with PTB_TIMEDELTA)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramMessenger:
    """Pushes deliveries through a PTB bot, bypassing its interactive rate limiter."""

    def __init__(self, bot: Any, paid: bool = False) -> None:
        self.bot = bot
        self.keyboard = subscription_keyboard()
        self.keyboards: dict[str, InlineKeyboardMarkup] = {}  # per language, built on first use
        self.options: dict[str, Any] = {}
        if paid:
            self.options["allow_paid_broadcast"] = True
        if isinstance(getattr(bot, "rate_limiter", None), BulkAwareRateLimiter):
            self.options["rate_limit_args"] = BULK_BYPASS

    def _keyboard(self, lang: str) -> InlineKeyboardMarkup:
        """The subscription buttons in the recipient's language."""
        if not lang:
            return self.keyboard
        if lang not in self.keyboards:
            with speaking(lang):
                self.keyboards[lang] = subscription_keyboard()
        return self.keyboards[lang]

    async def push(self, delivery: Delivery) -> PushResult:
        """Send one delivery; map the Bot API's answer to an Outcome."""
        try:
            message = await self.bot.send_message(delivery.chat_id, delivery.text, parse_mode=ParseMode.HTML,
                                                  reply_markup=self._keyboard(delivery.language),
                                                  disable_web_page_preview=True,
                                                  **self.options)
        except RetryAfter as exc:
            return PushResult(Outcome.RETRY_AFTER, retry_after=retry_seconds(exc.retry_after), error="429")
        except Forbidden as exc:
            return PushResult(Outcome.BLOCKED, error=str(exc)[:100])
        except BadRequest as exc:  # before NetworkError: BadRequest is a subclass of it
            if any(text in str(exc).lower() for text in CHAT_GONE):
                return PushResult(Outcome.BLOCKED, error=str(exc)[:100])
            return PushResult(Outcome.FAILED, error=str(exc)[:100])
        except NetworkError as exc:  # timeouts, connection errors, 5xx
            return PushResult(network_outcome(exc), error=str(exc)[:100])
        except TelegramError as exc:
            return PushResult(Outcome.FAILED, error=str(exc)[:100])
        return PushResult(Outcome.SENT, message_id=message.message_id)
