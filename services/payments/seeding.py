"""The product catalogue and its default prices, copied into the database by `python -m bot seed`.

Idempotent. Products are matched by id: a new one is created (active), an existing one gets the
catalogue's kind, amounts, texts and position when they differ (its `is_active`, which admins
own, is left alone). Prices are only ever inserted: a price that exists — the default of an
earlier run or one an admin set — is never overwritten. A price seeded is recorded in the
price history (old amount None, changed by None). The caller owns the transaction and commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.models import Price, PriceChange, Product
from services.models.base import utcnow
from services.payments.catalog import CURRENCIES, PriceRejected, ProductKind, check_amount

TITLE_MAX_LENGTH = 32  # Telegram's invoice title
DESCRIPTION_MAX_LENGTH = 255  # Telegram's invoice description


@dataclass(frozen=True, slots=True)
class ProductSpec:
    id: str
    kind: ProductKind
    interviews: int
    days: int
    title: dict[str, str]
    description: dict[str, str]
    prices: dict[str, int]  # currency -> minor units (stars, kopecks)

    def row_values(self, position: int) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "interviews": self.interviews,
            "days": self.days,
            "title": dict(self.title),
            "description": dict(self.description),
            "position": position,
        }


CATALOGUE: tuple[ProductSpec, ...] = (
    ProductSpec(
        id="pack_1",
        kind=ProductKind.PACK,
        interviews=1,
        days=0,
        title={"en": "1 mock interview", "ru": "1 пробное собеседование"},
        description={
            "en": "One full mock interview: questions for your track, feedback on every "
            "answer and a PDF report. Holding credits also opens premium questions.",
            "ru": "Одно полное пробное собеседование: вопросы по вашему треку, разбор каждого "
            "ответа и PDF-отчёт. С кредитами открываются и премиум-вопросы.",
        },
        prices={"XTR": 50, "RUB": 149_00},
    ),
    ProductSpec(
        id="pack_5",
        kind=ProductKind.PACK,
        interviews=5,
        days=0,
        title={"en": "5 mock interviews", "ru": "5 пробных собеседований"},
        description={
            "en": "Five full mock interviews with feedback on every answer and PDF reports. "
            "Holding credits also opens premium questions.",
            "ru": "Пять полных пробных собеседований с разбором каждого ответа и PDF-отчётами. "
            "С кредитами открываются и премиум-вопросы.",
        },
        prices={"XTR": 200, "RUB": 590_00},
    ),
    ProductSpec(
        id="pack_20",
        kind=ProductKind.PACK,
        interviews=20,
        days=0,
        title={"en": "20 mock interviews", "ru": "20 пробных собеседований"},
        description={
            "en": "Twenty full mock interviews for steady practice, with feedback on every "
            "answer and PDF reports. Holding credits also opens premium questions.",
            "ru": "Двадцать полных пробных собеседований для регулярной практики, с разбором "
            "каждого ответа и PDF-отчётами. С кредитами открываются и премиум-вопросы.",
        },
        prices={"XTR": 650, "RUB": 1990_00},
    ),
    ProductSpec(
        id="sub_30d",
        kind=ProductKind.SUBSCRIPTION,
        interviews=0,
        days=30,
        title={"en": "Unlimited for 30 days", "ru": "Безлимит на 30 дней"},
        description={
            "en": "30 days of unlimited mock interviews with premium questions, feedback and "
            "PDF reports; your free interviews and credits stay untouched. Buying again "
            "adds 30 days to the end.",
            "ru": "30 дней пробных собеседований без ограничений, с премиум-вопросами, разбором и "
            "PDF-отчётами; бесплатные собеседования и кредиты не тратятся. Повторная покупка "
            "добавляет 30 дней к концу.",
        },
        prices={"XTR": 300, "RUB": 990_00},
    ),
)


def catalogue_problems(catalogue: tuple[ProductSpec, ...] = CATALOGUE) -> list[str]:
    """What is wrong with a catalogue: duplicate ids, texts missing a language or too long for
    an invoice, amounts that make no sense for the kind, prices out of limits."""
    problems: list[str] = []
    seen: set[str] = set()
    for spec in catalogue:
        if spec.id in seen:
            problems.append(f"{spec.id}: duplicate id")
        seen.add(spec.id)
        if spec.kind == ProductKind.PACK and (spec.interviews <= 0 or spec.days):
            problems.append(f"{spec.id}: a pack needs interviews > 0 and no days")
        if spec.kind == ProductKind.SUBSCRIPTION and (spec.days <= 0 or spec.interviews):
            problems.append(f"{spec.id}: a subscription needs days > 0 and no interviews")
        for name, texts, limit in (
            ("title", spec.title, TITLE_MAX_LENGTH),
            ("description", spec.description, DESCRIPTION_MAX_LENGTH),
        ):
            for language in ("en", "ru"):
                text = texts.get(language, "")
                if not text.strip():
                    problems.append(f"{spec.id}: no {language} {name}")
                elif len(text) > limit:
                    problems.append(f"{spec.id}: {language} {name} is {len(text)} > {limit}")
        for currency in CURRENCIES:
            if currency not in spec.prices:
                problems.append(f"{spec.id}: no {currency} price")
        for currency, amount in spec.prices.items():
            try:
                check_amount(amount, currency)
            except PriceRejected as error:
                problems.append(f"{spec.id}: {currency} price {amount}: {error}")
    return problems


@dataclass(frozen=True, slots=True)
class ProductSeedReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    prices_created: int = 0
    prices_kept: int = 0  # existing prices, left as they are

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated or self.prices_created)

    def summary(self) -> str:
        return (
            f"products: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged; prices: {self.prices_created} created, "
            f"{self.prices_kept} kept"
        )


async def seed_products(
    session: AsyncSession, catalogue: tuple[ProductSpec, ...] = CATALOGUE
) -> ProductSeedReport:
    """Upserts the catalogue's products and inserts their missing prices (see the module)."""
    problems = catalogue_problems(catalogue)
    if problems:
        raise ValueError("product catalogue: " + "; ".join(problems))
    existing = {row.id: row for row in (await session.scalars(select(Product))).all()}
    created = updated = unchanged = 0
    for position, spec in enumerate(catalogue):
        values = spec.row_values(position)
        row = existing.get(spec.id)
        if row is None:
            session.add(Product(id=spec.id, is_active=True, **values))
            created += 1
        elif any(not _same(getattr(row, column), value) for column, value in values.items()):
            for column, value in values.items():
                setattr(row, column, value)
            updated += 1
        else:
            unchanged += 1
    await session.flush()  # prices reference the products

    priced = {
        (row[0], row[1]) for row in await session.execute(select(Price.product_id, Price.currency))
    }
    prices_created = prices_kept = 0
    now = utcnow()
    for spec in catalogue:
        for currency, amount in spec.prices.items():
            if (spec.id, currency) in priced:
                prices_kept += 1
                continue
            session.add(
                Price(
                    product_id=spec.id,
                    currency=currency,
                    amount=amount,
                    updated_at=now,
                    updated_by=None,
                )
            )
            session.add(
                PriceChange(
                    product_id=spec.id,
                    currency=currency,
                    old_amount=None,
                    new_amount=amount,
                    changed_by=None,
                    changed_at=now,
                )
            )
            prices_created += 1
    await session.flush()
    return ProductSeedReport(
        created=created,
        updated=updated,
        unchanged=unchanged,
        prices_created=prices_created,
        prices_kept=prices_kept,
    )


def _same(stored: Any, wanted: Any) -> bool:
    return json.dumps(stored, ensure_ascii=False, sort_keys=True) == json.dumps(
        wanted, ensure_ascii=False, sort_keys=True
    )


async def seed_products_database(database_url: str) -> ProductSeedReport:
    """Seeds the catalogue into the (migrated) database at `database_url` and commits."""
    from services.database import create_engine, create_session_factory

    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            report = await seed_products(session)
            await session.commit()
        return report
    finally:
        await engine.dispose()
