"""The marketplaces' request limits on our side: the burst, the pace, the pause after a 429,
and the same numbers shared between processes through Redis."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from redis.asyncio import Redis

from services.marketplace.pacing import (
    ARRIVAL_JITTER_SECONDS,
    OZON_RATE,
    SAFETY_MARGIN,
    WILDBERRIES_RATE,
    InProcessRequestPacer,
    RedisRequestPacer,
    RequestRate,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_wildberries_pace_is_a_little_slower_and_its_burst_one_short() -> None:
    assert WILDBERRIES_RATE.interval == pytest.approx(1.0 * (1 + SAFETY_MARGIN))
    burst = 1 + WILDBERRIES_RATE.tolerance / WILDBERRIES_RATE.interval
    assert burst == pytest.approx(9)


def test_ozon_keeps_a_quarter_second_of_its_burst_for_late_arrivals() -> None:
    burst_seconds = OZON_RATE.tolerance + OZON_RATE.interval
    assert burst_seconds == pytest.approx(OZON_RATE.interval * 50 - ARRIVAL_JITTER_SECONDS)


def test_a_rate_needs_a_positive_limit_and_period() -> None:
    with pytest.raises(ValueError):
        RequestRate(0, 1.0)
    with pytest.raises(ValueError):
        RequestRate(10, 0)


async def test_a_burst_is_taken_at_once_then_one_request_a_step() -> None:
    clock = FakeClock()
    pacer = InProcessRequestPacer(clock)
    rate = RequestRate(10, 10.0)
    assert [await pacer.try_take("wb:seller:chats", rate) for _ in range(9)] == [0.0] * 9
    wait = await pacer.try_take("wb:seller:chats", rate)
    assert wait == pytest.approx(rate.interval)
    assert await pacer.try_take("wb:seller:events", rate) == 0.0  # another method, own budget
    clock.now += wait
    assert await pacer.try_take("wb:seller:chats", rate) == 0.0
    assert await pacer.try_take("wb:seller:chats", rate) > 0


async def test_a_429_pauses_the_key_for_as_long_as_asked() -> None:
    clock = FakeClock()
    pacer = InProcessRequestPacer(clock)
    rate = RequestRate(10, 1.0)
    await pacer.pause("ozon:1", 3.0)
    await pacer.pause("ozon:1", 1.0)  # a shorter pause does not cut a longer one
    assert await pacer.try_take("ozon:1", rate) == pytest.approx(3.0)
    clock.now += 3.0
    assert await pacer.try_take("ozon:1", rate) == 0.0


async def test_redis_pace_is_shared_between_processes(real_backend) -> None:  # type: ignore[no-untyped-def]
    redis = Redis.from_url(real_backend.redis_url)
    key = f"test:{secrets.token_hex(4)}"
    rate = RequestRate(5, 60.0)  # a burst of 4, then one every ~12 s
    first, second = RedisRequestPacer(redis), RedisRequestPacer(redis)

    async def contender(pacer: RedisRequestPacer) -> int:
        taken = 0
        while await pacer.try_take(key, rate) == 0:
            taken += 1
        return taken

    assert sum(await asyncio.gather(*(contender(p) for p in [first, second] * 4))) == 4
    wait = await second.try_take(key, rate)
    assert 0 < wait <= rate.interval

    await first.pause(f"{key}:paused", 30.0)
    assert 29 < await second.try_take(f"{key}:paused", rate) <= 30
    await redis.aclose()
