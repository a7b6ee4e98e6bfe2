"""Bad input, floods, failures, webhook mode, restarts — nothing reaches the user as a traceback."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from redis.asyncio import Redis

from bot.web import webhook_secret
from tests.conftest import Backend
from tests.e2e.harness import BOT_TOKEN, HarnessFactory, new_user
from tests.e2e.test_core_flows import name_flow_router


def failing_router() -> Router:
    router = Router(name="test.failing")

    @router.message(Command("boom"))
    async def boom(message: Message) -> None:
        raise RuntimeError("a handler bug")

    return router


async def test_a_failing_handler_tells_the_user_and_the_next_update_works(
    harness_factory: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    harness = await harness_factory.start(extra_routers=[failing_router()])
    user = new_user()
    with caplog.at_level(logging.ERROR):
        [reply] = await harness.say(user, "/boom")
    assert "Something went wrong" in reply["text"]
    assert "Main menu" in str(reply["reply_markup"])
    failure = next(r for r in caplog.records if "failed" in r.getMessage() and r.exc_info)
    assert "update" in failure.getMessage() and "a handler bug" in str(failure.exc_info[1])
    [help_reply] = await harness.say(user, "/help")
    assert "What I can do" in help_reply["text"]


async def test_a_flooding_user_is_answered_once_and_others_are_unaffected(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start(throttle_limit=3, throttle_period_seconds=30)
    flooder, bystander = new_user(), new_user()
    first = await harness.client.send_text(flooder["id"], flooder, "hello 0")
    for index in range(1, 8):
        await harness.client.send_text(flooder["id"], flooder, f"hello {index}")
    replies = await harness.client.wait_for_bot_messages(
        flooder["id"], after=first["message"]["message_id"], count=4
    )
    await asyncio.sleep(0.5)  # anything more would be a second "too fast" answer
    replies = [m for m in await harness.client.messages(flooder["id"]) if m["from_bot"]]
    assert sum("too fast" in m["text"] for m in replies) == 1
    assert sum("didn't get that" in m["text"] for m in replies) == 3
    [other] = await harness.say(bystander, "/help")
    assert "What I can do" in other["text"]


@pytest.mark.parametrize(
    "text",
    ["x" * 4096, "🙂🚀👍🏽 emoji only", "مرحبا، كيف حالك؟ שלום", "\u200f\u202e reversed"],
    ids=["4096-chars", "emoji", "rtl", "bidi-controls"],
)
async def test_odd_text_gets_a_hint(harness_factory: HarnessFactory, text: str) -> None:
    harness = await harness_factory.start()
    [reply] = await harness.say(new_user(), text)
    assert "didn't get that" in reply["text"]


async def test_sticker_and_photo_get_a_clear_answer(harness_factory: HarnessFactory) -> None:
    harness = await harness_factory.start()
    user = new_user()
    sticker = await harness.client.send_sticker(user["id"], user, emoji="😀")
    [reply] = await harness.client.wait_for_bot_messages(
        user["id"], after=sticker["message"]["message_id"]
    )
    assert "only read text" in reply["text"]
    photo = await harness.client.send_file(
        user["id"], user, "photo", PNG_1X1, filename="cat.png", mime_type="image/png"
    )
    [reply] = await harness.client.wait_for_bot_messages(
        user["id"], after=photo["message"]["message_id"]
    )
    assert "only read text" in reply["text"]


async def test_a_sticker_inside_a_flow_keeps_the_flow(harness_factory: HarnessFactory) -> None:
    harness = await harness_factory.start(extra_routers=[name_flow_router()])
    user = new_user()
    await harness.say(user, "/name")
    sticker = await harness.client.send_sticker(user["id"], user, emoji="😀")
    [reply] = await harness.client.wait_for_bot_messages(
        user["id"], after=sticker["message"]["message_id"]
    )
    assert "only read text" in reply["text"]
    [reply] = await harness.say(user, "Bob")
    assert reply["text"] == "Nice to meet you, Bob"


async def test_tampered_callback_data_is_answered_not_crashed(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start()
    user = new_user()
    [menu] = await harness.say(user, "/start")
    for data in ["menu:../../etc", "lang:de", "garbage", "menu"]:
        pressed = await harness.press(user, menu, data)
        answer = await harness.client.callback_answer(pressed["callback_query_id"], wait=5)
        assert answer["answered"] and "no longer active" in answer["text"]
    [reply] = await harness.say(user, "/help")
    assert "What I can do" in reply["text"]


async def test_a_429_is_waited_out_and_the_message_is_not_lost(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start()
    user = new_user()
    await harness.client.inject_fault("sendMessage", kind="429", count=1, retry_after=1)
    [reply] = await harness.say(user, "/help", timeout=15)
    assert "What I can do" in reply["text"]
    calls = [r for r in await harness.client.requests() if r["method"] == "sendMessage"]
    assert [c["error_code"] for c in calls[-2:]] == [429, None]
    harness_factory.allow_rejected_requests = True  # the injected 429 is in the log on purpose


async def test_a_5xx_is_retried(harness_factory: HarnessFactory) -> None:
    harness = await harness_factory.start()
    await harness.client.inject_fault("sendMessage", kind="502", count=2)
    [reply] = await harness.say(new_user(), "/help", timeout=15)
    assert "What I can do" in reply["text"]
    harness_factory.allow_rejected_requests = True


async def test_webhook_mode_accepts_the_right_secret_and_refuses_a_wrong_one(
    harness_factory: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    harness = await harness_factory.start(webhook=True)
    user = new_user()
    [reply] = await harness.say(user, "/help")  # delivered by the emulator's webhook POST
    assert "What I can do" in reply["text"]

    assert harness.web_url is not None
    url = harness.web_url + harness.settings.webhook_path
    forged = {"update_id": 999_999, "message": {
        "message_id": 1, "date": 0, "chat": {"id": user["id"], "type": "private"},
        "from": user, "text": "/start"}}  # fmt: skip
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(url, json=forged, headers=headers) as response:
                assert response.status == 401
        # An update type the bot does not handle, with the right secret: accepted and ignored.
        secret = webhook_secret(harness.settings, BOT_TOKEN)
        channel_post = {"update_id": 1_000_000, "channel_post": {
            "message_id": 5, "date": 0, "chat": {"id": -1001, "type": "channel", "title": "news"},
            "text": "hello"}}  # fmt: skip
        with caplog.at_level(logging.INFO):
            async with http.post(
                url, json=channel_post, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
            ) as response:
                assert response.status == 200
            await asyncio.sleep(0.5)
    assert any("ignored update 1000000" in r.getMessage() for r in caplog.records)
    await asyncio.sleep(0.3)
    texts = [m["text"] for m in await harness.client.messages(user["id"]) if m["from_bot"]]
    assert len(texts) == 1, "the forged /start must not have been processed"


async def test_fsm_state_survives_a_restart_with_redis(
    harness_factory: HarnessFactory, real_backend: Backend
) -> None:
    user = new_user()
    first = await harness_factory.start(extra_routers=[name_flow_router()])
    await first.say(user, "/name")
    await first.stop()
    second = await harness_factory.start(extra_routers=[name_flow_router()])
    [reply] = await second.say(user, "Marie")
    assert reply["text"] == "Nice to meet you, Marie"


async def test_fsm_data_in_redis_expires(
    harness_factory: HarnessFactory, real_backend: Backend
) -> None:
    harness = await harness_factory.start(extra_routers=[name_flow_router()], fsm_ttl_seconds=120)
    user = new_user()
    await harness.say(user, "/name")
    assert real_backend.redis_url is not None
    redis = Redis.from_url(real_backend.redis_url)
    try:
        keys = [k async for k in redis.scan_iter(match=f"fsm:*:{user['id']}:{user['id']}:*")]
        assert keys, "the state should be in Redis under a key with bot id and destiny"
        ttls = [await redis.ttl(k) for k in keys]
        assert all(0 < ttl <= 120 for ttl in ttls)
    finally:
        await redis.aclose()


async def test_healthz_reports_database_and_redis(
    harness_factory: HarnessFactory, backend: Backend
) -> None:
    harness = await harness_factory.start(webhook=True)
    async with aiohttp.ClientSession() as http, http.get(f"{harness.web_url}/healthz") as response:
        body = await response.json()
    assert response.status == 200
    assert body["database"] == "ok"
    assert body["redis"] == ("ok" if backend.is_real else "not configured")


async def test_healthz_is_503_when_redis_is_down(harness_factory: HarnessFactory) -> None:
    from tests.servers import free_port

    harness = await harness_factory.start(
        webhook=True, redis_url=f"redis://127.0.0.1:{free_port()}/0"
    )
    async with aiohttp.ClientSession() as http, http.get(f"{harness.web_url}/healthz") as response:
        body = await response.json()
    assert response.status == 503
    assert body["redis"] == "down" and body["database"] == "ok"


PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
