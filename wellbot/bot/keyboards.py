"""Small builders for inline and reply keyboards.

Every label passes through the catalogue here (wellbot.core.i18n), in the
language of the message being written: a label declared with `N_()` is
shown translated, and a label that is data (a time, a service name, an FAQ
question) is not in the catalogue and stays as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from wellbot.core.i18n import translate

# A button is (label, callback_data), or (label, None, url) for a link.
Button = tuple[str, str] | tuple[str, None, str]


def inline(rows: Iterable[Sequence[Button]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback_data) pairs; empty rows are dropped."""
    built = []
    for row in rows:
        buttons = []
        for button in row:
            label = translate(button[0])
            if len(button) == 3:
                buttons.append(InlineKeyboardButton(label, url=button[2]))
            else:
                buttons.append(InlineKeyboardButton(label, callback_data=button[1]))
        if buttons:
            built.append(buttons)
    return InlineKeyboardMarkup(built)


def column(buttons: Iterable[Button]) -> InlineKeyboardMarkup:
    """One button per row."""
    return inline([button] for button in buttons)


def share_contact(label: str) -> ReplyKeyboardMarkup:
    """A one-time reply keyboard with Telegram's share-contact button."""
    return ReplyKeyboardMarkup([[KeyboardButton(translate(label), request_contact=True)]],
                               one_time_keyboard=True, resize_keyboard=True)
