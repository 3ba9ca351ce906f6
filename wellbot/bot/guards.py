"""Abuse guards: run before any handler and may stop an update.

Each guard is `async (update, context) -> bool`; True stops the update (see
`wellbot.bot.router.Guard`). Order matters and is pinned in `GUARDS`: updates
nobody can be answered for go first, then chats the bot does not serve,
then the per-user rate, then the size of what a patient typed.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from enum import Enum

from telegram import Chat, ChatMember, Update
from telegram.error import TelegramError

from wellbot.bot.deps import WellbotContext
from wellbot.bot.messaging import answer, reply

log = logging.getLogger(__name__)

FLOOD_LIMIT = 20  # updates a user may send ...
FLOOD_WINDOW_SECONDS = 10.0  # ... within this many seconds
FLOOD_SWEEP_USERS = 5000  # forget idle users once this many are tracked
MAX_TEXT_LENGTH = 1000  # characters a patient may type in one message
JOINED = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR)


class Verdict(Enum):
    """What flood control decided about one update."""

    OK = "ok"
    WARN = "warn"  # the first update over the limit: tell the user once
    IGNORE = "ignore"  # later updates inside the same busy window


class FloodControl:
    """A sliding-window rate per user, in memory (a rate, not data worth keeping)."""

    def __init__(self, limit: int = FLOOD_LIMIT, window: float = FLOOD_WINDOW_SECONDS,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.now = now
        self._seen: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def check(self, user_id: int) -> Verdict:
        """Count one update from `user_id` and judge it."""
        now = self.now()
        if len(self._seen) > FLOOD_SWEEP_USERS:
            self._sweep(now)
        seen = self._seen.setdefault(user_id, deque(maxlen=self.limit + 1))
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        seen.append(now)
        if len(seen) <= self.limit:
            self._warned.discard(user_id)
            return Verdict.OK
        if user_id in self._warned:
            return Verdict.IGNORE
        self._warned.add(user_id)
        return Verdict.WARN

    def _sweep(self, now: float) -> None:
        """Drop users with nothing inside the window."""
        for user_id in [u for u, seen in self._seen.items() if not seen or seen[-1] <= now - self.window]:
            del self._seen[user_id]
            self._warned.discard(user_id)


async def ignore_without_user(update: Update, context: WellbotContext) -> bool:
    """Channel posts, polls and other updates without a user: nobody to answer."""
    return update.effective_user is None


async def private_chats_only(update: Update, context: WellbotContext) -> bool:
    """Serve private chats (and the staff group); say so in any other group, then leave it."""
    chat = update.effective_chat
    if chat is None or chat.type == Chat.PRIVATE or chat.id == context.deps.settings.staff_group_id:
        return False
    if update.callback_query is not None:
        await answer(update, context)
    elif chat.type in (Chat.GROUP, Chat.SUPERGROUP) and _asks_to_stay(update):
        log.info("leaving a group chat_id=%s", chat.id)
        try:
            await reply(update, context, "privacy_private_only")
            await context.bot.leave_chat(chat.id)
        except TelegramError as exc:
            log.warning("could not leave a group chat_id=%s error=%s", chat.id, type(exc).__name__)
    return True


def _asks_to_stay(update: Update) -> bool:
    """The bot was just added, or someone wrote to it in the group."""
    member = update.my_chat_member
    if member is not None:
        return member.new_chat_member.status in JOINED
    message = update.message
    return message is not None and not message.new_chat_members and not message.left_chat_member


async def flood_control(update: Update, context: WellbotContext) -> bool:
    """Over FLOOD_LIMIT updates in FLOOD_WINDOW_SECONDS: one warning, then silence until it calms."""
    user = update.effective_user
    if user is None or context.deps.settings.is_staff(user.id):
        return False
    control = context.deps.flood
    if control is None:
        control = context.deps.flood = FloodControl()
    verdict = control.check(user.id)
    if verdict is Verdict.OK:
        return False
    await answer(update, context)  # a pressed button must never spin, even when ignored
    if verdict is Verdict.WARN:
        log.info("flood control engaged user_id=%s", user.id)
        if update.effective_chat is not None and update.effective_chat.type == Chat.PRIVATE:
            await reply(update, context, "privacy_flood", seconds=int(control.window))
    return True


async def cap_text_length(update: Update, context: WellbotContext) -> bool:
    """Refuse typed text over MAX_TEXT_LENGTH characters from patients, with a clear message.

    Edited messages too: editing an old message into a long command must not slip past the cap.
    """
    message = update.message or update.edited_message
    if message is None or message.text is None or message.chat.type != Chat.PRIVATE:
        return False
    if len(message.text) <= MAX_TEXT_LENGTH or context.deps.settings.is_staff(update.effective_user.id):
        return False
    log.info("typed text too long user_id=%s length=%s", update.effective_user.id, len(message.text))
    await reply(update, context, "privacy_too_long", limit=MAX_TEXT_LENGTH)
    return True


# In the order they run; wellbot.app appends these to its GUARDS.
GUARDS = [ignore_without_user, private_chats_only, flood_control, cap_text_length]
