"""Orders: one product at the price of the moment, paid one way; and the pre-checkout check.

An order's `payload` (o<id>-<random token>, 128 bits of randomness) travels with the invoice
(Telegram) or the payment's metadata (YooKassa) and comes back with the payment; it is unique
and cannot be guessed, so a payment can only ever credit the order it was made for.

Status: pending -> paid (services/payments/crediting.py) -> refunded (refunds.py), or
pending -> canceled. Paid, canceled and refunded are final for this module.
"""

from __future__ import annotations

import secrets
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.metrics import PAYMENTS, count_when_committed
from services.models import Order, Product
from services.payments.catalog import PriceRejected, current_price


class Method(StrEnum):
    STARS = "stars"
    TELEGRAM_CARD = "telegram_card"  # a card inside Telegram, through its payment provider
    YOOKASSA_LINK = "yookassa_link"  # a YooKassa payment page


METHOD_CURRENCY: dict[Method, str] = {
    Method.STARS: "XTR",
    Method.TELEGRAM_CARD: "RUB",
    Method.YOOKASSA_LINK: "RUB",
}


class PaymentEvent(StrEnum):
    """The `status` label of `easyflow_payments_total`: what happened to an order or payment."""

    CREATED = "created"
    REFUSED = "refused"  # at pre-checkout
    PAID = "paid"
    MISMATCH = "mismatch"  # money that fits no order: nothing credited
    CANCELED = "canceled"
    REFUND_REQUESTED = "refund_requested"
    REFUNDED = "refunded"
    REFUND_REJECTED = "refund_rejected"


def count_payment(method: str, event: PaymentEvent, session: AsyncSession | None = None) -> None:
    """Counts a payment event: at once, or with a session when its transaction commits."""
    counter = PAYMENTS.labels(method=Method(method).value, status=event.value)
    if session is None:
        counter.inc()
    else:
        count_when_committed(session, counter)


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CANCELED = "canceled"
    REFUNDED = "refunded"


class PreCheckoutProblem(StrEnum):
    UNKNOWN_ORDER = "unknown-order"
    NOT_YOURS = "not-yours"
    PRICE_CHANGED = "price-changed"  # the invoice's amount is not the order's or today's price
    ALREADY_PAID = "already-paid"  # paid (or paid and refunded)
    CANCELED = "canceled"
    PRODUCT_GONE = "product-gone"  # deactivated, or no longer priced in this currency


class PreCheckoutRefused(Exception):
    def __init__(self, problem: PreCheckoutProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


async def create_order(
    session: AsyncSession, user_id: int, product_id: str, method: Method
) -> Order:
    """A pending order at the current price in the method's currency, flushed (id and payload
    are set). Raises PriceRejected (UNKNOWN_PRODUCT for a missing or inactive product,
    WRONG_CURRENCY when it has no price in the method's currency)."""
    method = Method(method)
    currency = METHOD_CURRENCY[method]
    amount = await current_price(session, product_id, currency)
    order = await insert_order(
        session,
        user_id=user_id,
        product_id=product_id,
        currency=currency,
        amount=amount,
        method=method,
    )
    count_payment(method, PaymentEvent.CREATED, session)
    return order


async def insert_order(
    session: AsyncSession,
    *,
    user_id: int,
    product_id: str,
    currency: str,
    amount: int,
    method: Method,
    renewal_of: int | None = None,
) -> Order:
    """A pending order as given (no price check), flushed, with its payload o<id>-<token>."""
    token = secrets.token_urlsafe(16)
    order = Order(
        user_id=user_id,
        product_id=product_id,
        currency=currency,
        amount=amount,
        method=Method(method),
        status=OrderStatus.PENDING,
        payload=f"new-{token}",  # the id is known after the insert
        renewal_of=renewal_of,
    )
    session.add(order)
    await session.flush()
    order.payload = f"o{order.id}-{token}"
    await session.flush()
    return order


async def order_by_payload(session: AsyncSession, payload: str) -> Order | None:
    if not payload or len(payload.encode()) > 128:
        return None
    return await session.scalar(select(Order).where(Order.payload == payload))


async def order_by_provider_payment(
    session: AsyncSession, provider_payment_id: str
) -> Order | None:
    return await session.scalar(
        select(Order).where(Order.provider_payment_id == provider_payment_id)
    )


def attach_provider_payment(order: Order, provider_payment_id: str) -> None:
    """Remembers the YooKassa payment made for this order (flushed with the session).

    An order has one provider payment: attaching another raises ValueError — for a new
    payment link after the old one expired, create a new order.
    """
    if not provider_payment_id:
        raise ValueError("provider_payment_id must not be empty")
    if order.provider_payment_id not in (None, provider_payment_id):
        raise ValueError(
            f"order {order.id} already has provider payment {order.provider_payment_id}"
        )
    order.provider_payment_id = provider_payment_id


async def check_pre_checkout(
    session: AsyncSession, *, payload: str, user_id: int, total_amount: int, currency: str
) -> Order:
    """Whether Telegram may take the money for this invoice; returns the order when it may.

    Refuses (PreCheckoutRefused) in this order: UNKNOWN_ORDER, NOT_YOURS, ALREADY_PAID,
    CANCELED, PRODUCT_GONE, PRICE_CHANGED (the invoice's currency and amount must equal the
    order's, and the order's must still be the product's current price). Reads only.
    """
    try:
        return await _checked_order(
            session, payload=payload, user_id=user_id, total_amount=total_amount, currency=currency
        )
    except PreCheckoutRefused:
        # Only Telegram's invoices are checked: Stars, or a card through its provider.
        count_payment(
            Method.STARS if currency == METHOD_CURRENCY[Method.STARS] else Method.TELEGRAM_CARD,
            PaymentEvent.REFUSED,
        )
        raise


async def _checked_order(
    session: AsyncSession, *, payload: str, user_id: int, total_amount: int, currency: str
) -> Order:
    order = await order_by_payload(session, payload)
    if order is None:
        raise PreCheckoutRefused(PreCheckoutProblem.UNKNOWN_ORDER)
    if order.user_id != user_id:
        raise PreCheckoutRefused(PreCheckoutProblem.NOT_YOURS)
    if order.status in (OrderStatus.PAID, OrderStatus.REFUNDED):
        raise PreCheckoutRefused(PreCheckoutProblem.ALREADY_PAID)
    if order.status == OrderStatus.CANCELED:
        raise PreCheckoutRefused(PreCheckoutProblem.CANCELED)
    product = await session.get(Product, order.product_id)
    if product is None or not product.is_active:
        raise PreCheckoutRefused(PreCheckoutProblem.PRODUCT_GONE)
    try:
        price = await current_price(session, order.product_id, order.currency)
    except PriceRejected:
        raise PreCheckoutRefused(PreCheckoutProblem.PRODUCT_GONE) from None
    if (currency, total_amount) != (order.currency, order.amount) or price != order.amount:
        raise PreCheckoutRefused(PreCheckoutProblem.PRICE_CHANGED)
    return order


async def cancel_order(session: AsyncSession, order: Order) -> bool:
    """pending -> canceled. False (nothing changes) when the order is already paid, canceled
    or refunded. Atomic: a payment being credited at the same moment wins or loses cleanly."""
    result = await session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == OrderStatus.PENDING)
        .values(status=OrderStatus.CANCELED)
        .execution_options(synchronize_session=False)
    )
    canceled = bool(result.rowcount)  # type: ignore[attr-defined]
    await session.refresh(order, ["status"])
    if canceled:
        count_payment(order.method, PaymentEvent.CANCELED, session)
    return canceled
