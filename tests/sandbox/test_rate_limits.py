"""Telegram's sending limits: 429 with retry_after, per private chat, per group, per bot."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter

from sandbox import SandboxClient, TelegramEmulator
from sandbox.client import SandboxError
from sandbox.telegram.limits import (
    SWEEP_EVERY,
    Admission,
    RateLimiter,
    RateLimits,
    Window,
    is_counted,
)
from tests.sandbox.helpers import raw_call

NewUser = Callable[..., dict[str, Any]]
ROOMY = Window(1000, 60.0)


def limits(
    private_chat: Window = ROOMY, group_chat: Window = ROOMY, overall: Window = ROOMY
) -> RateLimits:
    return RateLimits(private_chat=private_chat, group_chat=group_chat, overall=overall)


async def private_chat(client: SandboxClient, user: dict[str, Any]) -> int:
    await client.send_text(user["id"], user, "hi")
    return user["id"]


def assert_429(status: int, body: dict[str, Any], retry_after: int) -> None:
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }


def test_defaults_are_telegrams_limits() -> None:
    real = RateLimits.telegram()
    assert real == RateLimits(Window(3, 3.0), Window(20, 60.0), Window(30, 1.0))
    assert TelegramEmulator().rate_limits == real
    assert TelegramEmulator(rate_limits=None).rate_limits is None
    fast = real.scaled(10)
    assert fast.group_chat == Window(20, 6.0) and fast.overall == Window(30, 0.1)
    assert fast.private_chat == Window(3, 0.3)


def test_counting_rule() -> None:
    for method in ("sendMessage", "sendPhoto", "sendMediaGroup", "sendInvoice", "copyMessage"):
        assert is_counted(method, 5) and is_counted(method, -5)
    for method in ("forwardMessage", "forwardMessages", "copyMessages"):
        assert is_counted(method, 5)
    assert not is_counted("sendChatAction", 5) and not is_counted("sendChatAction", -5)
    for method in ("editMessageText", "editMessageReplyMarkup", "createForumTopic"):
        assert is_counted(method, -100) and not is_counted(method, 100)
    assert not is_counted("deleteMessage", -100) and not is_counted("getChat", -100)


async def test_private_chat_limit(
    emulator: TelegramEmulator,
    bot: Bot,
    client: SandboxClient,
    new_user: NewUser,
    http: aiohttp.ClientSession,
    base_url: str,
) -> None:
    emulator.rate_limits = limits(private_chat=Window(3, 2.0))
    chat_id = await private_chat(client, new_user())
    other = await private_chat(client, new_user())
    for n in range(3):
        await bot.send_message(chat_id, f"m{n}")
    status, body = await raw_call(http, base_url, "sendMessage", chat_id=chat_id, text="m3")
    assert_429(status, body, 2)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(chat_id, "m4")
    assert caught.value.retry_after == 2
    await bot.send_message(other, "another chat has its own budget")
    [logged] = [r for r in await client.requests(errors_only=True) if r["error_code"] == 429][:1]
    assert logged["method"] == "sendMessage"
    assert logged["description"] == "Too Many Requests: retry after 2"
    assert [m["text"] for m in await client.messages(chat_id)][-1] == "m2"


async def test_window_slides(
    emulator: TelegramEmulator, bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    emulator.rate_limits = limits(private_chat=Window(2, 0.6))
    chat_id = await private_chat(client, new_user())
    await bot.send_message(chat_id, "a")  # t = 0
    await asyncio.sleep(0.3)
    await bot.send_message(chat_id, "b")  # t = 0.3
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(chat_id, "refused")
    assert caught.value.retry_after == 1  # never less than a second
    for _ in range(5):  # refused calls are not recorded
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(chat_id, "refused")
    await asyncio.sleep(0.4)  # t = 0.7: "a" has left the window, "b" has not
    await bot.send_message(chat_id, "c")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(chat_id, "refused")
    await asyncio.sleep(0.65)
    await bot.send_message(chat_id, "d")
    await bot.send_message(chat_id, "e")


async def test_group_limit_and_forum_topics_share_it(
    emulator: TelegramEmulator,
    bot: Bot,
    client: SandboxClient,
    new_user: NewUser,
    http: aiohttp.ClientSession,
    base_url: str,
) -> None:
    member = new_user()
    forum = await client.create_group("Forum", [member], is_forum=True)
    first = await bot.create_forum_topic(forum["id"], "One")
    second = await bot.create_forum_topic(forum["id"], "Two")
    group = await client.create_group("Plain", [member])
    await client.set_rate_limits(limits(group_chat=Window(3, 2.5)))  # fresh windows
    await bot.send_message(forum["id"], "general")
    await bot.send_message(forum["id"], "t1", message_thread_id=first.message_thread_id)
    await bot.send_message(forum["id"], "t2", message_thread_id=second.message_thread_id)
    status, body = await raw_call(
        http,
        base_url,
        "sendMessage",
        chat_id=forum["id"],
        text="t2 again",
        message_thread_id=second.message_thread_id,
    )
    assert_429(status, body, 3)
    with pytest.raises(TelegramRetryAfter):
        await bot.create_forum_topic(forum["id"], "Three")  # topic methods count in groups
    await bot.send_message(group["id"], "another group has its own budget")


async def test_overall_limit(
    emulator: TelegramEmulator,
    bot: Bot,
    client: SandboxClient,
    new_user: NewUser,
    http: aiohttp.ClientSession,
    base_url: str,
) -> None:
    chats = [await private_chat(client, new_user()) for _ in range(4)]
    member = new_user()
    group = await client.create_group("Group", [member])
    emulator.rate_limits = limits(overall=Window(3, 1.0))
    for chat_id in chats[:3]:
        await bot.send_message(chat_id, "x")
    status, body = await raw_call(http, base_url, "sendMessage", chat_id=chats[3], text="x")
    assert_429(status, body, 1)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(group["id"], "x")
    await bot.get_chat(chats[3])  # not a counted call


async def test_edits_count_in_groups_only(
    emulator: TelegramEmulator, bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    chat_id = await private_chat(client, new_user())
    group = await client.create_group("Group", [new_user()])
    emulator.rate_limits = limits(private_chat=Window(1, 60.0), group_chat=Window(2, 60.0))
    private_message = await bot.send_message(chat_id, "v0")
    for n in range(1, 6):
        await bot.edit_message_text(f"v{n}", chat_id=chat_id, message_id=private_message.message_id)
    group_message = await bot.send_message(group["id"], "v0")
    await bot.edit_message_text("v1", chat_id=group["id"], message_id=group_message.message_id)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.edit_message_text("v2", chat_id=group["id"], message_id=group_message.message_id)
    assert caught.value.retry_after == 60
    await bot.delete_message(group["id"], group_message.message_id)  # deletions do not count


async def test_chat_action_not_counted(
    emulator: TelegramEmulator, bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    chat_id = await private_chat(client, new_user())
    emulator.rate_limits = limits(private_chat=Window(1, 60.0), overall=Window(1, 60.0))
    for _ in range(5):
        await bot.send_chat_action(chat_id, "typing")
    await bot.send_message(chat_id, "one")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(chat_id, "two")
    await bot.send_chat_action(chat_id, "typing")


async def test_limits_off_is_unlimited(
    emulator: TelegramEmulator, bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    assert emulator.rate_limits is None and await client.rate_limits() is None
    chat_id = await private_chat(client, new_user())
    await asyncio.gather(*(bot.send_message(chat_id, f"m{n}") for n in range(60)))
    assert len(await client.messages(chat_id)) == 61


async def test_control_api_changes_limits_at_runtime(
    emulator: TelegramEmulator,
    bot: Bot,
    client: SandboxClient,
    new_user: NewUser,
    http: aiohttp.ClientSession,
    base_url: str,
) -> None:
    chat_id = await private_chat(client, new_user())
    async with http.get(f"{base_url}/sandbox/api/limits") as response:
        assert await response.json() is None
    applied = await client.set_rate_limits(RateLimits.telegram())
    assert applied == RateLimits.telegram() == await client.rate_limits()
    for n in range(3):
        await bot.send_message(chat_id, f"m{n}")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(chat_id, "m3")
    assert caught.value.retry_after == 3
    # A partial body changes only the windows it names; the windows start empty.
    applied = await client.set_rate_limits({"private_chat": {"limit": 1, "period": 0.5}})
    assert applied is not None and applied.private_chat == Window(1, 0.5)
    assert applied.group_chat == RateLimits.telegram().group_chat
    async with http.get(f"{base_url}/sandbox/api/limits") as response:
        assert (await response.json())["private_chat"] == {"limit": 1, "period": 0.5}
    await bot.send_message(chat_id, "after the change")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(chat_id, "refused")
    assert await client.set_rate_limits(None) is None
    assert emulator.rate_limits is None
    await bot.send_message(chat_id, "unlimited again")
    for bad in ({"private_chat": {"limit": 0, "period": 1}}, {"burst": {}}, [1]):
        with pytest.raises(SandboxError) as error:
            await client.set_rate_limits(bad)  # type: ignore[arg-type]
        assert error.value.status == 400


async def test_failed_calls_are_not_counted(
    emulator: TelegramEmulator,
    bot: Bot,
    client: SandboxClient,
    new_user: NewUser,
    http: aiohttp.ClientSession,
    base_url: str,
) -> None:
    chat_id = await private_chat(client, new_user())
    blocked = new_user()
    blocked_id = await private_chat(client, blocked)
    await client.block(blocked_id)
    emulator.rate_limits = limits(private_chat=Window(1, 60.0), overall=Window(2, 60.0))
    # A spec violation, a semantic error inside the handler, an unknown chat, a blocked user.
    status, _ = await raw_call(http, base_url, "sendMessage", chat_id=chat_id)
    assert status == 400
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(chat_id, "x", reply_to_message_id=9999)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(987654321, "x")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(blocked_id, "x")
    await bot.send_message(chat_id, "the only one that counts")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(chat_id, "refused")
    # A validation error comes before the limit even when the budget is spent.
    status, body = await raw_call(http, base_url, "sendMessage", chat_id=chat_id)
    assert status == 400 and body["description"] == "Bad Request: message text is empty"


def test_limiter_arithmetic_on_a_fake_clock() -> None:
    clock = [100.0]
    limiter = RateLimiter(limits(private_chat=Window(2, 10.0)), clock=lambda: clock[0])
    first = limiter.admit(1, 7)
    assert isinstance(first, Admission)
    clock[0] = 104.0
    assert isinstance(limiter.admit(1, 7), Admission)
    clock[0] = 105.5
    assert limiter.admit(1, 7) == 5  # the entry from t=100 leaves at t=110: ceil(4.5)
    clock[0] = 109.99
    assert limiter.admit(1, 7) == 1  # never less than a second
    limiter.release(first)  # a call that failed after all frees its place
    assert isinstance(limiter.admit(1, 7), Admission)
    clock[0] = 110.5
    assert limiter.admit(1, 7) == 4  # t=104 leaves at t=114
    assert isinstance(limiter.admit(2, 7), Admission)  # another bot, another budget
    # Many quiet chats are forgotten once their windows are empty.
    for chat in range(SWEEP_EVERY):
        clock[0] = 200.0 + chat * 60
        assert isinstance(limiter.admit(1, 10_000 + chat), Admission)
    assert len(limiter._logs) < 10
