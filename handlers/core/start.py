from __future__ import annotations

import logging
from collections.abc import Sequence
from html import escape

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram_i18n import I18nContext

from bot.config import Module
from handlers.core.rendering import main_menu_markup
from services.models import User
from services.users import is_valid_deep_link_payload, record_start_source

logger = logging.getLogger(__name__)


async def start(
    message: Message,
    command: CommandObject,
    i18n: I18nContext,
    menu_modules: Sequence[Module],
    user: User,
    is_new_user: bool,
    state: FSMContext,
    raw_state: str | None,
) -> None:
    payload = command.args
    if payload:
        if is_valid_deep_link_payload(payload):
            record_start_source(user, payload)
        else:
            logger.info("ignored malformed /start payload from user %s", user.telegram_id)
    if raw_state is not None:  # flows always set a state; nothing to leave otherwise
        await state.clear()
    greeting = "start-greeting" if is_new_user else "start-greeting-back"
    await message.answer(
        i18n.get(greeting, name=escape(user.first_name or "")),
        reply_markup=main_menu_markup(i18n, menu_modules),
    )


def register(router: Router) -> None:
    router.message.register(start, CommandStart())
