"""The per-chat Redis lock: updates of one chat run one at a time, other chats don't wait."""

from __future__ import annotations

import asyncio

from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from redis.asyncio import Redis

from bot.app import LeanRedisEventIsolation


def key(chat_id: int) -> StorageKey:
    return StorageKey(bot_id=1, chat_id=chat_id, user_id=chat_id)


async def test_one_chat_at_a_time_and_only_the_owner_releases(real_backend) -> None:
    redis = Redis.from_url(real_backend.redis_url)
    isolation = LeanRedisEventIsolation(
        redis, DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
    )
    order: list[str] = []

    async def update(name: str, chat_id: int, hold: float) -> None:
        async with isolation.lock(key(chat_id)):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    first = asyncio.create_task(update("a1", 1, 0.2))
    await asyncio.sleep(0.05)
    await asyncio.gather(update("a2", 1, 0), update("b", 2, 0), first)
    assert order.index("a2 in") > order.index("a1 out")  # same chat waited
    assert order.index("b out") < order.index("a1 out")  # another chat did not

    lock_name = isolation.key_builder.build(key(3), "lock")
    async with isolation.lock(key(3)):
        await redis.set(lock_name, "someone-else")  # as if ours expired and was taken over
    assert await redis.get(lock_name) == b"someone-else"  # not released by the wrong owner
    await redis.delete(lock_name)
    await redis.aclose()
