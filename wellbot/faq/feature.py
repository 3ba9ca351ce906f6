"""The FAQ feature's declaration: /faq, its buttons and menu item, reload on SIGHUP.

Free text is the conversation feature's: it asks the FAQ when a message is not a request.
"""

from __future__ import annotations

from wellbot.bot.features import ButtonRoute, Command, Feature, MenuItem
from wellbot.core.i18n import N_
from wellbot.faq import cli as faq_cli
from wellbot.faq.handlers import (
    ShowAnswer,
    TopicPage,
    TopicsPage,
    answer_pressed,
    check_and_load,
    faq_command,
    show_topics,
    topic_pressed,
    topics_pressed,
    unwatch_sighup,
    watch_sighup,
)

FEATURE = Feature(
    name="faq",
    cli=faq_cli.COMMANDS,  # wellbot faq reload
    commands=[Command("faq", N_("Questions & answers"), faq_command, usage=N_("[words]"))],
    buttons=[ButtonRoute.typed(TopicsPage, topics_pressed), ButtonRoute.typed(TopicPage, topic_pressed),
             ButtonRoute.typed(ShowAnswer, answer_pressed)],
    menu=[MenuItem("faq", N_("Questions & answers"), show_topics, order=30)],
    deep_links={"faq": show_topics},
    startup=[watch_sighup],
    shutdown=[unwatch_sighup],
    checks=[check_and_load],
)
