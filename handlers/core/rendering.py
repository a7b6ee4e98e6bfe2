"""Shared screens that several handlers show: the main menu."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram_i18n import I18nContext

from bot.config import Settings
from handlers.core.keyboards import main_menu
from services.models import User


def main_menu_markup(i18n: I18nContext, settings: Settings, user: User) -> InlineKeyboardMarkup:
    return main_menu(i18n, settings.modules, is_admin=user.telegram_id in settings.admin_ids)
