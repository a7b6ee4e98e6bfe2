"""Commands every user has: /start, /help, /language, /settings, /cancel, and the fallbacks.

Three routers, in dispatch order around the modules' routers:
`commands_router` (/cancel, /help, /language, /settings and errors: they work inside any flow),
then the modules (which may claim a /start deep link or offer to continue something), then
`core_router` (/start and the menu screens), then `fallback_router` (whatever nobody wanted).
"""

from __future__ import annotations

from aiogram import Router

from handlers.core import cancel, errors, fallback, language, menu, start
from handlers.filters import PRIVATE_CHAT

# Each part registers its handlers on one shared router: aiogram pays per router an update
# passes through, so a few flat routers dispatch faster than one per file.


def commands_router() -> Router:
    router = Router(name="core.commands")
    for part in (cancel, language, errors):
        part.register(router)
    return router


def core_router() -> Router:
    router = Router(name="core")
    for part in (start, menu):
        part.register(router)
    return router


def fallback_router() -> Router:
    router = Router(name="core.fallback")
    router.message.filter(PRIVATE_CHAT)
    fallback.register(router)
    return router
