from __future__ import annotations

from collections.abc import Sequence

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram_i18n import I18nContext

from bot.config import Module
from handlers.core.rendering import main_menu_markup


async def cancel(
    message: Message, state: FSMContext, i18n: I18nContext, menu_modules: Sequence[Module]
) -> None:
    had_state = await state.get_state() is not None
    await state.clear()
    if message.chat.type != "private":  # a group has no main menu: a short reply is enough
        await message.reply(i18n.get("cancel-done-group" if had_state else "cancel-nothing-group"))
        return
    await message.answer(
        i18n.get("cancel-done" if had_state else "cancel-nothing"),
        reply_markup=main_menu_markup(i18n, menu_modules),
    )


def register(router: Router) -> None:
    router.message.register(cancel, Command("cancel"))
