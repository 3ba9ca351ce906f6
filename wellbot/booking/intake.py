"""Intake questions before a visit: asked after booking, from the first reminder or /visits.

One question at a time; each can be skipped, and "Finish later" stops with
the answers so far kept, so starting again resumes at the first question
neither answered nor skipped. The questions come from the clinic file
(`wellbot.booking.questions`); answers are written by `actions.answer_intake`.
"""

from __future__ import annotations

import logging

from telegram import Update

from wellbot.booking import actions, store
from wellbot.booking.buttons import IntakeAnswer, IntakeLater, IntakeSkip, IntakeStart
from wellbot.booking.questions import CHOICE, SCORE, TEXT, Question, intake_of, pending, typed_answer, valid_answer
from wellbot.bot.callbacks import CallbackDataError
from wellbot.bot.deps import Deps, WellbotContext
from wellbot.bot.features import ANY_STEP, ButtonRoute, FlowSteps
from wellbot.bot.keyboards import inline
from wellbot.bot.messaging import answer, reply, reply_or_show, show
from wellbot.core.flows import Flow
from wellbot.core.i18n import N_, _

log = logging.getLogger(__name__)

FLOW = "intake"
ASK, TYPE = "ask", "type"  # a question answered with buttons; one answered by typing
CHOICES_PER_ROW = 6
SKIP_LABEL = N_("Skip this question")
LATER_LABEL = N_("Finish later")
START_LABEL = N_("📝 Answer {count} questions for {when}")
START_ONE_LABEL = N_("📝 Answer 1 question for {when}")


def questions_for(deps: Deps, visit: store.Visit) -> list[Question]:
    """The intake questions this visit's service asks."""
    return intake_of(deps.clinic).for_service(visit.service_key)


def pending_for(deps: Deps, visit: store.Visit) -> list[Question]:
    """The visit's questions not yet answered or skipped."""
    return pending(questions_for(deps, visit), store.intake_answers(deps.db, visit.id))


def start_button(deps: Deps, visit: store.Visit) -> tuple[str, str] | None:
    """The button that (re)starts a visit's intake, or None when nothing is left to ask."""
    count = len(pending_for(deps, visit)) if visit.status == store.BOOKED else 0
    if not count:
        return None
    label = _(START_ONE_LABEL if count == 1 else START_LABEL).format(
        count=count, when=deps.renderer.local(visit.start, "%a %d %b"))
    return label, IntakeStart(visit.id).pack()


async def offer_after_booking(update: Update, context: WellbotContext, visit: store.Visit) -> None:
    """Right after booking: offer the questions (they can wait until the first reminder)."""
    button = start_button(context.deps, visit)
    if button is not None:
        await reply(update, context, "intake_offer", keyboard=inline([[button]]),
                    count=len(pending_for(context.deps, visit)))


async def start_pressed(update: Update, context: WellbotContext, button: IntakeStart) -> None:
    """Start or resume a visit's questions (the presser's own, still booked)."""
    deps = context.deps
    visit = store.get_visit(deps.db, button.visit_id)
    if visit is None or visit.user_id != update.effective_user.id:
        raise CallbackDataError("not the presser's visit")
    if visit.status != store.BOOKED:
        await reply(update, context, "visits_gone")
        return
    await answer(update, context)
    state = deps.flows.start(visit.user_id, FLOW, ASK, {"visit": visit.id})
    await ask_next(update, context, state, new=True)


async def ask_next(update: Update, context: WellbotContext, state: Flow, *, new: bool = False) -> None:
    """Show the first question neither answered nor skipped; thank the patient when none are left."""
    deps = context.deps
    visit = store.get_visit(deps.db, state.data["visit"])
    questions = questions_for(deps, visit)
    left = pending(questions, store.intake_answers(deps.db, visit.id))
    if not left:
        deps.flows.clear(state.user_id)
        await reply_or_show(update, context, "intake_done", new=new)
        return
    question = left[0]
    state.step = TYPE if question.kind == TEXT else ASK
    state.data["key"] = question.key
    deps.flows.save(state)
    # Shown in the patient's language, stored as the clinic file's (default language) answer at the same place.
    stored = _current(deps, state).choices()
    choices = [(label, IntakeAnswer(state.token, value).pack()) for label, value in zip(question.choices(), stored,
                                                                                        strict=False)]
    rows = [choices[i:i + CHOICES_PER_ROW] for i in range(0, len(choices), CHOICES_PER_ROW)]
    rows.append([(SKIP_LABEL, IntakeSkip(state.token).pack()), (LATER_LABEL, IntakeLater(state.token).pack())])
    await reply_or_show(update, context, "intake_question", new=new, keyboard=inline(rows), question=question,
                        number=len(questions) - len(left) + 1, total=len(questions), typed=question.kind == TEXT)


async def _record(update: Update, context: WellbotContext, state: Flow, value: str | None, *, new: bool) -> None:
    """Save an answer (None: skipped) to the current question, then ask the next."""
    deps = context.deps
    if not actions.answer_intake(deps, visit_id=state.data["visit"], user_id=state.user_id, key=state.data["key"],
                                 answer=value):
        deps.flows.clear(state.user_id)
        await reply_or_show(update, context, "visits_gone", new=new)
        return
    await ask_next(update, context, state, new=new)


def _current(deps: Deps, state: Flow) -> Question:
    """The question on screen, as the clinic file has it (answers are stored in its words, whatever was shown)."""
    question = intake_of(deps.base_clinic).questions.get(state.data.get("key", ""))
    if question is None:
        raise CallbackDataError("question no longer in the clinic file")
    return question


async def answer_pressed(update: Update, context: WellbotContext, button: IntakeAnswer, state: Flow) -> None:
    """An answer button: it must be one the question offers."""
    if not valid_answer(_current(context.deps, state), button.value):
        raise CallbackDataError("not an answer this question offers")
    await _record(update, context, state, button.value, new=False)


async def skip_pressed(update: Update, context: WellbotContext, button: IntakeSkip, state: Flow) -> None:
    """Skip: recorded as skipped, so resuming does not ask it again."""
    await _record(update, context, state, None, new=False)


async def later_pressed(update: Update, context: WellbotContext, button: IntakeLater, state: Flow) -> None:
    """Finish later: keep what was answered and stop."""
    context.deps.flows.clear(state.user_id)
    await show(update, context, "intake_later")


async def on_text(update: Update, context: WellbotContext) -> None:
    """A typed answer: free text, or one of the buttons' answers typed ("7", "yes", "not sure")."""
    deps = context.deps
    state = deps.flows.get(update.effective_user.id)
    question = _current(deps, state)
    value = _typed_in_any_language(deps, question, update.message.text or "")
    if value is None:
        if question.kind == TEXT:
            await reply(update, context, "intake_bad_text")
        else:
            await reply(update, context, "intake_bad_choice", score=question.kind == SCORE)
        return
    await _record(update, context, state, value, new=True)


def _typed_in_any_language(deps: Deps, question: Question, text: str) -> str | None:
    """A typed answer as stored: an option typed as shown in the patient's language maps to the clinic file's."""
    shown = intake_of(deps.clinic).questions.get(question.key)
    if shown is not None and question.kind == CHOICE:
        said = " ".join(text.split()).lower().rstrip(".!")
        for label, value in zip(shown.choices(), question.choices(), strict=False):
            if label.lower() == said:
                return value
    return typed_answer(question, text)


def answers_for_staff(deps: Deps, visit: store.Visit) -> list[dict]:
    """A visit's questions with the patient's answers, for the staff card (skipped and unanswered shown)."""
    answers = store.intake_answers(deps.db, visit.id)
    return [{"question": q.text, "answered": q.key in answers, "answer": answers.get(q.key)}
            for q in questions_for(deps, visit)]


async def resume(update: Update, context: WellbotContext) -> None:
    """Ask the current question again, as a new message (after /language changed mid-flow)."""
    state = context.deps.flows.get(update.effective_user.id)
    if state is not None:
        await ask_next(update, context, state, new=True)


STEPS = FlowSteps(
    flow=FLOW,
    buttons={ANY_STEP: frozenset({IntakeSkip, IntakeLater}), ASK: frozenset({IntakeAnswer})},
    on_text=on_text,
    typed=frozenset({TYPE, ASK}),  # answers offered as buttons may be typed too
    on_resume=resume,
)

ROUTES = [
    ButtonRoute.typed(IntakeStart, start_pressed),
    ButtonRoute.typed(IntakeAnswer, answer_pressed),
    ButtonRoute.typed(IntakeSkip, skip_pressed),
    ButtonRoute.typed(IntakeLater, later_pressed),
]
