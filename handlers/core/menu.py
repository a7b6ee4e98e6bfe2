from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_i18n import I18nContext

from bot.config import Module, Settings
from handlers.core.callbacks import MenuCallback
from handlers.core.keyboards import (
    HELP_SECTION,
    HOME_SECTION,
    SETTINGS_SECTION,
    VOICE_QUESTIONS_SECTION,
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


def _settings_screen(
    i18n: I18nContext, user: User, voice_questions_available: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """Language, and whether questions are read aloud (only where text-to-speech exists)."""
    text = i18n.get("settings-title", language=i18n.get(f"language-name-{user.language}"))
    if voice_questions_available:
        state = "on" if user.voice_questions else "off"
        text += "\n" + i18n.get("settings-voice-questions", state=i18n.get(f"settings-{state}"))
    voice = user.voice_questions if voice_questions_available else None
    return text, settings_menu(i18n, voice)


# `voice_questions_available` comes from the interview module; without it there is no switch.
async def settings_command(
    message: Message, i18n: I18nContext, user: User, voice_questions_available: bool = False
) -> None:
    text, markup = _settings_screen(i18n, user, voice_questions_available)
    await message.answer(text, reply_markup=markup)


async def settings_section(
    query: CallbackQuery, i18n: I18nContext, user: User, voice_questions_available: bool = False
) -> None:
    await show(query, *_settings_screen(i18n, user, voice_questions_available))


async def toggle_voice_questions(
    query: CallbackQuery, i18n: I18nContext, user: User, voice_questions_available: bool = False
) -> None:
    if not voice_questions_available:
        await query.answer(i18n.get("callback-stale"))
        return
    user.voice_questions = not user.voice_questions
    await show(query, *_settings_screen(i18n, user, voice_questions_available))


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
    router.callback_query.register(
        toggle_voice_questions, MenuCallback.filter(F.section == VOICE_QUESTIONS_SECTION)
    )
    router.callback_query.register(language_section, MenuCallback.filter(F.section == "language"))
    router.callback_query.register(
        module_intro, MenuCallback.filter(F.section.in_({module.value for module in Module}))
    )
