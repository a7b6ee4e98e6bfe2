"""payments: products, prices and their history, orders, payments, refund requests; the credit
ledger gains balances before/after and the payment behind an entry; subscriptions

Revision ID: 0004_payments
Revises: 0003_voice
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_payments"
down_revision: str | None = "0003_voice"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN_REFUND = sa.text("status IN ('pending', 'approved')")


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("interviews", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    op.create_table(
        "prices",
        sa.Column("product_id", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_prices_amount_positive")),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_prices_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "currency", name=op.f("pk_prices")),
    )
    op.create_table(
        "price_changes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("product_id", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("old_amount", sa.Integer(), nullable=True),
        sa.Column("new_amount", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.BigInteger(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_price_changes_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_changes")),
    )
    op.create_index(
        "ix_price_changes_product_changed", "price_changes", ["product_id", "changed_at"]
    )
    op.create_table(
        "orders",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.String(length=128), nullable=False),
        sa.Column("provider_payment_id", sa.String(length=64), nullable=True),
        sa.Column("renewal_of", BIG_ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_orders_amount_positive")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_orders_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["renewal_of"], ["orders.id"], name=op.f("fk_orders_renewal_of_orders")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.telegram_id"], name=op.f("fk_orders_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("payload", name=op.f("uq_orders_payload")),
        sa.UniqueConstraint("provider_payment_id", name=op.f("uq_orders_provider_payment_id")),
    )
    op.create_index("ix_orders_user_status", "orders", ["user_id", "status"])
    op.create_table(
        "payments",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("order_id", BIG_ID, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("charge_id", sa.String(length=255), nullable=False),
        sa.Column("provider_charge_id", sa.String(length=255), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refunded", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_payments_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.telegram_id"], name=op.f("fk_payments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("charge_id", name=op.f("uq_payments_charge_id")),
        sa.UniqueConstraint("order_id", name=op.f("uq_payments_order_id")),
    )
    op.create_index("ix_payments_user_created", "payments", ["user_id", "created_at"])
    op.create_table(
        "refund_requests",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("payment_id", BIG_ID, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reject_reason", sa.String(length=500), nullable=True),
        sa.Column("admin_message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_refund_requests_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.telegram_id"], name=op.f("fk_refund_requests_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_requests")),
    )
    op.create_index(
        "uq_refund_requests_open_payment",
        "refund_requests",
        ["payment_id"],
        unique=True,
        postgresql_where=OPEN_REFUND,
        sqlite_where=OPEN_REFUND,
    )
    op.create_index("ix_refund_requests_status", "refund_requests", ["status"])

    with op.batch_alter_table("credit_accounts") as batch:
        batch.add_column(sa.Column("subscription_until", sa.DateTime(timezone=True), nullable=True))

    # The ledger's balances: added empty, filled from the running sum of each user's deltas
    # (every change of credits has always been written to the ledger, from a zero balance),
    # then required.
    with op.batch_alter_table("credit_entries") as batch:
        batch.add_column(sa.Column("balance_before", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("balance_after", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("payment_id", BIG_ID, nullable=True))
    op.execute(
        "UPDATE credit_entries SET balance_after = (SELECT SUM(earlier.delta) "
        "FROM credit_entries AS earlier WHERE earlier.user_id = credit_entries.user_id "
        "AND earlier.id <= credit_entries.id)"
    )
    op.execute("UPDATE credit_entries SET balance_before = balance_after - delta")
    with op.batch_alter_table("credit_entries") as batch:
        batch.alter_column("balance_before", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("balance_after", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            op.f("fk_credit_entries_payment_id_payments"), "payments", ["payment_id"], ["id"]
        )
        batch.create_index(op.f("ix_credit_entries_payment_id"), ["payment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("credit_entries") as batch:
        batch.drop_index(op.f("ix_credit_entries_payment_id"))
        batch.drop_constraint(op.f("fk_credit_entries_payment_id_payments"), type_="foreignkey")
        batch.drop_column("payment_id")
        batch.drop_column("balance_after")
        batch.drop_column("balance_before")
    with op.batch_alter_table("credit_accounts") as batch:
        batch.drop_column("subscription_until")

    op.drop_index("ix_refund_requests_status", table_name="refund_requests")
    op.drop_index("uq_refund_requests_open_payment", table_name="refund_requests")
    op.drop_table("refund_requests")
    op.drop_index("ix_payments_user_created", table_name="payments")
    op.drop_table("payments")
    op.drop_index("ix_orders_user_status", table_name="orders")
    op.drop_table("orders")
    op.drop_index("ix_price_changes_product_changed", table_name="price_changes")
    op.drop_table("price_changes")
    op.drop_table("prices")
    op.drop_table("products")
