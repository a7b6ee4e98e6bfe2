"""/health: the checks behind /healthz (the database, Redis, the scheduled jobs), in words."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Protocol

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram_i18n import I18nContext

from bot.config import Settings
from handlers.admin_group import admin_text
from services.health import HEALTH_CHECK_TIMEOUT_SECONDS, HealthChecks


class LateOrNot(Protocol):
    late: bool


class ScheduledJobs(Protocol):
    """The shell's job scheduler (workflow data `job_scheduler`), as far as /health reads it."""

    async def health(self) -> Mapping[str, LateOrNot]: ...


async def health_command(
    message: Message,
    i18n: I18nContext,
    settings: Settings,
    health_checks: HealthChecks,
    job_scheduler: ScheduledJobs | None = None,
) -> None:
    report = await health_checks.run()
    lines = [admin_text(i18n, settings, "health-title", healthy=str(report.healthy).lower())]
    lines += [
        admin_text(i18n, settings, f"health-{part}", state=state.name.lower())
        for part, state in report.checks.items()
    ]
    if job_scheduler is not None:
        lines.append(await _jobs_line(i18n, settings, job_scheduler))
    await message.answer("\n".join(lines))


async def _jobs_line(i18n: I18nContext, settings: Settings, scheduler: ScheduledJobs) -> str:
    try:
        jobs = await asyncio.wait_for(scheduler.health(), HEALTH_CHECK_TIMEOUT_SECONDS)
    except Exception:  # Redis is down: its own line above says so
        return admin_text(i18n, settings, "health-jobs-unknown")
    late = [name for name, job in jobs.items() if job.late]
    return admin_text(
        i18n, settings, "health-jobs", count=len(jobs), late=len(late), names=", ".join(late)
    )


def register(router: Router) -> None:
    router.message.register(health_command, Command("health"))
