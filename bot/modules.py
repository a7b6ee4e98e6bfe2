"""Which routers, jobs and web routes each module brings. A module that is off brings nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Router
from aiohttp import web

from bot.config import Module, Settings

RouterFactory = Callable[[], Router]
# Objects the module's handlers receive by name (e.g. its evaluator), built from settings.
WorkflowDataFactory = Callable[[Settings], dict[str, Any]]
WebRoutesFactory = Callable[[Settings], list[web.RouteDef]]


@dataclass(frozen=True)
class ModuleParts:
    routers: list[RouterFactory] = field(default_factory=list)
    web_routes: list[WebRoutesFactory] = field(default_factory=list)
    # Commands for Telegram's menu; each needs a `command-<name>` description in locales.
    commands: tuple[str, ...] = ()
    workflow_data: list[WorkflowDataFactory] = field(default_factory=list)


def module_parts(module: Module) -> ModuleParts:
    # Modules fill their parts in as they are built; the core menu shows their intro meanwhile.
    from handlers.interview import build_router as interview_router
    from handlers.interview import workflow_data as interview_workflow_data
    from handlers.payments import build_admin_router as payments_admin_router
    from handlers.payments import build_router as payments_router
    from handlers.payments import web_routes as payments_web_routes
    from handlers.payments import workflow_data as payments_workflow_data

    registry: dict[Module, ModuleParts] = {
        Module.INTERVIEW: ModuleParts(
            routers=[interview_router],
            commands=("interview", "progress", "bookmarks"),
            workflow_data=[interview_workflow_data],
        ),
        Module.PAYMENTS: ModuleParts(
            # The admin part first: in the admin group, its commands win.
            routers=[payments_admin_router, payments_router],
            web_routes=[payments_web_routes],
            commands=("buy", "balance", "paysupport"),
            workflow_data=[payments_workflow_data],
        ),
        Module.MARKETPLACE: ModuleParts(),
        Module.ADMIN: ModuleParts(),
    }
    return registry[module]


def enabled_routers(settings: Settings) -> list[Router]:
    return [factory() for module in settings.modules for factory in module_parts(module).routers]


def enabled_workflow_data(settings: Settings) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for module in settings.modules:
        for factory in module_parts(module).workflow_data:
            data.update(factory(settings))
    return data


def enabled_commands(settings: Settings) -> list[str]:
    return [command for module in settings.modules for command in module_parts(module).commands]
