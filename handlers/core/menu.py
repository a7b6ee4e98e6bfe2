from __future__ import annotations

from collections.abc import Sequence

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_i18n import I18nContext

from bot.config import Module, Settings
from bot.registration import CommandMenus
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


async def home(query: CallbackQuery, i18n: I18nContext, menu_modules: Sequence[Module]) -> None:
    await show(query, i18n.get("main-menu-title"), main_menu_markup(i18n, menu_modules))


def help_text(i18n: I18nContext, title: str, commands: Sequence[str], footer: str | None) -> str:
    """Every command of the place, each with the description Telegram's menu shows for it."""
    lines = [i18n.get(title)]
    lines += [
        i18n.get("help-command", command=command, description=i18n.get(f"command-{command}"))
        for command in commands
    ]
    if footer is not None:
        lines += ["", i18n.get(footer)]
    return "\n".join(lines)


async def help_command(
    message: Message, i18n: I18nContext, settings: Settings, command_menus: CommandMenus
) -> None:
    if message.chat.type == "private":
        text = help_text(i18n, "help-title", command_menus.private, "help-footer")
        await message.answer(text, reply_markup=back_to_menu(i18n))
        return
    # A group: the commands that work there (the console's in the admin group).
    in_admin_chat = message.chat.id == settings.admin_chat_id
    commands = command_menus.admin_chat if in_admin_chat else command_menus.group_admins
    title = "help-title-admin-chat" if in_admin_chat else "help-title-group"
    await message.reply(help_text(i18n, title, (*commands, "help", "cancel"), None))


async def help_section(
    query: CallbackQuery, i18n: I18nContext, command_menus: CommandMenus
) -> None:
    text = help_text(i18n, "help-title", command_menus.private, "help-footer")
    await show(query, text, back_to_menu(i18n))


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
