"""Bot API calls counted for `/metrics`: every attempt, by method and result."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from services.metrics import BOT_API_CALLS, result_of_status

_STATUS_OF_ERROR: tuple[tuple[type[Exception], int | None], ...] = (
    (TelegramRetryAfter, 429),
    (TelegramForbiddenError, 403),
    (TelegramBadRequest, 400),
    (TelegramUnauthorizedError, 401),
    (TelegramNotFound, 404),
    (TelegramConflictError, 409),
    (TelegramEntityTooLarge, 413),
    (TelegramServerError, 500),
    (TelegramNetworkError, None),
)


def result_of_error(error: Exception) -> str:
    for kind, status in _STATUS_OF_ERROR:
        if isinstance(error, kind):
            return result_of_status(status)
    return "error"


class CountBotApiCalls(BaseRequestMiddleware):
    """Innermost of the session's middlewares, so each retry is one more attempt."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            response = await make_request(bot, method)
        except Exception as error:
            BOT_API_CALLS.labels(method.__api_method__, result_of_error(error)).inc()
            raise
        BOT_API_CALLS.labels(method.__api_method__, "ok").inc()
        return response
