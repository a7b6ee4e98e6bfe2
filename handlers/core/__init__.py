"""Commands every user has: /start, /help, /language, /settings, /cancel, and the fallbacks."""

from __future__ import annotations

from aiogram import Router

from handlers.core import cancel, errors, fallback, language, menu, start


def core_router() -> Router:
    """Everything but the fallbacks, which must come after every module's router."""
    router = Router(name="core")
    for module in (cancel, start, menu, language, errors):
        router.include_router(module.build_router())
    return router


def fallback_router() -> Router:
    return fallback.build_router()
