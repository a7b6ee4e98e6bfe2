"""A running broadcast in the admin group: its progress message (edited every few seconds),
Pause / Resume / Cancel for any admin, and the report at its end (being written)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings

BROADCASTS_KEY = "broadcasts"


class BroadcastDesk:
    """The process's broadcast runner, as workflow data (handlers get it as `broadcasts`)."""


async def begin_sending(
    bot: Bot,
    session: AsyncSession,
    settings: Settings,
    i18n: I18nContext,
    broadcasts: BroadcastDesk,
    broadcast_id: int,
) -> None:
    """Call right after `start_broadcast` (and `await session.commit()`): posts the progress
    message in the admin group and starts sending at once."""


def register(router: Router) -> None:
    pass
