"""Orders and the pre-checkout check: each refusal, including a price changed in between."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, select

from services.models import Order, Price, Product
from services.payments.catalog import PriceProblem, PriceRejected, set_price
from services.payments.crediting import Provider, credit_payment
from services.payments.orders import (
    METHOD_CURRENCY,
    Method,
    PreCheckoutProblem,
    PreCheckoutRefused,
    attach_provider_payment,
    cancel_order,
    check_pre_checkout,
    create_order,
    order_by_payload,
    order_by_provider_payment,
)
from tests.unit.conftest import PaymentsDB


async def test_orders_take_the_current_price_in_the_methods_currency(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.product(prices={"XTR": 200, "RUB": 590_00})
    async with pay_db.sessions() as session:
        stars = await create_order(session, user_id, product_id, Method.STARS)
        card = await create_order(session, user_id, product_id, Method.TELEGRAM_CARD)
        link = await create_order(session, user_id, product_id, Method.YOOKASSA_LINK)
        await session.commit()
    assert METHOD_CURRENCY == {
        Method.STARS: "XTR",
        Method.TELEGRAM_CARD: "RUB",
        Method.YOOKASSA_LINK: "RUB",
    }
    assert [(o.currency, o.amount, o.method) for o in (stars, card, link)] == [
        ("XTR", 200, "stars"),
        ("RUB", 590_00, "telegram_card"),
        ("RUB", 590_00, "yookassa_link"),
    ]
    for order in (stars, card, link):
        assert order.status == "pending" and order.paid_at is None
        assert (order.user_id, order.product_id) == (user_id, product_id)
        assert re.fullmatch(rf"o{order.id}-[A-Za-z0-9_-]{{22}}", order.payload), order.payload
        assert len(order.payload.encode()) <= 128
    assert len({stars.payload, card.payload, link.payload}) == 3

    async with pay_db.sessions() as session:
        found = await order_by_payload(session, card.payload)
        assert found is not None and found.id == card.id
        assert await order_by_payload(session, f"o{card.id}-guessed") is None
        assert await order_by_payload(session, "") is None
        assert await order_by_payload(session, "x" * 200) is None


async def test_no_order_for_what_is_not_on_sale(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    stars_only = await pay_db.product(prices={"XTR": 75})
    retired = await pay_db.product()
    async with pay_db.sessions() as session:
        (await session.get(Product, retired)).is_active = False  # type: ignore[union-attr]
        await session.flush()
        cases = [
            ("no_such_product", Method.STARS, PriceProblem.UNKNOWN_PRODUCT),
            (retired, Method.STARS, PriceProblem.UNKNOWN_PRODUCT),
            (stars_only, Method.YOOKASSA_LINK, PriceProblem.WRONG_CURRENCY),
        ]
        for product_id, method, problem in cases:
            with pytest.raises(PriceRejected) as refused:
                await create_order(session, user_id, product_id, method)
            assert refused.value.problem == problem
        await session.flush()
        count = len((await session.scalars(select(Order).where(Order.user_id == user_id))).all())
        assert count == 0


async def test_provider_payment_is_attached_once(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.product()
    provider_payment_id = f"2f{user_id}-000f-5000-9000-1b68e7b15f3f"
    async with pay_db.sessions() as session:
        order = await create_order(session, user_id, product_id, Method.YOOKASSA_LINK)
        attach_provider_payment(order, provider_payment_id)
        attach_provider_payment(order, provider_payment_id)  # the same again is fine
        with pytest.raises(ValueError, match="already has provider payment"):
            attach_provider_payment(order, "another-payment")
        with pytest.raises(ValueError):
            attach_provider_payment(order, "")
        await session.commit()
    async with pay_db.sessions() as session:
        found = await order_by_provider_payment(session, provider_payment_id)
        assert found is not None and found.id == order.id
        assert found.provider_payment_id == provider_payment_id
        assert await order_by_provider_payment(session, "unknown") is None


async def _refusal(pay_db: PaymentsDB, **check: object) -> PreCheckoutProblem:
    async with pay_db.sessions() as session:
        with pytest.raises(PreCheckoutRefused) as refused:
            await check_pre_checkout(session, **check)  # type: ignore[arg-type]
    return refused.value.problem


async def test_pre_checkout_accepts_a_fresh_order(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.product(prices={"XTR": 200, "RUB": 590_00})
    async with pay_db.sessions() as session:
        order = await create_order(session, user_id, product_id, Method.TELEGRAM_CARD)
        await session.commit()
    async with pay_db.sessions() as session:
        checked = await check_pre_checkout(
            session, payload=order.payload, user_id=user_id, total_amount=590_00, currency="RUB"
        )
    assert (checked.id, checked.status, checked.amount) == (order.id, "pending", 590_00)


async def test_pre_checkout_refuses_each_problem(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    stranger = await pay_db.user()
    product_id = await pay_db.product(prices={"XTR": 200, "RUB": 590_00})
    async with pay_db.sessions() as session:
        order = await create_order(session, user_id, product_id, Method.STARS)
        await session.commit()
    fine = {"payload": order.payload, "user_id": user_id, "total_amount": 200, "currency": "XTR"}

    assert await _refusal(pay_db, **{**fine, "payload": "o1-nothing"}) == "unknown-order"
    assert await _refusal(pay_db, **{**fine, "user_id": stranger}) == "not-yours"
    assert await _refusal(pay_db, **{**fine, "total_amount": 199}) == "price-changed"
    assert await _refusal(pay_db, **{**fine, "currency": "RUB"}) == "price-changed"

    # The admin changes the price between the order and the pre-checkout: the invoice still
    # shows the order's amount, but nobody pays an old price.
    async with pay_db.sessions() as session:
        await set_price(session, product_id, "XTR", 250, changed_by=1)
        await session.commit()
    assert await _refusal(pay_db, **fine) == PreCheckoutProblem.PRICE_CHANGED
    async with pay_db.sessions() as session:  # a new order at the new price is fine
        fresh = await create_order(session, user_id, product_id, Method.STARS)
        await session.commit()
        ok = await check_pre_checkout(
            session, payload=fresh.payload, user_id=user_id, total_amount=250, currency="XTR"
        )
        assert ok.id == fresh.id
        await set_price(session, product_id, "XTR", 200, changed_by=1)  # and back again
        await session.commit()
    async with pay_db.sessions() as session:
        assert (await check_pre_checkout(session, **fine)).id == order.id  # type: ignore[arg-type]

    # The product leaves the catalogue, or stops being sold in this currency.
    async with pay_db.sessions() as session:
        (await session.get(Product, product_id)).is_active = False  # type: ignore[union-attr]
        await session.commit()
    assert await _refusal(pay_db, **fine) == PreCheckoutProblem.PRODUCT_GONE
    async with pay_db.sessions() as session:
        (await session.get(Product, product_id)).is_active = True  # type: ignore[union-attr]
        await session.execute(
            delete(Price).where(Price.product_id == product_id, Price.currency == "XTR")
        )
        await session.commit()
    assert await _refusal(pay_db, **fine) == PreCheckoutProblem.PRODUCT_GONE


async def test_pre_checkout_refuses_paid_and_canceled_orders(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.product(prices={"XTR": 200})
    async with pay_db.sessions() as session:
        paid = await create_order(session, user_id, product_id, Method.STARS)
        canceled = await create_order(session, user_id, product_id, Method.STARS)
        await credit_payment(
            session,
            order=paid,
            provider=Provider.TELEGRAM_STARS,
            charge_id=f"stx-precheckout-{paid.id}",
            amount=200,
            currency="XTR",
        )
        assert await cancel_order(session, canceled)
        await session.commit()
    base = {"user_id": user_id, "total_amount": 200, "currency": "XTR"}
    assert await _refusal(pay_db, payload=paid.payload, **base) == "already-paid"
    assert await _refusal(pay_db, payload=canceled.payload, **base) == "canceled"
    assert [problem.value for problem in PreCheckoutProblem] == [
        "unknown-order",
        "not-yours",
        "price-changed",
        "already-paid",
        "canceled",
        "product-gone",
    ]


async def test_cancel_only_a_pending_order(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.product(prices={"XTR": 200})
    async with pay_db.sessions() as session:
        pending = await create_order(session, user_id, product_id, Method.STARS)
        paid = await create_order(session, user_id, product_id, Method.STARS)
        await credit_payment(
            session,
            order=paid,
            provider=Provider.TELEGRAM_STARS,
            charge_id=f"stx-cancel-{paid.id}",
            amount=200,
            currency="XTR",
        )
        await session.commit()
    async with pay_db.sessions() as session:
        order = await session.get(Order, pending.id)
        assert order is not None
        assert await cancel_order(session, order) is True
        assert order.status == "canceled"
        assert await cancel_order(session, order) is False
        paid_order = await session.get(Order, paid.id)
        assert paid_order is not None
        assert await cancel_order(session, paid_order) is False
        assert paid_order.status == "paid"
        await session.commit()
    async with pay_db.sessions() as session:
        statuses = dict(
            (
                await session.execute(
                    select(Order.id, Order.status).where(Order.id.in_([pending.id, paid.id]))
                )
            ).all()
        )
    assert statuses == {pending.id: "canceled", paid.id: "paid"}
