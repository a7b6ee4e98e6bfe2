"""Callback data and keyboards of reply suggestions: 💡 under forwarded buyer messages, and
Send as is / Edit / Another one under a suggestion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from services.marketplace.outbox import SuggestButton


class SuggestPress(CallbackData, prefix="mps"):
    """Suggest a reply in this buyer chat (the button under its forwarded messages)."""

    chat: int


class SuggestionAction(CallbackData, prefix="mpg"):
    """Send as is, Edit, or Another one, on this suggestion."""

    action: Literal["send", "edit", "another"]
    suggestion: int


def suggest_keyboard(button: SuggestButton) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=button.label, callback_data=SuggestPress(chat=button.buyer_chat_id))
    return builder.as_markup()


def suggestion_keyboard(t: Callable[..., str], suggestion_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in ("send", "edit", "another"):
        builder.button(
            text=t(f"desk-suggestion-button-{action}"),
            callback_data=SuggestionAction(action=action, suggestion=suggestion_id),
        )
    builder.adjust(1, 2)
    return builder.as_markup()
