"""Scheduled jobs: Redis leases, one run per tick across processes, and the shell's wiring."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.config import Settings
from bot.registration import ModuleContext, ModuleRegistration, ScheduledJob
from bot.scheduler import KEY_PREFIX, JobScheduler, current_tick
from services.leases import RedisLeases

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def context(redis: Redis | None) -> ModuleContext:
    """Jobs here touch neither the bot nor the database."""
    return ModuleContext(
        settings=Settings(_env_file=None),
        bot=None,  # type: ignore[arg-type]
        session_factory=None,  # type: ignore[arg-type]
        redis=redis,
        workflow_data={},
    )


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


async def nothing(_: ModuleContext) -> None:
    return None


# Leases


async def test_a_lease_has_one_holder_and_only_the_holder_gives_it_back(real_backend) -> None:
    redis = Redis.from_url(real_backend.redis_url)
    leases = RedisLeases(redis)
    name = unique("lease")
    first = await leases.try_acquire(name, 5_000)
    assert first is not None
    assert await leases.try_acquire(name, 5_000) is None

    await redis.set(name, "someone-else")  # as if ours expired and was taken over
    assert await leases.release(first) is False
    assert await redis.get(name) == b"someone-else"

    await redis.delete(name)
    second = await leases.try_acquire(name, 5_000)
    assert second is not None and second.token != first.token
    assert await leases.release(second) is True
    assert await leases.try_acquire(name, 5_000) is not None
    with pytest.raises(ValueError):
        await leases.try_acquire(name, 0)
    await redis.aclose()


async def test_a_lease_that_is_never_given_back_expires(real_backend) -> None:
    redis = Redis.from_url(real_backend.redis_url)
    leases = RedisLeases(redis)
    name = unique("lease")
    assert await leases.try_acquire(name, 300) is not None  # its holder "dies" here
    assert await leases.try_acquire(name, 300) is None
    await asyncio.sleep(0.4)
    assert await leases.try_acquire(name, 300) is not None
    await redis.aclose()


# Ticks


def test_ticks_are_aligned_to_the_clock_and_tolerate_early_or_late_timers() -> None:
    job = ScheduledJob("sync", nothing, every=timedelta(seconds=60))
    start = 946_684_800.0  # the scheduler's clock origin, 2000-01-01 UTC
    assert current_tick(job, start + 600) == 10
    assert current_tick(job, start + 600 - 0.002) == 10  # a timer that fired 2 ms early
    assert current_tick(job, start + 600 + 5) == 10  # a busy loop, 5 s late
    assert current_tick(job, start + 660) == 11


def test_a_job_needs_a_positive_interval_and_leases_at_least_a_minute() -> None:
    with pytest.raises(ValueError):
        ScheduledJob("never", nothing, every=timedelta(0))
    assert ScheduledJob("quick", nothing, every=timedelta(seconds=5)).lease_seconds == 60
    assert ScheduledJob("hourly", nothing, every=timedelta(hours=1)).lease_seconds == 3600
    custom = ScheduledJob("long", nothing, every=timedelta(seconds=5), lease=timedelta(minutes=5))
    assert custom.lease_seconds == 300


# Two schedulers racing


def _scheduler_in_own_loop(
    redis_url: str, job: ScheduledJob, seconds: float, ready: threading.Barrier
) -> None:
    """One process's scheduler: its own event loop, its own Redis connection."""

    async def main() -> None:
        redis = Redis.from_url(redis_url)
        scheduler = JobScheduler([job])
        ready.wait()
        scheduler.start(context(redis))
        await asyncio.sleep(seconds)
        await scheduler.stop()
        await redis.aclose()

    asyncio.run(main())


def test_two_schedulers_sharing_redis_run_a_job_once_per_tick(real_backend) -> None:
    every = 0.4
    runs: list[tuple[int, str]] = []

    async def record(_: ModuleContext) -> None:
        runs.append((current_tick(job), threading.current_thread().name))

    job = ScheduledJob(unique("race"), record, every=timedelta(seconds=every))
    seconds = 3.0
    ready = threading.Barrier(2)
    threads = [
        threading.Thread(
            target=_scheduler_in_own_loop,
            args=(real_backend.redis_url, job, seconds, ready),
            name=f"scheduler-{index}",
        )
        for index in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    ticks = Counter(tick for tick, _ in runs)
    assert ticks, "the job never ran"
    assert max(ticks.values()) == 1, f"a tick ran twice: {runs}"
    # Every tick in the window ran somewhere (the first and last may fall outside it).
    assert len(runs) >= seconds / every - 2
    assert sorted(ticks) == list(range(min(ticks), max(ticks) + 1))


# A holder that dies


CHILD_SCHEDULER = """
import asyncio, sys
from datetime import timedelta
from redis.asyncio import Redis
from bot.registration import ScheduledJob
from bot.scheduler import JobScheduler
from tests.unit.test_scheduled_jobs import context

redis_url, name, flag = sys.argv[1:4]

async def hang(_):
    await Redis.from_url(redis_url).set(flag, "running")
    await asyncio.Event().wait()  # killed here, mid-run, lease held

async def main():
    job = ScheduledJob(name, hang, every=timedelta(seconds=1), lease=timedelta(seconds=2))
    JobScheduler([job]).start(context(Redis.from_url(redis_url)))
    await asyncio.Event().wait()

asyncio.run(main())
"""


async def test_a_scheduler_that_dies_mid_run_loses_the_job_when_its_lease_expires(
    real_backend,
) -> None:
    redis = Redis.from_url(real_backend.redis_url)
    name, flag = unique("dies"), unique("flag")
    child = subprocess.Popen(  # noqa: ASYNC220 (started once, not waited on here)
        [sys.executable, "-c", CHILD_SCHEDULER, real_backend.redis_url, name, flag],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        deadline = time.monotonic() + 30
        while await redis.get(flag) is None:
            assert child.poll() is None, "the child scheduler exited"
            assert time.monotonic() < deadline, "the child's job never started"
            await asyncio.sleep(0.05)
    finally:
        child.kill()
        child.wait()
    died_at = time.monotonic()

    ran: list[int] = []

    async def record(_: ModuleContext) -> None:
        ran.append(1)

    job = ScheduledJob(name, record, every=timedelta(seconds=1), lease=timedelta(seconds=2))
    survivor = JobScheduler([])  # ticks are run by hand here, not by the clock
    survivor.start(context(redis))
    tick = current_tick(job) + 1000  # ticks nobody has claimed
    assert await survivor.run_tick(job, tick) is False  # the dead run's lease still stands
    assert not ran
    await asyncio.sleep(max(0.0, died_at + 2.2 - time.monotonic()))
    assert await survivor.run_tick(job, tick + 1) is True
    assert ran == [1]
    assert await redis.get(f"{KEY_PREFIX}:{name}:running") is None  # given back after the run
    await survivor.stop()
    await redis.aclose()


# Without Redis, and stopping


async def test_without_redis_the_one_process_runs_every_tick_and_survives_a_failure() -> None:
    calls: list[int] = []

    async def flaky(_: ModuleContext) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the marketplace was down")

    scheduler = JobScheduler([ScheduledJob("flaky", flaky, every=timedelta(seconds=0.25))])
    scheduler.start(context(None))
    await asyncio.sleep(1.1)
    await scheduler.stop()
    assert len(calls) >= 3  # the failure was logged; the next ticks still ran
    count = len(calls)
    await asyncio.sleep(0.4)
    assert len(calls) == count  # stopped means stopped


async def test_stop_lets_a_run_finish_then_cancels_one_that_overstays(real_backend) -> None:
    redis = Redis.from_url(real_backend.redis_url)
    finished: list[str] = []

    async def slow(_: ModuleContext) -> None:
        await asyncio.sleep(0.3)
        finished.append("slow")

    async def endless(_: ModuleContext) -> None:
        await asyncio.Event().wait()

    for job_function, grace, expected in ((slow, 5.0, ["slow"]), (endless, 0.2, [])):
        finished.clear()
        job = ScheduledJob(unique("stop"), job_function, every=timedelta(seconds=0.2))
        scheduler = JobScheduler([job])
        scheduler.start(context(redis))
        while not scheduler._running:  # noqa: ASYNC110 (the scheduler's own task set)
            await asyncio.sleep(0.01)
        await scheduler.stop(grace_seconds=grace)
        assert finished == expected
        # Either way the running lease is given back, so another process can take over now.
        assert await redis.get(f"{KEY_PREFIX}:{job.name}:running") is None
    await redis.aclose()


# The shell runs the jobs a module registers


async def test_the_dispatcher_runs_registered_jobs_between_startup_and_shutdown(
    monkeypatch: pytest.MonkeyPatch, migrated_database_url: str
) -> None:
    import bot.modules
    from bot.app import Resources, build_dispatcher, create_bot
    from bot.config import Module

    seen: list[Any] = []

    async def heartbeat(context: ModuleContext) -> None:
        seen.append(context.workflow_data.get("heartbeat_marker"))

    module = ModuleRegistration(
        name="heartbeat",
        jobs=(ScheduledJob(unique("heartbeat"), heartbeat, every=timedelta(seconds=0.2)),),
        workflow_data=(lambda settings: {"heartbeat_marker": "from the module"},),
    )
    monkeypatch.setattr(bot.modules, "registration", lambda _: module)
    settings = Settings(
        _env_file=None, database_url=migrated_database_url, modules=[Module.MARKETPLACE]
    )
    resources = Resources.open(settings)
    dispatcher = build_dispatcher(resources)
    assert "heartbeat" in bot.modules.module_tree(settings)
    # The startup hooks that need Telegram (the command menu) are not this test's business.
    dispatcher.startup.handlers = [
        handler for handler in dispatcher.startup.handlers if "jobs" in handler.callback.__name__
    ]
    telegram = create_bot("42:never-called", settings)
    await dispatcher.emit_startup(bot=telegram, dispatcher=dispatcher)
    await asyncio.sleep(0.7)
    await dispatcher.emit_shutdown(bot=telegram, dispatcher=dispatcher)
    await telegram.session.close()
    count = len(seen)
    await asyncio.sleep(0.4)
    await resources.close()
    assert count >= 2 and len(seen) == count
    assert set(seen) == {"from the module"}
