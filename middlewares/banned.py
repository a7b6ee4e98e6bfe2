"""Users an admin blocked (/user → Block): one polite notice, then nothing, until unblocked."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import TelegramObject, Update
from sqlalchemy.ext.asyncio import AsyncSession

from services.models import User
from services.users import claim_ban_notice

logger = logging.getLogger(__name__)


class BannedUserMiddleware(BaseMiddleware):
    """Stops every update of a blocked user before any handler sees it.

    Runs right after the user middleware, which puts the `user` row into handler data. The
    first update from the user's private chat after the block claims the notice in the
    database (`claim_ban_notice`: once across processes) and sends it in their language; every
    other update gets nothing. A press on a button is answered without text, so the button
    stops spinning, and shows no screen.

    Two kinds of update still pass: a `successful_payment` (the money is already taken: it is
    credited, as always), and anything from an owner (ADMIN_IDS) blocked before they were
    made one; making someone an admin lifts their block. A checkout is declined with the
    notice as its error, so a blocked user is not charged.

    How soon a block works: at the user's next update in the process where the admin pressed
    Block (the handler drops them from this process's user cache); in other processes within
    one minute, the lifetime of a cached user row (`services.users.RecentUsers`).
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("user")
        if not isinstance(user, User) or user.banned_at is None or not isinstance(event, Update):
            return await handler(event, data)
        if user.telegram_id in data["settings"].admin_ids:
            # Made an owner after the block (adding an admin lifts the block instead).
            return await handler(event, data)
        if event.message is not None and event.message.successful_payment is not None:
            return await handler(event, data)
        if event.pre_checkout_query is not None:
            await event.pre_checkout_query.answer(
                ok=False, error_message=_notice(data, user.language)
            )
            return None
        if event.callback_query is not None:
            with contextlib.suppress(TelegramAPIError):  # a press too old to answer
                await event.callback_query.answer()
        if _from_private_chat(event) and user.ban_notice_sent_at is None:
            await self._send_notice_once(data["bot"], data["session"], data, user)
        return None

    async def _send_notice_once(
        self, bot: Bot, session: AsyncSession, data: dict[str, Any], user: User
    ) -> None:
        if not await claim_ban_notice(session, user.telegram_id):
            return  # sent before (from another process, or before this row was cached)
        # Claimed for every process before it is sent: a failure below loses the notice
        # rather than risking a second one.
        await session.commit()
        try:
            await bot.send_message(user.telegram_id, _notice(data, user.language))
        except TelegramAPIError as error:
            logger.info("ban notice to %s not delivered: %s", user.telegram_id, error)


def _notice(data: dict[str, Any], language: str) -> str:
    # The i18n middleware runs after this one; its translations are already in the workflow data.
    return str(data["i18n_middleware"].core.get("card-banned-notice", language))


def _from_private_chat(update: Update) -> bool:
    if update.message is not None:
        return update.message.chat.type == "private"
    if update.callback_query is not None:
        message = update.callback_query.message
        return message is None or message.chat.type == "private"
    return False
