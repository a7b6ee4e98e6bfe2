"""Updates reach the bot by getUpdates long polling or by webhook POSTs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramConflictError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from sandbox import SandboxClient

NewUser = Callable[..., dict[str, Any]]


async def test_long_poll_receives_a_message_and_a_callback(
    bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    user = new_user()
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    sent = await client.send_text(user["id"], user, "/start promo")
    [update] = await poll
    assert time.monotonic() - started < 3, "the long poll must return as soon as a message arrives"
    assert update.update_id == sent["update_id"]
    assert update.message is not None and update.message.text == "/start promo"
    assert update.message.entities and update.message.entities[0].type == "bot_command"
    assert update.message.from_user and update.message.from_user.language_code == "en"

    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go:1")]]
    )
    menu = await bot.send_message(user["id"], "Menu", reply_markup=keyboard)
    pressed = await client.press(user["id"], user, menu.message_id, "tampered:data")
    [callback] = await bot.get_updates(offset=update.update_id + 1, timeout=1)
    assert callback.callback_query is not None
    assert callback.callback_query.data == "tampered:data"
    assert callback.callback_query.id == pressed["callback_query_id"]
    assert callback.callback_query.message and callback.callback_query.message.message_id == (
        menu.message_id
    )
    waiting = asyncio.create_task(client.callback_answer(pressed["callback_query_id"], wait=5))
    await asyncio.sleep(0.1)
    await bot.answer_callback_query(callback.callback_query.id, text="Done", show_alert=True)
    answer = await waiting
    assert answer["answered"] and answer["text"] == "Done" and answer["show_alert"]
    # Confirmed updates are gone; an empty poll with timeout=0 returns at once.
    assert await bot.get_updates(offset=callback.update_id + 1, timeout=0) == []


async def test_allowed_updates_filter(bot: Bot, client: SandboxClient, new_user: NewUser) -> None:
    user = new_user()
    await client.send_text(user["id"], user, "hello")
    menu = await bot.send_message(user["id"], "m")
    await client.press(user["id"], user, menu.message_id, "x")
    updates = await bot.get_updates(allowed_updates=["callback_query"], timeout=0)
    assert [update.callback_query is not None for update in updates] == [True]


@pytest.fixture
async def webhook_receiver() -> AsyncIterator[tuple[str, asyncio.Queue[Any], list[int]]]:
    """A tiny webhook endpoint: queues (headers, json). The list holds answers to give: an
    HTTP status, or a dict sent back as JSON (a method call in the webhook response)."""
    received: asyncio.Queue[Any] = asyncio.Queue()
    answers: list[Any] = []

    async def handle(request: web.Request) -> web.Response:
        await received.put((dict(request.headers), await request.json()))
        answer = answers.pop(0) if answers else 200
        if isinstance(answer, dict):
            return web.json_response(answer)
        return web.Response(status=answer)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/hook", received, answers
    await runner.cleanup()


async def test_webhook_delivery_with_secret_and_conflict(
    bot: Bot,
    client: SandboxClient,
    new_user: NewUser,
    webhook_receiver: tuple[str, asyncio.Queue[Any], list[int]],
) -> None:
    url, received, statuses = webhook_receiver
    assert await bot.set_webhook(url, secret_token="s3cret", drop_pending_updates=True)
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    user = new_user()
    statuses.append(500)  # the first attempt fails and is retried
    sent = await client.send_text(user["id"], user, "via webhook")
    headers, body = await asyncio.wait_for(received.get(), 5)
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret"
    headers, body = await asyncio.wait_for(received.get(), 5)
    assert body["update_id"] == sent["update_id"]
    assert body["message"]["text"] == "via webhook"
    info = await bot.get_webhook_info()
    assert info.url == url and info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500"
    deliveries = (await client.bot_info())["webhook_deliveries"]
    assert deliveries[-1]["ok"] and deliveries[-1]["attempts"] == 2

    assert await bot.delete_webhook()
    later = await client.send_text(user["id"], user, "polled")
    [update] = await bot.get_updates(timeout=1)
    assert update.update_id == later["update_id"]


async def test_a_webhook_answer_can_be_a_method_call(
    bot: Bot,
    client: SandboxClient,
    new_user: NewUser,
    webhook_receiver: tuple[str, asyncio.Queue[Any], list[Any]],
) -> None:
    url, _, answers = webhook_receiver
    user = new_user()
    answers.append({"method": "sendMessage", "chat_id": user["id"], "text": "answered inline"})
    await bot.set_webhook(url)
    sent = await client.send_text(user["id"], user, "hi")
    [reply] = await client.wait_for_bot_messages(user["id"], after=sent["message"]["message_id"])
    assert reply["text"] == "answered inline"
