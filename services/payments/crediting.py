"""Crediting a payment: exactly once per charge, whatever delivers it and however often.

`credit_payment` runs in the caller's transaction and commits nothing: the caller commits
after it returns (or rolls back when anything fails, which leaves no payment, no ledger entry
and the order pending, so a redelivery credits it then).

Exactly once: the order row is locked first (SELECT ... FOR UPDATE on PostgreSQL; a write lock
on SQLite), then the payment is looked up by its charge id, and only then inserted — inside a
savepoint, so that a concurrent insert of the same charge id that got past the lock (another
order, another process) ends in the unique constraint, not in a second credit: the savepoint
is rolled back and the existing payment is reported with `created=False`.

Stars subscriptions renew themselves under the first invoice's payload; a renewal (`recurring`)
becomes an order of its own, `renewal_of` the first, and is credited like any payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services import entitlements
from services.models import Order, Payment, Product
from services.models.base import utcnow
from services.payments.catalog import ProductKind
from services.payments.locking import lock_row
from services.payments.orders import (
    Method,
    OrderStatus,
    PaymentEvent,
    count_payment,
    insert_order,
)


class Provider(StrEnum):
    TELEGRAM_STARS = "telegram_stars"
    TELEGRAM_PROVIDER = "telegram_provider"  # a card inside Telegram (YooKassa behind it)
    YOOKASSA = "yookassa"  # a YooKassa payment link


METHOD_OF_PROVIDER: dict[Provider, Method] = {
    Provider.TELEGRAM_STARS: Method.STARS,
    Provider.TELEGRAM_PROVIDER: Method.TELEGRAM_CARD,
    Provider.YOOKASSA: Method.YOOKASSA_LINK,
}


class MismatchProblem(StrEnum):
    AMOUNT = "amount"
    CURRENCY = "currency"
    CANCELED = "canceled"
    REFUNDED = "refunded"
    ALREADY_PAID = "already-paid"  # paid before by another charge
    UNKNOWN_ORDER = "unknown-order"


class PaymentMismatch(Exception):
    """Money arrived that does not fit its order: nothing was credited. The money is real, so
    the caller should log it loudly and tell the admins (or refund it)."""

    def __init__(self, problem: MismatchProblem, detail: str = "") -> None:
        super().__init__(f"{problem}: {detail}" if detail else str(problem))
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Credited:
    created: bool  # False: this charge had been credited before; nothing changed now
    payment_id: int
    order_id: int
    user_id: int
    product_id: str
    amount: int
    currency: str
    credits_after: int
    subscription_until: datetime | None  # the end of the active subscription, else None


async def credit_payment(
    session: AsyncSession,
    *,
    order: Order,
    provider: Provider,
    charge_id: str,
    amount: int,
    currency: str,
    provider_charge_id: str | None = None,
    recurring: bool = False,
) -> Credited:
    """Records the payment of `order` and gives what it bought: a pack's credits (ledger
    reason "payment:<payment id>") or a subscription's days (from the end of the current one,
    or from now). The order becomes paid.

    A charge id seen before changes nothing and returns created=False (checked before the
    amount, so a redelivered update for an order refunded since is not an error). Raises
    PaymentMismatch when the amount or currency differ from the order's, or the order is
    canceled, refunded or already paid by another charge.

    `recurring` (SuccessfulPayment.is_recurring): a Stars subscription renews itself with the
    invoice's payload, so a renewal arrives for an order already paid. With `recurring` such
    a payment (same amount and currency, a new charge id) is credited to a new order that
    points at the first (`renewal_of`); `Credited.order_id` is the new order's.
    """
    if not charge_id:
        raise ValueError("charge_id must not be empty")
    provider = Provider(provider)
    existing = await _payment_by_charge(session, charge_id)
    if existing is not None:
        return await _credited(session, existing, created=False)

    try:
        locked = await lock_row(session, Order, order.id)
        if locked is None:
            raise PaymentMismatch(MismatchProblem.UNKNOWN_ORDER, f"order {order.id}")
        # Whoever held the lock before us may have credited this very charge.
        existing = await _payment_by_charge(session, charge_id)
        if existing is not None:
            return await _credited(session, existing, created=False)
        product = await session.get(Product, locked.product_id)
        if product is None:  # the foreign key makes this impossible; be loud if it happens
            raise PaymentMismatch(MismatchProblem.UNKNOWN_ORDER, f"product {locked.product_id}")
        renewal = (
            recurring
            and product.kind == ProductKind.SUBSCRIPTION
            and locked.status in (OrderStatus.PAID, OrderStatus.REFUNDED)
        )
        if not renewal:
            _check_status(locked)
        _check_amount(locked, amount, currency)
    except PaymentMismatch:
        count_payment(order.method, PaymentEvent.MISMATCH)
        raise

    target = locked
    payment: Payment | None = None
    try:
        async with session.begin_nested():
            if renewal:
                target = await insert_order(
                    session,
                    user_id=locked.user_id,
                    product_id=locked.product_id,
                    currency=locked.currency,
                    amount=locked.amount,
                    method=Method(locked.method),
                    renewal_of=locked.id,
                )
            payment = Payment(
                order_id=target.id,
                user_id=target.user_id,
                provider=provider,
                charge_id=charge_id,
                provider_charge_id=provider_charge_id,
                amount=amount,
                currency=currency,
            )
            session.add(payment)
            await session.flush()
    except IntegrityError:
        # The same charge id was inserted concurrently (and committed) by someone who did not
        # wait for our lock; that one is the payment. The savepoint took back our rows.
        for pending in (payment, target if renewal else None):
            if pending is not None and pending in session:
                session.expunge(pending)
        existing = await _payment_by_charge(session, charge_id)
        if existing is None:
            raise
        return await _credited(session, existing, created=False)
    assert payment is not None

    now = utcnow()
    if product.kind == ProductKind.SUBSCRIPTION:
        await entitlements.extend_subscription(session, target.user_id, product.days, now=now)
    else:
        await entitlements.grant_credits(
            session,
            target.user_id,
            product.interviews,
            f"payment:{payment.id}",
            payment_id=payment.id,
        )
    target.status = OrderStatus.PAID
    target.paid_at = now
    await session.flush()
    count_payment(target.method, PaymentEvent.PAID, session)
    return await _credited(session, payment, created=True)


def _check_status(order: Order) -> None:
    if order.status == OrderStatus.CANCELED:
        raise PaymentMismatch(MismatchProblem.CANCELED, f"order {order.id}")
    if order.status == OrderStatus.REFUNDED:
        raise PaymentMismatch(MismatchProblem.REFUNDED, f"order {order.id}")
    if order.status == OrderStatus.PAID:
        raise PaymentMismatch(MismatchProblem.ALREADY_PAID, f"order {order.id}")


def _check_amount(order: Order, amount: int, currency: str) -> None:
    if currency != order.currency:
        raise PaymentMismatch(
            MismatchProblem.CURRENCY, f"order {order.id}: {currency} paid, {order.currency} due"
        )
    if amount != order.amount:
        raise PaymentMismatch(
            MismatchProblem.AMOUNT, f"order {order.id}: {amount} paid, {order.amount} due"
        )


async def _payment_by_charge(session: AsyncSession, charge_id: str) -> Payment | None:
    return await session.scalar(select(Payment).where(Payment.charge_id == charge_id))


async def _credited(session: AsyncSession, payment: Payment, *, created: bool) -> Credited:
    order = await session.get(Order, payment.order_id)
    held = await entitlements.holdings(session, payment.user_id)
    return Credited(
        created=created,
        payment_id=payment.id,
        order_id=payment.order_id,
        user_id=payment.user_id,
        product_id=order.product_id if order is not None else "",
        amount=payment.amount,
        currency=payment.currency,
        credits_after=held.credits,
        subscription_until=held.subscription_until,
    )
