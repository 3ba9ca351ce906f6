"""Staff write a broadcast or a news item once per language they choose.

The default-language text is written as before; the draft broadcast's confirm
screen and the saved news item then offer "Add <language> version" for each
other language the clinic speaks. Recipients get the version in their language
(wellbot.newsletter.store's next_batch, digest.unseen_items), or the default.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from markupsafe import Markup
from telegram import Update

from wellbot.bot import callbacks, keyboards
from wellbot.bot.deps import Deps, WellbotContext
from wellbot.bot.features import ANY_STEP, ButtonRoute, FlowSteps
from wellbot.bot.messaging import answer, reply, send_html
from wellbot.core.clock import to_db
from wellbot.core.flows import Flow
from wellbot.core.i18n import N_, _, speaking
from wellbot.languages.handlers import language_name
from wellbot.newsletter import broadcast, digest, items, store
from wellbot.newsletter.buttons import AddBroadcastText, AddNewsText, DropBroadcast, SendBroadcast
from wellbot.newsletter.messenger import subscription_keyboard

log = logging.getLogger(__name__)

FLOW = "translate"
BROADCAST_TEXT, NEWS_TITLE, NEWS_BODY = "bc_text", "nw_title", "nw_body"
ADD_LABEL = N_("+ Add {language} version")
REPLACE_LABEL = N_("✎ Replace {language} version")  # after the default text changed, or to correct it
SEND_LABEL, DROP_LABEL = N_("Send now"), N_("Cancel")


def add_buttons(deps: Deps, have: list[str], make: Any) -> list[list[tuple[str, str]]]:
    """One row per other configured language: "Add <language> version", or "Replace" once there is one.

    The label is translated before the language's name goes in (the keyboard cannot find it after).
    """
    clinic = deps.base_clinic
    return [[(_(REPLACE_LABEL if lang in have else ADD_LABEL).format(language=language_name(lang)),
              make(lang).pack())] for lang in clinic.languages[1:]]


def broadcast_keyboard(deps: Deps, campaign_id: int) -> Any:
    """Send / Cancel for a draft, and a row to add each missing language."""
    have = store.campaign_languages(deps.db, campaign_id)
    return keyboards.inline([[(SEND_LABEL, SendBroadcast(campaign_id).pack()),
                              (DROP_LABEL, DropBroadcast(campaign_id).pack())],
                             *add_buttons(deps, have, lambda lang: AddBroadcastText(campaign_id, lang))])


def news_keyboard(deps: Deps, item_id: int) -> Any:
    """A row to add (or replace) the news item's version in each other language (None with one language)."""
    rows = add_buttons(deps, items.item_languages(deps.db, item_id), lambda lang: AddNewsText(item_id, lang))
    return keyboards.inline(rows) if rows else None


def _offered(deps: Deps, lang: str) -> None:
    if lang not in deps.base_clinic.languages[1:]:
        raise callbacks.CallbackDataError("language not offered")


async def add_broadcast_text(update: Update, context: WellbotContext, button: AddBroadcastText) -> None:
    """Ask for the draft broadcast's text in one more language."""
    deps, user_id = context.deps, update.effective_user.id
    _offered(deps, button.language)
    row = store.get_campaign(deps.db, button.campaign_id)
    if row is None or row["kind"] != broadcast.KIND or row["created_by"] != user_id or row["status"] != "draft":
        raise callbacks.CallbackDataError("not this staff member's draft")
    deps.flows.start(user_id, FLOW, BROADCAST_TEXT, {"campaign_id": row["id"], "language": button.language})
    await answer(update, context)
    await reply(update, context, "bc_translate_ask", language=language_name(button.language))


async def add_news_text(update: Update, context: WellbotContext, button: AddNewsText) -> None:
    """Ask for a saved news item's title in one more language (then its text)."""
    deps = context.deps
    _offered(deps, button.language)
    if items.get_item(deps.db, button.item_id) is None:
        raise callbacks.CallbackDataError("news item gone")
    deps.flows.start(update.effective_user.id, FLOW, NEWS_TITLE,
                     {"item_id": button.item_id, "language": button.language})
    await answer(update, context)
    await reply(update, context, "news_translate_ask", field="title", language=language_name(button.language))


async def on_text(update: Update, context: WellbotContext) -> None:
    """The text of the version being written, at whichever step the flow is."""
    state = context.deps.flows.get(update.effective_user.id)
    typed = update.message.text_html if update.message.text else ""
    if state.step == BROADCAST_TEXT:
        await _broadcast_text(update, context, state, typed)
    elif state.step == NEWS_TITLE:
        await _news_title(update, context, state, typed)
    else:
        await _news_body(update, context, state, typed)


async def _broadcast_text(update: Update, context: WellbotContext, state: Flow, typed: str) -> None:
    deps, lang, campaign_id = context.deps, state.data["language"], state.data["campaign_id"]
    try:
        body = broadcast.check_body(typed)
    except broadcast.BodyError as exc:
        await reply(update, context, "bc_invalid", reason=exc.shown())
        return
    with speaking(lang):  # the message's own frame (bc_message) in the recipients' language
        text = deps.renderer.render("bc_message", body=Markup(body))
    store.set_campaign_text(deps.db, campaign_id, lang, text)
    deps.flows.clear(state.user_id)
    log.info("broadcast version added campaign_id=%s language=%s", campaign_id, lang)
    with speaking(lang):
        await send_html(context.bot, deps, update.effective_chat.id, [text], subscription_keyboard())
    row = store.get_campaign(deps.db, campaign_id)
    count = store.count_recipients(deps.db, row["audience"]) if row else 0
    await reply(update, context, "bc_translate_done", language=language_name(lang), count=count,
                audience=broadcast.audience_label(deps.clinic, row["audience"]) if row else "",
                keyboard=broadcast_keyboard(deps, campaign_id))


async def _news_title(update: Update, context: WellbotContext, state: Flow, typed: str) -> None:
    try:
        state.data["title"] = items.check_title(update.message.text or "")
    except items.ItemError as exc:
        await reply(update, context, "news_invalid", reason=exc.shown())
        return
    state.step = NEWS_BODY
    context.deps.flows.save(state)
    await reply(update, context, "news_translate_ask", field="text", language=language_name(state.data["language"]))


async def _news_body(update: Update, context: WellbotContext, state: Flow, typed: str) -> None:
    deps, lang, item_id = context.deps, state.data["language"], state.data["item_id"]
    try:
        body = items.check_body(typed)
    except items.ItemError as exc:
        await reply(update, context, "news_invalid", reason=exc.shown())
        return
    saved = items.set_item_text(deps.db, item_id, lang, state.data["title"], body)
    deps.flows.clear(state.user_id)
    log.info("news item version added item_id=%s language=%s saved=%s", item_id, lang, saved)
    item = items.get_item(deps.db, item_id)
    if saved and item is not None:
        row = {"id": item_id, "title": state.data["title"], "body": body, "link": item.link,
               "publish_at": to_db(item.publish_at), "topics": json.dumps(list(item.topics))}
        clinic = deps.base_clinic.localized(lang)
        with speaking(lang):  # exactly as a subscriber reading `lang` will see it in a digest
            text, _ids = digest.render_digest(deps.renderer, clinic, [row])
            await send_html(context.bot, deps, update.effective_chat.id, [text], subscription_keyboard())
    await reply(update, context, "news_translate_done", item_id=item_id, found=saved,
                language=language_name(lang), keyboard=news_keyboard(deps, item_id) if saved else None)


async def resume(update: Update, context: WellbotContext) -> None:
    """Ask for the version's text (or the news title) again (after /language changed mid-flow)."""
    state = context.deps.flows.get(update.effective_user.id)
    if state is None:
        return
    language = language_name(state.data["language"])
    if state.step == BROADCAST_TEXT:
        await reply(update, context, "bc_translate_ask", language=language)
    else:
        field = "title" if state.step == NEWS_TITLE else "text"
        await reply(update, context, "news_translate_ask", field=field, language=language)


STEPS = FlowSteps(FLOW, {ANY_STEP: frozenset()}, on_text=on_text,
                  typed=frozenset({BROADCAST_TEXT, NEWS_TITLE, NEWS_BODY}), on_resume=resume)

ROUTES = [ButtonRoute.typed(AddBroadcastText, add_broadcast_text, staff=True),
          ButtonRoute.typed(AddNewsText, add_news_text, staff=True)]
