from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext

from bot.config import Module, Settings
from handlers.core.callbacks import MenuCallback
from handlers.core.keyboards import (
    HELP_SECTION,
    HOME_SECTION,
    SETTINGS_SECTION,
    back_to_menu,
    language_choice,
    settings_menu,
)
from handlers.core.rendering import main_menu_markup
from handlers.screens import show
from services.models import User


async def home(query: CallbackQuery, i18n: I18nContext, settings: Settings, user: User) -> None:
    await show(query, i18n.get("main-menu-title"), main_menu_markup(i18n, settings, user))


async def help_command(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("help-text"), reply_markup=back_to_menu(i18n))


async def help_section(query: CallbackQuery, i18n: I18nContext) -> None:
    await show(query, i18n.get("help-text"), back_to_menu(i18n))


def _settings_text(i18n: I18nContext, user: User) -> str:
    return i18n.get("settings-title", language=i18n.get(f"language-name-{user.language}"))


async def settings_command(message: Message, i18n: I18nContext, user: User) -> None:
    await message.answer(_settings_text(i18n, user), reply_markup=settings_menu(i18n))


async def settings_section(query: CallbackQuery, i18n: I18nContext, user: User) -> None:
    await show(query, _settings_text(i18n, user), settings_menu(i18n))


async def language_section(query: CallbackQuery, i18n: I18nContext) -> None:
    await show(query, i18n.get("language-prompt"), language_choice(i18n))


async def module_intro(
    query: CallbackQuery, callback_data: MenuCallback, i18n: I18nContext, settings: Settings
) -> None:
    """The entry screen of a module that is on but has no screens of its own yet."""
    if Module(callback_data.section) not in settings.modules:
        await query.answer(i18n.get("callback-stale"))
        return
    text = (
        i18n.get(f"module-{callback_data.section}-intro") + "\n\n" + i18n.get("module-coming-soon")
    )
    await show(query, text, back_to_menu(i18n))


def register(router: Router) -> None:
    router.callback_query.register(home, MenuCallback.filter(F.section == HOME_SECTION))
    router.message.register(help_command, Command("help"))
    router.callback_query.register(help_section, MenuCallback.filter(F.section == HELP_SECTION))
    router.message.register(settings_command, Command("settings"))
    router.callback_query.register(
        settings_section, MenuCallback.filter(F.section == SETTINGS_SECTION)
    )
    router.callback_query.register(language_section, MenuCallback.filter(F.section == "language"))
    router.callback_query.register(
        module_intro, MenuCallback.filter(F.section.in_({module.value for module in Module}))
    )
