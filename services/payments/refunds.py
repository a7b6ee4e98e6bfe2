"""Refunds: a user asks, an admin approves or rejects, the provider gives the money back.
Also the payment history /balance shows (`balance_view`).

The flow, each step in the caller's transaction:

1. `refundable_payments` lists what a user may ask about; `request_refund` records the request
   (at most one pending or approved request per payment: a partial unique index).
2. An admin approves: `plan_refund` locks the request and checks it may go ahead — pending, not
   refunded, and the credits policy (`max_used_interviews`: how many interviews of the pack, or
   of the subscription's period, may already be used) — and says what to refund where. The
   handler asks the provider (refundStarPayment, or a YooKassa refund of the plan's amount).
3. Once the provider accepted, `complete_refund` takes back what the payment bought, once: a
   pack's credits (ledger reason "refund:<payment id>", never below zero), a subscription's
   days (never ending it before now); the payment is marked refunded, the order refunded, the
   request approved. A second call is refused (ALREADY_DECIDED).

   Or the admin rejects: `reject_refund`.

A refund always returns the whole amount of the payment, never more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, entitlements
from services.audit import AuditAction
from services.entitlements import PaidWith, access, aware
from services.models import CreditAccount, InterviewSession, Order, Payment, Product, RefundRequest
from services.models.base import utcnow
from services.payments.catalog import ProductKind, localized
from services.payments.crediting import METHOD_OF_PROVIDER, Provider
from services.payments.locking import lock_row
from services.payments.orders import OrderStatus, PaymentEvent, count_payment

REASON_MAX_LENGTH = 500


class RefundStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


OPEN_STATUSES = (RefundStatus.PENDING, RefundStatus.APPROVED)


class RefundProblem(StrEnum):
    NOT_FOUND = "not-found"
    NOT_YOURS = "not-yours"
    TOO_OLD = "too-old"
    ALREADY_REQUESTED = "already-requested"
    ALREADY_REFUNDED = "already-refunded"
    ALREADY_DECIDED = "already-decided"
    CREDITS_USED = "credits-used"


class RefundRefused(Exception):
    def __init__(self, problem: RefundProblem, detail: str = "") -> None:
        super().__init__(f"{problem}: {detail}" if detail else str(problem))
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True, slots=True)
class RefundablePayment:
    payment_id: int
    product_id: str
    amount: int
    currency: str
    provider: Provider
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RefundPlan:
    """What to give back and where: the provider's charge ids and the amount paid."""

    request_id: int
    payment_id: int
    user_id: int
    provider: Provider
    charge_id: str  # telegram_payment_charge_id (refundStarPayment) or the YooKassa payment id
    provider_charge_id: str | None  # a card through Telegram: the YooKassa payment id to refund
    amount: int  # the whole amount paid, in minor units
    currency: str
    product_id: str


@dataclass(frozen=True, slots=True)
class RefundDone:
    """What `complete_refund` took back."""

    credits_removed: int
    credits_after: int
    subscription_until: datetime | None  # the new end; None for a pack


async def refundable_payments(
    session: AsyncSession, user_id: int, *, window_days: int, now: datetime | None = None
) -> list[RefundablePayment]:
    """The user's payments of the last `window_days` days that are not refunded and have no
    open (pending or approved) request, newest first. A rejected request may be made again."""
    since = (now or utcnow()) - timedelta(days=window_days)
    open_request = exists().where(
        RefundRequest.payment_id == Payment.id, RefundRequest.status.in_(OPEN_STATUSES)
    )
    rows = await session.execute(
        select(Payment, Order.product_id)
        .join(Order, Order.id == Payment.order_id)
        .where(
            Payment.user_id == user_id,
            Payment.refunded.is_(False),
            Payment.created_at >= since,
            ~open_request,
        )
        .order_by(Payment.created_at.desc(), Payment.id.desc())
    )
    return [
        RefundablePayment(
            payment_id=payment.id,
            product_id=product_id,
            amount=payment.amount,
            currency=payment.currency,
            provider=Provider(payment.provider),
            created_at=aware(payment.created_at),
        )
        for payment, product_id in rows.all()
    ]


async def request_refund(
    session: AsyncSession,
    *,
    user_id: int,
    payment_id: int,
    reason: str,
    window_days: int,
    max_used_interviews: int | None = None,
    now: datetime | None = None,
) -> RefundRequest:
    """A pending refund request for one of the user's payments (flushed: `id` is set).

    The reason is stripped and cut to 500 characters. Refuses (RefundRefused): NOT_FOUND,
    NOT_YOURS, ALREADY_REFUNDED, TOO_OLD (paid more than `window_days` days ago),
    ALREADY_REQUESTED (an open request exists, also when two arrive at once) and, when
    `max_used_interviews` is given, CREDITS_USED early — the admin's approval checks it again.
    """
    now = now or utcnow()
    payment = await lock_row(session, Payment, payment_id)
    if payment is None:
        raise RefundRefused(RefundProblem.NOT_FOUND, f"payment {payment_id}")
    if payment.user_id != user_id:
        raise RefundRefused(RefundProblem.NOT_YOURS, f"payment {payment_id}")
    if payment.refunded:
        raise RefundRefused(RefundProblem.ALREADY_REFUNDED, f"payment {payment_id}")
    if aware(payment.created_at) < now - timedelta(days=window_days):
        raise RefundRefused(RefundProblem.TOO_OLD, f"payment {payment_id}")
    if await _open_request(session, payment_id) is not None:
        raise RefundRefused(RefundProblem.ALREADY_REQUESTED, f"payment {payment_id}")
    if max_used_interviews is not None:
        await _check_credits_policy(session, payment, max_used_interviews)
    request = RefundRequest(
        payment_id=payment_id,
        user_id=user_id,
        reason=reason.strip()[:REASON_MAX_LENGTH],
        status=RefundStatus.PENDING,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(request)
            await session.flush()
    except IntegrityError:
        raise RefundRefused(RefundProblem.ALREADY_REQUESTED, f"payment {payment_id}") from None
    count_payment(_method_of(payment), PaymentEvent.REFUND_REQUESTED, session)
    return request


async def get_refund_request(session: AsyncSession, request_id: int) -> RefundRequest | None:
    return await session.get(RefundRequest, request_id)


async def plan_refund(
    session: AsyncSession, request_id: int, *, max_used_interviews: int
) -> RefundPlan:
    """Locks the request and its payment and checks the refund may go ahead.

    Refuses (RefundRefused): NOT_FOUND, ALREADY_DECIDED (not pending), ALREADY_REFUNDED,
    CREDITS_USED — a pack whose buyer holds fewer than `interviews - max_used_interviews`
    credits, or a subscription during which more than `max_used_interviews` interviews were
    started on it since the payment. Changes nothing.
    """
    request = await lock_row(session, RefundRequest, request_id)
    if request is None:
        raise RefundRefused(RefundProblem.NOT_FOUND, f"refund request {request_id}")
    if request.status != RefundStatus.PENDING:
        raise RefundRefused(RefundProblem.ALREADY_DECIDED, f"refund request {request_id}")
    payment = await lock_row(session, Payment, request.payment_id)
    if payment is None:  # the foreign key makes this impossible
        raise RefundRefused(RefundProblem.NOT_FOUND, f"payment {request.payment_id}")
    if payment.refunded:
        raise RefundRefused(RefundProblem.ALREADY_REFUNDED, f"payment {payment.id}")
    product = await _check_credits_policy(session, payment, max_used_interviews)
    return RefundPlan(
        request_id=request.id,
        payment_id=payment.id,
        user_id=payment.user_id,
        provider=Provider(payment.provider),
        charge_id=payment.charge_id,
        provider_charge_id=payment.provider_charge_id,
        amount=payment.amount,
        currency=payment.currency,
        product_id=product.id,
    )


async def complete_refund(
    session: AsyncSession, plan: RefundPlan, *, decided_by: int, now: datetime | None = None
) -> RefundDone:
    """Records a refund the provider has accepted: takes back what the payment bought (pack:
    up to `interviews` credits, never below zero — with `max_used_interviews` > 0 some may be
    spent; subscription: `days` off its end, not before now), marks the payment refunded, the
    order refunded and the request approved.

    Raises RefundRefused(ALREADY_DECIDED) when the request is no longer pending (a second
    call), ALREADY_REFUNDED when the payment was refunded otherwise, NOT_FOUND.
    """
    now = now or utcnow()
    request = await lock_row(session, RefundRequest, plan.request_id)
    if request is None:
        raise RefundRefused(RefundProblem.NOT_FOUND, f"refund request {plan.request_id}")
    if request.status != RefundStatus.PENDING:
        raise RefundRefused(RefundProblem.ALREADY_DECIDED, f"refund request {request.id}")
    if request.payment_id != plan.payment_id:
        raise ValueError(f"plan for payment {plan.payment_id}, request {request.id} is not")
    payment = await lock_row(session, Payment, request.payment_id)
    if payment is None:
        raise RefundRefused(RefundProblem.NOT_FOUND, f"payment {request.payment_id}")
    if payment.refunded:
        raise RefundRefused(RefundProblem.ALREADY_REFUNDED, f"payment {payment.id}")
    order = await lock_row(session, Order, payment.order_id)
    assert order is not None  # a payment's order always exists (foreign key)
    product = await session.get(Product, order.product_id)
    assert product is not None  # an order's product always exists (foreign key)

    removed = 0
    until: datetime | None = None
    if product.kind == ProductKind.SUBSCRIPTION:
        until = await entitlements.shorten_subscription(
            session, payment.user_id, product.days, now=now
        )
    else:
        removed, _ = await entitlements.take_back_credits(
            session,
            payment.user_id,
            product.interviews,
            f"refund:{payment.id}",
            payment_id=payment.id,
        )
    payment.refunded = True
    payment.refunded_at = now
    order.status = OrderStatus.REFUNDED
    request.status = RefundStatus.APPROVED
    request.decided_by = decided_by
    request.decided_at = now
    await audit.record(
        session,
        decided_by,
        AuditAction.REFUND_APPROVE,
        f"refund request {request.id}",
        before={"status": RefundStatus.PENDING.value},
        after={
            "status": request.status,
            "payment_id": payment.id,
            "amount": payment.amount,
            "currency": payment.currency,
            "credits_removed": removed,
        },
    )
    await session.flush()
    count_payment(order.method, PaymentEvent.REFUNDED, session)
    held = await entitlements.holdings(session, payment.user_id)
    return RefundDone(credits_removed=removed, credits_after=held.credits, subscription_until=until)


async def reject_refund(
    session: AsyncSession, request_id: int, *, decided_by: int, reason: str
) -> RefundRequest:
    """Rejects a pending request with the admin's reason (stripped, ≤ 500 characters; empty
    is stored as None). Raises RefundRefused: NOT_FOUND, ALREADY_DECIDED."""
    request = await lock_row(session, RefundRequest, request_id)
    if request is None:
        raise RefundRefused(RefundProblem.NOT_FOUND, f"refund request {request_id}")
    if request.status != RefundStatus.PENDING:
        raise RefundRefused(RefundProblem.ALREADY_DECIDED, f"refund request {request_id}")
    request.status = RefundStatus.REJECTED
    request.decided_by = decided_by
    request.decided_at = utcnow()
    request.reject_reason = reason.strip()[:REASON_MAX_LENGTH] or None
    await audit.record(
        session,
        decided_by,
        AuditAction.REFUND_REJECT,
        f"refund request {request.id}",
        before={"status": RefundStatus.PENDING.value},
        after={"status": request.status, "reason": request.reject_reason},
    )
    await session.flush()
    payment = await session.get(Payment, request.payment_id)
    if payment is not None:  # always (foreign key)
        count_payment(_method_of(payment), PaymentEvent.REFUND_REJECTED, session)
    return request


async def set_refund_message(session: AsyncSession, request_id: int, message_id: int) -> None:
    """Remembers the request's message in the admin group. Raises RefundRefused(NOT_FOUND)."""
    request = await session.get(RefundRequest, request_id)
    if request is None:
        raise RefundRefused(RefundProblem.NOT_FOUND, f"refund request {request_id}")
    request.admin_message_id = message_id
    await session.flush()


def _method_of(payment: Payment) -> str:
    return METHOD_OF_PROVIDER[Provider(payment.provider)]


async def _open_request(session: AsyncSession, payment_id: int) -> RefundRequest | None:
    return await session.scalar(
        select(RefundRequest).where(
            RefundRequest.payment_id == payment_id, RefundRequest.status.in_(OPEN_STATUSES)
        )
    )


async def _check_credits_policy(
    session: AsyncSession, payment: Payment, max_used_interviews: int
) -> Product:
    """Raises RefundRefused(CREDITS_USED) when more of what the payment bought was used than
    the policy allows; returns the product."""
    order = await session.get(Order, payment.order_id)
    assert order is not None
    product = await session.get(Product, order.product_id)
    assert product is not None
    if product.kind == ProductKind.SUBSCRIPTION:
        started = await session.scalar(
            select(func.count())
            .select_from(InterviewSession)
            .where(
                InterviewSession.user_id == payment.user_id,
                InterviewSession.paid_with == PaidWith.SUBSCRIPTION,
                InterviewSession.started_at >= payment.created_at,
            )
        )
        if (started or 0) > max_used_interviews:
            raise RefundRefused(
                RefundProblem.CREDITS_USED,
                f"{started} interviews on the subscription, {max_used_interviews} allowed",
            )
        return product
    held = await session.scalar(
        select(CreditAccount.interview_credits).where(CreditAccount.user_id == payment.user_id)
    )
    needed = product.interviews - max_used_interviews
    if (held or 0) < needed:
        raise RefundRefused(
            RefundProblem.CREDITS_USED,
            f"holds {held or 0} credits, {needed} of the pack's {product.interviews} needed",
        )
    return product


@dataclass(frozen=True, slots=True)
class PaymentLine:
    payment_id: int
    product_id: str
    title: str  # the product's title in the language asked for
    amount: int  # minor units
    currency: str
    created_at: datetime
    refunded: bool


@dataclass(frozen=True, slots=True)
class BalanceView:
    free_left: int
    credits: int
    subscription_until: datetime | None  # the end of the active subscription, else None
    payments: list[PaymentLine] = field(hash=False)  # the last ones, newest first


async def balance_view(
    session: AsyncSession,
    user_id: int,
    free_interviews: int,
    last: int = 5,
    *,
    language: str = "en",
    now: datetime | None = None,
) -> BalanceView:
    """What /balance shows: free interviews left, credits, the active subscription's end and
    the last `last` payments (refunded ones too, flagged)."""
    held = await access(session, user_id, free_interviews, now=now)
    rows = await session.execute(
        select(Payment, Product.id, Product.title)
        .join(Order, Order.id == Payment.order_id)
        .join(Product, Product.id == Order.product_id)
        .where(Payment.user_id == user_id)
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(last)
    )
    return BalanceView(
        free_left=held.free_left,
        credits=held.credits,
        subscription_until=held.subscription_until,
        payments=[
            PaymentLine(
                payment_id=payment.id,
                product_id=product_id,
                title=localized(titles, language) or product_id,
                amount=payment.amount,
                currency=payment.currency,
                created_at=aware(payment.created_at),
                refunded=payment.refunded,
            )
            for payment, product_id, titles in rows.all()
        ],
    )
