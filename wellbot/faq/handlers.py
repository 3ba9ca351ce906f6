"""Thin Telegram handlers for the FAQ: browse topics, search in the patient's words.

Callback data (prefix `faq`): `faq:p:<page>` topic list, `faq:t:<topic>:<page>`
a topic's questions, `faq:a:<entry id>` an answer. The answer's "Book a visit"
button carries `book:start[:<service key>]`, which the booking feature owns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application

from wellbot.booking.buttons import StartBooking
from wellbot.bot import keyboards
from wellbot.bot.callbacks import Button
from wellbot.bot.deps import DEPS_KEY, Deps, WellbotContext
from wellbot.bot.messaging import answer, reply, show
from wellbot.core import i18n
from wellbot.core.i18n import N_
from wellbot.desk.buttons import AskDesk
from wellbot.faq import actions, loading, search, store
from wellbot.triage.handlers import screen

log = logging.getLogger(__name__)

ASK_DESK_LABEL = N_("💬 Ask the front desk")


@dataclass(frozen=True)
class TopicsPage(Button, tag="faq:p"):
    """One page of the topic list."""

    page: int


@dataclass(frozen=True)
class TopicPage(Button, tag="faq:t"):
    """One page of a topic's questions."""

    topic: str
    page: int


@dataclass(frozen=True)
class ShowAnswer(Button, tag="faq:a"):
    """One entry's answer."""

    entry_id: str


TOPICS_PER_PAGE = 6
QUESTIONS_PER_PAGE = 6
MAX_LABEL = 60  # characters of a question shown on a button
BOOK_LABEL = N_("Book a visit")
BACK_LABEL = N_("« Back")
TOPICS_LABEL = N_("All topics")
PREVIOUS_LABEL = N_("« Previous")
NEXT_LABEL = N_("Next »")


def _pages(count: int, size: int) -> int:
    return max(1, -(-count // size))


def _clamp(page: int, pages: int) -> int:
    """Content may have shrunk since the button was sent: stay within the pages there are."""
    return min(max(page, 0), pages - 1)


def _label(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1].rstrip() + "…"


def _nav_row(page: int, pages: int, button: Callable[[int], Button]) -> list[tuple[str, str]]:
    row = []
    if page > 0:
        row.append((PREVIOUS_LABEL, button(page - 1).pack()))
    if page < pages - 1:
        row.append((NEXT_LABEL, button(page + 1).pack()))
    return row


def faq_language(deps: Deps) -> str:
    """The FAQ the reader gets: the one in their language if it is loaded, else the clinic's default language's."""
    lang = i18n.current_language() or deps.base_clinic.default_language
    return lang if lang in store.languages(deps.db) else deps.base_clinic.default_language


def _entry(deps: Deps, entry_id: str) -> store.StoredEntry | None:
    """An entry in the reader's language, else (not translated yet) in the default language."""
    return (store.entry(deps.db, entry_id, faq_language(deps))
            or store.entry(deps.db, entry_id, deps.base_clinic.default_language))


def topics_keyboard(deps: Deps, page: int = 0) -> tuple[InlineKeyboardMarkup, int, int]:
    """The topic buttons of one page, with paging; returns (keyboard, page, pages)."""
    topics = store.topics(deps.db, faq_language(deps))
    pages = _pages(len(topics), TOPICS_PER_PAGE)
    page = _clamp(page, pages)
    shown = topics[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
    rows = [[(label, TopicPage(key, 0).pack())] for key, label in shown]
    rows.append(_nav_row(page, pages, TopicsPage))
    return keyboards.inline(rows), page, pages


def answer_keyboard(entry: store.StoredEntry, back_page: int) -> InlineKeyboardMarkup:
    """"Book a visit" (to the linked service if any) and "Back" to the entry's topic."""
    return keyboards.inline([
        [(BOOK_LABEL, StartBooking(entry.service_key or "").pack())],
        [(BACK_LABEL, TopicPage(entry.topic, back_page).pack())],
    ])


async def show_topics(update: Update, context: WellbotContext, page: int = 0) -> None:
    """Show the topic list (editing the pressed message when there is one)."""
    deps = context.deps
    if store.entry_count(deps.db, faq_language(deps)) == 0:
        await show(update, context, "faq_empty")
        return
    keyboard, page, pages = topics_keyboard(deps, page)
    await show(update, context, "faq_topics", keyboard=keyboard, page=page + 1, pages=pages)


async def show_questions(update: Update, context: WellbotContext, topic: str, page: int) -> None:
    """Show one page of a topic's questions."""
    deps = context.deps
    lang = faq_language(deps)
    label, entries = store.topic_label(deps.db, topic, lang), store.questions(deps.db, topic, lang)
    if label is None or not entries:
        await _gone(update, context)
        return
    pages = _pages(len(entries), QUESTIONS_PER_PAGE)
    page = _clamp(page, pages)
    shown = entries[page * QUESTIONS_PER_PAGE : (page + 1) * QUESTIONS_PER_PAGE]
    rows = [[(_label(question), ShowAnswer(entry_id).pack())] for entry_id, question in shown]
    rows.append(_nav_row(page, pages, lambda number: TopicPage(topic, number)))
    rows.append([(TOPICS_LABEL, TopicsPage(0).pack())])
    await show(update, context, "faq_questions", keyboard=keyboards.inline(rows), topic=label,
               page=page + 1, pages=pages)


async def show_answer(update: Update, context: WellbotContext, entry_id: str) -> None:
    """Show an answer with its Book and Back buttons."""
    deps = context.deps
    entry = _entry(deps, entry_id)
    if entry is None:
        await _gone(update, context)
        return
    settings = loading.settings_for(deps.clinic)  # the disclaimer in the reader's language (the clinic overlay)
    keyboard = answer_keyboard(entry, store.entry_page(deps.db, entry_id, QUESTIONS_PER_PAGE, faq_language(deps)))
    await show(update, context, loading.ANSWER_TEMPLATE, keyboard=keyboard, **loading.answer_values(entry, settings))


async def _gone(update: Update, context: WellbotContext) -> None:
    """A button from before a reload: say so, and offer the current topics."""
    await answer(update, context, context.deps.renderer.render("faq_gone_toast"))
    await show_topics(update, context)


async def respond_to_text(update: Update, context: WellbotContext, text: str) -> None:
    """One answer, a few choices, or an honest "I don't know" with the ways to reach the clinic.

    Emergencies never get here: triage screens every typed text first.
    """
    deps = context.deps
    lang, default = faq_language(deps), deps.base_clinic.default_language
    outcome = search.find(deps.db, text, lang)
    if outcome.kind is search.Kind.NONE and lang != default:  # the default language's FAQ may still know it
        outcome = search.find(deps.db, text, default)
    log.info("faq search user_id=%s language=%s outcome=%s hits=%d", update.effective_user.id, lang,
             outcome.kind.value, len(outcome.hits))
    if outcome.kind is search.Kind.ANSWER:
        await show_answer(update, context, outcome.hits[0].entry_id)
    elif outcome.kind is search.Kind.CHOICES:
        await _offer_choices(update, context, outcome)
    else:
        keyboard, _page, _pages_count = topics_keyboard(deps)
        # The question went unanswered: a person at the front desk is one press away (issue 20).
        ask = keyboards.inline([[(ASK_DESK_LABEL, AskDesk("faq").pack())]]).inline_keyboard
        await reply(update, context, "faq_no_match", keyboard=InlineKeyboardMarkup((*ask, *keyboard.inline_keyboard)))


async def _offer_choices(update: Update, context: WellbotContext, outcome: search.Outcome) -> None:
    """Up to three close candidates as buttons."""
    rows = []
    for hit in outcome.hits:
        entry = _entry(context.deps, hit.entry_id)
        if entry is not None:
            rows.append([(_label(entry.question), ShowAnswer(entry.id).pack())])
    rows.append([(TOPICS_LABEL, TopicsPage(0).pack())])
    await reply(update, context, "faq_choices", keyboard=keyboards.inline(rows))


async def faq_command(update: Update, context: WellbotContext) -> None:
    """/faq shows the topics; /faq <words> searches."""
    words = " ".join(context.args or []).strip()
    if words:
        if not await screen(update, context, None, words):
            await respond_to_text(update, context, words)
            for followup in context.followups:
                await followup()
    else:
        await show_topics(update, context)


async def free_text(update: Update, context: WellbotContext) -> None:
    """Any text outside a flow is a question for the FAQ."""
    await respond_to_text(update, context, update.message.text)


async def topics_pressed(update: Update, context: WellbotContext, button: TopicsPage) -> None:
    """A page of topics."""
    await show_topics(update, context, button.page)


async def topic_pressed(update: Update, context: WellbotContext, button: TopicPage) -> None:
    """A page of one topic's questions."""
    await show_questions(update, context, button.topic, button.page)


async def answer_pressed(update: Update, context: WellbotContext, button: ShowAnswer) -> None:
    """One answer."""
    await show_answer(update, context, button.entry_id)


def reload_now(deps: Deps) -> None:
    """SIGHUP: reload the FAQ files; a folder with a problem leaves the current FAQ in place."""
    actions.reload(deps)


async def watch_sighup(application: Application) -> None:
    """Reload the FAQ when the worker gets SIGHUP (where the platform has it)."""
    deps = application.bot_data[DEPS_KEY]
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, reload_now, deps)
    except (AttributeError, NotImplementedError, RuntimeError, ValueError) as exc:
        log.warning("SIGHUP cannot reload the FAQ here (use `wellbot faq reload`): %s", exc)


async def unwatch_sighup(application: Application) -> None:
    """Stop listening for SIGHUP."""
    with contextlib.suppress(AttributeError, NotImplementedError, RuntimeError, ValueError):  # never installed here
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)


def check_and_load(deps: Deps) -> None:
    """Feature check, at start and in `wellbot check`: validate and load the FAQ."""
    actions.load_at_start(deps)
