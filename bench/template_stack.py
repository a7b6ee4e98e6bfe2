"""What the popular public aiogram templates do per update, as the bench's yardstick.

aiogram with `RedisStorage` and `RedisEventIsolation` (a key builder with the bot id and the
destiny), a SQLAlchemy session middleware, a user middleware that upserts the sender with
`INSERT ... ON CONFLICT DO UPDATE` and commits, and a handler that reads the FSM state and
replies. Its own table (`template_users`) in the bench database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.types import Message, TelegramObject
from redis.asyncio import Redis
from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class TemplateBase(DeclarativeBase):
    pass


class TemplateUser(TemplateBase):
    __tablename__ = "template_users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(128))
    language_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, session_pool: async_sessionmaker[AsyncSession]) -> None:
        self.session_pool = session_pool

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.session_pool() as session:
            data["session"] = session
            return await handler(event, data)


class UpsertUserMiddleware(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        if user is not None:
            session: AsyncSession = data["session"]
            now = datetime.now(UTC)
            statement = insert(TemplateUser).values(
                id=user.id,
                username=user.username,
                first_name=user.first_name,
                language_code=user.language_code,
                created_at=now,
                updated_at=now,
            )
            statement = statement.on_conflict_do_update(
                index_elements=[TemplateUser.id],
                set_={
                    "username": statement.excluded.username,
                    "first_name": statement.excluded.first_name,
                    "language_code": statement.excluded.language_code,
                    "updated_at": now,
                },
            )
            await session.execute(statement)
            await session.commit()
        return await handler(event, data)


def template_router() -> Router:
    router = Router(name="template")

    @router.message()
    async def reply(message: Message, state: FSMContext) -> None:
        current = await state.get_state()
        name = message.from_user.first_name if message.from_user else "there"
        await message.answer(f"Hello, <b>{name}</b>! You said: {message.text} ({current})")

    return router


async def create_template_tables(database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(TemplateBase.metadata.create_all)
    await engine.dispose()


def make_template(
    database_url: str, redis_url: str, token: str, base_url: str
) -> tuple[Bot, Dispatcher, Callable[[], Awaitable[None]]]:
    engine = create_async_engine(database_url, pool_size=16, max_overflow=16)
    session_pool = async_sessionmaker(engine, expire_on_commit=False)
    redis = Redis.from_url(redis_url)
    key_builder = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
    dispatcher = Dispatcher(
        storage=RedisStorage(redis, key_builder=key_builder),
        events_isolation=RedisEventIsolation(redis, key_builder=key_builder),
    )
    dispatcher.update.outer_middleware(DbSessionMiddleware(session_pool))
    dispatcher.update.outer_middleware(UpsertUserMiddleware())
    dispatcher.include_router(template_router())
    session = AiohttpSession(api=TelegramAPIServer.from_base(base_url))
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))

    async def cleanup() -> None:
        await bot.session.close()
        await engine.dispose()
        await redis.aclose()

    return bot, dispatcher, cleanup
