"""Seeding the product catalogue (idempotent, never overwriting a price), `python -m bot seed`,
and migration 0004 filling the ledger's balances of entries written before it."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace

import pytest
from sqlalchemy import select, text

from bot.cli import run_seed
from bot.config import Settings
from bot.migrate import downgrade, upgrade
from services.database import create_engine, create_session_factory
from services.models import Price, PriceChange, Product
from services.payments.catalog import ProductKind, offers, set_price
from services.payments.seeding import (
    CATALOGUE,
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ProductSeedReport,
    catalogue_problems,
    seed_products,
    seed_products_database,
)
from tests.conftest import Backend
from tests.unit.conftest import scratch_database_url


def test_the_catalogue_fits_telegram_invoices() -> None:
    assert catalogue_problems() == []
    assert [spec.id for spec in CATALOGUE] == ["pack_1", "pack_5", "pack_20", "sub_30d"]
    assert [(spec.kind, spec.interviews, spec.days) for spec in CATALOGUE] == [
        (ProductKind.PACK, 1, 0),
        (ProductKind.PACK, 5, 0),
        (ProductKind.PACK, 20, 0),
        (ProductKind.SUBSCRIPTION, 0, 30),
    ]
    for spec in CATALOGUE:
        for language in ("en", "ru"):
            assert 0 < len(spec.title[language]) <= TITLE_MAX_LENGTH == 32
            assert 0 < len(spec.description[language]) <= DESCRIPTION_MAX_LENGTH == 255
    assert {spec.id: spec.prices for spec in CATALOGUE} == {
        "pack_1": {"XTR": 50, "RUB": 149_00},
        "pack_5": {"XTR": 200, "RUB": 590_00},
        "pack_20": {"XTR": 650, "RUB": 1990_00},
        "sub_30d": {"XTR": 300, "RUB": 990_00},
    }


def test_a_broken_catalogue_is_reported() -> None:
    pack = CATALOGUE[0]
    broken = (
        replace(pack, title={"en": "x" * 33, "ru": "ок"}),
        replace(pack, id="pack_2", description={"en": "fine"}, prices={"XTR": 0}),
        replace(pack, id="pack_2", kind=ProductKind.SUBSCRIPTION),
    )
    assert catalogue_problems(broken) == [
        "pack_1: en title is 33 > 32",
        "pack_2: no ru description",
        "pack_2: no RUB price",
        "pack_2: XTR price 0: not-positive: 0",
        "pack_2: duplicate id",
        "pack_2: a subscription needs days > 0 and no interviews",
    ]


async def test_seeding_is_idempotent_and_keeps_prices(fresh_database_url: str) -> None:
    first = await seed_products_database(fresh_database_url)
    assert first == ProductSeedReport(created=4, prices_created=8)
    assert first.changed_anything
    again = await seed_products_database(fresh_database_url)
    assert again == ProductSeedReport(unchanged=4, prices_kept=8)
    assert not again.changed_anything
    assert again.summary() == (
        "products: 0 created, 0 updated, 4 unchanged; prices: 0 created, 8 kept"
    )

    engine = create_engine(fresh_database_url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session:
            # An admin changes a price; someone edits a title in the database; an admin takes
            # a product off sale; a price disappears.
            await set_price(session, "pack_5", "RUB", 690_00, changed_by=99)
            pack_1 = await session.get(Product, "pack_1")
            assert pack_1 is not None
            pack_1.title = {"en": "Old title", "ru": "Старое"}
            (await session.get(Product, "pack_20")).is_active = False  # type: ignore[union-attr]
            await session.delete(await session.get(Price, ("sub_30d", "XTR")))
            await session.commit()

        async with sessions() as session:
            report = await seed_products(session)
            await session.commit()
        assert report == ProductSeedReport(updated=1, unchanged=3, prices_created=1, prices_kept=7)

        async with sessions() as session:
            prices = {
                (p.product_id, p.currency): (p.amount, p.updated_by)
                for p in await session.scalars(select(Price))
            }
            assert prices[("pack_5", "RUB")] == (690_00, 99)  # the admin's price stays
            assert prices[("sub_30d", "XTR")] == (300, None)  # the missing one is back
            assert prices[("pack_1", "RUB")] == (149_00, None)
            assert len(prices) == 8
            pack_1 = await session.get(Product, "pack_1")
            assert pack_1 is not None
            assert pack_1.title == {"en": "1 mock interview", "ru": "1 пробное собеседование"}
            pack_20 = await session.get(Product, "pack_20")
            assert pack_20 is not None and pack_20.is_active is False  # admins own this
            assert [o.product.id for o in await offers(session)] == ["pack_1", "pack_5", "sub_30d"]
            history = (
                await session.execute(
                    select(PriceChange.product_id, PriceChange.currency, PriceChange.old_amount,
                           PriceChange.new_amount, PriceChange.changed_by)
                    .order_by(PriceChange.id)
                )
            ).all()  # fmt: skip
            seeded = [row for row in history if row.changed_by is None]
            assert len(seeded) == 9  # 8 first prices + the one put back
            assert all(row.old_amount is None for row in seeded)
            assert [tuple(row) for row in history if row.changed_by == 99] == [
                ("pack_5", "RUB", 590_00, 690_00, 99)
            ]
    finally:
        await engine.dispose()


def test_bot_seed_loads_the_bank_and_the_catalogue(fresh_database_url: str) -> None:
    settings = Settings(_env_file=None, database_url=fresh_database_url)
    out, err = io.StringIO(), io.StringIO()
    assert run_seed(settings, out=out, err=err) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("question bank seeded: questions: ")
    assert lines[1] == (
        "product catalogue seeded: products: 4 created, 0 updated, 0 unchanged; "
        "prices: 8 created, 0 kept"
    )
    out = io.StringIO()
    assert run_seed(settings, out=out, err=err) == 0
    assert out.getvalue().splitlines()[1] == (
        "product catalogue seeded: products: 0 created, 0 updated, 4 unchanged; "
        "prices: 0 created, 8 kept"
    )
    assert err.getvalue() == ""


async def test_seeding_refuses_a_broken_catalogue(fresh_database_url: str) -> None:
    engine = create_engine(fresh_database_url)
    try:
        async with create_session_factory(engine)() as session:
            broken = (replace(CATALOGUE[0], title={"en": "x" * 40, "ru": "ок"}),)
            with pytest.raises(ValueError, match="en title is 40 > 32"):
                await seed_products(session, broken)
            assert (await session.scalars(select(Product))).all() == []
    finally:
        await engine.dispose()


async def test_migration_fills_the_balances_of_earlier_ledger_entries(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Alembic runs its own event loop, so migrations run in a thread here.
    url = await asyncio.to_thread(scratch_database_url, backend, tmp_path_factory)
    if url is None:
        pytest.skip("needs the throwaway PostgreSQL server or the embedded backend")
    await asyncio.to_thread(downgrade, url, "0003_voice")
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for user_id in (1, 2):
                await connection.execute(
                    text(
                        "INSERT INTO users (telegram_id, first_name, language, is_blocked, "
                        "created_at, last_seen_at) VALUES (:id, 'U', 'en', false, "
                        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": user_id},
                )
            for user_id, delta, reason in [
                (1, 2, "grant:cli"),
                (2, 1, "grant:cli"),
                (1, -1, "interview:1"),
                (1, 5, "grant:cli"),
                (2, -1, "interview:2"),
            ]:
                await connection.execute(
                    text(
                        "INSERT INTO credit_entries (user_id, delta, reason, created_at) "
                        "VALUES (:user_id, :delta, :reason, CURRENT_TIMESTAMP)"
                    ),
                    {"user_id": user_id, "delta": delta, "reason": reason},
                )
    finally:
        await engine.dispose()

    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT user_id, delta, balance_before, balance_after, payment_id "
                        "FROM credit_entries ORDER BY id"
                    )
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            (1, 2, 0, 2, None),
            (2, 1, 0, 1, None),
            (1, -1, 2, 1, None),
            (1, 5, 1, 6, None),
            (2, -1, 1, 0, None),
        ]
    finally:
        await engine.dispose()

    await asyncio.to_thread(
        downgrade, url, "0003_voice"
    )  # and back: the entries survive without the new columns
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            deltas = (
                await connection.execute(text("SELECT delta FROM credit_entries ORDER BY id"))
            ).scalars()
            assert list(deltas) == [2, 1, -1, 5, -1]
    finally:
        await engine.dispose()
