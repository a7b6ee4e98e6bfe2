"""Refunds: requests and their refusals, rejection, approval once, the credits policy, refunds
of subscriptions, and the /balance view."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.entitlements import aware, spend_for_interview
from services.interview.plan import PlannedQuestion
from services.interview.sessions import Mode, start_interview
from services.models import CreditAccount, CreditEntry, Order, Payment, RefundRequest
from services.models.base import utcnow
from services.payments.crediting import Credited, Provider, credit_payment
from services.payments.orders import Method, create_order
from services.payments.refunds import (
    BalanceView,
    PaymentLine,
    RefundablePayment,
    RefundDone,
    RefundPlan,
    RefundProblem,
    RefundRefused,
    balance_view,
    complete_refund,
    plan_refund,
    refundable_payments,
    reject_refund,
    request_refund,
    set_refund_message,
)
from tests.unit.conftest import PaymentsDB

WINDOW = 14
ADMIN = 777
PLAN = [PlannedQuestion(text="How would you design a URL shortener?")]


async def _buy(
    pay_db: PaymentsDB, user_id: int, product_id: str, method: Method = Method.STARS
) -> Credited:
    async with pay_db.sessions() as session:
        order = await create_order(session, user_id, product_id, method)
        credited = await credit_payment(
            session,
            order=order,
            provider=Provider.TELEGRAM_STARS if method is Method.STARS else Provider.YOOKASSA,
            charge_id=f"charge-{order.id}",
            provider_charge_id=None if method is Method.STARS else f"provider-{order.id}",
            amount=order.amount,
            currency=order.currency,
        )
        await session.commit()
    return credited


async def _request(pay_db: PaymentsDB, user_id: int, payment_id: int, **extra: object) -> int:
    async with pay_db.sessions() as session:
        request = await request_refund(
            session,
            user_id=user_id,
            payment_id=payment_id,
            reason="Changed my mind",
            window_days=WINDOW,
            **extra,  # type: ignore[arg-type]
        )
        await session.commit()
    return request.id


async def _refused(coroutine_factory, pay_db: PaymentsDB) -> RefundProblem:  # type: ignore[no-untyped-def]
    async with pay_db.sessions() as session:
        with pytest.raises(RefundRefused) as refused:
            await coroutine_factory(session)
        await session.rollback()
    return refused.value.problem


async def _ledger(
    session: AsyncSession, user_id: int
) -> list[tuple[int, int, int, str, int | None]]:
    rows = await session.scalars(
        select(CreditEntry).where(CreditEntry.user_id == user_id).order_by(CreditEntry.id)
    )
    return [(e.delta, e.balance_before, e.balance_after, e.reason, e.payment_id) for e in rows]


async def test_refundable_payments_and_requests(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.product(interviews=5, prices={"XTR": 200, "RUB": 590_00})
    older = await _buy(pay_db, user_id, product_id, Method.YOOKASSA_LINK)
    newer = await _buy(pay_db, user_id, product_id)
    async with pay_db.sessions() as session:
        listed = await refundable_payments(session, user_id, window_days=WINDOW)
    assert [p.payment_id for p in listed] == [newer.payment_id, older.payment_id]
    assert listed[1] == RefundablePayment(
        payment_id=older.payment_id,
        product_id=product_id,
        amount=590_00,
        currency="RUB",
        provider=Provider.YOOKASSA,
        created_at=listed[1].created_at,
    )
    assert listed[0].provider is Provider.TELEGRAM_STARS and listed[0].amount == 200
    assert listed[0].created_at.tzinfo is not None

    async with pay_db.sessions() as session:
        request = await request_refund(
            session,
            user_id=user_id,
            payment_id=newer.payment_id,
            reason="  " + "x" * 600 + "  ",
            window_days=WINDOW,
        )
        await session.commit()
    assert (request.status, request.user_id, request.payment_id) == (
        "pending",
        user_id,
        newer.payment_id,
    )
    assert request.reason == "x" * 500
    assert request.decided_at is None and request.admin_message_id is None
    async with pay_db.sessions() as session:
        assert [
            p.payment_id for p in await refundable_payments(session, user_id, window_days=WINDOW)
        ] == [older.payment_id]
        # Payments older than the window are not offered (the window moves with `now`).
        later = utcnow() + timedelta(days=WINDOW + 1)
        assert await refundable_payments(session, user_id, window_days=WINDOW, now=later) == []


async def test_request_refusals(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    stranger = await pay_db.user()
    product_id = await pay_db.product(interviews=5, prices={"XTR": 200})
    bought = await _buy(pay_db, user_id, product_id)
    old = await _buy(pay_db, user_id, product_id)
    async with pay_db.sessions() as session:
        payment = await session.get(Payment, old.payment_id)
        assert payment is not None
        payment.created_at = utcnow() - timedelta(days=WINDOW, minutes=1)
        await session.commit()

    def asking(payment_id: int, who: int = user_id, **extra: object):  # type: ignore[no-untyped-def]
        return lambda session: request_refund(
            session,
            user_id=who,
            payment_id=payment_id,
            reason="why not",
            window_days=WINDOW,
            **extra,  # type: ignore[arg-type]
        )

    assert await _refused(asking(10**12), pay_db) == RefundProblem.NOT_FOUND
    assert await _refused(asking(bought.payment_id, stranger), pay_db) == "not-yours"
    assert await _refused(asking(old.payment_id), pay_db) == RefundProblem.TOO_OLD
    # Two packs gave 10 credits; 6 are spent, so this pack's 5 are no longer all there: with
    # a policy given, the request is refused right away.
    async with pay_db.sessions() as session:
        for interview_id in range(1, 7):
            await spend_for_interview(session, user_id, 0, interview_id=interview_id)
        await session.commit()
    assert (
        await _refused(asking(bought.payment_id, max_used_interviews=0), pay_db)
        == RefundProblem.CREDITS_USED
    )
    request_id = await _request(pay_db, user_id, bought.payment_id, max_used_interviews=5)
    assert request_id > 0
    assert await _refused(asking(bought.payment_id), pay_db) == RefundProblem.ALREADY_REQUESTED

    # After a rejection the user may ask again; once refunded, not any more.
    async with pay_db.sessions() as session:
        await reject_refund(session, request_id, decided_by=ADMIN, reason="")
        await session.commit()
    second = await _request(pay_db, user_id, bought.payment_id)
    async with pay_db.sessions() as session:
        plan = await plan_refund(session, second, max_used_interviews=5)
        await complete_refund(session, plan, decided_by=ADMIN)
        await session.commit()
    assert await _refused(asking(bought.payment_id), pay_db) == RefundProblem.ALREADY_REFUNDED


async def test_one_open_request_per_payment_is_enforced_by_the_database(
    pay_db: PaymentsDB,
) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.product(interviews=1, prices={"XTR": 50})
    bought = await _buy(pay_db, user_id, product_id)
    first = await _request(pay_db, user_id, bought.payment_id)
    async with pay_db.sessions() as session:
        session.add(
            RefundRequest(
                payment_id=bought.payment_id, user_id=user_id, reason="again", status="pending"
            )
        )
        with pytest.raises(IntegrityError):
            await session.flush()
        await session.rollback()
    async with pay_db.sessions() as session:
        session.add(  # a rejected one beside the pending one is fine
            RefundRequest(
                payment_id=bought.payment_id, user_id=user_id, reason="old", status="rejected"
            )
        )
        await session.commit()
        statuses = (
            await session.scalars(
                select(RefundRequest.status)
                .where(RefundRequest.payment_id == bought.payment_id)
                .order_by(RefundRequest.id)
            )
        ).all()
        assert statuses == ["pending", "rejected"]
        assert (await session.get(RefundRequest, first)).status == "pending"  # type: ignore[union-attr]


async def test_rejection(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.product(interviews=5, prices={"XTR": 200})
    bought = await _buy(pay_db, user_id, product_id)
    request_id = await _request(pay_db, user_id, bought.payment_id)
    async with pay_db.sessions() as session:
        await set_refund_message(session, request_id, 4242)
        rejected = await reject_refund(
            session, request_id, decided_by=ADMIN, reason="  Used the interviews already. "
        )
        await session.commit()
    assert (rejected.status, rejected.decided_by, rejected.reject_reason) == (
        "rejected",
        ADMIN,
        "Used the interviews already.",
    )
    assert rejected.decided_at is not None and rejected.admin_message_id == 4242
    assert (
        await _refused(
            lambda s: reject_refund(s, request_id, decided_by=ADMIN, reason="again"), pay_db
        )
        == RefundProblem.ALREADY_DECIDED
    )
    assert (
        await _refused(lambda s: plan_refund(s, request_id, max_used_interviews=0), pay_db)
        == RefundProblem.ALREADY_DECIDED
    )
    assert (
        await _refused(lambda s: set_refund_message(s, 10**12, 1), pay_db)
        == RefundProblem.NOT_FOUND
    )
    assert (
        await _refused(lambda s: reject_refund(s, 10**12, decided_by=ADMIN, reason=""), pay_db)
        == RefundProblem.NOT_FOUND
    )
    async with pay_db.sessions() as session:  # nothing was taken back
        account = await session.get(CreditAccount, user_id)
        assert account is not None and account.interview_credits == 5
        assert (await session.get(Payment, bought.payment_id)).refunded is False  # type: ignore[union-attr]


async def test_an_approved_pack_refund_takes_the_credits_back_once(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.product(interviews=5, prices={"XTR": 200, "RUB": 590_00})
    bought = await _buy(pay_db, user_id, product_id, Method.YOOKASSA_LINK)
    request_id = await _request(pay_db, user_id, bought.payment_id)
    async with pay_db.sessions() as session:
        plan = await plan_refund(session, request_id, max_used_interviews=0)
        assert plan == RefundPlan(
            request_id=request_id,
            payment_id=bought.payment_id,
            user_id=user_id,
            provider=Provider.YOOKASSA,
            charge_id=f"charge-{bought.order_id}",
            provider_charge_id=f"provider-{bought.order_id}",
            amount=590_00,  # exactly what was paid
            currency="RUB",
            product_id=product_id,
        )
        done = await complete_refund(session, plan, decided_by=ADMIN)
        await session.commit()
    assert done == RefundDone(credits_removed=5, credits_after=0, subscription_until=None)

    async with pay_db.sessions() as session:
        payment = await session.get(Payment, bought.payment_id)
        assert payment is not None and payment.refunded and payment.refunded_at is not None
        assert (await session.get(Order, bought.order_id)).status == "refunded"  # type: ignore[union-attr]
        request = await session.get(RefundRequest, request_id)
        assert request is not None
        assert (request.status, request.decided_by) == ("approved", ADMIN)
        assert request.decided_at is not None
        assert await _ledger(session, user_id) == [
            (5, 0, 5, f"payment:{bought.payment_id}", bought.payment_id),
            (-5, 5, 0, f"refund:{bought.payment_id}", bought.payment_id),
        ]

    # Approving twice (a double click, a retry) takes nothing more.
    assert (
        await _refused(lambda s: complete_refund(s, plan, decided_by=ADMIN), pay_db)
        == RefundProblem.ALREADY_DECIDED
    )
    assert (
        await _refused(lambda s: plan_refund(s, request_id, max_used_interviews=0), pay_db)
        == RefundProblem.ALREADY_DECIDED
    )
    async with pay_db.sessions() as session:
        assert len(await _ledger(session, user_id)) == 2
        assert (await session.get(CreditAccount, user_id)).interview_credits == 0  # type: ignore[union-attr]
        assert await refundable_payments(session, user_id, window_days=WINDOW) == []


async def test_credits_used_beyond_the_policy(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.product(interviews=5, prices={"XTR": 200})
    bought = await _buy(pay_db, user_id, product_id)
    async with pay_db.sessions() as session:
        assert await spend_for_interview(session, user_id, 0, interview_id=1) == "credit"
        await session.commit()
    request_id = await _request(pay_db, user_id, bought.payment_id)
    assert (
        await _refused(lambda s: plan_refund(s, request_id, max_used_interviews=0), pay_db)
        == RefundProblem.CREDITS_USED
    )
    async with pay_db.sessions() as session:  # refused: the request is still pending
        assert (await session.get(RefundRequest, request_id)).status == "pending"  # type: ignore[union-attr]
        plan = await plan_refund(session, request_id, max_used_interviews=1)
        assert plan.amount == 200  # the whole payment, never more
        done = await complete_refund(session, plan, decided_by=ADMIN)
        await session.commit()
    assert done == RefundDone(credits_removed=4, credits_after=0, subscription_until=None)
    async with pay_db.sessions() as session:
        assert (await _ledger(session, user_id))[-1] == (
            -4,
            4,
            0,
            f"refund:{bought.payment_id}",
            bought.payment_id,
        )


async def test_a_subscription_refund_shortens_it(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.subscription(days=30, prices={"XTR": 300})
    first = await _buy(pay_db, user_id, product_id)
    second = await _buy(pay_db, user_id, product_id)
    assert first.subscription_until is not None and second.subscription_until is not None
    assert second.subscription_until == first.subscription_until + timedelta(days=30)

    request_id = await _request(pay_db, user_id, second.payment_id)
    async with pay_db.sessions() as session:
        plan = await plan_refund(session, request_id, max_used_interviews=0)
        assert (plan.provider, plan.amount, plan.currency) == (Provider.TELEGRAM_STARS, 300, "XTR")
        done = await complete_refund(session, plan, decided_by=ADMIN)
        await session.commit()
    assert done == RefundDone(
        credits_removed=0, credits_after=0, subscription_until=first.subscription_until
    )
    async with pay_db.sessions() as session:
        account = await session.get(CreditAccount, user_id)
        assert account is not None
        assert aware(account.subscription_until) == first.subscription_until  # type: ignore[arg-type]
        assert await _ledger(session, user_id) == []  # no credits moved

    # The last one refunded too: the subscription ends now, not in the past.
    request_id = await _request(pay_db, user_id, first.payment_id)
    before = utcnow()
    async with pay_db.sessions() as session:
        plan = await plan_refund(session, request_id, max_used_interviews=0)
        done = await complete_refund(session, plan, decided_by=ADMIN)
        await session.commit()
    assert done.subscription_until is not None
    assert before <= done.subscription_until <= utcnow()
    async with pay_db.sessions() as session:
        view = await balance_view(session, user_id, free_interviews=0)
        assert view.subscription_until is None


async def test_interviews_on_a_subscription_count_against_its_refund(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    product_id = await pay_db.subscription(days=30, prices={"XTR": 300})
    bought = await _buy(pay_db, user_id, product_id)
    async with pay_db.sessions() as session:
        interview = await start_interview(
            session, user_id=user_id, mode=Mode.TRACK, plan=PLAN, language="en", free_interviews=3
        )
        assert interview.paid_with == "subscription"
        await session.commit()
    request_id = await _request(pay_db, user_id, bought.payment_id)
    assert (
        await _refused(lambda s: plan_refund(s, request_id, max_used_interviews=0), pay_db)
        == RefundProblem.CREDITS_USED
    )
    async with pay_db.sessions() as session:
        plan = await plan_refund(session, request_id, max_used_interviews=1)
        assert plan.payment_id == bought.payment_id
        await session.rollback()


async def test_balance_view(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user(language="ru")
    pack = await pay_db.product(interviews=5, prices={"XTR": 200, "RUB": 590_00})
    subscription = await pay_db.subscription(days=30, prices={"XTR": 300})
    bought = [
        await _buy(pay_db, user_id, pack, Method.YOOKASSA_LINK),
        await _buy(pay_db, user_id, subscription),
        await _buy(pay_db, user_id, pack),
    ]
    request_id = await _request(pay_db, user_id, bought[2].payment_id)
    async with pay_db.sessions() as session:
        plan = await plan_refund(session, request_id, max_used_interviews=0)
        await complete_refund(session, plan, decided_by=ADMIN)
        await spend_for_interview(session, user_id, 2, interview_id=1)  # subscription: free
        await session.commit()
    async with pay_db.sessions() as session:
        view = await balance_view(session, user_id, free_interviews=2, language="ru")
        short = await balance_view(session, user_id, free_interviews=2, last=2)
    assert isinstance(view, BalanceView)
    assert (view.free_left, view.credits) == (2, 5)
    assert view.subscription_until == bought[1].subscription_until
    assert view.payments == [
        PaymentLine(
            payment_id=bought[2].payment_id,
            product_id=pack,
            title=f"Тест {pack}",
            amount=200,
            currency="XTR",
            created_at=view.payments[0].created_at,
            refunded=True,
        ),
        PaymentLine(
            payment_id=bought[1].payment_id,
            product_id=subscription,
            title=f"Тест {subscription}",
            amount=300,
            currency="XTR",
            created_at=view.payments[1].created_at,
            refunded=False,
        ),
        PaymentLine(
            payment_id=bought[0].payment_id,
            product_id=pack,
            title=f"Тест {pack}",
            amount=590_00,
            currency="RUB",
            created_at=view.payments[2].created_at,
            refunded=False,
        ),
    ]
    assert all(line.created_at.tzinfo is not None for line in view.payments)
    assert [line.title for line in short.payments] == [f"Test {pack}", f"Test {subscription}"]
    async with pay_db.sessions() as session:
        nobody = await balance_view(session, await pay_db.user(), free_interviews=3)
    assert nobody == BalanceView(free_left=3, credits=0, subscription_until=None, payments=[])
