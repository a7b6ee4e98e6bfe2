"""The marketplaces' request limits kept on our side, so that a 429 is rare.

Wildberries allows 10 requests per 10 s per seller and method (one a second, a burst of ten) and
bans tokens that keep hitting 429; Ozon about 50 a second per Client-Id. Each limit is kept as a
generic cell rate (a request every period/limit, a burst when idle), slightly slower than the
marketplace's and with a burst a little short of it: requests that reach the marketplace a
little later or earlier than they were taken still arrive inside its limit. A 429 pauses the key for
as long as the marketplace said, for every process.

With Redis the pace lives there (one script per take: no race between processes); without
Redis it lives in the process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from services.send_budgets import InProcessPauses, RedisPauses

SAFETY_MARGIN = 0.03  # the interval between requests is 3 % longer than the marketplace's
ARRIVAL_JITTER_SECONDS = 0.25


@dataclass(frozen=True)
class RequestRate:
    """At most `limit` requests per `period_seconds`."""

    limit: int
    period_seconds: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period_seconds <= 0:
            raise ValueError("a request rate needs a positive limit and period")

    @property
    def interval(self) -> float:
        return self.period_seconds / self.limit * (1 + SAFETY_MARGIN)

    @property
    def tolerance(self) -> float:
        """How far ahead of the pace a burst may run: the marketplace's full burst less
        `ARRIVAL_JITTER_SECONDS` (at least one request). The first requests of a burst open
        new connections and can arrive later than the ones after them; the marketplace then
        counts the burst late and the next requests early."""
        allowance = max(self.interval, ARRIVAL_JITTER_SECONDS)
        return max(0.0, self.interval * (self.limit - 1) - allowance)


OZON_RATE = RequestRate(50, 1.0)  # per Client-Id
WILDBERRIES_RATE = RequestRate(10, 10.0)  # per seller and method


class RequestPacer(Protocol):
    async def try_take(self, key: str, rate: RequestRate) -> float:
        """0 when a request may go now (and it is counted), else the seconds to wait."""
        ...

    async def pause(self, key: str, seconds: float) -> None:
        """No request for `key` during `seconds` (the marketplace answered 429)."""
        ...


async def wait_turn(pacer: RequestPacer, key: str, rate: RequestRate) -> None:
    while True:
        wait = await pacer.try_take(key, rate)
        if wait <= 0:
            return
        await asyncio.sleep(wait)


class InProcessRequestPacer(InProcessPauses[str]):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(clock)
        self._theoretical_arrival: dict[str, float] = {}

    async def try_take(self, key: str, rate: RequestRate) -> float:
        now = self._clock()
        paused = self._paused_until.get(key, 0.0) - now
        if paused > 0:
            return paused
        arrival = max(self._theoretical_arrival.get(key, now), now)
        wait = arrival - rate.tolerance - now
        if wait > 1e-6:  # not a rounding error
            return wait
        self._theoretical_arrival[key] = arrival + rate.interval
        return 0.0


# KEYS: the theoretical arrival time, the pause. ARGV: interval ms, tolerance ms.
# Returns 0 when taken, else the milliseconds to wait.
TAKE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused end
local interval = tonumber(ARGV[1])
local arrival = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local wait = arrival - tonumber(ARGV[2]) - now
if wait >= 1 then return math.ceil(wait) end
redis.call('SET', KEYS[1], arrival + interval, 'PX', math.ceil(arrival + interval - now + 1000))
return 0
"""


class RedisRequestPacer:
    """The pace of every process, in Redis. Keys never hold credentials (see the connectors)."""

    PREFIX = "easyflow:marketplace:pace"

    def __init__(self, redis: Redis) -> None:
        self._take = redis.register_script(TAKE_SCRIPT)
        self._pauses = RedisPauses(redis)  # a longer pause that is already there is kept

    async def try_take(self, key: str, rate: RequestRate) -> float:
        wait_ms = await self._take(
            keys=[f"{self.PREFIX}:{key}", f"{self.PREFIX}:{key}:pause"],
            args=[rate.interval * 1000, rate.tolerance * 1000],
        )
        return max(0, int(wait_ms)) / 1000

    async def pause(self, key: str, seconds: float) -> None:
        await self._pauses.pause(f"{self.PREFIX}:{key}:pause", seconds)


def create_request_pacer(redis: Redis | None) -> InProcessRequestPacer | RedisRequestPacer:
    return InProcessRequestPacer() if redis is None else RedisRequestPacer(redis)
