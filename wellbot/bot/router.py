"""Turns feature declarations into PTB handlers, in one explicit order.

Order matters and is pinned here (and by tests): the guard runs first for
every update; then commands; then buttons; then typed input, which goes to
the user's current flow, else to the free-text feature (the FAQ), else to a
helpful "I didn't catch that".
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from wellbot.bot import callbacks, keyboards
from wellbot.bot.busy import retry_while_busy
from wellbot.bot.deps import Deps, WellbotContext
from wellbot.bot.features import ButtonRoute, Command, Feature, FlowSteps, Handler, MenuItem, TextCheck, all_commands
from wellbot.bot.messaging import answer, reply
from wellbot.core import i18n, patients
from wellbot.core.busy import locked, wait_while_busy
from wellbot.core.db import is_busy

log = logging.getLogger(__name__)

GUARD_GROUP = -10
MAIN_GROUP = 0


@dataclass(frozen=True)
class OpenMenuItem(callbacks.Button, tag="menu"):
    """An entry of the /start menu, by its key."""

    key: str


# Guards run before anything else and may stop an update (flood control,
# group chats). Features append to this list; each returns True to stop.
Guard = Callable[[Update, WellbotContext], "object"]


def install(application: Application, features: list[Feature], guards: list[Guard]) -> None:
    """Add every handler the features declare to `application`."""
    application.add_handler(TypeHandler(Update, _guard_runner(guards)), group=GUARD_GROUP)
    for command in all_commands(features):
        application.add_handler(
            CommandHandler(command.name, _retrying(_command_runner(command)), filters=filters.ChatType.PRIVATE),
            group=MAIN_GROUP,
        )
    menu = {item.key: item for feature in features for item in feature.menu}
    routes = {route.prefix: route for feature in features for route in feature.buttons}
    routes[OpenMenuItem.TAG] = ButtonRoute.typed(OpenMenuItem, _menu_runner(menu))
    tables = [steps for feature in features for steps in feature.flow_steps]
    step_tables = {kind: steps for steps in tables for kind in steps.kinds()}
    application.add_handler(CallbackQueryHandler(_button_runner(routes, step_tables)), group=MAIN_GROUP)
    flows: dict[str, Handler] = {name: handler for feature in features for name, handler in feature.flows.items()}
    flows.update({steps.flow: _typed_step_runner(steps) for steps in tables})
    staff_flows = frozenset(name for feature in features for name in feature.staff_flows)
    free_text = [f.free_text for f in features if f.free_text]
    if len(free_text) > 1:
        raise ValueError("only one feature may handle free text")
    checks = [check for feature in features for check in feature.text_checks]
    typed = (filters.TEXT & ~filters.COMMAND) | filters.CONTACT
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & typed,
                       _retrying(_input_runner(flows, staff_flows, free_text[0] if free_text else None, checks))),
        group=MAIN_GROUP,
    )
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.COMMAND, _unknown_command),
        group=MAIN_GROUP,
    )
    for feature in features:
        for handler, group in feature.handlers:
            application.add_handler(handler, group=group)


def _retrying(handler: Handler) -> Handler:
    """The handler, run again after a short wait if the database was locked before it answered (wellbot.bot.busy)."""
    async def run(update: Update, context: WellbotContext) -> None:
        await retry_while_busy(lambda: handler(update, context), context.deps.db)

    return run


_touching: set[asyncio.Task] = set()  # last-seen writes put off while another process holds the lock


def _touch(deps: Deps, user_id: int, chat_id: int, first: str, languages: Sequence[str]) -> str | None:
    """Record the patient's visit and return their stored language (`first` if none yet).

    A known patient's last-seen waits for a locked database off the reply's path; their language is read then.
    """
    try:
        if locked(deps.db) and patients.is_known(deps.db, user_id):
            raise sqlite3.OperationalError("database is locked")  # known to be: do not spend the loop finding out
        return patients.touch(deps.db, deps.clock, user_id, chat_id, first)
    except Exception as exc:
        if not is_busy(exc) or not patients.is_known(deps.db, user_id):
            raise  # a first contact must have its row before anything else is written: retried with the update

        async def touch_later() -> None:
            async def touch() -> None:
                patients.touch(deps.db, deps.clock, user_id, chat_id, first)

            await wait_while_busy(deps.db)
            await retry_while_busy(touch, deps.db, "last-seen")

        task = asyncio.create_task(touch_later())
        _touching.add(task)
        task.add_done_callback(_touching.discard)
        return patients.language_of(deps.db, user_id, languages, first)  # a read: the lock does not stop it


def _guard_runner(guards: list[Guard]) -> Handler:
    async def run_guards(update: Update, context: WellbotContext) -> None:
        """Record the patient, then let each guard stop the update."""
        user, chat = update.effective_user, update.effective_chat

        async def check() -> bool:
            """Touch the patient's row (their language with it) and ask each guard; True to stop the update."""
            deps = context.deps
            clinic = deps.base_clinic
            i18n.set_language(clinic.default_language)  # a group's or a channel's update: the clinic's language
            if user and chat and chat.type == chat.PRIVATE and not user.is_bot:
                first = i18n.match_language(user.language_code, clinic.languages, clinic.default_language)
                stored = _touch(deps, user.id, chat.id, first, clinic.languages)
                i18n.set_language(stored if stored in clinic.languages else clinic.default_language)
            for guard in guards:
                if await guard(update, context):
                    return True
            return False

        try:
            stop = await retry_while_busy(check, context.deps.db)
        except Exception as exc:
            # PTB would carry on with the next handler group after an error;
            # a failed guard must not let the update through (or fail twice).
            await context.application.process_error(update, exc)
            stop = True
        if stop:
            raise ApplicationHandlerStop

    return run_guards


def _command_runner(command: Command) -> Handler:
    async def run_command(update: Update, context: WellbotContext) -> None:
        """Run a command, refusing staff commands to everyone else."""
        if command.staff and not context.deps.settings.is_staff(update.effective_user.id):
            log.info("staff command refused command=%s user_id=%s", command.name, update.effective_user.id)
            await reply(update, context, "staff_only")
            return
        await command.handler(update, context)

    return run_command


def _menu_runner(menu: dict[str, MenuItem]) -> Callable[[Update, WellbotContext, OpenMenuItem], Awaitable[None]]:
    async def open_menu_item(update: Update, context: WellbotContext, button: OpenMenuItem) -> None:
        """A main-menu entry: its feature's handler (an entry since removed is a stale button)."""
        item = menu.get(button.key)
        if item is None:
            raise callbacks.CallbackDataError("no such menu item")
        await answer(update, context)
        await item.handler(update, context)

    return open_menu_item


def _button_runner(routes: dict[str, ButtonRoute], step_tables: dict[type, FlowSteps]) -> Handler:
    async def run_button(update: Update, context: WellbotContext) -> None:
        """Route a pressed button by prefix; staff buttons re-check the presser every time."""
        query = update.callback_query

        async def press() -> None:
            route, parts = _route_for(routes, query.data)
            if route.staff and not context.deps.settings.is_staff(update.effective_user.id):
                log.info("staff button refused prefix=%s user_id=%s", route.prefix, update.effective_user.id)
                await answer(update, context, context.deps.renderer.render("staff_only_toast"), alert=True)
                return
            if route.button is not None:
                await _run_typed(update, context, route, route.button.unpack(parts), step_tables)
            else:
                await route.handler(update, context, parts)

        try:
            await retry_while_busy(press, context.deps.db)
        except callbacks.CallbackDataError as exc:
            log.info("unusable button user_id=%s reason=%s", update.effective_user.id, exc)
            await answer(update, context, context.deps.renderer.render("stale_button_toast"), alert=True)
        finally:
            await answer(update, context)

    return run_button


async def _run_typed(update: Update, context: WellbotContext, route: ButtonRoute, button: callbacks.Button,
                     step_tables: dict[type, FlowSteps]) -> None:
    """Call a typed button's handler; a flow button only with its live flow, at a step that allows it."""
    steps = step_tables.get(type(button))
    if steps is None:
        await route.handler(update, context, button)
        return
    state = context.deps.flows.current(update.effective_user.id, steps.flow, button.token)  # type: ignore[attr-defined]
    if state is None:
        if steps.on_stale is not None and await steps.on_stale(update, context, button):
            return
        raise callbacks.CallbackDataError(f"stale {steps.flow} button")
    if not steps.allows(state.step, type(button)):
        raise callbacks.CallbackDataError(f"{type(button).__name__} out of step")
    await route.handler(update, context, button, state)


def _typed_step_runner(steps: FlowSteps) -> Handler:
    async def run_typed_step(update: Update, context: WellbotContext) -> None:
        """Typed text for a flow with declared steps: only at its typed steps."""
        state = context.deps.flows.get(update.effective_user.id)
        if state is None or steps.on_text is None or (steps.typed is not None and state.step not in steps.typed):
            if state is not None and steps.on_untyped is not None:
                await steps.on_untyped(update, context)
            else:
                await reply(update, context, steps.use_buttons)
            return
        await steps.on_text(update, context)

    return run_typed_step


def _route_for(routes: dict[str, ButtonRoute], data: str | None) -> tuple[ButtonRoute, list[str]]:
    """The route of the longest tag the data carries, with the parts after that tag."""
    for tag, parts in callbacks.candidates(data):
        route = routes.get(tag)
        if route is not None:
            return route, parts
    raise callbacks.CallbackDataError("unknown prefix")  # never echo forged data into logs


def _input_runner(flows: dict[str, Handler], staff_flows: frozenset[str], free_text: Handler | None,
                  checks: list[TextCheck]) -> Handler:
    async def run_input(update: Update, context: WellbotContext) -> None:
        """Screen typed text (triage), then send it to the user's flow (a staff flow only while they are staff),
        else to the free-text feature."""
        deps, user_id = context.deps, update.effective_user.id
        state = deps.flows.get(user_id)
        if state is not None and state.flow in staff_flows and not deps.settings.is_staff(user_id):
            deps.flows.clear(user_id)  # begun while they were staff: their rights ended, so does the flow
            log.info("staff flow ended: no longer staff flow=%s user_id=%s", state.flow, user_id)
            await reply(update, context, "staff_only")
            return
        flow = state.flow if state is not None and state.flow in flows else None
        for check in checks:  # before any flow can take an emergency as a name or a choice
            if await check(update, context, flow):
                return
        if flow is not None:
            await flows[flow](update, context)
        elif free_text is not None and update.message.text:
            await free_text(update, context)
        else:
            await reply(update, context, "unknown_text", keyboard=main_menu(context.deps))
        for followup in context.followups:  # a mention's safety line comes after the normal answer
            await followup()

    return run_input


def main_menu(deps: Deps) -> InlineKeyboardMarkup:
    """The /start menu: every feature's menu items, in their declared order."""
    items = sorted((item for feature in deps.features for item in feature.menu), key=lambda item: item.order)
    return keyboards.column((i18n.translate(item.label), OpenMenuItem(item.key).pack()) for item in items)


async def _unknown_command(update: Update, context: WellbotContext) -> None:
    """Answer a command the bot does not know with a pointer to /help."""
    name = update.message.text.split()[0].lstrip("/").split("@")[0]
    await reply(update, context, "unknown_command", command=name[:64])
