from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from bot.config import Module
from handlers.core.callbacks import LanguageCallback, MenuCallback
from services.languages import SUPPORTED_LANGUAGES

SETTINGS_SECTION = "settings"
HELP_SECTION = "help"
HOME_SECTION = "home"


def built_once_per_language(
    build: Callable[[I18nContext], InlineKeyboardMarkup],
) -> Callable[[I18nContext], InlineKeyboardMarkup]:
    """Caches a keyboard that depends only on the language. Markups are never mutated after
    they are built, so every message in that language can share one instance."""
    built: dict[str, InlineKeyboardMarkup] = {}

    @functools.wraps(build)
    def cached(i18n: I18nContext) -> InlineKeyboardMarkup:
        markup = built.get(i18n.locale)
        if markup is None:
            markup = built[i18n.locale] = build(i18n)
        return markup

    return cached


def main_menu_button(i18n: I18nContext) -> InlineKeyboardButton:
    """The button that leads home, under the screens of every module."""
    return InlineKeyboardButton(
        text=i18n.get("button-main-menu"), callback_data=MenuCallback(section=HOME_SECTION).pack()
    )


def main_menu(i18n: I18nContext, modules: Sequence[Module]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for module in modules:
        builder.button(
            text=i18n.get(f"menu-{module.value}"), callback_data=MenuCallback(section=module.value)
        )
    builder.button(
        text=i18n.get("menu-settings"), callback_data=MenuCallback(section=SETTINGS_SECTION)
    )
    builder.button(text=i18n.get("menu-help"), callback_data=MenuCallback(section=HELP_SECTION))
    builder.adjust(1)
    return builder.as_markup()


@built_once_per_language
def back_to_menu(i18n: I18nContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[main_menu_button(i18n)]])


@built_once_per_language
def language_choice(i18n: I18nContext) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for language in SUPPORTED_LANGUAGES:
        builder.button(
            text=i18n.get(f"language-name-{language}"),
            callback_data=LanguageCallback(language=language),
        )
    builder.adjust(len(SUPPORTED_LANGUAGES))
    return builder.as_markup()


VOICE_QUESTIONS_SECTION = "voice_questions"
_SETTINGS_MENUS: dict[tuple[str, bool | None], InlineKeyboardMarkup] = {}


def settings_menu(i18n: I18nContext, voice_questions: bool | None = None) -> InlineKeyboardMarkup:
    """Language, and the "questions read aloud" switch when text-to-speech is available
    (`voice_questions` is the user's choice, None hides it)."""
    key = (i18n.locale, voice_questions)
    markup = _SETTINGS_MENUS.get(key)
    if markup is not None:
        return markup
    builder = InlineKeyboardBuilder()
    builder.button(
        text=i18n.get("settings-change-language"), callback_data=MenuCallback(section="language")
    )
    if voice_questions is not None:
        builder.button(
            text=i18n.get(f"settings-voice-questions-{'off' if voice_questions else 'on'}"),
            callback_data=MenuCallback(section=VOICE_QUESTIONS_SECTION),
        )
    builder.button(text=i18n.get("button-back"), callback_data=MenuCallback(section=HOME_SECTION))
    builder.adjust(1)
    markup = _SETTINGS_MENUS[key] = builder.as_markup()
    return markup
