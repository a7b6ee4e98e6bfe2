"""The per-process cache of recently seen users: hits skip the database, changes still land."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.database import create_engine, create_session_factory
from services.models import User
from services.users import RecentUsers, TelegramProfile, get_user, upsert_user

PROFILE = TelegramProfile(telegram_id=42, first_name="Ann", username="ann", language_code="en")


@pytest.fixture
async def sessions(migrated_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(migrated_database_url)
    factory = create_session_factory(engine)
    async with factory() as session:
        existing = await session.get(User, PROFILE.telegram_id)
        if existing is not None:
            await session.delete(existing)
            await session.commit()
    yield factory
    await engine.dispose()


async def remembered(factory: async_sessionmaker[AsyncSession], recent: RecentUsers) -> None:
    async with factory() as session:
        user, _ = await upsert_user(session, PROFILE, fallback_language="en")
        await session.commit()
    recent.remember(user)


async def test_a_hit_needs_no_query_and_its_changes_are_saved(sessions) -> None:
    recent = RecentUsers()
    await remembered(sessions, recent)
    async with sessions() as session:
        statements: list[str] = []
        sync_engine = session.bind.sync_engine  # type: ignore[union-attr]

        def record(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(sync_engine, "before_cursor_execute", record)
        try:
            user = await recent.attach(session, PROFILE)
            assert user is not None and user.first_name == "Ann"
            assert statements == []  # merge(load=False): no SELECT
            user.language = "ru"
            await session.commit()
        finally:
            event.remove(sync_engine, "before_cursor_execute", record)
    async with sessions() as session:
        assert (await get_user(session, PROFILE.telegram_id)).language == "ru"  # type: ignore[union-attr]


async def test_a_changed_profile_or_an_old_entry_goes_to_the_database(sessions) -> None:
    recent = RecentUsers()
    await remembered(sessions, recent)
    renamed = TelegramProfile(telegram_id=42, first_name="Anna", username="ann")
    async with sessions() as session:
        assert await recent.attach(session, renamed) is None
    await remembered(sessions, recent)
    expired = RecentUsers(ttl=timedelta(0))
    expired.remember(recent._users[PROFILE.telegram_id])
    async with sessions() as session:
        assert await expired.attach(session, PROFILE) is None


async def test_forget_and_the_size_bound(sessions) -> None:
    recent = RecentUsers(max_size=1)
    await remembered(sessions, recent)
    recent.forget(PROFILE.telegram_id)
    async with sessions() as session:
        assert await recent.attach(session, PROFILE) is None
    first = User(telegram_id=1, first_name="a", language="en")
    second = User(telegram_id=2, first_name="b", language="en")
    recent.remember(first)
    recent.remember(second)
    assert list(recent._users) == [2]
