"""Fixtures of the payments tests (tests/unit/test_payments_*.py).

They run on a scratch database of their own — a fresh PostgreSQL database on the real backend,
a SQLite file on the embedded one — seeded with the product catalogue, so the products and
prices the tests create never show up in the catalogue other tests (e2e) see. With
TEST_DATABASE_URL (no throwaway server) they share that database and deactivate their test
products afterwards.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.migrate import upgrade
from services.database import create_engine, create_session_factory
from services.models import Price, Product, User
from services.payments.catalog import ProductKind
from tests.conftest import Backend

_scratch_names = itertools.count(1)


def scratch_database_url(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> str | None:
    """A new, migrated, empty database; None when the backend cannot make one."""
    if backend.postgres is not None:
        url = backend.postgres.create_database(f"payments_scratch_{next(_scratch_names)}")
    elif backend.name == "embedded":
        path = Path(tmp_path_factory.mktemp("payments")) / "payments.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        return None
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def payments_database_url(
    backend: Backend, migrated_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A migrated database with the product catalogue seeded (as `python -m bot seed` does)."""
    from services.payments.seeding import seed_products_database

    url = scratch_database_url(backend, tmp_path_factory) or migrated_database_url
    asyncio.run(seed_products_database(url))
    return url


@pytest.fixture
def fresh_database_url(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A new migrated database with nothing in it (for seeding and migration tests)."""
    url = scratch_database_url(backend, tmp_path_factory)
    if url is None:
        pytest.skip("needs the throwaway PostgreSQL server or the embedded backend")
    return url


@pytest.fixture(scope="module")
def module_database_url(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A new migrated database shared by one test module (its tests clear what they use); a
    SQLite file where the backend cannot make a PostgreSQL one."""
    url = scratch_database_url(backend, tmp_path_factory)
    if url is None:
        url = f"sqlite+aiosqlite:///{Path(tmp_path_factory.mktemp('module')) / 'module.sqlite3'}"
        upgrade(url)
    return url


class PaymentsDB:
    """Sessions on the payments database, and users and products made for one test."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = create_session_factory(engine)
        self.products: list[str] = []

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    async def user(self, language: str = "en") -> int:
        user_id = random.randint(10**9, 9 * 10**9)
        async with self.sessions() as session:
            session.add(User(telegram_id=user_id, first_name="Payer", language=language))
            await session.commit()
        return user_id

    async def product(
        self,
        kind: ProductKind = ProductKind.PACK,
        *,
        interviews: int = 5,
        days: int = 0,
        prices: dict[str, int] | None = None,
    ) -> str:
        """A product of this test only (committed), priced in XTR and RUB unless told."""
        product_id = f"t{random.randint(10**8, 10**9)}"
        prices = {"XTR": 200, "RUB": 590_00} if prices is None else prices
        async with self.sessions() as session:
            session.add(
                Product(
                    id=product_id,
                    kind=kind,
                    interviews=interviews if kind == ProductKind.PACK else 0,
                    days=days if kind == ProductKind.SUBSCRIPTION else 0,
                    title={"en": f"Test {product_id}", "ru": f"Тест {product_id}"},
                    description={"en": "A test product", "ru": "Тестовый продукт"},
                    position=1000,
                    is_active=True,
                )
            )
            await session.flush()
            for currency, amount in prices.items():
                session.add(Price(product_id=product_id, currency=currency, amount=amount))
            await session.commit()
        self.products.append(product_id)
        return product_id

    async def subscription(self, days: int = 30, prices: dict[str, int] | None = None) -> str:
        return await self.product(ProductKind.SUBSCRIPTION, days=days, prices=prices)

    async def retire_products(self) -> None:
        from sqlalchemy import update

        if not self.products:
            return
        async with self.sessions() as session:
            await session.execute(
                update(Product).where(Product.id.in_(self.products)).values(is_active=False)
            )
            await session.commit()


@pytest.fixture
async def pay_db(payments_database_url: str) -> AsyncIterator[PaymentsDB]:
    engine = create_engine(payments_database_url)
    db = PaymentsDB(engine)
    yield db
    await db.retire_products()
    await engine.dispose()
