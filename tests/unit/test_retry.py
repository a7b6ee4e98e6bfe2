"""Retries of Bot API calls after a lost connection."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError
from aiogram.methods import AnswerCallbackQuery, SendMessage

from bot.retry import RetryOnFloodAndServerErrors


def failing_then(method, *outcomes):  # type: ignore[no-untyped-def]
    calls = []

    async def make_request(bot, sent):  # type: ignore[no-untyped-def]
        calls.append(sent)
        outcome = outcomes[len(calls) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return make_request, calls


async def test_a_callback_answered_before_the_disconnect_is_not_an_error() -> None:
    method = AnswerCallbackQuery(callback_query_id="1")
    make_request, calls = failing_then(
        method,
        TelegramNetworkError(method, "Server disconnected"),
        TelegramBadRequest(method, "Bad Request: query is too old"),
    )
    retry = RetryOnFloodAndServerErrors(base_delay=0)
    response = await retry(make_request, None, method)  # type: ignore[arg-type]
    assert response.ok and response.result is True and len(calls) == 2


async def test_other_bad_requests_still_fail() -> None:
    method = SendMessage(chat_id=1, text="hi")
    make_request, _ = failing_then(
        method,
        TelegramNetworkError(method, "Server disconnected"),
        TelegramBadRequest(method, "Bad Request: chat not found"),
    )
    with pytest.raises(TelegramBadRequest):
        await RetryOnFloodAndServerErrors(base_delay=0)(make_request, None, method)  # type: ignore[arg-type]

    callback = AnswerCallbackQuery(callback_query_id="2")
    make_request, _ = failing_then(callback, TelegramBadRequest(callback, "query is too old"))
    with pytest.raises(TelegramBadRequest):  # no disconnect first: a real mistake
        await RetryOnFloodAndServerErrors(base_delay=0)(make_request, None, callback)  # type: ignore[arg-type]
