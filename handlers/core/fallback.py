"""What the bot says when nothing else wanted an update. Included after every module."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext

from bot.config import Module
from handlers.core.rendering import main_menu_markup
from handlers.filters import HAS_TEXT

logger = logging.getLogger(__name__)


async def unknown_text(message: Message, i18n: I18nContext, menu_modules: Sequence[Module]) -> None:
    await message.answer(
        i18n.get("hint-unknown-text"), reply_markup=main_menu_markup(i18n, menu_modules)
    )


async def unexpected_text_in_flow(message: Message, i18n: I18nContext) -> None:
    # A flow's own handlers take the text they expect; reaching here means the flow's step
    # expects something else (a button press), so point back to the buttons.
    await message.answer(i18n.get("hint-unknown-text"))


async def unsupported_content(message: Message, i18n: I18nContext) -> None:
    logger.info(
        "unsupported %s from user %s",
        message.content_type,
        message.from_user and message.from_user.id,
    )
    await message.answer(i18n.get("hint-unsupported-content"))


async def stale_or_tampered_callback(query: CallbackQuery, i18n: I18nContext) -> None:
    logger.info("unknown callback data %r from user %s", query.data, query.from_user.id)
    await query.answer(i18n.get("callback-stale"), show_alert=False)


def register(router: Router) -> None:
    router.message.register(unknown_text, StateFilter(None), HAS_TEXT)
    router.message.register(unexpected_text_in_flow, HAS_TEXT)
    router.message.register(unsupported_content)
    router.callback_query.register(stale_or_tampered_callback)
