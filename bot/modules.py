"""Which routers, jobs and web routes each module brings. A module that is off brings nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aiogram import Router
from aiohttp import web

from bot.config import Module, Settings

RouterFactory = Callable[[], Router]
WebRoutesFactory = Callable[[Settings], list[web.RouteDef]]


@dataclass(frozen=True)
class ModuleParts:
    routers: list[RouterFactory] = field(default_factory=list)
    web_routes: list[WebRoutesFactory] = field(default_factory=list)


def module_parts(module: Module) -> ModuleParts:
    # Modules fill their parts in as they are built; the core menu shows their intro meanwhile.
    registry: dict[Module, ModuleParts] = {
        Module.INTERVIEW: ModuleParts(),
        Module.PAYMENTS: ModuleParts(),
        Module.MARKETPLACE: ModuleParts(),
        Module.ADMIN: ModuleParts(),
    }
    return registry[module]


def enabled_routers(settings: Settings) -> list[Router]:
    return [factory() for module in settings.modules for factory in module_parts(module).routers]
