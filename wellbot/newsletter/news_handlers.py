"""Staff news items in the bot: /news_add (guided, with preview), /news, /news_edit, /news_delete.

The flow keeps its state in SQLite (`deps.flows`); each typed value is
validated by `items` as it arrives, and again as a whole on Save. Buttons
carry the flow token (stale ones change nothing) or an item id that is
looked up again.
"""

from __future__ import annotations

import json
import logging

from telegram import Update

from wellbot.bot import callbacks, keyboards
from wellbot.bot.deps import WellbotContext
from wellbot.bot.features import ANY_STEP, ButtonRoute, FlowSteps
from wellbot.bot.messaging import answer, reply, send_html, show
from wellbot.core.clock import to_db
from wellbot.core.flows import Flow
from wellbot.core.i18n import N_
from wellbot.newsletter import actions, digest, items, translations
from wellbot.newsletter.buttons import (
    NewsDefault,
    NewsDelete,
    NewsDrop,
    NewsEditField,
    NewsSave,
    NewsTopic,
    NewsTopicsDone,
)
from wellbot.newsletter.messenger import subscription_keyboard

log = logging.getLogger(__name__)

FLOW = "news"
STEPS = ("title", "body", "link", "topics", "publish")
PREVIEW = "preview"
PICK = "pick"
# What staff type for "no link" and "publish now", in every shipped language: a staff member writing in
# Spanish types "ninguno" and "ahora", and may type the button's label too.
NONE_WORDS = frozenset({"none", "-", "no", "no link", "ninguno", "ninguna", "nada", "sin enlace"})
NOW_WORDS = frozenset({"now", "publish now", "ahora", "ya", "publicar ahora"})
NOW = "now"  # what items.parse_local_time reads as the present moment
LIST_LIMIT = 15
FIELD_LABELS = {"title": N_("Title"), "body": N_("Text"), "link": N_("Link"), "topics": N_("Topics"),
                "publish": N_("Publish time")}
CHECK = "✓ "
DONE_LABEL = N_("Done")  # news_topics names it, in the staff's language
DEFAULT_LABELS = {"link": N_("No link"), "publish": N_("Publish now")}  # NewsDefault at these steps
DEFAULT_VALUES = {"link": "", "publish": NOW}
SAVE_LABEL, DROP_LABEL, DELETE_LABEL = N_("Save"), N_("Cancel"), N_("Delete")


async def start_add(update: Update, context: WellbotContext) -> None:
    """Begin a new item: ask for its title."""
    state = context.deps.flows.start(update.effective_user.id, FLOW, STEPS[0], {"topics": []})
    await _prompt(update, context, state)


async def start_edit(update: Update, context: WellbotContext) -> None:
    """`/news_edit <id>`: pick a field to change, then preview and save."""
    item = _item_from_args(context)
    if item is None:
        await reply(update, context, "news_not_found", usage="/news_edit")
        return
    local = item.publish_at.astimezone(context.deps.clinic.timezone).strftime("%Y-%m-%d %H:%M")
    data = {"edit_id": item.id, "title": item.title, "body": item.body, "link": item.link,
            "topics": list(item.topics), "publish": local}
    state = context.deps.flows.start(update.effective_user.id, FLOW, PICK, data)
    await _prompt(update, context, state)


async def list_news(update: Update, context: WellbotContext) -> None:
    """The latest items with their ids."""
    await reply(update, context, "news_list", items=items.list_items(context.deps.db, LIST_LIMIT))


async def ask_delete(update: Update, context: WellbotContext) -> None:
    """`/news_delete <id>`: show the item's title and a confirm button."""
    item = _item_from_args(context)
    if item is None:
        await reply(update, context, "news_not_found", usage="/news_delete")
        return
    keyboard = keyboards.inline([[(DELETE_LABEL, NewsDelete(item.id).pack())]])
    await reply(update, context, "news_delete_confirm", item=item, keyboard=keyboard)


def _item_from_args(context: WellbotContext) -> items.NewsItem | None:
    if not context.args or not context.args[0].isdigit():
        return None
    return items.get_item(context.deps.db, int(context.args[0]))


async def on_text(update: Update, context: WellbotContext) -> None:
    """A typed value for the current step: validate it, store it, go on."""
    deps = context.deps
    state = deps.flows.get(update.effective_user.id)
    if not update.message.text:  # a shared contact: not a value for any step
        await _prompt(update, context, state)
        return
    try:
        state.data[state.step] = _value(update, context, state.step)
    except items.ItemError as exc:
        await reply(update, context, "news_invalid", reason=exc.shown())
        return
    state.step = _step_after(state)
    deps.flows.save(state)
    await _prompt(update, context, state)


async def reprompt(update: Update, context: WellbotContext) -> None:
    """Typed text at a step that wants a button: ask again."""
    await _prompt(update, context, context.deps.flows.get(update.effective_user.id))


def _step_after(state: Flow) -> str:
    """The next step: the preview when editing one field or after the last step."""
    index = STEPS.index(state.step) + 1
    return PREVIEW if "edit_id" in state.data or index == len(STEPS) else STEPS[index]


def _value(update: Update, context: WellbotContext, step: str) -> str:
    text = update.message.text
    if step == "title":
        return items.check_title(text)
    if step == "body":
        return items.check_body(update.message.text_html)  # keeps the staff's bold, italics and links
    if step == "link":
        return "" if _word(text) in NONE_WORDS else items.check_link(text)
    if _word(text) in NOW_WORDS:
        return NOW
    items.parse_local_time(text, context.deps.clinic.timezone, context.deps.clock)  # refuse bad times now
    return text.strip()


def _word(text: str) -> str:
    """Typed text as compared with NONE_WORDS and NOW_WORDS."""
    return " ".join(text.lower().replace(".", " ").split())


async def _prompt(update: Update, context: WellbotContext, state: Flow) -> None:
    """Ask for what the current step needs."""
    if state.step == "topics":
        await reply(update, context, "news_topics", keyboard=_topics_keyboard(context, state))
    elif state.step == PREVIEW:
        await _preview(update, context, state)
    elif state.step == PICK:
        rows = [[(label, NewsEditField(state.token, field).pack())] for field, label in FIELD_LABELS.items()]
        await reply(update, context, "news_edit_pick", title=state.data["title"], keyboard=keyboards.inline(rows))
    else:
        editing = state.data["title"] if "edit_id" in state.data else ""  # an edit names the item, not "new"
        keyboard = None
        if state.step in DEFAULT_LABELS:
            keyboard = keyboards.inline([[(DEFAULT_LABELS[state.step], NewsDefault(state.token).pack())]])
        await reply(update, context, "news_ask", step=state.step, editing=editing, keyboard=keyboard)


def _topics_keyboard(context: WellbotContext, state: Flow):
    chosen = set(state.data.get("topics", []))
    rows = [[((CHECK if t.key in chosen else "") + t.label, NewsTopic(state.token, t.key).pack())]
            for t in context.deps.clinic.topics]
    rows.append([(DONE_LABEL, NewsTopicsDone(state.token).pack())])
    return keyboards.inline(rows)


def _build(context: WellbotContext, state: Flow) -> items.NewsItem:
    data = state.data
    return items.make_item(context.deps.clinic, context.deps.clock, title=data.get("title", ""),
                           body=data.get("body", ""), topics=data.get("topics", []),
                           publish=data.get("publish", "now"), link=data.get("link", ""),
                           author=str(state.user_id))


async def _preview(update: Update, context: WellbotContext, state: Flow) -> None:
    """Show the item exactly as a digest would, then what it is filed under, with Save and Cancel."""
    deps = context.deps
    try:
        item = _build(context, state)
    except items.ItemError as exc:
        await reply(update, context, "news_invalid", reason=exc.shown())
        return
    row = {"id": 0, "title": item.title, "body": item.body, "link": item.link,
           "publish_at": to_db(item.publish_at), "topics": json.dumps(list(item.topics))}
    text, _ids = digest.render_digest(deps.renderer, deps.clinic, [row])
    await send_html(context.bot, deps, update.effective_chat.id, [text], subscription_keyboard())
    keyboard = keyboards.inline([[(SAVE_LABEL, NewsSave(state.token).pack()),
                                  (DROP_LABEL, NewsDrop(state.token).pack())]])
    labels = [t.label for t in deps.clinic.topics if t.key in item.topics]
    await reply(update, context, "news_preview", topics=labels, publish_at=item.publish_at,
                editing="edit_id" in state.data, keyboard=keyboard)


async def toggle_topic(update: Update, context: WellbotContext, button: NewsTopic, state: Flow) -> None:
    """Toggle one topic of the item."""
    key = button.topic
    if context.deps.clinic.topic(key) is None:
        raise callbacks.CallbackDataError("no such topic")
    chosen = set(state.data.get("topics", []))
    chosen ^= {key}
    state.data["topics"] = sorted(chosen)
    context.deps.flows.save(state)
    await show(update, context, "news_topics", keyboard=_topics_keyboard(context, state))


async def topics_done(update: Update, context: WellbotContext, button: NewsTopicsDone, state: Flow) -> None:
    """The topics are chosen: on to the publish time (or the preview, when editing)."""
    if not state.data.get("topics"):
        await answer(update, context, context.deps.renderer.render("news_pick_topic_toast"), alert=True)
        return
    state.step = PREVIEW if "edit_id" in state.data else "publish"
    context.deps.flows.save(state)
    await answer(update, context)
    await _prompt(update, context, state)


async def default_pressed(update: Update, context: WellbotContext, button: NewsDefault, state: Flow) -> None:
    """No link, or publish now: the step's usual answer, as if typed."""
    state.data[state.step] = DEFAULT_VALUES[state.step]
    state.step = _step_after(state)
    context.deps.flows.save(state)
    await answer(update, context)
    await _prompt(update, context, state)


async def edit_field(update: Update, context: WellbotContext, button: NewsEditField, state: Flow) -> None:
    """Change one field of the item being edited."""
    field = button.field
    if field not in FIELD_LABELS:
        raise callbacks.CallbackDataError("no such field")
    state.step = field
    context.deps.flows.save(state)
    await answer(update, context)
    await _prompt(update, context, state)


async def save(update: Update, context: WellbotContext, button: NewsSave, state: Flow) -> None:
    """Save the previewed item."""
    deps = context.deps
    try:
        item = _build(context, state)
    except items.ItemError as exc:
        await show(update, context, "news_invalid", reason=exc.shown())
        return
    item_id = actions.save_item(deps, item, state.data.get("edit_id"), state.user_id)
    deps.flows.clear(state.user_id)
    await show(update, context, "news_saved", item_id=item_id or 0, found=item_id is not None,
               keyboard=translations.news_keyboard(deps, item_id) if item_id is not None else None)


async def drop(update: Update, context: WellbotContext, button: NewsDrop, state: Flow) -> None:
    """Leave without saving."""
    context.deps.flows.clear(state.user_id)
    await show(update, context, "cancelled", was_in_flow=True)


async def delete_pressed(update: Update, context: WellbotContext, button: NewsDelete) -> None:
    """Delete a saved item (the confirmation of /news_delete)."""
    item_id = button.item_id
    deleted = actions.delete_item(context.deps, item_id, update.effective_user.id)
    await show(update, context, "news_deleted", item_id=item_id, deleted=deleted)


# Which buttons each step of the news-item flow allows; typed values go to `on_text` at the steps
# that take one, and anywhere else the step's buttons are shown again.
NEWS_STEPS = FlowSteps(
    flow=FLOW,
    buttons={ANY_STEP: frozenset({NewsDrop}), "topics": frozenset({NewsTopic, NewsTopicsDone}),
             PICK: frozenset({NewsEditField}), PREVIEW: frozenset({NewsSave}),
             **{step: frozenset({NewsDefault}) for step in DEFAULT_LABELS}},
    on_text=on_text,
    typed=frozenset(step for step in STEPS if step != "topics"),
    on_untyped=reprompt,
    on_resume=reprompt,  # after /language changed mid-flow: the same step, asked in the new language
)

ROUTES = [
    ButtonRoute.typed(NewsTopic, toggle_topic, staff=True),
    ButtonRoute.typed(NewsTopicsDone, topics_done, staff=True),
    ButtonRoute.typed(NewsEditField, edit_field, staff=True),
    ButtonRoute.typed(NewsDefault, default_pressed, staff=True),
    ButtonRoute.typed(NewsSave, save, staff=True),
    ButtonRoute.typed(NewsDrop, drop, staff=True),
    ButtonRoute.typed(NewsDelete, delete_pressed, staff=True),
]
