"""The catalogue: amounts typed and shown, limits, current prices, price changes and history."""

from __future__ import annotations

from itertools import pairwise

import pytest
from sqlalchemy import delete, select

from services.models import Price, PriceChange, Product
from services.payments.catalog import (
    PriceProblem,
    PriceRejected,
    current_price,
    get_product,
    offers,
    parse_amount,
    price_history,
    product_title,
    set_price,
)
from services.payments.seeding import CATALOGUE
from tests.unit.conftest import PaymentsDB


@pytest.mark.parametrize(
    ("text", "currency", "amount"),
    [
        ("490", "RUB", 490_00),
        ("490.00", "RUB", 490_00),
        ("490,5", "RUB", 490_50),
        ("490,05", "RUB", 490_05),
        (" 1 990 ₽ ", "RUB", 1990_00),
        ("1\u00a0990,99", "RUB", 1990_99),
        ("149.99 руб.", "RUB", 149_99),
        ("149р", "RUB", 149_00),
        ("+590 RUB", "RUB", 590_00),
        ("490.500", "RUB", 490_50),  # trailing zeros are no extra precision
        ("1", "RUB", 1_00),
        ("100000", "RUB", 100_000_00),
        ("50", "XTR", 50),
        ("50 ⭐", "XTR", 50),
        ("50⭐️", "XTR", 50),
        ("50.0", "XTR", 50),
        ("1", "XTR", 1),
        ("10000", "XTR", 10_000),
        ("10 000 stars", "XTR", 10_000),
    ],
)
def test_parse_amount_reads_what_people_type(text: str, currency: str, amount: int) -> None:
    assert parse_amount(text, currency) == amount


@pytest.mark.parametrize(
    ("text", "currency", "problem"),
    [
        ("", "RUB", PriceProblem.NOT_A_NUMBER),
        ("abc", "RUB", PriceProblem.NOT_A_NUMBER),
        ("1e5", "RUB", PriceProblem.NOT_A_NUMBER),
        (".5", "RUB", PriceProblem.NOT_A_NUMBER),
        ("49.999", "RUB", PriceProblem.NOT_A_NUMBER),  # a fraction of a kopeck
        ("1.990,00", "RUB", PriceProblem.NOT_A_NUMBER),
        ("50.5", "XTR", PriceProblem.NOT_A_NUMBER),  # whole stars only
        ("50 usd", "RUB", PriceProblem.NOT_A_NUMBER),
        ("0", "RUB", PriceProblem.NOT_POSITIVE),
        ("0.00", "RUB", PriceProblem.NOT_POSITIVE),
        ("-5", "RUB", PriceProblem.NOT_POSITIVE),
        ("-5", "XTR", PriceProblem.NOT_POSITIVE),
        ("-99999999999999999", "XTR", PriceProblem.NOT_POSITIVE),
        ("0", "XTR", PriceProblem.NOT_POSITIVE),
        ("0.99", "RUB", PriceProblem.TOO_SMALL),
        ("0,01", "RUB", PriceProblem.TOO_SMALL),
        ("100000.01", "RUB", PriceProblem.TOO_LARGE),
        ("10001", "XTR", PriceProblem.TOO_LARGE),
        ("9" * 5000, "XTR", PriceProblem.TOO_LARGE),
        ("50 ⭐", "RUB", PriceProblem.WRONG_CURRENCY),
        ("490 ₽", "XTR", PriceProblem.WRONG_CURRENCY),
        ("490", "USD", PriceProblem.WRONG_CURRENCY),
    ],
)
def test_parse_amount_refuses_with_a_reason(text: str, currency: str, problem: str) -> None:
    with pytest.raises(PriceRejected) as refused:
        parse_amount(text, currency)
    assert refused.value.problem == problem


def test_problem_values_are_kebab_case_ids() -> None:
    assert [problem.value for problem in PriceProblem] == [
        "unknown-product",
        "wrong-currency",
        "not-positive",
        "too-small",
        "too-large",
        "not-a-number",
    ]


async def test_offers_list_the_seeded_catalogue_in_order(pay_db: PaymentsDB) -> None:
    async with pay_db.sessions() as session:
        listed = [
            offer
            for offer in await offers(session)
            if offer.product.id.startswith(("pack_", "sub_"))
        ]
    assert [offer.product.id for offer in listed] == ["pack_1", "pack_5", "pack_20", "sub_30d"]
    by_id = {offer.product.id: offer for offer in listed}
    assert by_id["pack_1"].prices == {"XTR": 50, "RUB": 149_00}
    assert by_id["pack_5"].prices == {"XTR": 200, "RUB": 590_00}
    assert by_id["pack_20"].prices == {"XTR": 650, "RUB": 1990_00}
    assert by_id["sub_30d"].prices == {"XTR": 300, "RUB": 990_00}
    pack = by_id["pack_5"].product
    assert (pack.kind, pack.interviews, pack.days) == ("pack", 5, 0)
    assert pack.title("en") == "5 mock interviews"
    assert pack.title("ru") == "5 пробных собеседований"
    assert pack.title("de") == "5 mock interviews"  # falls back to English
    assert pack.description("ru").startswith("Пять полных пробных собеседований")
    subscription = by_id["sub_30d"].product
    assert (subscription.kind, subscription.interviews, subscription.days) == (
        "subscription",
        0,
        30,
    )
    assert subscription.is_subscription and not pack.is_subscription
    assert {spec.id for spec in CATALOGUE} == set(by_id)


async def test_offers_leave_out_inactive_and_unpriced_products(pay_db: PaymentsDB) -> None:
    inactive = await pay_db.product()
    unpriced = await pay_db.product(prices={})
    stars_only = await pay_db.product(prices={"XTR": 75})
    async with pay_db.sessions() as session:
        (await session.get(Product, inactive)).is_active = False  # type: ignore[union-attr]
        await session.commit()
        listed = {offer.product.id: offer.prices for offer in await offers(session)}
    assert inactive not in listed
    assert unpriced not in listed
    assert listed[stars_only] == {"XTR": 75}


async def test_current_price_and_its_refusals(pay_db: PaymentsDB) -> None:
    stars_only = await pay_db.product(prices={"XTR": 75})
    retired = await pay_db.product()
    async with pay_db.sessions() as session:
        (await session.get(Product, retired)).is_active = False  # type: ignore[union-attr]
        await session.flush()
        assert await current_price(session, "pack_5", "RUB") == 590_00
        assert await current_price(session, "pack_5", "XTR") == 200
        assert await current_price(session, stars_only, "XTR") == 75
        cases = [
            ("no_such_product", "RUB", PriceProblem.UNKNOWN_PRODUCT),
            (retired, "RUB", PriceProblem.UNKNOWN_PRODUCT),
            ("pack_5", "USD", PriceProblem.WRONG_CURRENCY),
            (stars_only, "RUB", PriceProblem.WRONG_CURRENCY),
        ]
        for product_id, currency, problem in cases:
            with pytest.raises(PriceRejected) as refused:
                await current_price(session, product_id, currency)
            assert refused.value.problem == problem, (product_id, currency)
        assert await product_title(session, "pack_20", "ru") == "20 пробных собеседований"
        assert await product_title(session, "pack_20", "xx") == "20 mock interviews"
        assert await product_title(session, "gone", "en") == "gone"
        view = await get_product(session, retired)
        assert view is not None and not view.is_active and view.interviews == 5
        assert await get_product(session, "gone") is None


async def test_set_price_writes_the_price_and_its_history(pay_db: PaymentsDB) -> None:
    product_id = await pay_db.product(prices={"RUB": 149_00})
    async with pay_db.sessions() as session:
        first = await set_price(session, product_id, "RUB", 490_00, changed_by=42)
        await session.commit()
    assert first.id is not None and first.changed
    assert (first.product_id, first.currency) == (product_id, "RUB")
    assert (first.old_amount, first.new_amount, first.changed_by) == (149_00, 490_00, 42)
    assert first.changed_at.tzinfo is not None

    async with pay_db.sessions() as session:
        assert await current_price(session, product_id, "RUB") == 490_00
        price = await session.get(Price, (product_id, "RUB"))
        assert price is not None and (price.amount, price.updated_by) == (490_00, 42)
        second = await set_price(session, product_id, "RUB", 590_50, changed_by=43)
        new_currency = await set_price(session, product_id, "XTR", 250, changed_by=43)
        await session.commit()
    assert (second.old_amount, second.new_amount, second.changed_by) == (490_00, 590_50, 43)
    assert (new_currency.old_amount, new_currency.new_amount) == (None, 250)

    async with pay_db.sessions() as session:
        same = await set_price(session, product_id, "RUB", 590_50, changed_by=44)
        await session.commit()
        assert same.id is None and not same.changed
        assert (same.old_amount, same.new_amount) == (590_50, 590_50)
        history = await price_history(session, product_id)
        assert [(c.currency, c.old_amount, c.new_amount, c.changed_by) for c in history] == [
            ("XTR", None, 250, 43),
            ("RUB", 490_00, 590_50, 43),
            ("RUB", 149_00, 490_00, 42),
        ]
        assert [c.new_amount for c in await price_history(session, product_id, limit=1)] == [250]
        everything = await price_history(session, None, limit=50)
        assert {c.id for c in history} <= {c.id for c in everything}
        assert all(a.changed_at >= b.changed_at for a, b in pairwise(everything))


async def test_set_price_refuses_and_writes_nothing(pay_db: PaymentsDB) -> None:
    product_id = await pay_db.product(prices={"RUB": 149_00, "XTR": 50})
    cases = [
        (product_id, "RUB", 0, PriceProblem.NOT_POSITIVE),
        (product_id, "RUB", -100, PriceProblem.NOT_POSITIVE),
        (product_id, "RUB", 99, PriceProblem.TOO_SMALL),
        (product_id, "RUB", 100_000_01, PriceProblem.TOO_LARGE),
        (product_id, "XTR", 10_001, PriceProblem.TOO_LARGE),
        (product_id, "EUR", 100, PriceProblem.WRONG_CURRENCY),
        ("no_such_product", "RUB", 100_00, PriceProblem.UNKNOWN_PRODUCT),
    ]
    async with pay_db.sessions() as session:
        for target, currency, amount, problem in cases:
            with pytest.raises(PriceRejected) as refused:
                await set_price(session, target, currency, amount, changed_by=42)
            assert refused.value.problem == problem, (currency, amount)
        await session.commit()
        assert await price_history(session, product_id) == []
        assert await current_price(session, product_id, "RUB") == 149_00
        assert await current_price(session, product_id, "XTR") == 50
        count = len(
            (
                await session.scalars(
                    select(PriceChange).where(PriceChange.product_id == product_id)
                )
            ).all()
        )
        assert count == 0


async def test_a_removed_price_means_the_currency_is_not_offered(pay_db: PaymentsDB) -> None:
    product_id = await pay_db.product(prices={"RUB": 149_00, "XTR": 50})
    async with pay_db.sessions() as session:
        await session.execute(
            delete(Price).where(Price.product_id == product_id, Price.currency == "RUB")
        )
        await session.commit()
        with pytest.raises(PriceRejected) as refused:
            await current_price(session, product_id, "RUB")
        assert refused.value.problem == PriceProblem.WRONG_CURRENCY
        listed = {offer.product.id: offer.prices for offer in await offers(session)}
        assert listed[product_id] == {"XTR": 50}
