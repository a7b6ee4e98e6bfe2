"""Leases in Redis: a name held by one holder at a time, for a while.

A lease is taken with one `SET name token NX PX ttl` and given back with a compare-and-delete
script, so a holder never frees a lease that expired and went to someone else. A holder that
dies without giving it back loses it when the time runs out: nothing stays locked for good.
This is how the platform does "once across processes" outside the database (DESIGN rule 10):
the per-chat update lock and scheduled jobs both stand on it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

EXTEND_IF_STILL_OURS = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
RELEASE_IF_STILL_OURS = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Lease:
    name: str
    token: str


class RedisLeases:
    """Takes and gives back leases in one Redis (one script registration for all of them)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._release = redis.register_script(RELEASE_IF_STILL_OURS)
        self._extend = redis.register_script(EXTEND_IF_STILL_OURS)

    async def try_acquire(self, name: str, ttl_ms: int) -> Lease | None:
        """The lease, or None when someone else holds it now."""
        if ttl_ms <= 0:
            raise ValueError("a lease needs a positive time to live")
        token = secrets.token_hex(8)
        if await self.redis.set(name, token, nx=True, px=ttl_ms):
            return Lease(name, token)
        return None

    async def release(self, lease: Lease) -> bool:
        """Gives the lease back; False when it had already expired (and may be someone else's)."""
        return bool(await self._release(keys=[lease.name], args=[lease.token]))

    async def extend(self, lease: Lease, ttl_ms: int) -> bool:
        """Gives a held lease `ttl_ms` more from now; False when it had already expired."""
        return bool(await self._extend(keys=[lease.name], args=[lease.token, ttl_ms]))
