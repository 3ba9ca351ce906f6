"""Telegram side of the newsletter: staff commands, buttons, the engine's start/stop and reports.

Thin adapters over `broadcast`, `store` and `engine`. Every id in a button is
re-checked against the database and the presser (a forged or stale button
changes nothing); pressing "Send now" twice queues the broadcast once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup
from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application

from wellbot.bot import callbacks, keyboards
from wellbot.bot.deps import DEPS_KEY, Deps, WellbotContext
from wellbot.bot.lanes import READ_TIMEOUT
from wellbot.bot.messaging import NOT_MODIFIED, answer, reply, send_html, show
from wellbot.bot.monitor import CountedMessenger
from wellbot.bot.ratelimit import BulkAwareRateLimiter, budget_of
from wellbot.core.flows import Flow
from wellbot.core.i18n import N_, _, speaking
from wellbot.newsletter import actions, broadcast, digest, digest_handlers, store, translations
from wellbot.newsletter.buttons import (
    ChooseAudience,
    DropBroadcast,
    ResendUncertain,
    ResumeCampaign,
    SendBroadcast,
)
from wellbot.newsletter.engine import Campaign, Engine, Status, engine_config
from wellbot.newsletter.messenger import TelegramMessenger, bulk_bot, subscription_keyboard
from wellbot.newsletter.wire import WireMessenger, uses_proxy
from wellbot.staff import notify_staff

log = logging.getLogger(__name__)

FLOW = "bc"
STEP_COMPOSE = "compose"
STEP_AUDIENCE = "audience"
ALL_KEY = "*"  # the "all subscribers" audience inside callback_data (topic keys are [a-z0-9_])
HISTORY_LIMIT = 10
RESUME_LABEL = N_("Resume sending")  # bc_paused names it, in the staff's language
RESEND_LABEL = N_("Resend to {count} uncertain")


def engine_of(deps: Deps) -> Engine | None:
    """The running delivery engine (None before start-up or after shutdown)."""
    return deps.engine


# --- the engine's life and its reports to staff ------------------------------------

class StaffReporter:
    """Keeps the staff's progress message current and tells staff when a campaign ends or pauses."""

    def __init__(self, bot: Any, deps: Deps) -> None:
        self.bot = bot
        self.deps = deps
        self.throttle = broadcast.EditThrottle()

    async def progress(self, campaign: Campaign, counts: dict[str, int], rate: float) -> None:
        """Edit the progress message (at most every few seconds, never with the same text)."""
        await self._edit(campaign.id, counts, rate, Status.RUNNING.value, force=False)

    async def finished(self, campaign: Campaign, counts: dict[str, int], status: Status, reason: str) -> None:
        """Show the final figures; if the campaign paused, tell every staff member why (each in their language)."""
        shown = await self._edit(campaign.id, counts, 0.0, status.value, force=True)
        self.throttle.forget(campaign.id)
        figures, uncertain, kind = broadcast.progress_figures(counts, 0.0), counts["uncertain"], campaign.kind
        if status is Status.PAUSED:
            await notify_staff(self.bot, self.deps, "bc_paused", campaign_id=campaign.id,
                               keyboard=lambda: keyboards.inline([[(RESUME_LABEL,
                                                                    ResumeCampaign(campaign.id).pack())]]),
                               localized=lambda: {"kind": broadcast.kind_word(kind),
                                                  "reason": broadcast.pause_reason(reason)}, **figures)
        elif not shown:
            await notify_staff(self.bot, self.deps, "bc_finished", campaign_id=campaign.id,
                               localized=lambda: {"kind": broadcast.kind_word(kind),
                                                  "status": broadcast.status_word(status.value)}, **figures)
        if uncertain:
            await notify_staff(self.bot, self.deps, "bc_uncertain", campaign_id=campaign.id, uncertain=uncertain,
                               keyboard=lambda: keyboards.inline([[(_(RESEND_LABEL).format(count=uncertain),
                                                                    ResendUncertain(campaign.id).pack())]]),
                               localized=lambda: {"kind": broadcast.kind_word(kind)})

    async def _edit(self, campaign_id: int, counts: dict[str, int], rate: float, status: str, force: bool) -> bool:
        row = store.get_campaign(self.deps.db, campaign_id)
        if row is None or not row["progress_message_id"]:
            return False
        with speaking(self.deps.staff_language(row["progress_chat_id"])):  # the staff member who sent it
            text = self.deps.renderer.render("bc_progress", campaign_id=campaign_id,
                                             status=broadcast.status_word(status),
                                             audience=broadcast.audience_label(self.deps.clinic, row["audience"]),
                                             **broadcast.progress_figures(counts, rate))
        if not self.throttle.should_edit(campaign_id, text, force=force):
            return True
        try:
            await self.bot.edit_message_text(text, chat_id=row["progress_chat_id"],
                                             message_id=row["progress_message_id"], parse_mode=ParseMode.HTML)
        except BadRequest as exc:
            if NOT_MODIFIED not in str(exc).lower():
                log.warning("progress edit refused campaign_id=%s error=%s", campaign_id, exc)
        except TelegramError as exc:
            log.warning("progress edit failed campaign_id=%s error=%s", campaign_id, type(exc).__name__)
        return True


async def start_engine(application: Application) -> None:
    """Build the engine on the app's bot and resume whatever campaign was running."""
    deps: Deps = application.bot_data[DEPS_KEY]
    config, paid = engine_config(deps.settings.extra)
    digest_config = digest.digest_config(deps.clinic)
    planners = {broadcast.KIND: broadcast.planner,
                digest.KIND: digest.make_planner(deps.renderer, deps.base_clinic, digest_config, deps.clock.now)}
    messenger = await bulk_messenger(application.bot, config.max_in_flight, paid,
                                     deps.bulk_read_timeout or READ_TIMEOUT, deps.base_clinic.languages)
    records = store.SqliteStore(deps.db, deps.clock, planners, deps.hooks.patient_blocked, owner=deps.worker_id)
    # Wire pushes bypass the rate limiter, where the other sends are counted for /metrics.
    counted = CountedMessenger(messenger, deps.monitor) if isinstance(messenger, WireMessenger) else messenger
    sender = Engine(records, counted, StaffReporter(application.bot, deps), config,
                    hold=digest.quiet_hold(digest_config, deps.clinic, deps.clock.now),
                    pacer=budget_of(application.bot))  # news takes the slots replies and reminders leave
    deps.engine, deps.bulk_bot = sender, messenger
    sender.start()
    digest_handlers.schedule_digests(application)


async def stop_engine(application: Application) -> None:
    """Let the pushes in flight finish; the rest resumes on the next start."""
    deps: Deps = application.bot_data[DEPS_KEY]
    sender, deps.engine = deps.engine, None
    if sender is not None:
        await sender.stop()
    messenger, deps.bulk_bot = deps.bulk_bot, None
    if isinstance(messenger, WireMessenger):
        await messenger.close()
    elif messenger is not None:
        await messenger.bot.shutdown()


def _keyboard_in(lang: str) -> dict[str, Any]:
    """The subscription buttons of a bulk message, in `lang`."""
    with speaking(lang):
        return subscription_keyboard().to_dict()


async def bulk_messenger(bot: Bot, lanes: int, paid: bool, read_timeout: float = READ_TIMEOUT,
                         languages: Sequence[str] = ()) -> WireMessenger | TelegramMessenger:
    """The engine's messenger: straight on the wire (a lane per push in flight), or through PTB behind a proxy."""
    limiter = getattr(bot, "rate_limiter", None)
    if not uses_proxy():
        # benchmarks/README.md, paid broadcast: PTB's objects cost more CPU per message than 1,000/s allows.
        return WireMessenger(bot.base_url, subscription_keyboard().to_dict(), lanes=lanes, paid=paid,
                             keyboards={lang: _keyboard_in(lang) for lang in languages},
                             ready=limiter.bulk_ready if isinstance(limiter, BulkAwareRateLimiter) else None,
                             read_timeout=read_timeout)
    pushing = bulk_bot(bot, lanes, read_timeout)
    await pushing.initialize()
    return TelegramMessenger(pushing, paid)


def check_settings(deps: Deps) -> None:
    """WELLBOT_SEND_RATE and WELLBOT_PAID_BROADCAST must parse (ConfigError otherwise)."""
    engine_config(deps.settings.extra)


# --- /broadcast: compose -> audience -> preview and count -> confirm ----------------

async def start_broadcast(update: Update, context: WellbotContext) -> None:
    """Ask for the broadcast text."""
    context.deps.flows.start(update.effective_user.id, FLOW, STEP_COMPOSE)
    await reply(update, context, "bc_compose")


async def on_broadcast_text(update: Update, context: WellbotContext) -> None:
    """Take the composed text (with its formatting), then ask for the audience."""
    deps = context.deps
    state = deps.flows.get(update.effective_user.id)
    try:
        body = broadcast.check_body(update.message.text_html if update.message.text else "")
    except broadcast.BodyError as exc:
        await reply(update, context, "bc_invalid", reason=exc.shown())
        return
    state.data["body"] = body
    state.step = STEP_AUDIENCE
    deps.flows.save(state)
    await _ask_audience(update, context, state.token)


async def ask_audience_again(update: Update, context: WellbotContext) -> None:
    """Typed text once the broadcast's text is in: show the audience buttons again."""
    await _ask_audience(update, context, context.deps.flows.get(update.effective_user.id).token)


async def resume_broadcast(update: Update, context: WellbotContext) -> None:
    """Ask for the text, or show the audience buttons, again (after /language changed mid-flow)."""
    state = context.deps.flows.get(update.effective_user.id)
    if state is None:
        return
    if state.step == STEP_COMPOSE:
        await reply(update, context, "bc_compose")
    else:
        await _ask_audience(update, context, state.token)


async def _ask_audience(update: Update, context: WellbotContext, token: str) -> None:
    options = broadcast.audiences(context.deps.db, context.deps.clinic)
    rows = [[(f"{label} ({count})", ChooseAudience(token, _audience_key(audience)).pack())]
            for audience, label, count in options]
    await reply(update, context, "bc_audience", keyboard=keyboards.inline(rows))


def _audience_key(audience: str) -> str:
    return store.audience_topic(audience) or ALL_KEY


async def choose_audience(update: Update, context: WellbotContext, button: ChooseAudience, state: Flow) -> None:
    """Save a draft for the chosen audience, show the exact message and the count, ask to confirm."""
    deps, user_id = context.deps, update.effective_user.id
    audience = store.ALL if button.audience == ALL_KEY else store.TOPIC_PREFIX + button.audience
    if "body" not in state.data or not broadcast.valid_audience(deps.clinic, audience):
        raise callbacks.CallbackDataError("stale or forged audience button")
    count = store.count_recipients(deps.db, audience)
    if count == 0:  # a campaign to nobody helps no one: keep the text and the audience buttons
        await answer(update, context, deps.renderer.render("bc_nobody_toast"))
        return
    with speaking(deps.base_clinic.default_language):  # the default version's frame, whatever staff read
        text = deps.renderer.render("bc_message", body=Markup(state.data["body"]))
    campaign_id = store.create_campaign(deps.db, deps.clock, broadcast.KIND, audience, text, user_id,
                                        status=Status.DRAFT)
    deps.flows.clear(user_id)
    await answer(update, context)
    await send_html(context.bot, deps, update.effective_chat.id, [text], subscription_keyboard())
    keyboard = translations.broadcast_keyboard(deps, campaign_id)  # Send, Cancel, Add <language> version
    await reply(update, context, "bc_confirm", keyboard=keyboard, count=count,
                audience=broadcast.audience_label(deps.clinic, audience))


def _own_draft(update: Update, context: WellbotContext, campaign_id: int) -> dict[str, Any]:
    """The campaign the button names, if it is this staff member's broadcast; else CallbackDataError."""
    row = store.get_campaign(context.deps.db, campaign_id)
    if row is None or row["kind"] != broadcast.KIND or row["created_by"] != update.effective_user.id:
        raise callbacks.CallbackDataError("not this staff member's broadcast")
    return row


async def confirm(update: Update, context: WellbotContext, button: SendBroadcast) -> None:
    """Queue the draft (once, however often pressed) and post a live progress message."""
    deps = context.deps
    row = _own_draft(update, context, button.campaign_id)
    if not actions.queue_broadcast(deps, row["id"], update.effective_user.id):
        await answer(update, context, deps.renderer.render("bc_already_toast",
                                                           status=broadcast.status_word(row["status"])))
        return
    ahead = [c for c in store.active_campaigns(deps.db) if c["id"] != row["id"] and c["status"] != "paused"]
    await show(update, context, "bc_queued", campaign_id=row["id"], ahead=len(ahead))
    count = store.count_recipients(deps.db, row["audience"])
    counts = {**dict.fromkeys(store.DELIVERY_STATUSES, 0), "pending": count, "total": count}
    rate = sender.config.rate if (sender := engine_of(deps)) is not None else 0.0
    try:
        progress = await reply(update, context, "bc_progress", campaign_id=row["id"],
                               status=broadcast.status_word(Status.QUEUED.value),
                               audience=broadcast.audience_label(deps.clinic, row["audience"]),
                               **broadcast.progress_figures(counts, rate))
        if progress is not None:
            store.set_progress_message(deps.db, row["id"], progress.chat_id, progress.message_id)
    finally:
        actions.start_sending(deps)  # only now (the reports must find the message), and even if it failed


async def drop(update: Update, context: WellbotContext, button: DropBroadcast) -> None:
    """Throw the draft away."""
    row = _own_draft(update, context, button.campaign_id)
    if actions.drop_draft(context.deps, row["id"]) or row["status"] == "cancelled":
        await show(update, context, "bc_dropped")
    else:
        await answer(update, context, context.deps.renderer.render("bc_already_toast",
                                                                   status=broadcast.status_word(row["status"])))


async def resume(update: Update, context: WellbotContext, button: ResumeCampaign) -> None:
    """Queue a paused campaign again (any staff member may)."""
    deps = context.deps
    campaign_id = button.campaign_id
    if store.get_campaign(deps.db, campaign_id) is None:
        raise callbacks.CallbackDataError("no such campaign")
    if not actions.resume_campaign(deps, campaign_id, update.effective_user.id):
        await answer(update, context, deps.renderer.render("bc_already_toast",
                                                           status=broadcast.status_word("not paused")))
        return
    await show(update, context, "bc_resumed", campaign_id=campaign_id)


async def resend(update: Update, context: WellbotContext, button: ResendUncertain) -> None:
    """Send a campaign's uncertain deliveries again, because a staff member chose to (any staff member may)."""
    deps = context.deps
    row = store.get_campaign(deps.db, button.campaign_id)
    if row is None:
        raise callbacks.CallbackDataError("no such campaign")
    count = actions.resend_uncertain(deps, row["id"], update.effective_user.id)
    if not count:
        await answer(update, context, deps.renderer.render("bc_nothing_uncertain_toast"))
        return
    await show(update, context, "bc_resending", campaign_id=row["id"], kind=broadcast.kind_word(row["kind"]),
               count=count)


async def cancel_broadcast(update: Update, context: WellbotContext) -> None:
    """Stop the broadcast that is sending (or the next queued or paused one)."""
    deps = context.deps
    sender = engine_of(deps)
    running = sender.current.campaign if sender is not None and sender.current is not None else None
    if running is not None and running.kind == broadcast.KIND:
        sender.cancel(running.id)
        log.info("broadcast cancel requested campaign_id=%s by=%s", running.id, update.effective_user.id)
        await reply(update, context, "bc_cancelled", campaign_id=running.id, running=True)
        return
    for row in store.active_campaigns(deps.db):
        if row["kind"] == broadcast.KIND and store.cancel(deps.db, deps.clock, row["id"]):
            await reply(update, context, "bc_cancelled", campaign_id=row["id"], running=False)
            return
    await reply(update, context, "bc_nothing_to_cancel")


async def list_broadcasts(update: Update, context: WellbotContext) -> None:
    """Past and current broadcasts with their results."""
    deps = context.deps
    rows = [{**row, "audience_label": broadcast.audience_label(deps.clinic, row["audience"]),
             "status": broadcast.status_word(row["status"]),
             "pause_reason": broadcast.pause_reason(row["pause_reason"]) if row.get("pause_reason") else ""}
            for row in store.list_campaigns(deps.db, broadcast.KIND, HISTORY_LIMIT)]
    await reply(update, context, "bc_history", campaigns=rows)


# --- status, retention and personal data ----------------------------------------

def status_lines(db: Any, now: Any) -> list[tuple[str, str]]:
    """The running and queued campaigns for `wellbot status`."""
    lines = []
    for row in store.active_campaigns(db):
        counts = store.delivery_counts(db, row["id"])
        lines.append((f"newsletter {row['kind']} #{row['id']}",
                      f"{row['status']}: {counts['sent']} sent, {counts['pending']} pending of {counts['total']}"))
    return lines or [("newsletter", "no campaign running or queued")]
