"""Telegram side of digests: the cron job, /digest_preview and /digest_send."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from telegram import Update
from telegram.ext import Application

from wellbot.bot import keyboards
from wellbot.bot.deps import DEPS_KEY, Deps, WellbotContext
from wellbot.bot.messaging import answer, reply, send_html, show
from wellbot.core.i18n import N_
from wellbot.newsletter import actions, digest, store
from wellbot.newsletter.buttons import PreviewFor, SendDigest
from wellbot.newsletter.messenger import subscription_keyboard

log = logging.getLogger(__name__)

JOB_NAME = "newsletter-digest"
SEND_LABEL = N_("Send the digest now")
PICK_LIMIT = 10


def check_digest(deps: Deps) -> None:
    """The [digest] table must be valid and the digest template must render (ConfigError otherwise)."""
    digest.digest_config(deps.clinic)
    deps.renderer.render(digest.TEMPLATE, **deps.renderer.sample_values(digest.TEMPLATE))


def schedule_digests(application: Application) -> None:
    """Run the digest on the clinic's cron schedule through PTB's JobQueue (APScheduler's CronTrigger)."""
    deps: Deps = application.bot_data[DEPS_KEY]
    if application.job_queue is None:
        log.warning("no job queue: scheduled digests are off (install python-telegram-bot[job-queue])")
        return
    config = digest.digest_config(deps.clinic)

    async def run_scheduled(context: WellbotContext) -> None:
        """Queue the digest; in quiet hours, try again when they end."""
        campaign_id, why = actions.queue_digest(deps, "schedule")
        if why == "quiet":
            when = digest.quiet_end_after(deps.clock.now(), config, deps.clinic)
            context.job_queue.run_once(run_scheduled, when, name=JOB_NAME)
            log.info("digest deferred past quiet hours until=%s", when.isoformat())
        elif campaign_id is None:
            log.info("scheduled digest not sent reason=%s", why)

    application.job_queue.run_custom(run_scheduled, job_kwargs={"trigger": config.trigger(deps.clinic)},
                                     name=JOB_NAME)


async def preview(update: Update, context: WellbotContext) -> None:
    """Show exactly what a subscriber would receive next: `/digest_preview <user id>`, or pick one."""
    deps = context.deps
    if not context.args:
        subscribers = store.recipients(deps.db, store.ALL)[:PICK_LIMIT]
        rows = [[(str(r["user_id"]), PreviewFor(r["user_id"]).pack())] for r in subscribers]
        await reply(update, context, "digest_preview_pick", keyboard=keyboards.inline(rows), count=len(subscribers))
        return
    try:
        user_id = int(context.args[0])
    except ValueError:
        await reply(update, context, "digest_preview_pick", keyboard=None, count=0, bad=context.args[0][:32])
        return
    await _show_preview(update, context, user_id)


async def _show_preview(update: Update, context: WellbotContext, user_id: int) -> None:
    deps = context.deps
    row = next((r for r in store.recipients(deps.db, store.ALL) if r["user_id"] == user_id), None)
    if row is None:
        await reply(update, context, "digest_preview_none", user_id=user_id, subscribed=False)
        return
    text, ids = digest.next_digest(deps.db, deps.renderer, deps.base_clinic, digest.digest_config(deps.clinic),
                                   user_id, json.loads(row["topics"]), deps.clock.now(),
                                   deps.language_of(user_id))  # exactly what they get: in their language
    if not ids:
        await reply(update, context, "digest_preview_none", user_id=user_id, subscribed=True)
        return
    await reply(update, context, "digest_preview_intro", user_id=user_id, count=len(ids))
    await send_html(context.bot, deps, update.effective_chat.id, [text], subscription_keyboard())


def quiet_until(deps: Deps) -> datetime | None:
    """When the clinic's quiet hours end, if they are on now; else None."""
    config, now = digest.digest_config(deps.clinic), deps.clock.now()
    return digest.quiet_end_after(now, config, deps.clinic) if config.quiet(now, deps.clinic) else None


async def ask_send(update: Update, context: WellbotContext) -> None:
    """Say how many subscribers have news, with a confirm button (none in quiet hours)."""
    deps = context.deps
    if (until := quiet_until(deps)) is not None:  # say so now rather than after the button
        await reply(update, context, "digest_not_sent", reason="quiet", until=until, campaign_id=0)
        return
    count = digest.subscribers_with_news(deps.db, deps.clock.now())
    keyboard = keyboards.inline([[(SEND_LABEL, SendDigest().pack())]]) if count else None
    await reply(update, context, "digest_send_confirm", keyboard=keyboard, count=count)


async def preview_pressed(update: Update, context: WellbotContext, button: PreviewFor) -> None:
    """A subscriber picked from the preview list."""
    await answer(update, context)
    await _show_preview(update, context, button.user_id)


async def send_pressed(update: Update, context: WellbotContext, button: SendDigest) -> None:
    """The send confirmation: queue the digest unless one is pending or it is quiet hours."""
    campaign_id, why = actions.queue_digest(context.deps, str(update.effective_user.id))
    if campaign_id is None and why == "pending":
        await answer(update, context, context.deps.renderer.render("digest_not_sent", reason=why))
        return
    await show(update, context, "digest_not_sent" if campaign_id is None else "digest_queued",
               reason=why, campaign_id=campaign_id or 0, until=quiet_until(context.deps))
