"""Health news: explicit per-topic consent, an audit trail, one-tap unsubscribe.

- Only an explicit "Yes" on the consent screen subscribes. The screen says
  what (the clinic's topics), how often (`[news] frequency`) and how to stop;
  its exact rendered text is kept in `consent_texts` under a versioned hash
  (sha256 of template name + text) and the yes-button carries that hash, so
  a press on an outdated wording subscribes nobody and shows the new one.
- Every opt-in, topic change, pause, resume, opt-out and block is one
  append-only `consent_events` row (who, purpose `health_news`, topics,
  wording hash, source, chat and message, time), written in the same
  transaction as the core `subscriptions` row the newsletter reads.
- Purposes are separate: visit confirmations and reminders never look at
  this feature; unsubscribing stops news only, and booking never asks for it.
- Blocked bot (`my_chat_member` kicked, or a 403 on any send): the patient is
  marked blocked (core) and a live subscription is paused with a `blocked`
  event; `/start` afterwards offers a one-tap Resume.
- /forget (`erase_data`): the subscription row is deleted; the events are
  kept as anonymous proof (action, topics, wording, time) with the user,
  chat and message ids cleared, after a final `unsubscribe` event (source
  `forget`) if consent was still live. The table's triggers allow exactly
  that change and nothing else.
"""

from __future__ import annotations

from telegram.ext import ChatMemberHandler

from wellbot.bot.features import Command, Feature, MenuItem
from wellbot.core.i18n import N_
from wellbot.subscriptions import handlers, logic
from wellbot.subscriptions.handlers import news_footer_buttons

__all__ = ["FEATURE", "news_footer_buttons"]

MENU_KEY = "news"
MENU_ORDER = 40

FEATURE = Feature(
    name="subscriptions",
    commands=[
        Command("subscribe", N_("Sign up for health news"), handlers.open_news),
        Command("news", N_("Your health news: topics, pause, stop"), handlers.show_manage),
        Command("unsubscribe", N_("Stop health news at once"), handlers.unsubscribe_command),
        Command("subscribers", N_("Health-news subscribers by status and topic"), handlers.subscribers, staff=True),
    ],
    buttons=handlers.ROUTES,
    menu=[MenuItem(MENU_KEY, N_("Health news"), handlers.open_news, order=MENU_ORDER)],
    deep_links={MENU_KEY: handlers.open_news},
    handlers=[(ChatMemberHandler(handlers.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER), 0)],
    checks=[handlers.check_news_settings],
    start_notes=[handlers.paused_note],
    export_data=logic.export,
    erase_data=logic.erase,
    on_patient_blocked=logic.on_blocked,  # a subscriber who blocked the bot is paused, as an event
)
