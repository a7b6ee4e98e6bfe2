"""What a module hands the shell, and what the shell hands a module back at run time.

A module (a package under `handlers/`) describes itself with one `ModuleRegistration`: its
routers, web routes, scheduled jobs, menu commands and workflow data. The shell's registry
(`bot/modules.py`) imports those registrations; a module imports only this file, never the
shell's wiring, so the two sides meet here without a loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from aiogram import Bot, Router
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.sender import SENDER_KEY, TelegramSender
from services.metrics import StateGauge


class Translations(Protocol):
    """The i18n core: messages in a given language, for work outside an update."""

    def get(self, key: str, locale: str | None = None, /, **kwargs: Any) -> str: ...


@dataclass(frozen=True)
class ModuleContext:
    """The running platform as a module's web routes and scheduled jobs see it."""

    settings: Settings
    bot: Bot
    session_factory: async_sessionmaker[AsyncSession]
    redis: Redis | None
    # The dispatcher's workflow data: every module's objects (a payment gateway, say) and the
    # i18n middleware under "i18n_middleware".
    workflow_data: Mapping[str, Any]

    @property
    def sender(self) -> TelegramSender:
        """The one sender for everything the platform sends on its own initiative."""
        return self.workflow_data[SENDER_KEY]

    @property
    def i18n_core(self) -> Translations:
        """The translations (`.get(key, language, **values)`), as handlers get them."""
        return self.workflow_data["i18n_middleware"].core


# Module web routes read the context with `request.app[MODULE_CONTEXT_KEY]`.
MODULE_CONTEXT_KEY = web.AppKey("module_context", ModuleContext)

RouterFactory = Callable[[], Router]
# Objects the module's handlers receive by name (its evaluator, say), built from settings.
WorkflowDataFactory = Callable[[Settings], dict[str, Any]]
WebRoutesFactory = Callable[[Settings], list[web.RouteDef]]
JobFunction = Callable[[ModuleContext], Awaitable[None]]
# Gauges read at scrape time (a seller's sync lag, a broadcast's progress), for /metrics.
StateReader = Callable[[ModuleContext], Awaitable[list[StateGauge]]]


@dataclass(frozen=True)
class HealthSection:
    """A section of /healthz (say, each seller's last sync): `read` gives its JSON-ready value,
    for people and monitors. It does not decide the status code, which is about this process's
    own dependencies; one not read in time shows as "unknown"."""

    name: str
    read: Callable[[ModuleContext], Awaitable[Any]]


@dataclass(frozen=True)
class ScheduledJob:
    """A coroutine the shell runs every `every`, on ticks aligned to the clock so that all
    processes agree on them. With Redis, a tick runs in one process only (`once_across_processes`)
    and a run holds a lease for `lease` (default: `every`, at least a minute) so that runs
    never overlap; a process that dies mid-run loses the lease when it expires."""

    name: str
    run: JobFunction
    every: timedelta
    once_across_processes: bool = True
    lease: timedelta | None = None

    def __post_init__(self) -> None:
        if self.every <= timedelta(0):
            raise ValueError(f"job {self.name!r}: `every` must be positive")

    @property
    def lease_seconds(self) -> float:
        if self.lease is not None:
            return self.lease.total_seconds()
        return max(self.every.total_seconds(), 60.0)


# A job whose period (or anything else) comes from settings.
JobFactory = Callable[[Settings], ScheduledJob]


@dataclass(frozen=True)
class ModuleRegistration:
    name: str
    routers: tuple[RouterFactory, ...] = ()
    # Routers dispatched before the core's /cancel, /help and /language: a module's own answer
    # to those commands while its flow is under way (cancelling an interview, say).
    before_core_commands: tuple[RouterFactory, ...] = ()
    web_routes: tuple[WebRoutesFactory, ...] = ()
    jobs: tuple[ScheduledJob | JobFactory, ...] = ()
    # Commands for Telegram's menu; each needs a `command-<name>` description in locales.
    commands: tuple[str, ...] = ()
    # Commands for the menu of group administrators (in every group), described the same way.
    group_admin_commands: tuple[str, ...] = ()
    # Commands for the menu of the operator's admin group (ADMIN_CHAT_ID) only.
    admin_chat_commands: tuple[str, ...] = ()
    workflow_data: tuple[WorkflowDataFactory, ...] = ()
    # The module answers its own main-menu button (`MenuCallback(section=<name>)`); a module
    # without a screen of its own gets no button, rather than one that leads nowhere.
    menu_screen: bool = False
    state_metrics: tuple[StateReader, ...] = ()
    health: tuple[HealthSection, ...] = ()


@dataclass(frozen=True)
class CommandMenus:
    """The commands of the core and the enabled modules, per place: what Telegram's menus show
    and /help lists. Handlers receive it as `command_menus`."""

    private: tuple[str, ...]
    group_admins: tuple[str, ...] = ()
    admin_chat: tuple[str, ...] = ()
