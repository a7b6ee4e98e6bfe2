"""`count_when_committed`: a service's count lands when its caller's transaction commits, and
never for one that was rolled back (a savepoint's release is not the commit)."""

from __future__ import annotations

from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from services.metrics import PAYMENTS, count_when_committed

LABELS = {"method": "stars", "status": "on-commit-test"}


def counted() -> float | None:
    return REGISTRY.get_sample_value("easyflow_payments_total", LABELS)


async def test_counted_at_the_outer_commit_and_never_after_a_rollback() -> None:
    counter = PAYMENTS.labels(**LABELS)
    engine = create_async_engine("sqlite+aiosqlite://")
    sessions = async_sessionmaker(engine)
    try:
        async with sessions() as session:
            await session.execute(text("SELECT 1"))
            count_when_committed(session, counter, 2)
            async with session.begin_nested():
                await session.execute(text("SELECT 1"))
            assert counted() == 0  # the savepoint's release is not the commit
            await session.commit()
        assert counted() == 2

        async with sessions() as session:
            await session.execute(text("SELECT 1"))
            count_when_committed(session, counter)
            await session.rollback()
            await session.execute(text("SELECT 1"))  # a new transaction, committed
            await session.commit()
        assert counted() == 2
    finally:
        await engine.dispose()
