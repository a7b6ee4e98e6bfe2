"""The admin module: the console an operator runs the business from, in the admin group.

Admins and the audit (/admins, /audit), /stats, /user, /broadcast, /bank, /sellers and
/health. Every command exists only for admins in ADMIN_CHAT_ID; for anyone else, anywhere,
nothing happens.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiogram import Router

from bot.config import Module, Settings
from bot.registration import ModuleContext, ModuleRegistration, ScheduledJob
from services.metrics import StateGauge

CONSOLE_COMMANDS = (
    "stats",
    "user",
    "broadcast",
    "bank",
    "sellers",
    "health",
    "audit",
    "admins",
)
# Callback data of every console button starts with this (each part its own letter after it).
CONSOLE_CALLBACK_PREFIX = "adm"
BROADCAST_TICK_SECONDS = 3


def build_router() -> Router:
    from handlers.admin import (
        admins,
        audit,
        bank,
        broadcast,
        broadcast_progress,
        health,
        refusals,
        sellers,
        stats,
        users,
    )
    from handlers.admin_group import IsAdmin

    console = Router(name="admin.console")
    console.message.filter(IsAdmin())
    console.callback_query.filter(IsAdmin())
    for part in (stats, users, broadcast, broadcast_progress, bank, sellers, health, audit, admins):
        part.register(console)
    router = Router(name="admin")
    router.include_router(console)
    router.include_router(refusals.build_router())
    return router


def workflow_data(settings: Settings) -> dict[str, Any]:
    from handlers.admin.broadcast_progress import BROADCASTS_KEY, BroadcastDesk

    return {BROADCASTS_KEY: BroadcastDesk(settings)}


async def run_broadcasts(context: ModuleContext) -> None:
    from handlers.admin.broadcast_progress import run_broadcasts as run

    await run(context)


# Every process works on running broadcasts (their recipients are claimed row by row), so a
# restarted or second process picks one up within a tick.
BROADCASTS_JOB = ScheduledJob(
    name="admin-broadcasts",
    run=run_broadcasts,
    every=timedelta(seconds=BROADCAST_TICK_SECONDS),
    once_across_processes=False,
)


async def broadcast_state(context: ModuleContext) -> list[StateGauge]:
    """For /metrics: the recipients of running and paused broadcasts by state."""
    from services.broadcasts.control import recipients_gauge

    async with context.session_factory() as session:
        return [await recipients_gauge(session)]


REGISTRATION = ModuleRegistration(
    name=Module.ADMIN.value,
    routers=(build_router,),
    jobs=(BROADCASTS_JOB,),
    workflow_data=(workflow_data,),
    admin_chat_commands=CONSOLE_COMMANDS,
    state_metrics=(broadcast_state,),
)
