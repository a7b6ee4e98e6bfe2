"""The admin module: the console an operator runs the business from, in the admin group.

Admins and the audit (/admins, /audit), /stats, /user, /broadcast, /bank, /sellers and
/health. Every command exists only for admins in ADMIN_CHAT_ID; for anyone else, anywhere,
nothing happens.
"""

from __future__ import annotations

from aiogram import Router

from bot.config import Module
from bot.registration import ModuleRegistration

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


REGISTRATION = ModuleRegistration(
    name=Module.ADMIN.value,
    routers=(build_router,),
    admin_chat_commands=CONSOLE_COMMANDS,
)
