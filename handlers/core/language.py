from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext

from bot.config import Module
from handlers.core.callbacks import LanguageCallback
from handlers.core.keyboards import language_choice
from handlers.core.rendering import main_menu_markup
from handlers.screens import show
from services.languages import SUPPORTED_LANGUAGES
from services.models import User


async def language_command(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("language-prompt"), reply_markup=language_choice(i18n))


async def choose_language(
    query: CallbackQuery,
    callback_data: LanguageCallback,
    i18n: I18nContext,
    menu_modules: Sequence[Module],
    user: User,
    bot: Bot,
) -> None:
    if callback_data.language not in SUPPORTED_LANGUAGES:
        await query.answer(i18n.get("callback-stale"))
        return
    await i18n.set_locale(callback_data.language)
    await show(query, i18n.get("language-changed"))
    await bot.send_message(
        user.telegram_id,
        i18n.get("main-menu-title"),
        reply_markup=main_menu_markup(i18n, menu_modules),
    )


def register(router: Router) -> None:
    router.message.register(language_command, Command("language"))
    router.callback_query.register(choose_language, LanguageCallback.filter())
