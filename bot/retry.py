"""Session-level retries for every Bot API call the bot makes."""

from __future__ import annotations

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
from services.metrics import BOT_API_RETRIES
from services.retry_policy import RetryPolicy

logger = logging.getLogger(__name__)


class RetryOnFloodAndServerErrors(BaseRequestMiddleware):
    """Waits out 429 (Telegram did not process the call) and retries 5xx/network failures,
    through the platform's one retry policy.

    A 429 is always safe to repeat. Longer waits than `max_retry_after` are not absorbed
    here: the caller should queue the work instead of holding an update hostage. The sender's
    own calls get their 429 back at once: its queue waits, not the call.
    """

    def __init__(
        self, max_attempts: int = 4, max_retry_after: float = 60.0, base_delay: float = 0.5
    ) -> None:
        self.policy = RetryPolicy(
            attempts=max_attempts, base_delay=base_delay, max_delay=max_retry_after
        )

    def _worth_retrying(self, error: BaseException) -> bool:
        if isinstance(error, TelegramRetryAfter):
            return not is_queued_call() and error.retry_after <= self.policy.max_delay
        return isinstance(error, TelegramServerError | TelegramNetworkError)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        lost_connection = False
        attempts = 0

        async def attempt_once() -> Response[TelegramType]:
            nonlocal lost_connection, attempts
            attempts += 1
            if attempts > 1:
                BOT_API_RETRIES.labels(method.__api_method__).inc()
            try:
                return await make_request(bot, method)
            except TelegramNetworkError:
                lost_connection = True
                raise

        try:
            return await self.policy.call(
                attempt_once,
                retry_on=self._worth_retrying,
                purpose=method.__api_method__,
                log=logger,
            )
        except TelegramBadRequest:
            # The connection broke after Telegram had answered the callback, so the retry
            # is refused as a duplicate: the first attempt did its job.
            if lost_connection and isinstance(method, AnswerCallbackQuery):
                logger.info("answerCallbackQuery had gone through before the disconnect")
                return Response[bool](ok=True, result=True)  # type: ignore[return-value]
            raise


__all__ = ["RetryOnFloodAndServerErrors"]
