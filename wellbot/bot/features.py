"""How a feature declares itself: commands, buttons, menu items, flows.

Each feature module exposes one `FEATURE`; `wellbot.app` lists them in one
place, and `wellbot.bot.router` turns the declarations into PTB handlers with the
staff check applied centrally, so no staff command or button can forget it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database
from telegram import Update
from telegram.ext import Application, BaseHandler

from wellbot.bot.callbacks import Button
from wellbot.core.hooks import BlockedListener, Hooks, VisitHook, VisitListener

if TYPE_CHECKING:
    from wellbot.bot.deps import WellbotContext
    from wellbot.core.deps import Deps

Handler = Callable[[Update, "WellbotContext"], Awaitable[None]]
# Runs on every typed text before a flow or the free-text feature gets it, with
# the name of the flow the user is in (or None); True stops the text there.
TextCheck = Callable[[Update, "WellbotContext", str | None], Awaitable[bool]]
ButtonHandler = Callable[[Update, "WellbotContext", list[str]], Awaitable[None]]
TypedButtonHandler = Callable[..., Awaitable[None]]  # (update, context, button[, flow state])
StaleHandler = Callable[[Update, "WellbotContext", Any], Awaitable[bool]]
Hook = Callable[[Application], Awaitable[None]]
Check = Callable[["Deps"], None]
# Personal-data hooks, called with the database and a patient's user id.
Export = Callable[[Database, int], dict[str, Any]]  # this feature's data about the patient (for /mydata)
Erase = Callable[[Database, int, datetime], None]  # erase/anonymise it (for /forget), inside a transaction
Purge = Callable[[Database, datetime], int]  # delete records older than the cutoff; return rows removed
StatusLines = Callable[[Database, datetime], list[tuple[str, str]]]  # (label, value) pairs for `wellbot status`


@dataclass(frozen=True)
class Command:
    """A slash command, listed in /help, setMyCommands and the README."""

    name: str
    description: str
    handler: Handler
    staff: bool = False
    usage: str = ""  # arguments shown in /help, e.g. "[words]"


@dataclass(frozen=True)
class ButtonRoute:
    """Inline buttons whose callback_data starts with `prefix`, or typed buttons of one kind.

    With `button` set (a `wellbot.bot.callbacks.Button` subclass), the prefix is its tag
    and the handler gets the unpacked button instead of the raw parts.
    """

    prefix: str
    handler: ButtonHandler | TypedButtonHandler
    staff: bool = False
    button: type[Button] | None = None

    @classmethod
    def typed(cls, button: type[Button], handler: TypedButtonHandler, *, staff: bool = False) -> ButtonRoute:
        """A route for one kind of typed button."""
        return cls(button.TAG, handler, staff=staff, button=button)


ANY_STEP = "*"  # a FlowSteps key: buttons allowed at every step of the flow


@dataclass(frozen=True)
class FlowSteps:
    """A flow's declared steps: which typed buttons each step allows and which steps take typed text.

    The router enforces the table: a flow button (a Button whose first field is the flow's
    `token`) is handled only while that token is the user's live flow and its kind is allowed
    at the current step; typed text reaches `on_text` only at the `typed` steps, and anywhere
    else gets `use_buttons` (a template name). Handlers never re-check the step.
    """

    flow: str
    buttons: dict[str, frozenset[type[Button]]]  # step (or ANY_STEP) -> button kinds it allows
    on_text: Handler | None = None  # typed text or a shared contact at one of the `typed` steps
    typed: frozenset[str] | None = None  # None: every step's typed text goes to on_text, which decides
    use_buttons: str = "use_buttons"
    on_untyped: Handler | None = None  # instead of `use_buttons`: e.g. show the step's buttons again
    on_stale: StaleHandler | None = None  # a button whose token is no longer live: True if it answered
    on_resume: Handler | None = None  # show the current step again (after /language changed mid-flow)

    def allows(self, step: str, kind: type[Button]) -> bool:
        """True if a button of this kind may be pressed at `step`."""
        return kind in self.buttons.get(step, frozenset()) or kind in self.buttons.get(ANY_STEP, frozenset())

    def kinds(self) -> set[type[Button]]:
        """Every button kind this flow's table names."""
        return {kind for kinds in self.buttons.values() for kind in kinds}


@dataclass(frozen=True)
class MenuItem:
    """An entry of the /start main menu; `key` doubles as its deep-link payload."""

    key: str
    label: str
    handler: Handler
    order: int = 50


@dataclass
class Feature:
    """Everything one feature adds to the bot."""

    name: str
    commands: list[Command] = field(default_factory=list)
    buttons: list[ButtonRoute] = field(default_factory=list)
    menu: list[MenuItem] = field(default_factory=list)
    deep_links: dict[str, Handler] = field(default_factory=dict)
    flows: dict[str, Handler] = field(default_factory=dict)  # flow name -> typed-input handler (no step table)
    flow_steps: list[FlowSteps] = field(default_factory=list)  # flows with declared steps (router-enforced)
    staff_flows: frozenset[str] = frozenset()  # those of its flows only staff may be in (re-checked per message)
    effects: dict[str, Any] = field(default_factory=dict)  # outbox kind -> performer (wellbot.bot.outbox)
    idempotent_effects: frozenset[str] = frozenset()  # of those, kinds safe to push twice (edits)
    free_text: Handler | None = None  # what plain text outside any flow means (one feature at most)
    text_checks: list[TextCheck] = field(default_factory=list)  # see TextCheck: triage reads every message first
    composing_flows: frozenset[str] = frozenset()  # flows where staff write content (news, broadcasts), not answers
    handlers: list[tuple[BaseHandler, int]] = field(default_factory=list)  # extra PTB handlers, with group
    startup: list[Hook] = field(default_factory=list)  # run after the bot is initialised
    shutdown: list[Hook] = field(default_factory=list)  # run before the bot stops
    checks: list[Check] = field(default_factory=list)  # validate clinic sections/content; raise ConfigError
    start_notes: list[Handler] = field(default_factory=list)  # run by /start after the greeting
    status: list[StatusLines] = field(default_factory=list)
    export_data: Export | None = None
    erase_data: Erase | None = None
    purge: Purge | None = None
    owns_visit_records: bool = False  # its export lists visits; its purge gets the past-visits cutoff
    # Hooks into other features' changes, collected once by `collect_hooks` (see wellbot.core.hooks).
    on_visit_changed: VisitListener | None = None  # inside the transaction that changed a visit
    after_visit_booked: VisitHook | None = None  # after a booking is committed
    after_visit_freed: VisitHook | None = None  # after a visit's time is freed (cancelled or moved away)
    on_patient_blocked: BlockedListener | None = None  # inside the transaction that marks a patient blocked
    cli: list[CliCommand] = field(default_factory=list)  # `wellbot` subcommands this feature adds


@dataclass(frozen=True)
class CliCommand:
    """A `wellbot` subcommand: help text with an example, and `run(args, settings) -> exit code`."""

    name: str
    help: str
    example: str
    run: Callable[[Any, Any], int]
    configure: Callable[[Any], None] = lambda parser: None


def collect_hooks(features: list[Feature]) -> Hooks:
    """Every feature's declared hooks, in feature order."""
    return Hooks(
        visit_changed=tuple(f.on_visit_changed for f in features if f.on_visit_changed),
        visit_booked=tuple(f.after_visit_booked for f in features if f.after_visit_booked),
        visit_freed=tuple(f.after_visit_freed for f in features if f.after_visit_freed),
        patient_blocked=tuple(f.on_patient_blocked for f in features if f.on_patient_blocked),
    )


def all_commands(features: list[Feature]) -> list[Command]:
    """Every command, in feature order; names are unique."""
    commands: list[Command] = []
    for feature in features:
        for command in feature.commands:
            if any(c.name == command.name for c in commands):
                raise ValueError(f"command /{command.name} declared twice")
            commands.append(command)
    return commands
