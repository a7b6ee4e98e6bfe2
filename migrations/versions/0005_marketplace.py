"""marketplace desk: sellers and their forum groups, marketplace accounts with sealed
credentials and sync cursors, buyer chats (one forum topic each), buyer messages (unique per
chat and marketplace message id) and their attachments

Revision ID: 0005_marketplace
Revises: 0004_payments
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_marketplace"
down_revision: str | None = "0004_payments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sellers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("forum_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("connected_by", sa.BigInteger(), nullable=False),
        sa.Column("rights_lost_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sellers")),
        sa.UniqueConstraint("forum_chat_id", name=op.f("uq_sellers_forum_chat_id")),
    )
    op.create_table(
        "marketplace_accounts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("marketplace", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("sealed_credentials", sa.LargeBinary(), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refusal", sa.String(length=32), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=32), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connected_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_marketplace_accounts_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_accounts")),
        sa.UniqueConstraint(
            "seller_id", "marketplace", name=op.f("uq_marketplace_accounts_seller_id")
        ),
    )
    with op.batch_alter_table("marketplace_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketplace_accounts_external_id"), ["external_id"], unique=False
        )

    op.create_table(
        "buyer_chats",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("buyer_name", sa.String(length=128), nullable=True),
        sa.Column("order_number", sa.String(length=64), nullable=True),
        sa.Column("product", sa.String(length=255), nullable=True),
        sa.Column("reply_sign", sa.Text(), nullable=True),
        sa.Column("topic_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["marketplace_accounts.id"],
            name=op.f("fk_buyer_chats_account_id_marketplace_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyer_chats")),
        sa.UniqueConstraint("account_id", "chat_id", name=op.f("uq_buyer_chats_account_id")),
    )

    op.create_table(
        "buyer_messages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "buyer_chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic_id", sa.BigInteger(), nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("forwarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["buyer_chat_id"],
            ["buyer_chats.id"],
            name=op.f("fk_buyer_messages_buyer_chat_id_buyer_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyer_messages")),
        sa.UniqueConstraint(
            "buyer_chat_id", "message_id", name=op.f("uq_buyer_messages_buyer_chat_id")
        ),
    )
    with op.batch_alter_table("buyer_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_buyer_messages_unforwarded",
            ["buyer_chat_id"],
            unique=False,
            postgresql_where=sa.text("forwarded_at IS NULL"),
            sqlite_where=sa.text("forwarded_at IS NULL"),
        )

    op.create_table(
        "buyer_attachments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=128), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("forwarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["buyer_messages.id"],
            name=op.f("fk_buyer_attachments_message_id_buyer_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyer_attachments")),
        sa.UniqueConstraint("message_id", "position", name=op.f("uq_buyer_attachments_message_id")),
    )
    with op.batch_alter_table("buyer_attachments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_buyer_attachments_unforwarded",
            ["message_id"],
            unique=False,
            postgresql_where=sa.text("forwarded_at IS NULL"),
            sqlite_where=sa.text("forwarded_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("buyer_attachments", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_buyer_attachments_unforwarded",
            postgresql_where=sa.text("forwarded_at IS NULL"),
            sqlite_where=sa.text("forwarded_at IS NULL"),
        )

    op.drop_table("buyer_attachments")
    with op.batch_alter_table("buyer_messages", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_buyer_messages_unforwarded",
            postgresql_where=sa.text("forwarded_at IS NULL"),
            sqlite_where=sa.text("forwarded_at IS NULL"),
        )

    op.drop_table("buyer_messages")
    op.drop_table("buyer_chats")
    with op.batch_alter_table("marketplace_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketplace_accounts_external_id"))

    op.drop_table("marketplace_accounts")
    op.drop_table("sellers")
