"""The newsletter feature's declaration: staff commands and buttons for broadcasts, news items and digests,
the delivery engine's start and stop, and its personal-data hooks."""

from __future__ import annotations

from wellbot.bot.features import ButtonRoute, Command, Feature, FlowSteps
from wellbot.core.i18n import N_
from wellbot.newsletter import cli as news_cli
from wellbot.newsletter import digest_handlers, news_handlers, store, translations
from wellbot.newsletter.buttons import (
    ChooseAudience,
    DropBroadcast,
    PreviewFor,
    ResendUncertain,
    ResumeCampaign,
    SendBroadcast,
    SendDigest,
)
from wellbot.newsletter.handlers import (
    FLOW,
    STEP_AUDIENCE,
    STEP_COMPOSE,
    ask_audience_again,
    cancel_broadcast,
    check_settings,
    choose_audience,
    confirm,
    drop,
    list_broadcasts,
    on_broadcast_text,
    resend,
    resume,
    resume_broadcast,
    start_broadcast,
    start_engine,
    status_lines,
    stop_engine,
)

# The broadcast flow: typed text is the broadcast at the compose step; afterwards the audience
# buttons are shown again instead.
BROADCAST_STEPS = FlowSteps(FLOW, {STEP_AUDIENCE: frozenset({ChooseAudience})}, on_text=on_broadcast_text,
                            typed=frozenset({STEP_COMPOSE}), on_untyped=ask_audience_again,
                            on_resume=resume_broadcast)

FEATURE = Feature(
    name="newsletter",
    cli=news_cli.COMMANDS,  # wellbot news add/list/delete/import
    commands=[
        Command("broadcast", N_("Send a message to subscribers"), start_broadcast, staff=True),
        Command("broadcast_cancel", N_("Stop the broadcast being sent"), cancel_broadcast, staff=True),
        Command("broadcasts", N_("Past broadcasts and their results"), list_broadcasts, staff=True),
        Command("news_add", N_("Write a health-news item"), news_handlers.start_add, staff=True),
        Command("news_list", N_("The latest health-news items"), news_handlers.list_news, staff=True),
        Command("news_edit", N_("Change a news item"), news_handlers.start_edit, staff=True, usage=N_("<id>")),
        Command("news_delete", N_("Delete a news item"), news_handlers.ask_delete, staff=True, usage=N_("<id>")),
        Command("digest_preview", N_("What a subscriber's next digest looks like"), digest_handlers.preview,
                staff=True, usage=N_("[user id]")),
        Command("digest_send", N_("Send the next digest now"), digest_handlers.ask_send, staff=True),
    ],
    buttons=[ButtonRoute.typed(ChooseAudience, choose_audience, staff=True),
             ButtonRoute.typed(SendBroadcast, confirm, staff=True),
             ButtonRoute.typed(DropBroadcast, drop, staff=True),
             ButtonRoute.typed(ResumeCampaign, resume, staff=True),
             ButtonRoute.typed(ResendUncertain, resend, staff=True),
             ButtonRoute.typed(PreviewFor, digest_handlers.preview_pressed, staff=True),
             ButtonRoute.typed(SendDigest, digest_handlers.send_pressed, staff=True),
             *news_handlers.ROUTES,
             *translations.ROUTES],  # "Add <language> version" of a draft broadcast or a saved news item
    flow_steps=[BROADCAST_STEPS, news_handlers.NEWS_STEPS, translations.STEPS],
    # staff write health content: triage lets it through
    composing_flows=frozenset({FLOW, news_handlers.FLOW, translations.FLOW}),
    # end when staff rights do
    staff_flows=frozenset({BROADCAST_STEPS.flow, news_handlers.NEWS_STEPS.flow, translations.FLOW}),
    startup=[start_engine],
    shutdown=[stop_engine],
    checks=[check_settings, digest_handlers.check_digest],
    status=[status_lines],
    export_data=store.export_deliveries,
    erase_data=store.erase_deliveries,
    purge=store.purge_deliveries,
)
