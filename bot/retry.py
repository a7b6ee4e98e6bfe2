"""Session-level retries for every Bot API call the bot makes."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.sender import is_queued_call

logger = logging.getLogger(__name__)


class RetryOnFloodAndServerErrors(BaseRequestMiddleware):
    """Waits out 429 (Telegram did not process the call) and retries 5xx/network failures.

    A 429 is always safe to repeat. Longer waits than `max_retry_after` are not absorbed
    here: the caller should queue the work instead of holding an update hostage. The sender's
    own calls get their 429 back at once: its queue waits, not the call.
    """

    def __init__(
        self, max_attempts: int = 4, max_retry_after: float = 60.0, base_delay: float = 0.5
    ) -> None:
        self.max_attempts = max_attempts
        self.max_retry_after = max_retry_after
        self.base_delay = base_delay

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        attempt = 1
        lost_connection = False
        while True:
            try:
                return await make_request(bot, method)
            except TelegramBadRequest:
                # The connection broke after Telegram had answered the callback, so the retry
                # is refused as a duplicate: the first attempt did its job.
                if lost_connection and isinstance(method, AnswerCallbackQuery):
                    logger.info("answerCallbackQuery had gone through before the disconnect")
                    return Response[bool](ok=True, result=True)  # type: ignore[return-value]
                raise
            except TelegramRetryAfter as error:
                if (
                    is_queued_call()
                    or attempt >= self.max_attempts
                    or error.retry_after > self.max_retry_after
                ):
                    raise
                logger.warning(
                    "%s hit the flood limit; retrying in %ss",
                    method.__api_method__,
                    error.retry_after,
                )
                await asyncio.sleep(error.retry_after)
            except (TelegramServerError, TelegramNetworkError) as error:
                if attempt >= self.max_attempts:
                    raise
                lost_connection = lost_connection or isinstance(error, TelegramNetworkError)
                delay = self.base_delay * 2 ** (attempt - 1)
                logger.warning(
                    "%s failed (%s); retrying in %.1fs", method.__api_method__, error, delay
                )
                await asyncio.sleep(delay)
            attempt += 1


__all__ = ["RetryOnFloodAndServerErrors"]
