"""What the admin group's commands and buttons do for someone who is not (or no longer) an
admin: commands do nothing at all, anywhere (no answer, no hint that they exist); a press on a
console button, or the input a console step was waiting for, is refused, so an admin removed
in the middle of an action cannot finish it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext

from bot.config import Settings
from handlers.admin import CONSOLE_CALLBACK_PREFIX, CONSOLE_COMMANDS
from handlers.admin_group import AdminInput, IsAdmin, admin_text
from handlers.filters import Magic

# The payments module's admin commands and buttons (/price, its confirmation, refund
# decisions) belong to the same group and are refused the same way.
REFUSED_COMMANDS = (*CONSOLE_COMMANDS, "price")
REFUSED_CALLBACKS = Magic(F.data.startswith((CONSOLE_CALLBACK_PREFIX, "prc:", "rfd:")))


async def ignore(message: Message) -> None:
    """No answer: for anyone but an admin in the admin group, these commands do not exist."""


async def refuse_press(query: CallbackQuery, i18n: I18nContext, settings: Settings) -> None:
    await query.answer(admin_text(i18n, settings, "admin-refused"), show_alert=True)


async def refuse_input(
    message: Message, state: FSMContext, i18n: I18nContext, settings: Settings
) -> None:
    await state.clear()
    await message.reply(admin_text(i18n, settings, "admin-refused"))


def build_router() -> Router:
    router = Router(name="admin.refusals")
    router.message.filter(~IsAdmin())
    router.callback_query.filter(~IsAdmin())
    router.message.register(refuse_input, StateFilter(AdminInput))
    router.message.register(ignore, Command(*REFUSED_COMMANDS))
    router.callback_query.register(refuse_press, REFUSED_CALLBACKS)
    return router
