"""The last line of defence: log the update with its traceback, tell the user, keep going."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext, I18nMiddleware

from handlers.core.callbacks import MenuCallback
from handlers.core.keyboards import HOME_SECTION

logger = logging.getLogger(__name__)


async def report_error(event: ErrorEvent, bot: Bot, i18n: I18nContext | None = None) -> bool:
    update = event.update
    logger.error("update %s failed", update.update_id, exc_info=event.exception)
    chat_id = _private_chat_of(event)
    if chat_id is None:
        return True
    translate = i18n.get if i18n is not None else I18nMiddleware.get_current().core.get
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=translate("button-main-menu"), callback_data=MenuCallback(section=HOME_SECTION)
    )
    if update.callback_query is not None:
        # The failed handler may already have answered the query; that is fine.
        with suppress(TelegramAPIError):
            await update.callback_query.answer()
    try:
        await bot.send_message(
            chat_id, translate("error-generic"), reply_markup=keyboard.as_markup()
        )
    except TelegramAPIError:
        logger.exception("could not tell the user about the failure of update %s", update.update_id)
    return True


def _private_chat_of(event: ErrorEvent) -> int | None:
    update = event.update
    message = update.message or (update.callback_query.message if update.callback_query else None)
    if message is None or message.chat.type != "private":
        return None
    return message.chat.id


def register(router: Router) -> None:
    router.errors.register(
        report_error,
    )
