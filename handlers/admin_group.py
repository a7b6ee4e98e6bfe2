"""The operator's admin group (ADMIN_CHAT_ID) as every module's admin part sees it: who may
act there, and the language its texts are in."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, TelegramObject
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from services.admins import AdminRole, admin_role


class IsAdmin(Filter):
    """An owner (ADMIN_IDS) or an admin they added, acting in the admin group (ADMIN_CHAT_ID).

    Read from the database on every update, so a removed admin's next message or press is
    already refused. Gives handlers `admin_role`.
    """

    async def __call__(
        self, event: TelegramObject, settings: Settings, session: AsyncSession
    ) -> bool | dict[str, AdminRole]:
        message = event.message if isinstance(event, CallbackQuery) else event
        user = getattr(event, "from_user", None)
        chat = getattr(message, "chat", None)
        if (
            settings.admin_chat_id is None
            or chat is None
            or chat.id != settings.admin_chat_id
            or user is None
        ):
            return False
        role = await admin_role(session, user.id, settings.admin_ids)
        return {"admin_role": role} if role is not None else False


def admin_text(i18n: I18nContext, settings: Settings, key: str, **args: Any) -> str:
    """A text for the admin group, which several admins share: in the operator's language
    (DEFAULT_LANGUAGE), whatever each admin's own."""
    return i18n.core.get(key, settings.default_language, **args)
