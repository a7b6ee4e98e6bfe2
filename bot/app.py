"""Wiring: one function builds the dispatcher the same way for `make run`, tests and benchmarks."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.types import BotCommand, BotCommandScopeDefault
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.modules import enabled_routers
from bot.retry import RetryOnFloodAndServerErrors
from handlers.core import core_router, fallback_router
from middlewares.database import DatabaseSessionMiddleware
from middlewares.i18n import create_i18n_middleware
from middlewares.throttling import MemoryUpdateCounter, RedisUpdateCounter, ThrottlingMiddleware
from middlewares.unhandled import UnhandledUpdateLogger
from middlewares.user import UserMiddleware
from services.database import create_engine, create_session_factory
from services.languages import SUPPORTED_LANGUAGES

logger = logging.getLogger(__name__)

BOT_COMMANDS = ("start", "help", "language", "settings", "cancel")


@dataclass
class Resources:
    """Connections that live as long as the process; closed by `close()`."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    redis: Redis | None

    @classmethod
    def open(cls, settings: Settings) -> Resources:
        engine = create_engine(settings.effective_database_url)
        if settings.database_url is None:
            logger.info(
                "DATABASE_URL is not set: using the embedded SQLite database %s", engine.url
            )
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        if redis is None:
            logger.info("REDIS_URL is not set: FSM state and throttling live in memory")
        return cls(settings, engine, create_session_factory(engine), redis)

    async def close(self) -> None:
        await self.engine.dispose()
        if self.redis is not None:
            await self.redis.aclose()


def create_bot(token: str, settings: Settings, api_base_url: str | None = None) -> Bot:
    base_url = api_base_url or settings.telegram_api_url
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(base_url)) if base_url else AiohttpSession()
    )
    session.middleware(RetryOnFloodAndServerErrors())
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def create_fsm(settings: Settings, redis: Redis | None) -> tuple[BaseStorage, BaseEventIsolation]:
    if redis is None:
        return MemoryStorage(), SimpleEventIsolation()
    key_builder = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
    storage = RedisStorage(
        redis,
        key_builder=key_builder,
        state_ttl=settings.fsm_ttl_seconds,
        data_ttl=settings.fsm_ttl_seconds,
    )
    return storage, RedisEventIsolation(redis, key_builder=key_builder)


def build_dispatcher(resources: Resources, extra_routers: Sequence[Router] = ()) -> Dispatcher:
    settings = resources.settings
    storage, isolation = create_fsm(settings, resources.redis)
    dispatcher = Dispatcher(storage=storage, events_isolation=isolation, settings=settings)

    dispatcher.update.outer_middleware(UnhandledUpdateLogger())
    dispatcher.update.outer_middleware(DatabaseSessionMiddleware(resources.session_factory))
    dispatcher.update.outer_middleware(UserMiddleware(settings.default_language))
    create_i18n_middleware(settings.default_language).setup(dispatcher)
    counter = (
        RedisUpdateCounter(resources.redis, settings.throttle_period_seconds)
        if resources.redis is not None
        else MemoryUpdateCounter(settings.throttle_period_seconds)
    )
    dispatcher.update.outer_middleware(ThrottlingMiddleware(counter, settings.throttle_limit))

    dispatcher.include_router(core_router())
    for router in (*enabled_routers(settings), *extra_routers):
        dispatcher.include_router(router)
    dispatcher.include_router(fallback_router())
    dispatcher.startup.register(_publish_commands)
    return dispatcher


async def _publish_commands(bot: Bot, dispatcher: Dispatcher) -> None:
    """Telegram shows the command menu in the user's app language; publish one per language."""
    core = dispatcher["i18n_middleware"].core
    for language in SUPPORTED_LANGUAGES:
        commands = [
            BotCommand(command=name, description=core.get(f"command-{name}", language))
            for name in BOT_COMMANDS
        ]
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=language)
    default_commands = [
        BotCommand(command=name, description=core.get(f"command-{name}", "en"))
        for name in BOT_COMMANDS
    ]
    await bot.set_my_commands(default_commands, scope=BotCommandScopeDefault())
