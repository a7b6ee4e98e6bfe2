"""Shared screens that several handlers show: the main menu."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram_i18n import I18nContext

from bot.config import Module
from handlers.core.keyboards import main_menu

_MAIN_MENUS: dict[tuple[str, tuple[Module, ...]], InlineKeyboardMarkup] = {}


def main_menu_markup(i18n: I18nContext, menu_modules: Sequence[Module]) -> InlineKeyboardMarkup:
    """The main menu: a button per enabled module that has a screen (`menu_modules`, from the
    dispatcher), then settings and help. Built once per (language, modules) and reused after
    that: markups are never mutated after they are built, so sharing one instance is safe.
    """
    key = (i18n.locale, tuple(menu_modules))
    markup = _MAIN_MENUS.get(key)
    if markup is None:
        markup = _MAIN_MENUS[key] = main_menu(i18n, menu_modules)
    return markup
