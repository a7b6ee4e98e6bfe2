"""The enabled modules' scheduled jobs, run by one APScheduler per process.

Ticks are aligned to the clock (every `every` since the epoch), so every process agrees on
which tick is due. With Redis, a job that must run once across processes claims the tick (a
lease that is never given back, so a process whose clock lags cannot run the same tick after
the winner finished) and then takes the job's running lease for the run (so a run that
outlasts its interval is not started again elsewhere; a process that dies mid-run loses it
when it expires). Without Redis there is one process, and APScheduler's one-instance rule is
enough.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.registration import ModuleContext, ScheduledJob
from services.leases import RedisLeases

logger = logging.getLogger(__name__)

KEY_PREFIX = "easyflow:jobs"
# A hash: job name → its last finished run (JSON), whichever process ran it.
LAST_RUNS_KEY = f"{KEY_PREFIX}:last-runs"
CLOCK_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
# The dispatcher's workflow data holds the process's scheduler under this name (for /healthz).
JOB_SCHEDULER_KEY = "job_scheduler"


@dataclass(frozen=True)
class JobRun:
    """A finished run of a job: when it ended (Unix time), whether it went well, how long."""

    finished_at: float
    ok: bool
    seconds: float


@dataclass(frozen=True)
class JobHealth:
    every_seconds: float
    last_run: JobRun | None
    # No run has finished for three periods (and the lease) since the job was last seen
    # running or since this scheduler started: ticks are being lost.
    late: bool

    def as_json(self) -> dict[str, object]:
        last = self.last_run
        return {
            "every_seconds": self.every_seconds,
            "last_run": None
            if last is None
            else datetime.fromtimestamp(last.finished_at, UTC).isoformat(timespec="seconds"),
            "last_run_ok": None if last is None else last.ok,
            "late": self.late,
        }


def current_tick(job: ScheduledJob, now: float | None = None) -> int:
    """The number of the tick due now. Rounded, not floored: a timer may fire a little early
    or late, and either way it is about the nearest tick."""
    seconds = job.every.total_seconds()
    return round(((time.time() if now is None else now) - CLOCK_ORIGIN.timestamp()) / seconds)


class JobScheduler:
    def __init__(self, jobs: Sequence[ScheduledJob]) -> None:
        self.jobs = list(jobs)
        self._context: ModuleContext | None = None
        self._leases: RedisLeases | None = None
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._running: set[asyncio.Task[object]] = set()
        self._stopping = False
        self._started_at: float | None = None
        self._last_runs: dict[str, JobRun] = {}  # this process's, for when there is no Redis

    def start(self, context: ModuleContext) -> None:
        """Runs the jobs from now on, in the running event loop, handing them `context`."""
        self._context = context
        self._leases = RedisLeases(context.redis) if context.redis is not None else None
        self._started_at = time.time()
        if not self.jobs:
            return
        for job in self.jobs:
            self._scheduler.add_job(
                self._tick,
                IntervalTrigger(seconds=job.every.total_seconds(), start_date=CLOCK_ORIGIN),
                args=[job],
                id=job.name,
                name=job.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, math.ceil(job.every.total_seconds() / 2)),
            )
        self._scheduler.start()
        logger.info(
            "scheduled jobs: %s (%s)",
            ", ".join(job.name for job in self.jobs),
            "once across processes through Redis" if self._leases else "in this process",
        )

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """No new ticks; runs under way get `grace_seconds` to finish, then are cancelled (and
        give their leases back) before this returns."""
        if not self._scheduler.running:
            return
        self._stopping = True
        self._scheduler.pause()
        running = [task for task in self._running if not task.done()]
        if running:
            _, unfinished = await asyncio.wait(running, timeout=grace_seconds)
            if unfinished:
                logger.warning(
                    "cancelling %d scheduled job run(s) still going at shutdown", len(unfinished)
                )
                for task in unfinished:
                    task.cancel()
                await asyncio.wait(unfinished)
        self._scheduler.shutdown(wait=False)

    async def _tick(self, job: ScheduledJob) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            await self.run_tick(job, current_tick(job))
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # Cancelled by `stop`: an orderly end, not a failure for APScheduler to report.
        finally:
            self._running.discard(task)

    async def run_tick(self, job: ScheduledJob, tick: int) -> bool:
        """Runs `job` for `tick` unless another process has it; True when it ran here."""
        if self._leases is None or not job.once_across_processes:
            await self._run(job)
            return True
        claim_ms = math.ceil(job.every.total_seconds() * 2000)
        if await self._leases.try_acquire(f"{KEY_PREFIX}:{job.name}:tick:{tick}", claim_ms) is None:
            return False
        lease = await self._leases.try_acquire(
            f"{KEY_PREFIX}:{job.name}:running", math.ceil(job.lease_seconds * 1000)
        )
        if lease is None:
            logger.info("job %s: the previous run still holds its lease; tick skipped", job.name)
            return False
        try:
            await self._run(job)
        finally:
            if not await self._leases.release(lease):
                logger.warning(
                    "job %s ran longer than its %.0f s lease", job.name, job.lease_seconds
                )
        return True

    async def _run(self, job: ScheduledJob) -> None:
        assert self._context is not None, "start() hands the jobs their context"
        started = time.monotonic()
        ok = False
        try:
            await job.run(self._context)
            ok = True
        except Exception:  # one failed run must not stop the next ticks
            logger.exception("scheduled job %s failed", job.name)
        else:
            logger.debug("job %s done in %.2f s", job.name, time.monotonic() - started)
        await self._note_run(job, JobRun(time.time(), ok, time.monotonic() - started))

    async def _note_run(self, job: ScheduledJob, run: JobRun) -> None:
        self._last_runs[job.name] = run
        redis = self._context.redis if self._context is not None else None
        if redis is None:
            return
        try:
            await redis.hset(LAST_RUNS_KEY, job.name, json.dumps(asdict(run)))
        except Exception as error:  # health reporting must not fail the job
            logger.warning("job %s: its run could not be noted in Redis: %r", job.name, error)

    @property
    def state(self) -> str:
        if self._started_at is None:
            return "not started"
        return "running" if self._scheduler.running and not self._stopping else "stopped"

    async def health(self) -> dict[str, JobHealth]:
        """Each job's last finished run, in any process (through Redis), and whether it is
        late."""
        runs = dict(self._last_runs)
        redis = self._context.redis if self._context is not None else None
        if redis is not None and self.jobs:
            stored = await redis.hgetall(LAST_RUNS_KEY)
            for name, value in stored.items():
                key = name.decode() if isinstance(name, bytes) else name
                runs[key] = JobRun(**json.loads(value))
        now = time.time()
        since = self._started_at if self._started_at is not None else now
        report = {}
        for job in self.jobs:
            last = runs.get(job.name)
            seen = max(since, last.finished_at) if last is not None else since
            allowed = 3 * job.every.total_seconds() + job.lease_seconds
            report[job.name] = JobHealth(job.every.total_seconds(), last, now - seen > allowed)
        return report
