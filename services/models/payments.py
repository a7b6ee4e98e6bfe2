"""Payments: the product catalogue with its prices, orders, payments and refund requests.

Money is always an integer in the currency's minor units: whole stars for XTR, kopecks for RUB.
The credits and the subscription a payment buys live in `CreditAccount` (services/entitlements.py
changes them); every change of credits is a `CreditEntry`, which points at its payment.

Financial rows never cascade away with a user: deleting a user who paid is refused by the
foreign keys, so the payment history cannot vanish by accident.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.models.base import Base, BigIntId, utcnow

Localized = dict[str, Any]  # {"en": ..., "ru": ...}

# A foreign key to a BigIntId column must have the same type on SQLite.
_BigIntRef = BigInteger().with_variant(Integer(), "sqlite")


class Product(Base):
    """What can be bought: a pack of interviews or a subscription for some days."""

    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # pack_1 | pack_5 | sub_30d
    kind: Mapped[str] = mapped_column(String(16))  # pack | subscription
    interviews: Mapped[int] = mapped_column(Integer, default=0)  # credits a pack adds
    days: Mapped[int] = mapped_column(Integer, default=0)  # days a subscription adds
    title: Mapped[Localized] = mapped_column(JSON)  # ≤ 32 characters: the invoice title
    description: Mapped[Localized] = mapped_column(JSON)  # ≤ 255 characters
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Price(Base):
    """The current price of a product in one currency; admins change it, `PriceChange` remembers."""

    __tablename__ = "prices"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    product_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)  # XTR | RUB
    amount: Mapped[int] = mapped_column(Integer)  # stars or kopecks
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(BigInteger)  # telegram id; None = seeding


class PriceChange(Base):
    """Every price ever set: the first one (old_amount None) and each change after it."""

    __tablename__ = "price_changes"
    __table_args__ = (Index("ix_price_changes_product_changed", "product_id", "changed_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    product_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("products.id", ondelete="CASCADE")
    )
    currency: Mapped[str] = mapped_column(String(3))
    old_amount: Mapped[int | None] = mapped_column(Integer)
    new_amount: Mapped[int] = mapped_column(Integer)
    changed_by: Mapped[int | None] = mapped_column(BigInteger)  # telegram id; None = seeding
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Order(Base):
    """An intent to buy one product at the price of the moment, paid one way."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_orders_user_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.telegram_id"))
    product_id: Mapped[str] = mapped_column(String(32), ForeignKey("products.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(Integer)  # the price when the order was created
    method: Mapped[str] = mapped_column(String(16))  # stars | telegram_card | yookassa_link
    status: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  # pending|paid|canceled|refunded
    # The invoice payload (Telegram) or payment metadata (YooKassa): o<id>-<random token>.
    payload: Mapped[str] = mapped_column(String(128), unique=True)
    provider_payment_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # YooKassa
    # A Stars subscription renews itself: each renewal is an order of its own, made when the
    # renewal's payment arrives, pointing at the order that started the subscription.
    renewal_of: Mapped[int | None] = mapped_column(_BigIntRef, ForeignKey("orders.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column()


class Payment(Base):
    """Money received for an order. `charge_id` is unique: crediting the same charge twice is
    impossible, whoever delivers it again (a repeated update, a repeated webhook)."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payments_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(_BigIntRef, ForeignKey("orders.id"), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.telegram_id"))
    provider: Mapped[str] = mapped_column(String(32))  # telegram_stars|telegram_provider|yookassa
    # telegram_payment_charge_id, or the YooKassa payment id for payment links.
    charge_id: Mapped[str] = mapped_column(String(255), unique=True)
    # provider_payment_charge_id of a card payment through Telegram (the YooKassa payment id).
    provider_charge_id: Mapped[str | None] = mapped_column(String(255))
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    refunded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    refunded_at: Mapped[datetime | None] = mapped_column()


class RefundRequest(Base):
    """A user's request to get a payment back, decided by an admin.

    At most one open (pending or approved) request per payment, enforced by a partial unique
    index; after a rejection the user may ask again.
    """

    __tablename__ = "refund_requests"
    __table_args__ = (
        Index(
            "uq_refund_requests_open_payment",
            "payment_id",
            unique=True,
            postgresql_where=text("status IN ('pending', 'approved')"),
            sqlite_where=text("status IN ('pending', 'approved')"),
        ),
        Index("ix_refund_requests_status", "status"),
        Index("ix_refund_requests_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    payment_id: Mapped[int] = mapped_column(_BigIntRef, ForeignKey("payments.id"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.telegram_id"))
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|approved|rejected
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None] = mapped_column()
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    # The request's message in the admin group, to edit it once decided.
    admin_message_id: Mapped[int | None] = mapped_column(BigInteger)
