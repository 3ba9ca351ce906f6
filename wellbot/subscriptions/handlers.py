"""Thin Telegram handlers for health news: parse, call `logic`, render, reply.

Screens: the consent screen (what, how often, how to stop, explicit yes;
topic toggles in the buttons), the /news manage screen, the topic editor.
Every button is stateless (its choice travels in callback_data) and checked
against the current state, so stale and repeated presses answer sensibly and
write nothing.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType

from wellbot.bot import callbacks, keyboards
from wellbot.bot.callbacks import Button
from wellbot.bot.deps import Deps, WellbotContext
from wellbot.bot.features import ButtonRoute
from wellbot.bot.messaging import answer, reply, show
from wellbot.core import i18n, patients
from wellbot.core.errors import ConfigError
from wellbot.core.i18n import N_
from wellbot.subscriptions import actions, logic
from wellbot.subscriptions.buttons import (
    BackToNews,
    ConsentNo,
    ConsentYes,
    EditTopics,
    ManageTopics,
    NewSubscription,
    PauseNews,
    ResumeNews,
    SaveTopics,
    ToggleConsentTopic,
    Unsubscribe,
)
from wellbot.subscriptions.logic import Origin, Outcome, State, Status

log = logging.getLogger(__name__)


LABEL_UNSUBSCRIBE = N_("Unsubscribe")
LABEL_MANAGE = N_("Manage topics")
LABEL_YES = N_("Yes, send me health news")
LABEL_NO = N_("No, thanks")
LABEL_SUBSCRIBE = N_("Subscribe")
LABEL_CHANGE_TOPICS = N_("Change topics")
LABEL_PAUSE = N_("Pause")
LABEL_RESUME = N_("Resume news")
LABEL_SAVE = N_("Save topics")
LABEL_BACK = N_("Back")
ON, OFF_MARK = "✅", "⬜"

CONSENT_TEMPLATE = "sub_consent"
TOPICS_TEMPLATE = "sub_topics"
DEFAULT_FREQUENCY = "About twice a month, never more than once a week"
MAX_FREQUENCY_CHARS = 200
MAX_TOPICS = 20  # one button per topic; the mask must fit callback_data
BUTTON_WORDING = "button"  # consent_texts.template for the label of a pressed button
COMMAND_WORDING = "command"  # consent_texts.template for a typed command


def news_footer_buttons() -> list[list[tuple[str, str]]]:
    """Unsubscribe and Manage topics, for every newsletter and digest message."""
    return [[(LABEL_UNSUBSCRIBE, Unsubscribe().pack()), (LABEL_MANAGE, ManageTopics().pack())]]


# ----- configuration -------------------------------------------------------------


def frequency(deps: Deps) -> str:
    """How often news goes out, as the clinic words it."""
    return deps.clinic.section("news").get("frequency", DEFAULT_FREQUENCY)


def check_news_settings(deps: Deps) -> None:
    """Feature check: `[news] frequency` is short text; topics fit the buttons."""
    where = f"{deps.clinic.path} [news]"
    value = deps.clinic.section("news").get("frequency", DEFAULT_FREQUENCY)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_FREQUENCY_CHARS:
        raise ConfigError(where, f"`frequency` must be text of 1 to {MAX_FREQUENCY_CHARS} characters")
    if len(deps.clinic.topics) > MAX_TOPICS:
        raise ConfigError(where, f"at most {MAX_TOPICS} topics fit the subscribe buttons")


def _keys(deps: Deps) -> tuple[str, ...]:
    """The clinic's topic keys, in order: bit i of a topic mask is keys[i]."""
    return tuple(topic.key for topic in deps.clinic.topics)


def _labels(deps: Deps, keys: tuple[str, ...]) -> list[str]:
    """Labels of the chosen topics, in the clinic's order (unknown keys are skipped)."""
    return [topic.label for topic in deps.clinic.topics if topic.key in keys]


# ----- screens -------------------------------------------------------------------


def consent_values(deps: Deps) -> dict:
    """What the consent screen shows: every topic and how often; nothing personal."""
    return {"topics": [t.label for t in deps.clinic.topics], "frequency": frequency(deps)}


def consent_wording(deps: Deps) -> str:
    """The consent screen's text: the same for everyone, so its hash names a version."""
    return deps.renderer.render(CONSENT_TEMPLATE, **consent_values(deps))


def consent_keyboard(deps: Deps, key: str, mask: int) -> InlineKeyboardMarkup:
    """One toggle per topic, then the explicit yes and a no."""
    rows = [[(f"{ON if mask & (1 << i) else OFF_MARK} {topic.label}",
              ToggleConsentTopic(key, mask ^ (1 << i)).pack())]
            for i, topic in enumerate(deps.clinic.topics)]
    rows.append([(LABEL_YES, ConsentYes(key, mask).pack())])
    rows.append([(LABEL_NO, ConsentNo().pack())])
    return keyboards.inline(rows)


def consent_screen(deps: Deps, mask: int | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """Remember the wording and build the consent screen (all topics on by default)."""
    text = consent_wording(deps)
    digest = actions.remember_wording(deps, CONSENT_TEMPLATE, text)
    chosen = logic.full_mask(_keys(deps)) if mask is None else mask
    return text, consent_keyboard(deps, logic.short_key(digest), chosen)


def manage_keyboard(deps: Deps, state: State) -> InlineKeyboardMarkup:
    """Buttons that fit the state: change topics, pause/resume, unsubscribe; or subscribe."""
    if not state.live:
        return keyboards.column([(LABEL_SUBSCRIBE, NewSubscription().pack())])
    keys = _keys(deps)
    edit = (LABEL_CHANGE_TOPICS, EditTopics(logic.topics_version(keys), logic.mask_of(state.topics, keys)).pack())
    toggle = ((LABEL_PAUSE, PauseNews().pack()) if state.status == Status.SUBSCRIBED
              else (LABEL_RESUME, ResumeNews().pack()))
    return keyboards.column([edit, toggle, (LABEL_UNSUBSCRIBE, Unsubscribe().pack())])


def manage_values(deps: Deps, user_id: int) -> tuple[dict, InlineKeyboardMarkup]:
    """Template values and keyboard for the /news screen."""
    state = logic.current(deps.db, user_id)
    values = {"status": state.status.value if state.status else "none",
              "topics": _labels(deps, state.topics), "frequency": frequency(deps),
              "paused_by_block": logic.paused_by_block(deps.db, user_id)}
    return values, manage_keyboard(deps, state)


def topics_keyboard(deps: Deps, mask: int) -> InlineKeyboardMarkup:
    """Topic toggles for a live subscription, then Save and Back."""
    version = logic.topics_version(_keys(deps))
    rows = [[(f"{ON if mask & (1 << i) else OFF_MARK} {topic.label}",
              EditTopics(version, mask ^ (1 << i)).pack())]
            for i, topic in enumerate(deps.clinic.topics)]
    rows.append([(LABEL_SAVE, SaveTopics(version, mask).pack()),
                 (LABEL_BACK, BackToNews().pack())])
    return keyboards.inline(rows)


def _origin(update: Update, source: str, text_hash: str | None) -> Origin:
    """Who decided, from which message, having seen which wording."""
    message = update.callback_query.message if update.callback_query else update.message
    return Origin(source, text_hash, update.effective_chat.id, message.message_id if message else None,
                  i18n.current_language())


def _button_wording(deps: Deps, label: str) -> str:
    """Keep a pressed button's label as the wording of the decision."""
    return actions.remember_wording(deps, BUTTON_WORDING, label)


async def _toast(update: Update, context: WellbotContext, action: str, outcome: str) -> None:
    """Answer the button with a toast saying what the press did (or why it did nothing)."""
    await answer(update, context, context.deps.renderer.render("sub_toast", action=action, outcome=outcome))


# ----- commands, menu, deep link -------------------------------------------------------


async def open_news(update: Update, context: WellbotContext) -> None:
    """/subscribe, the menu item and `/start news`: consent screen, or /news if already subscribed."""
    deps = context.deps
    if logic.current(deps.db, update.effective_user.id).live:
        await show_manage(update, context)
        return
    _, keyboard = consent_screen(deps)
    await reply(update, context, CONSENT_TEMPLATE, keyboard=keyboard, **consent_values(deps))
    log.info("consent screen shown user_id=%s", update.effective_user.id)


async def show_manage(update: Update, context: WellbotContext) -> None:
    """/news: the current state with buttons to change it, as a new message."""
    values, keyboard = manage_values(context.deps, update.effective_user.id)
    await reply(update, context, "sub_manage", keyboard=keyboard, **values)


async def unsubscribe_command(update: Update, context: WellbotContext) -> None:
    """/unsubscribe: stop at once, with one confirmation."""
    deps = context.deps
    wording = actions.remember_wording(deps, COMMAND_WORDING, "/unsubscribe")
    outcome = actions.unsubscribe(deps, update.effective_user.id, _origin(update, "command", wording))
    await reply(update, context, "sub_unsubscribed", outcome=outcome.value)


async def subscribers(update: Update, context: WellbotContext) -> None:
    """/subscribers (staff): counts by status and topic."""
    deps = context.deps
    found = logic.counts(deps.db, _keys(deps))
    topics = [(topic.label, found.by_topic[topic.key]) for topic in deps.clinic.topics]
    await reply(update, context, "sub_staff_counts", by_status=found.by_status, reachable=found.reachable,
                topics=topics)


# ----- buttons ---------------------------------------------------------------------


async def press_off(update: Update, context: WellbotContext, button: Button | None = None) -> None:
    """Unsubscribe (footer or /news): at once; one confirmation message; a repeat only gets a toast."""
    deps = context.deps
    origin = _origin(update, "button", _button_wording(deps, LABEL_UNSUBSCRIBE))
    outcome = actions.unsubscribe(deps, update.effective_user.id, origin)
    if outcome == Outcome.CHANGED:
        await answer(update, context)
        await reply(update, context, "sub_unsubscribed", outcome=outcome.value)
    else:
        await _toast(update, context, "unsubscribe", outcome.value)


async def press_manage(update: Update, context: WellbotContext, button: Button | None = None) -> None:
    """Manage topics (footer): the /news screen as a new message (the news message stays)."""
    await answer(update, context)
    await show_manage(update, context)


async def press_toggle(update: Update, context: WellbotContext, button: Button | None = None) -> None:
    """Flip a topic on the consent screen (nothing is stored until the yes)."""
    deps = context.deps
    mask = _mask(deps, button.mask)
    if logic.short_key(logic.text_hash(CONSENT_TEMPLATE, consent_wording(deps))) != button.wording:
        await _refresh_consent(update, context, mask)
        return
    await show(update, context, CONSENT_TEMPLATE, keyboard=consent_keyboard(deps, button.wording, mask),
               **consent_values(deps))


async def press_yes(update: Update, context: WellbotContext, button: Button | None = None) -> None:
    """The explicit yes: subscribe to the chosen topics under the wording shown."""
    deps = context.deps
    user_id = update.effective_user.id
    mask = _mask(deps, button.mask)
    digest = logic.text_hash(CONSENT_TEMPLATE, consent_wording(deps))
    if logic.short_key(digest) != button.wording:  # the clinic changed the wording since: ask again
        await _refresh_consent(update, context, mask)
        return
    topics = logic.topics_of(mask, _keys(deps))
    outcome = actions.subscribe(deps, user_id, topics, _origin(update, "button", digest))
    await _toast(update, context, "subscribe", outcome.value)
    if outcome == Outcome.NO_TOPICS:
        return
    values, keyboard = manage_values(deps, user_id)
    await show(update, context, "sub_manage", keyboard=keyboard, just_subscribed=outcome == Outcome.CHANGED,
               **values)


async def _refresh_consent(update: Update, context: WellbotContext, mask: int) -> None:
    """The wording changed since the screen was shown: show the current one, change nothing."""
    deps = context.deps
    await _toast(update, context, "subscribe", "wording_changed")
    _, keyboard = consent_screen(deps, mask)
    await show(update, context, CONSENT_TEMPLATE, keyboard=keyboard, **consent_values(deps))


async def press_no(update: Update, context: WellbotContext, button: Button | None = None) -> None:
    """No thanks: nothing is stored."""
    await show(update, context, "sub_declined")


async def press_new(update: Update, context: WellbotContext, button: Button | None = None) -> None:
    """Subscribe (from /news when not subscribed): the consent screen in place."""
    deps = context.deps
    if logic.current(deps.db, update.effective_user.id).live:
        await press_back(update, context)
        return
    _, keyboard = consent_screen(deps)
    await show(update, context, CONSENT_TEMPLATE, keyboard=keyboard, **consent_values(deps))


async def press_edit(update: Update, context: WellbotContext, button: Button | None = None) -> None:
    """The topic editor with a (toggled) choice; nothing is stored until Save."""
    deps = context.deps
    mask = _topic_mask(deps, button)
    if not logic.current(deps.db, update.effective_user.id).live:
        await _toast(update, context, "topics", Outcome.NOT_SUBSCRIBED.value)
        await press_back(update, context)
        return
    await show(update, context, TOPICS_TEMPLATE, keyboard=topics_keyboard(deps, mask))


async def press_save(update: Update, context: WellbotContext, button: Button | None = None) -> None:
    """Save the chosen topics (one event if they changed), then back to /news."""
    deps = context.deps
    topics = logic.topics_of(_topic_mask(deps, button), _keys(deps))
    wording = actions.remember_wording(deps, TOPICS_TEMPLATE, deps.renderer.render(TOPICS_TEMPLATE))
    outcome = actions.set_topics(deps, update.effective_user.id, topics, _origin(update, "button", wording))
    await _toast(update, context, "topics", outcome.value)
    if outcome != Outcome.NO_TOPICS:
        await press_back(update, context)


async def press_back(update: Update, context: WellbotContext, button: Button | None = None) -> None:
    """Show the current /news screen in place."""
    values, keyboard = manage_values(context.deps, update.effective_user.id)
    await show(update, context, "sub_manage", keyboard=keyboard, **values)


async def press_pause(update: Update, context: WellbotContext, button: Button | None = None) -> None:
    """Pause news (topics kept); a repeat changes nothing."""
    deps = context.deps
    origin = _origin(update, "button", _button_wording(deps, LABEL_PAUSE))
    outcome = actions.pause(deps, update.effective_user.id, origin)
    await _toast(update, context, "pause", outcome.value)
    await press_back(update, context)


async def press_resume(update: Update, context: WellbotContext, button: Button | None = None) -> None:
    """Resume paused news (also the one tap after coming back from a block)."""
    deps = context.deps
    origin = _origin(update, "button", _button_wording(deps, LABEL_RESUME))
    outcome = actions.resume(deps, update.effective_user.id, origin)
    await _toast(update, context, "resume", outcome.value)
    await press_back(update, context)


def _mask(deps: Deps, mask: int) -> int:
    """A topic mask from a button, or CallbackDataError if it names topics the clinic does not have."""
    if not logic.valid_mask(mask, _keys(deps)):
        raise callbacks.CallbackDataError("topic mask out of range")
    return mask


def _topic_mask(deps: Deps, button: EditTopics | SaveTopics) -> int:
    """The mask of a topic-editor button, refused if the clinic's topics changed since."""
    if button.version != logic.topics_version(_keys(deps)):
        raise callbacks.CallbackDataError("topics changed since the button was made")
    return _mask(deps, button.mask)


# Every `sub:` button, for the feature's declaration.
ROUTES = [
    ButtonRoute.typed(Unsubscribe, press_off), ButtonRoute.typed(ManageTopics, press_manage),
    ButtonRoute.typed(ToggleConsentTopic, press_toggle), ButtonRoute.typed(ConsentYes, press_yes),
    ButtonRoute.typed(ConsentNo, press_no), ButtonRoute.typed(NewSubscription, press_new),
    ButtonRoute.typed(EditTopics, press_edit), ButtonRoute.typed(SaveTopics, press_save),
    ButtonRoute.typed(BackToNews, press_back), ButtonRoute.typed(PauseNews, press_pause),
    ButtonRoute.typed(ResumeNews, press_resume),
]


# ----- blocking and coming back -------------------------------------------------------


async def on_my_chat_member(update: Update, context: WellbotContext) -> None:
    """The patient blocked (kicked) or unblocked the bot in their private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    deps = context.deps
    user_id = change.chat.id
    if change.new_chat_member.status == ChatMemberStatus.BANNED:
        patients.mark_blocked(deps.db, deps.clock, user_id, "my_chat_member", deps.hooks.patient_blocked)
    elif change.new_chat_member.status == ChatMemberStatus.MEMBER and patients.mark_active(deps.db, user_id):
        log.info("patient unblocked the bot user_id=%s", user_id)


async def paused_note(update: Update, context: WellbotContext) -> None:
    """/start note: news paused by a block can be resumed with one tap."""
    deps = context.deps
    user_id = update.effective_user.id
    if patients.mark_active(deps.db, user_id):  # writing to us proves we can write back
        log.info("patient is back user_id=%s", user_id)
    if logic.paused_by_block(deps.db, user_id):
        await reply(update, context, "sub_paused_note",
                    keyboard=keyboards.column([(LABEL_RESUME, ResumeNews().pack())]))
