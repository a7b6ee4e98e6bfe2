"""Shared screens that several handlers show: the main menu."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram_i18n import I18nContext

from bot.config import Module, Settings
from handlers.core.keyboards import main_menu
from services.models import User

_MAIN_MENUS: dict[tuple[str, tuple[Module, ...], bool], InlineKeyboardMarkup] = {}


def main_menu_markup(i18n: I18nContext, settings: Settings, user: User) -> InlineKeyboardMarkup:
    """The main menu; built once per (language, modules, admin or not) and reused after that.

    Markups are never mutated after they are built, so sharing one instance is safe.
    """
    is_admin = user.telegram_id in settings.admin_ids
    key = (i18n.locale, tuple(settings.modules), is_admin)
    markup = _MAIN_MENUS.get(key)
    if markup is None:
        markup = _MAIN_MENUS[key] = main_menu(i18n, settings.modules, is_admin=is_admin)
    return markup
