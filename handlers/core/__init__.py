"""Commands every user has: /start, /help, /language, /settings, /cancel, and the fallbacks.

Three routers, in dispatch order around the modules' routers:
`commands_router` (/cancel, /help, /language, /settings and errors: they work inside any flow),
then the modules (which may claim a /start deep link or offer to continue something), then
`core_router` (/start and the menu screens), then `fallback_router` (whatever nobody wanted).
"""

from __future__ import annotations

from aiogram import Router

from handlers.core import cancel, errors, fallback, language, menu, start


def commands_router() -> Router:
    router = Router(name="core.commands")
    for module in (cancel, language, errors):
        router.include_router(module.build_router())
    return router


def core_router() -> Router:
    router = Router(name="core")
    for module in (start, menu):
        router.include_router(module.build_router())
    return router


def fallback_router() -> Router:
    return fallback.build_router()
