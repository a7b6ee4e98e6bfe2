from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser

from services.users import RecentUsers, TelegramProfile, upsert_user


class UserMiddleware(BaseMiddleware):
    """Upserts the person behind the update and puts the `user` row into handler data."""

    def __init__(self, default_language: str, recent_users: RecentUsers | None = None) -> None:
        self.default_language = default_language
        self.recent_users = recent_users or RecentUsers()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        telegram_user: TelegramUser | None = data.get("event_from_user")
        if telegram_user is None or telegram_user.is_bot:
            return await handler(event, data)
        session = data["session"]
        profile = TelegramProfile(
            telegram_id=telegram_user.id,
            first_name=telegram_user.first_name,
            last_name=telegram_user.last_name,
            username=telegram_user.username,
            language_code=telegram_user.language_code,
        )
        user = await self.recent_users.attach(session, profile)
        if user is None:
            user, data["is_new_user"] = await upsert_user(
                session, profile, fallback_language=self.default_language
            )
        else:
            data["is_new_user"] = False
        data["user"] = user
        try:
            result = await handler(event, data)
        except BaseException:
            self.recent_users.forget(user.telegram_id)
            raise
        self.recent_users.remember(user)
        return result
