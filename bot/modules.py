"""The shell's registry of modules: each module's `ModuleRegistration`, for the enabled ones.

A module that is off brings nothing; its package is not even imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiohttp import web

from bot.config import Module, Settings
from bot.registration import (
    CommandMenus,
    HealthSection,
    ModuleRegistration,
    ScheduledJob,
    StateReader,
)


def registration(module: Module) -> ModuleRegistration:
    # Imported on demand: a module's handlers (and what they import) load only when it is on.
    if module is Module.INTERVIEW:
        from handlers.interview import REGISTRATION as interview

        return interview
    if module is Module.PAYMENTS:
        from handlers.payments import REGISTRATION as payments

        return payments
    if module is Module.MARKETPLACE:
        from handlers.marketplace import REGISTRATION as marketplace

        return marketplace
    from handlers.admin import REGISTRATION as admin

    return admin


def enabled_registrations(settings: Settings) -> list[ModuleRegistration]:
    return [registration(module) for module in settings.modules]


def enabled_routers(settings: Settings) -> list[Router]:
    return [factory() for part in enabled_registrations(settings) for factory in part.routers]


def enabled_routers_before_core_commands(settings: Settings) -> list[Router]:
    return [
        factory()
        for part in enabled_registrations(settings)
        for factory in part.before_core_commands
    ]


def enabled_workflow_data(settings: Settings) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for part in enabled_registrations(settings):
        for factory in part.workflow_data:
            data.update(factory(settings))
    return data


def enabled_state_readers(settings: Settings) -> list[StateReader]:
    return [reader for part in enabled_registrations(settings) for reader in part.state_metrics]


def enabled_health_sections(settings: Settings) -> list[HealthSection]:
    return [section for part in enabled_registrations(settings) for section in part.health]


def _enabled_commands(
    settings: Settings, of: Callable[[ModuleRegistration], tuple[str, ...]]
) -> list[str]:
    return [command for part in enabled_registrations(settings) for command in of(part)]


def enabled_commands(settings: Settings) -> list[str]:
    return _enabled_commands(settings, lambda part: part.commands)


def enabled_group_admin_commands(settings: Settings) -> list[str]:
    return _enabled_commands(settings, lambda part: part.group_admin_commands)


def enabled_admin_chat_commands(settings: Settings) -> list[str]:
    return _enabled_commands(settings, lambda part: part.admin_chat_commands)


# The core's own commands, around the modules' ones in the private chat's menu.
CORE_COMMANDS_FIRST = ("start",)
CORE_COMMANDS_LAST = ("help", "language", "settings", "cancel")


def command_menus(settings: Settings) -> CommandMenus:
    return CommandMenus(
        private=(*CORE_COMMANDS_FIRST, *enabled_commands(settings), *CORE_COMMANDS_LAST),
        group_admins=tuple(enabled_group_admin_commands(settings)),
        admin_chat=tuple(enabled_admin_chat_commands(settings)),
    )


def menu_modules(settings: Settings) -> tuple[Module, ...]:
    """The enabled modules with a main-menu button: those that have a screen behind it."""
    return tuple(module for module in settings.modules if registration(module).menu_screen)


def module_jobs(part: ModuleRegistration, settings: Settings) -> list[ScheduledJob]:
    """The module's jobs, those made from settings made now."""
    return [job if isinstance(job, ScheduledJob) else job(settings) for job in part.jobs]


def enabled_jobs(settings: Settings) -> list[ScheduledJob]:
    return [job for part in enabled_registrations(settings) for job in module_jobs(part, settings)]


def module_tree(settings: Settings) -> str:
    """What is on, as one short tree for the start-up log: each module with its routers (and
    their sub-routers), web routes, jobs and commands; the modules that are off on one line."""
    branches = [
        (part.name, _module_items(part, settings)) for part in enabled_registrations(settings)
    ]
    off = [module.value for module in Module if module not in settings.modules]
    if off:
        branches.append(("off: " + ", ".join(off), []))
    lines = ["modules:"]
    for index, (name, items) in enumerate(branches):
        last = index == len(branches) - 1
        lines.append(("└── " if last else "├── ") + name)
        stem = "    " if last else "│   "
        lines += [
            stem + ("└── " if item_index == len(items) - 1 else "├── ") + item
            for item_index, item in enumerate(items)
        ]
    return "\n".join(lines)


def _module_items(part: ModuleRegistration, settings: Settings) -> list[str]:
    routers = [_router_names(factory()) for factory in (*part.before_core_commands, *part.routers)]
    routes = [
        f"{route.method} {route.path}"
        for factory in part.web_routes
        for route in factory(settings)
        if isinstance(route, web.RouteDef)
    ]
    jobs = [
        f"{job.name} every {_duration(job.every.total_seconds())}"
        for job in module_jobs(part, settings)
    ]
    if not (
        routers
        or routes
        or jobs
        or part.commands
        or part.group_admin_commands
        or part.admin_chat_commands
    ):
        return ["nothing registered yet"]
    items = [f"routers: {', '.join(routers)}"] if routers else []
    if routes:
        items.append(f"web: {', '.join(routes)}")
    if jobs:
        items.append(f"jobs: {', '.join(jobs)}")
    if part.commands:
        items.append("commands: " + " ".join(f"/{command}" for command in part.commands))
    if part.group_admin_commands:
        group = " ".join(f"/{command}" for command in part.group_admin_commands)
        items.append("group admins' commands: " + group)
    if part.admin_chat_commands:
        console = " ".join(f"/{command}" for command in part.admin_chat_commands)
        items.append("admin group's commands: " + console)
    return items


def _router_names(router: Router) -> str:
    children = [_router_names(child) for child in router.sub_routers]
    return router.name + (f" ({', '.join(children)})" if children else "")


def _duration(seconds: float) -> str:
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"
