"""The marketplace section of the private menu: how a seller sets up its desk, with a button
that adds the bot to a group as an administrator that manages topics."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from bot.config import Module
from handlers.core.callbacks import MenuCallback
from handlers.core.keyboards import main_menu_button
from handlers.screens import show

# Telegram's "add to group" link asks for these administrator rights up front.
ADMIN_RIGHTS = "manage_topics+delete_messages"


def add_to_group_url(bot_username: str) -> str:
    return f"https://t.me/{bot_username}?startgroup=connect&admin={ADMIN_RIGHTS}"


def desk_setup(i18n: I18nContext, bot_username: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=i18n.get("desk-button-add-to-group"), url=add_to_group_url(bot_username))
    builder.add(main_menu_button(i18n))
    builder.adjust(1)
    return builder.as_markup()


async def marketplace_section(query: CallbackQuery, i18n: I18nContext, bot: Bot) -> None:
    me = await bot.me()
    await show(query, i18n.get("desk-setup"), desk_setup(i18n, me.username or ""))


def register(router: Router) -> None:
    router.callback_query.register(
        marketplace_section, MenuCallback.filter(F.section == Module.MARKETPLACE)
    )
