"""The per-chat lock taken together with the FSM state and the flood counter, in one trip."""

from __future__ import annotations

import asyncio

from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.app import LeanRedisEventIsolation
from middlewares.throttling import RedisUpdateCounter


def key(chat_id: int) -> StorageKey:
    return StorageKey(bot_id=1, chat_id=chat_id, user_id=chat_id)


async def test_lock_and_load_reads_the_state_counts_the_sender_and_waits_for_the_chat(
    real_backend,
) -> None:
    redis = Redis.from_url(real_backend.redis_url)
    key_builder = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
    isolation = LeanRedisEventIsolation(redis, key_builder)
    storage = RedisStorage(redis, key_builder=key_builder)
    counter = RedisUpdateCounter(redis, period_seconds=5, prefix="test-lean-throttle")
    chat = 7_700_001
    await redis.delete(counter.key(chat))
    await storage.set_state(key(chat), "Flow:first")

    async with isolation.lock_and_load(key(chat), counter, chat) as (state, count):
        assert (state, count) == ("Flow:first", 1)
    async with isolation.lock_and_load(key(chat), counter, chat) as (state, count):
        assert (state, count) == ("Flow:first", 2)
    assert 0 < await redis.pttl(counter.key(chat)) <= 5000  # the window's clock runs
    async with isolation.lock_and_load(key(chat), counter, None) as (_, count):
        assert count is None  # not counted
    assert await counter.hit(chat) == 3  # the same counter the throttling middleware reads

    await storage.set_state(key(chat), None)
    order: list[str] = []

    async def update(name: str, hold: float) -> None:
        async with isolation.lock_and_load(key(chat), None, None) as (state, _):
            order.append(f"{name} in {state}")
            if name == "first":
                await storage.set_state(key(chat), "Flow:second")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    first = asyncio.create_task(update("first", 0.2))
    await asyncio.sleep(0.05)
    await asyncio.gather(update("second", 0), first)
    # The second update waited for the first and read the state the first left.
    assert order == ["first in None", "first out", "second in Flow:second", "second out"]
    assert await redis.get(key_builder.build(key(chat), "lock")) is None  # released

    await storage.set_state(key(chat), None)
    await redis.delete(counter.key(chat))
    await redis.aclose()
