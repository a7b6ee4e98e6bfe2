"""Whether the platform's own parts answer: the database and Redis.

One set of checks for both audiences: `/healthz` (JSON, for the load balancer and monitoring)
and the admin console's `/health` (in words).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from enum import StrEnum

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.database import ping

logger = logging.getLogger(__name__)

# Each check's limit; they run at the same time, so /healthz answers within about this even
# when a dependency hangs (a load balancer's probe times out at a few seconds).
HEALTH_CHECK_TIMEOUT_SECONDS = 2.0


class CheckState(StrEnum):
    OK = "ok"
    DOWN = "down"
    NOT_CONFIGURED = "not configured"


@dataclass(frozen=True)
class HealthReport:
    checks: dict[str, CheckState]  # part → state, in a stable order: database, redis

    @property
    def healthy(self) -> bool:
        return all(state is not CheckState.DOWN for state in self.checks.values())


@dataclass(frozen=True)
class HealthChecks:
    engine: AsyncEngine
    redis: Redis | None

    async def run(self) -> HealthReport:
        if self.redis is None:
            database = await _check(ping(self.engine))
            return HealthReport({"database": database, "redis": CheckState.NOT_CONFIGURED})
        database, redis = await asyncio.gather(_check(ping(self.engine)), _check(self.redis.ping()))
        return HealthReport({"database": database, "redis": redis})


async def _check(probe: Awaitable[object]) -> CheckState:
    try:
        await asyncio.wait_for(probe, HEALTH_CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # any failure means "down"; the reason is logged
        logger.warning("health check failed: %r", error)
        return CheckState.DOWN
    return CheckState.OK
