"""Crediting a payment exactly once: packs, subscriptions, duplicates (also concurrent),
mismatches, renewals, and a failure half-way that leaves nothing behind."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import entitlements
from services.entitlements import aware
from services.models import CreditAccount, CreditEntry, Order, Payment
from services.models.base import utcnow
from services.payments.crediting import (
    Credited,
    MismatchProblem,
    PaymentMismatch,
    Provider,
    credit_payment,
)
from services.payments.orders import Method, cancel_order, create_order
from tests.unit.conftest import PaymentsDB


async def _order(pay_db: PaymentsDB, user_id: int, product_id: str, method: Method) -> Order:
    async with pay_db.sessions() as session:
        order = await create_order(session, user_id, product_id, method)
        await session.commit()
    return order


async def _credit(
    pay_db: PaymentsDB, order: Order, charge_id: str, **overrides: object
) -> Credited:
    async with pay_db.sessions() as session:
        loaded = await session.get(Order, order.id)
        assert loaded is not None
        arguments: dict[str, object] = {
            "provider": Provider.TELEGRAM_STARS if order.currency == "XTR" else Provider.YOOKASSA,
            "charge_id": charge_id,
            "amount": order.amount,
            "currency": order.currency,
            **overrides,
        }
        credited = await credit_payment(session, order=loaded, **arguments)  # type: ignore[arg-type]
        await session.commit()
    return credited


async def _payments(session: AsyncSession, user_id: int) -> list[Payment]:
    return list(
        (
            await session.scalars(
                select(Payment).where(Payment.user_id == user_id).order_by(Payment.id)
            )
        ).all()
    )


async def _ledger(
    session: AsyncSession, user_id: int
) -> list[tuple[int, int, int, str, int | None]]:
    rows = await session.scalars(
        select(CreditEntry).where(CreditEntry.user_id == user_id).order_by(CreditEntry.id)
    )
    return [(e.delta, e.balance_before, e.balance_after, e.reason, e.payment_id) for e in rows]


async def _credits(session: AsyncSession, user_id: int) -> int:
    return (
        await session.scalar(
            select(CreditAccount.interview_credits).where(CreditAccount.user_id == user_id)
        )
    ) or 0


async def test_a_pack_adds_its_credits_once(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.product(interviews=5, prices={"XTR": 200, "RUB": 590_00})
    order = await _order(pay_db, user_id, product_id, Method.TELEGRAM_CARD)
    before = utcnow()
    credited = await _credit(
        pay_db,
        order,
        f"tg-charge-{order.id}",
        provider=Provider.TELEGRAM_PROVIDER,
        provider_charge_id=f"yk-{order.id}",
    )
    assert credited.created
    assert credited == Credited(
        created=True,
        payment_id=credited.payment_id,
        order_id=order.id,
        user_id=user_id,
        product_id=product_id,
        amount=590_00,
        currency="RUB",
        credits_after=5,
        subscription_until=None,
    )
    async with pay_db.sessions() as session:
        (payment,) = await _payments(session, user_id)
        assert payment.id == credited.payment_id
        assert (payment.order_id, payment.provider, payment.charge_id) == (
            order.id,
            "telegram_provider",
            f"tg-charge-{order.id}",
        )
        assert (payment.provider_charge_id, payment.amount, payment.currency) == (
            f"yk-{order.id}",
            590_00,
            "RUB",
        )
        assert payment.refunded is False and payment.refunded_at is None
        paid = await session.get(Order, order.id)
        assert paid is not None and paid.status == "paid"
        assert paid.paid_at is not None and aware(paid.paid_at) >= before
        assert await _ledger(session, user_id) == [(5, 0, 5, f"payment:{payment.id}", payment.id)]
        assert await _credits(session, user_id) == 5

    # The same charge delivered again (a repeated update or webhook): nothing changes.
    again = await _credit(
        pay_db, order, f"tg-charge-{order.id}", provider=Provider.TELEGRAM_PROVIDER
    )
    assert not again.created
    assert (again.payment_id, again.order_id, again.credits_after) == (payment.id, order.id, 5)
    async with pay_db.sessions() as session:
        assert len(await _payments(session, user_id)) == 1
        assert len(await _ledger(session, user_id)) == 1
        assert await _credits(session, user_id) == 5


async def test_the_same_charge_twice_in_one_transaction_credits_once(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.product(interviews=3, prices={"XTR": 120})
    order = await _order(pay_db, user_id, product_id, Method.STARS)
    async with pay_db.sessions() as session:
        loaded = await session.get(Order, order.id)
        assert loaded is not None
        results = [
            await credit_payment(
                session,
                order=loaded,
                provider=Provider.TELEGRAM_STARS,
                charge_id=f"stx-{order.id}",
                amount=120,
                currency="XTR",
            )
            for _ in range(3)
        ]
        await session.commit()
        assert [r.created for r in results] == [True, False, False]
        assert {r.payment_id for r in results} == {results[0].payment_id}
        assert [r.credits_after for r in results] == [3, 3, 3]
        assert len(await _payments(session, user_id)) == 1
        assert [delta for delta, *_ in await _ledger(session, user_id)] == [3]


async def test_subscriptions_extend_from_the_end_or_from_now(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.subscription(days=30, prices={"XTR": 300, "RUB": 990_00})
    first = await _order(pay_db, user_id, product_id, Method.STARS)
    before = utcnow()
    credited = await _credit(pay_db, first, f"stx-sub-{first.id}")
    after = utcnow()
    assert credited.created and credited.credits_after == 0
    assert credited.subscription_until is not None
    until = credited.subscription_until
    assert before + timedelta(days=30) <= until <= after + timedelta(days=30)

    second = await _order(pay_db, user_id, product_id, Method.YOOKASSA_LINK)
    extended = await _credit(pay_db, second, f"yk-sub-{second.id}")
    assert extended.subscription_until == until + timedelta(days=30)  # from the end, not now
    async with pay_db.sessions() as session:
        assert await _ledger(session, user_id) == []  # credits did not change
        account = await session.get(CreditAccount, user_id)
        assert account is not None and account.interview_credits == 0
        assert aware(account.subscription_until) == until + timedelta(days=30)  # type: ignore[arg-type]
        # The subscription runs out; the next one starts now, not at the old end.
        account.subscription_until = utcnow() - timedelta(days=5)
        await session.commit()
    third = await _order(pay_db, user_id, product_id, Method.STARS)
    before = utcnow()
    renewed = await _credit(pay_db, third, f"stx-sub-{third.id}")
    after = utcnow()
    assert renewed.subscription_until is not None
    assert before + timedelta(days=30) <= renewed.subscription_until <= after + timedelta(days=30)


async def test_a_stars_subscription_renewal_is_an_order_of_its_own(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.subscription(days=30, prices={"XTR": 300})
    first = await _order(pay_db, user_id, product_id, Method.STARS)
    started = await _credit(pay_db, first, f"stx-first-{first.id}", recurring=True)
    assert started.created and started.order_id == first.id
    assert started.subscription_until is not None

    # Without `recurring`, money for a paid order does not fit.
    with pytest.raises(PaymentMismatch) as mismatch:
        await _credit(pay_db, first, f"stx-renew-{first.id}")
    assert mismatch.value.problem == MismatchProblem.ALREADY_PAID
    with pytest.raises(PaymentMismatch) as mismatch:
        await _credit(pay_db, first, f"stx-renew-{first.id}", recurring=True, amount=299)
    assert mismatch.value.problem == MismatchProblem.AMOUNT

    renewed = await _credit(pay_db, first, f"stx-renew-{first.id}", recurring=True)
    assert renewed.created and renewed.order_id != first.id
    assert renewed.subscription_until == started.subscription_until + timedelta(days=30)
    again = await _credit(pay_db, first, f"stx-renew-{first.id}", recurring=True)
    assert not again.created and again.payment_id == renewed.payment_id
    async with pay_db.sessions() as session:
        renewal = await session.get(Order, renewed.order_id)
        assert renewal is not None
        assert (renewal.renewal_of, renewal.status, renewal.amount, renewal.method) == (
            first.id,
            "paid",
            300,
            "stars",
        )
        assert renewal.payload != first.payload
        payments = await _payments(session, user_id)
        assert [(p.order_id, p.charge_id) for p in payments] == [
            (first.id, f"stx-first-{first.id}"),
            (renewal.id, f"stx-renew-{first.id}"),
        ]


async def test_money_that_does_not_fit_the_order_is_refused(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.product(interviews=5, prices={"XTR": 200, "RUB": 590_00})
    order = await _order(pay_db, user_id, product_id, Method.YOOKASSA_LINK)
    cases = [
        ({"amount": 589_99}, MismatchProblem.AMOUNT),
        ({"amount": 590_01}, MismatchProblem.AMOUNT),
        ({"currency": "XTR", "amount": 200}, MismatchProblem.CURRENCY),
    ]
    for overrides, problem in cases:
        with pytest.raises(PaymentMismatch) as mismatch:
            await _credit(pay_db, order, f"yk-bad-{order.id}", **overrides)
        assert mismatch.value.problem == problem

    canceled = await _order(pay_db, user_id, product_id, Method.YOOKASSA_LINK)
    async with pay_db.sessions() as session:
        loaded = await session.get(Order, canceled.id)
        assert loaded is not None and await cancel_order(session, loaded)
        await session.commit()
    with pytest.raises(PaymentMismatch) as mismatch:
        await _credit(pay_db, canceled, f"yk-canceled-{canceled.id}")
    assert mismatch.value.problem == MismatchProblem.CANCELED

    await _credit(pay_db, order, f"yk-good-{order.id}")
    with pytest.raises(PaymentMismatch) as mismatch:  # paid already, by another charge
        await _credit(pay_db, order, f"yk-other-{order.id}")
    assert mismatch.value.problem == MismatchProblem.ALREADY_PAID
    with pytest.raises(ValueError):
        await _credit(pay_db, order, "")

    async with pay_db.sessions() as session:
        assert [p.charge_id for p in await _payments(session, user_id)] == [f"yk-good-{order.id}"]
        assert [delta for delta, *_ in await _ledger(session, user_id)] == [5]
        assert await _credits(session, user_id) == 5
        statuses = (
            await session.scalars(
                select(Order.status).where(Order.user_id == user_id).order_by(Order.id)
            )
        ).all()
        assert statuses == ["paid", "canceled"]


async def test_a_failure_half_way_leaves_nothing_and_a_retry_credits_once(
    pay_db: PaymentsDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.product(interviews=5, prices={"XTR": 200})
    order = await _order(pay_db, user_id, product_id, Method.STARS)
    charge_id = f"stx-crash-{order.id}"
    real_grant = entitlements.grant_credits
    seen_inside: list[int] = []

    async def crash_after_the_payment_insert(
        session: AsyncSession, *args: object, **kw: object
    ) -> int:
        # The payment row is written (in this transaction) when the credits are granted.
        inserted = await session.scalar(select(Payment.id).where(Payment.charge_id == charge_id))
        seen_inside.append(inserted or 0)
        raise RuntimeError("the process died here")

    monkeypatch.setattr(entitlements, "grant_credits", crash_after_the_payment_insert)
    async with pay_db.sessions() as session:
        loaded = await session.get(Order, order.id)
        assert loaded is not None
        with pytest.raises(RuntimeError, match="died"):
            await credit_payment(
                session,
                order=loaded,
                provider=Provider.TELEGRAM_STARS,
                charge_id=charge_id,
                amount=200,
                currency="XTR",
            )
        await session.rollback()
    assert seen_inside and seen_inside[0] > 0
    async with pay_db.sessions() as session:
        assert await _payments(session, user_id) == []
        assert await _ledger(session, user_id) == []
        assert await _credits(session, user_id) == 0
        assert (await session.get(Order, order.id)).status == "pending"  # type: ignore[union-attr]

    monkeypatch.setattr(entitlements, "grant_credits", real_grant)
    retried = await _credit(pay_db, order, charge_id)
    repeated = await _credit(pay_db, order, charge_id)
    assert (retried.created, repeated.created) == (True, False)
    assert retried.payment_id == repeated.payment_id
    async with pay_db.sessions() as session:
        assert [p.id for p in await _payments(session, user_id)] == [retried.payment_id]
        assert await _ledger(session, user_id) == [
            (5, 0, 5, f"payment:{retried.payment_id}", retried.payment_id)
        ]
        assert await _credits(session, user_id) == 5


async def test_ten_concurrent_deliveries_credit_once(pay_db: PaymentsDB) -> None:
    if not pay_db.is_postgres:
        pytest.skip("true concurrency needs PostgreSQL (SQLite has one writer at a time)")
    user_id = await pay_db.user()
    product_id = await pay_db.product(interviews=5, prices={"XTR": 200})
    order = await _order(pay_db, user_id, product_id, Method.STARS)
    charge_id = f"stx-race-{order.id}"
    start = asyncio.Event()

    async def deliver() -> Credited:
        async with pay_db.sessions() as session:
            loaded = await session.get(Order, order.id)  # each its own connection
            assert loaded is not None
            await start.wait()
            credited = await credit_payment(
                session,
                order=loaded,
                provider=Provider.TELEGRAM_STARS,
                charge_id=charge_id,
                amount=200,
                currency="XTR",
            )
            await session.commit()
            return credited

    tasks = [asyncio.create_task(deliver()) for _ in range(10)]
    await asyncio.sleep(0.2)  # every session holds its connection and waits at the line
    start.set()
    results = await asyncio.gather(*tasks)
    assert sorted(r.created for r in results) == [False] * 9 + [True]
    assert len({r.payment_id for r in results}) == 1
    async with pay_db.sessions() as session:
        payments = await _payments(session, user_id)
        assert [p.id for p in payments] == [results[0].payment_id]
        assert await _ledger(session, user_id) == [
            (5, 0, 5, f"payment:{payments[0].id}", payments[0].id)
        ]
        assert await _credits(session, user_id) == 5
        assert (await session.get(Order, order.id)).status == "paid"  # type: ignore[union-attr]


async def test_a_charge_racing_past_the_order_lock_ends_in_the_unique_key(
    pay_db: PaymentsDB,
) -> None:
    """Two orders, one charge id, two sessions: the second does not wait for the first's order
    lock, so only the unique constraint (and the savepoint) keep it from crediting twice."""
    if not pay_db.is_postgres:
        pytest.skip("true concurrency needs PostgreSQL (SQLite has one writer at a time)")
    user_id = await pay_db.user()
    product_id = await pay_db.product(interviews=2, prices={"XTR": 90})
    first = await _order(pay_db, user_id, product_id, Method.STARS)
    second = await _order(pay_db, user_id, product_id, Method.STARS)
    charge_id = f"stx-shared-{first.id}"

    async with pay_db.sessions() as winner:
        loaded = await winner.get(Order, first.id)
        assert loaded is not None
        won = await credit_payment(
            winner,
            order=loaded,
            provider=Provider.TELEGRAM_STARS,
            charge_id=charge_id,
            amount=90,
            currency="XTR",
        )

        async def late() -> tuple[Credited, int]:
            async with pay_db.sessions() as session:
                other = await session.get(Order, second.id)
                assert other is not None
                credited = await credit_payment(
                    session,
                    order=other,
                    provider=Provider.TELEGRAM_STARS,
                    charge_id=charge_id,
                    amount=90,
                    currency="XTR",
                )
                await session.commit()  # the savepoint rolled back; the session is usable
                count = await session.scalar(
                    select(func.count()).select_from(Payment).where(Payment.order_id == second.id)
                )
                return credited, count or 0

        loser = asyncio.create_task(late())
        await asyncio.sleep(0.5)
        assert not loser.done()  # blocked on the uncommitted duplicate key
        await winner.commit()
    lost, payments_of_second = await loser
    assert won.created and not lost.created
    assert lost.payment_id == won.payment_id and lost.order_id == first.id
    assert payments_of_second == 0
    async with pay_db.sessions() as session:
        assert len(await _payments(session, user_id)) == 1
        assert [delta for delta, *_ in await _ledger(session, user_id)] == [2]
        assert (await session.get(Order, second.id)).status == "pending"  # type: ignore[union-attr]


async def test_two_first_payments_of_one_user_at_once_both_credit(pay_db: PaymentsDB) -> None:
    """The user has no credit account yet; both payments create it at the same moment."""
    if not pay_db.is_postgres:
        pytest.skip("true concurrency needs PostgreSQL (SQLite has one writer at a time)")
    user_id = await pay_db.user()
    product_id = await pay_db.product(interviews=5, prices={"XTR": 200})
    orders = [await _order(pay_db, user_id, product_id, Method.STARS) for _ in range(2)]
    start = asyncio.Event()

    async def deliver(order: Order) -> Credited:
        async with pay_db.sessions() as session:
            loaded = await session.get(Order, order.id)
            assert loaded is not None
            await start.wait()
            credited = await credit_payment(
                session,
                order=loaded,
                provider=Provider.TELEGRAM_STARS,
                charge_id=f"stx-first-{order.id}",
                amount=200,
                currency="XTR",
            )
            await session.commit()
            return credited

    tasks = [asyncio.create_task(deliver(order)) for order in orders]
    await asyncio.sleep(0.2)
    start.set()
    results = await asyncio.gather(*tasks)
    assert [r.created for r in results] == [True, True]
    assert sorted(r.credits_after for r in results) == [5, 10]
    async with pay_db.sessions() as session:
        assert await _credits(session, user_id) == 10
        ledger = await _ledger(session, user_id)
        assert sorted((before, after) for _, before, after, _, _ in ledger) == [(0, 5), (5, 10)]
