"""Test backends: real PostgreSQL + Redis (default), or the embedded SQLite + memory default.

`EASYFLOW_TEST_BACKEND=embedded` runs the suite on the embedded default; `TEST_DATABASE_URL` /
`TEST_REDIS_URL` point the real backend at servers you already run instead of throwaway ones.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.migrate import upgrade
from tests.servers import ThrowawayPostgres, ThrowawayRedis

BACKEND = os.environ.get("EASYFLOW_TEST_BACKEND", "real")


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str
    redis_url: str | None
    postgres: ThrowawayPostgres | None = None

    @property
    def is_real(self) -> bool:
        return self.name == "real"


def pytest_report_header(config: pytest.Config) -> str:
    return f"easyflow test backend: {BACKEND}"


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    if BACKEND == "embedded":
        path = Path(tmp_path_factory.mktemp("sqlite")) / "easyflow.sqlite3"
        yield Backend("embedded", f"sqlite+aiosqlite:///{path}", None)
        return
    postgres = redis = None
    database_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    try:
        if database_url is None:
            postgres = ThrowawayPostgres().start()
            database_url = postgres.create_database("easyflow_test")
        if redis_url is None:
            redis = ThrowawayRedis().start()
            redis_url = redis.url
        yield Backend("real", database_url, redis_url, postgres)
    finally:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()


@pytest.fixture(scope="session")
def migrated_database_url(backend: Backend) -> str:
    upgrade(backend.database_url)
    return backend.database_url


@pytest.fixture
def real_backend(backend: Backend) -> Backend:
    if not backend.is_real:
        pytest.skip("needs real PostgreSQL and Redis (runs in the default `make test` pass)")
    return backend


@pytest.fixture
async def harness_factory(migrated_database_url: str, backend: Backend) -> AsyncIterator[object]:
    from tests.e2e.harness import HarnessFactory

    await forget_sellers(migrated_database_url)
    await forget_earlier_users(migrated_database_url)
    factory = HarnessFactory(database_url=migrated_database_url, redis_url=backend.redis_url)
    yield factory
    await factory.close_all()


async def forget_earlier_users(database_url: str) -> None:
    """Users an earlier test left in the shared database have no chat in this test's emulator,
    as if they had deleted their accounts: marked so, broadcasts leave them out. Broadcasts an
    earlier test left unfinished are closed, or this test's bot would resume them (kept, not
    deleted, so that broadcast ids are never reused within a run)."""
    from sqlalchemy import update

    from services.database import create_engine, create_session_factory
    from services.models.base import utcnow
    from services.models.broadcast import Broadcast
    from services.models.user import User

    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            await session.execute(
                update(Broadcast)
                .where(Broadcast.report_message_id.is_(None))
                .values(status="cancelled", reported_at=utcnow(), report_message_id=0)
            )
            await session.execute(
                update(User).where(User.deactivated_at.is_(None)).values(deactivated_at=utcnow())
            )
            await session.commit()
    finally:
        await engine.dispose()


async def forget_sellers(database_url: str) -> None:
    """Each test has its own emulators; sellers an earlier test left in the shared database
    point at groups and keys that no longer exist, and the bot's sync job would try them."""
    from sqlalchemy import delete

    from services.database import create_engine, create_session_factory
    from services.models.marketplace import Seller

    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            await session.execute(delete(Seller))  # their accounts, chats and messages go too
            await session.commit()
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def seeded_bank(migrated_database_url: str) -> str:
    """The test database with the question bank loaded (as `python -m bot seed` does)."""
    import asyncio

    from services.interview.bank import load_default_bank
    from services.interview.seeding import seed_database

    asyncio.run(seed_database(migrated_database_url, load_default_bank()))
    return migrated_database_url


@pytest.fixture(scope="session")
def seeded_catalogue(seeded_bank: str) -> str:
    """The test database with the question bank and the payment products (`python -m bot seed`)."""
    import asyncio

    from services.payments.seeding import seed_products_database

    asyncio.run(seed_products_database(seeded_bank))
    return seeded_bank
