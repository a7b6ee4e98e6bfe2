"""Every Bot API request is checked against the spec, with Telegram's wording."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice

from sandbox import SandboxClient
from tests.sandbox.helpers import raw_call

NewUser = Callable[..., dict[str, Any]]


@pytest.fixture
async def chat_id(client: SandboxClient, bot: Bot, new_user: NewUser) -> int:
    user = new_user()
    await client.send_text(user["id"], user, "hi")
    return user["id"]


async def test_get_me_returns_the_bot_user(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456 and me.is_bot
    assert me.username == "easyflow_sandbox_bot" and me.can_join_groups


async def test_malformed_token_is_unauthorized(http: aiohttp.ClientSession, base_url: str) -> None:
    status, body = await raw_call(http, base_url, "getMe", token="not-a-token")
    assert status == 401
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}


@pytest.mark.parametrize(
    ("method", "params", "status", "description"),
    [
        ("sendMessag", {"chat_id": 1, "text": "x"}, 404, "Not Found"),
        ("sendMessage", {"text": "x"}, 400, "Bad Request: chat_id is required"),
        ("sendMessage", {"chat_id": "{chat}"}, 400, "Bad Request: message text is empty"),
        (
            "sendMessage",
            {"chat_id": "{chat}", "text": ""},
            400,
            "Bad Request: message text is empty",
        ),
        (
            "deleteMessage",
            {"chat_id": "{chat}", "message_id": "abc"},
            400,
            'Bad Request: field "message_id" must be of type Integer',
        ),
        ("sendMessage", {"chat_id": "abc", "text": "x"}, 400, "Bad Request: chat not found"),
        (
            "sendMessage",
            {"chat_id": "{chat}", "text": "x", "disable_notification": "maybe"},
            400,
            'Bad Request: field "disable_notification" must be of type Boolean',
        ),
        (
            "sendMessage",
            {"chat_id": "{chat}", "text": "x" * 4097},
            400,
            "Bad Request: message is too long",
        ),
        (
            "sendMessage",
            {"chat_id": "{chat}", "text": "x", "reply_markup": "{not json"},
            400,
            "Bad Request: can't parse reply_markup JSON object",
        ),
        (
            "sendMessage",
            {
                "chat_id": "{chat}",
                "text": "x",
                "reply_markup": {
                    "inline_keyboard": [[{"text": "a", "callback_data": "b", "x": 1}]]
                },
            },
            400,
            'Bad Request: can\'t parse InlineKeyboardButton: unknown field "x"',
        ),
        (
            "sendMessage",
            {
                "chat_id": "{chat}",
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a"}]]},
            },
            200,
            None,
        ),
        (
            "sendMessage",
            {
                "chat_id": "{chat}",
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"callback_data": "b"}]]},
            },
            400,
            'Bad Request: can\'t parse InlineKeyboardButton: field "text" is required',
        ),
        (
            "sendMessage",
            {"chat_id": "{chat}", "text": "<b>bold", "parse_mode": "HTML"},
            400,
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
        ),
        (
            "sendMessage",
            {"chat_id": "{chat}", "text": "<blink>x</blink>", "parse_mode": "HTML"},
            400,
            'Bad Request: can\'t parse entities: Unsupported start tag "blink" at byte offset 0',
        ),
        (
            "sendMessage",
            {"chat_id": "{chat}", "text": "1.5", "parse_mode": "MarkdownV2"},
            400,
            "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
            "with the preceding '\\'",
        ),
        (
            "setMyCommands",
            {"commands": [{"command": "start"}]},
            400,
            'Bad Request: can\'t parse BotCommand: field "description" is required',
        ),
        (
            "sendInvoice",
            {
                "chat_id": "{chat}",
                "title": "t",
                "description": "d",
                "payload": "p",
                "currency": "XTR",
                "prices": [{"label": "x"}],
            },
            400,
            'Bad Request: can\'t parse LabeledPrice: field "amount" is required',
        ),
        (
            "sendInvoice",
            {
                "chat_id": "{chat}",
                "title": "t" * 33,
                "description": "d",
                "payload": "p",
                "currency": "XTR",
                "prices": [{"label": "x", "amount": 5}],
            },
            400,
            "Bad Request: INVOICE_TITLE_INVALID",
        ),
        (
            "sendInvoice",
            {
                "chat_id": "{chat}",
                "title": "t",
                "description": "d" * 256,
                "payload": "p",
                "currency": "XTR",
                "prices": [{"label": "x", "amount": 5}],
            },
            400,
            "Bad Request: INVOICE_DESCRIPTION_INVALID",
        ),
        (
            "createInvoiceLink",
            {
                "title": "t",
                "description": "d",
                "payload": "я" * 65,
                "currency": "XTR",
                "prices": [{"label": "x", "amount": 5}],
            },
            400,
            "Bad Request: INVOICE_PAYLOAD_INVALID",
        ),
    ],
)
async def test_requests_are_validated_against_the_spec(
    http: aiohttp.ClientSession,
    base_url: str,
    client: SandboxClient,
    chat_id: int,
    method: str,
    params: dict[str, Any],
    status: int,
    description: str | None,
) -> None:
    params = {key: chat_id if value == "{chat}" else value for key, value in params.items()}
    got_status, body = await raw_call(http, base_url, method, **params)
    assert (got_status, body.get("description")) == (status, description)
    assert body["ok"] is (status == 200)
    logged = (await client.requests())[-1]
    assert logged["method"] == method
    assert logged["ok"] is (status == 200)
    assert logged["error_code"] == (None if status == 200 else status)
    assert logged["description"] == description


async def test_query_string_and_form_parameters_are_strings(
    http: aiohttp.ClientSession, base_url: str, chat_id: int
) -> None:
    url = f"{base_url}/bot123456:sandbox-test-token/sendMessage"
    async with http.get(url, params={"chat_id": str(chat_id), "text": "via GET"}) as response:
        assert (await response.json())["result"]["text"] == "via GET"
    form = {"chat_id": str(chat_id), "text": "x", "message_thread_id": "abc"}
    async with http.post(url, data=form) as response:
        assert response.status == 400


async def test_aiogram_gets_length_errors(bot: Bot, chat_id: int, client: SandboxClient) -> None:
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(chat_id, "я" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(chat_id, "<b></b>", parse_mode="HTML")
    too_long_data = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="d" * 65)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(chat_id, "x", reply_markup=too_long_data)
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(chat_id, "https://example.org/a.pdf", caption="c" * 1025)
    with pytest.raises(TelegramBadRequest, match="INVOICE_PAYLOAD_INVALID"):
        await bot.send_invoice(
            chat_id,
            "title",
            "description",
            "p" * 129,
            currency="XTR",
            prices=[LabeledPrice(label="x", amount=1)],
        )
    # 4096 characters counted after entity parsing are fine.
    sent = await bot.send_message(chat_id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert len(sent.text or "") == 4096
    rejected = await client.rejected_requests()
    assert [entry["method"] for entry in rejected] == [
        "sendMessage",
        "sendMessage",
        "sendMessage",
        "sendDocument",
        "sendInvoice",
    ]
    assert rejected[2]["params"]["reply_markup"].count("d" * 65) == 1


async def test_topic_name_limit(bot: Bot, client: SandboxClient, new_user: NewUser) -> None:
    forum = await client.create_group("Forum", [new_user()], is_forum=True)
    with pytest.raises(TelegramBadRequest, match="TOPIC_NAME_INVALID"):
        await bot.create_forum_topic(forum["id"], "n" * 129)
    topic = await bot.create_forum_topic(forum["id"], "n" * 128)
    assert topic.name == "n" * 128


async def test_unimplemented_methods(http: aiohttp.ClientSession, base_url: str) -> None:
    status, body = await raw_call(http, base_url, "setMyName", name="x")
    assert (status, body["result"]) == (200, True)
    status, body = await raw_call(http, base_url, "getStarTransactions")
    assert status == 501 and "not supported by the sandbox" in body["description"]
