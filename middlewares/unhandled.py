from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update

logger = logging.getLogger(__name__)


class UnhandledUpdateLogger(BaseMiddleware):
    """Updates no handler wanted are ignored on purpose; this leaves a trace of them."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        result = await handler(event, data)
        if result is UNHANDLED and isinstance(event, Update):
            logger.info("ignored update %s of type %s", event.update_id, event.event_type)
        return result
