"""desk replies: the outbox of members' answers to buyers (pending → sent / failed), the
sellers' reply templates and reply suggestions, and the sellers' suggestion settings

Revision ID: 0006_desk_replies
Revises: 0005_marketplace
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_desk_replies"
down_revision: str | None = "0005_marketplace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PENDING = "status = 'pending'"


def upgrade() -> None:
    with op.batch_alter_table("sellers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("auto_suggest", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("reply_tone", sa.String(length=16), server_default="friendly", nullable=False)
        )
        batch_op.add_column(
            sa.Column("templates_seeded_at", sa.DateTime(timezone=True), nullable=True)
        )

    op.create_table(
        "desk_replies",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("buyer_chat_id", ID, nullable=False),
        sa.Column("group_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("file_id", sa.Text(), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=128), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("parts_sent", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failure", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("notice_message_id", sa.BigInteger(), nullable=True),
        sa.Column("notice_state", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trying_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["buyer_chat_id"],
            ["buyer_chats.id"],
            name=op.f("fk_desk_replies_buyer_chat_id_buyer_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_replies")),
        sa.UniqueConstraint(
            "group_chat_id",
            "telegram_message_id",
            name=op.f("uq_desk_replies_group_chat_id"),
        ),
    )
    with op.batch_alter_table("desk_replies", schema=None) as batch_op:
        batch_op.create_index("ix_desk_replies_buyer_chat_id", ["buyer_chat_id"], unique=False)
        batch_op.create_index(
            "ix_desk_replies_pending",
            ["buyer_chat_id", "telegram_message_id"],
            unique=False,
            postgresql_where=sa.text(PENDING),
            sqlite_where=sa.text(PENDING),
        )

    op.create_table(
        "reply_templates",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("intent", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_reply_templates_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_templates")),
    )
    with op.batch_alter_table("reply_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reply_templates_seller_id"), ["seller_id"], unique=False
        )

    op.create_table(
        "reply_suggestions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("buyer_chat_id", ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("intent", sa.String(length=32), nullable=True),
        sa.Column("template_id", sa.BigInteger(), nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.BigInteger(), nullable=True),
        sa.Column("closed_as", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["buyer_chat_id"],
            ["buyer_chats.id"],
            name=op.f("fk_reply_suggestions_buyer_chat_id_buyer_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_suggestions")),
    )
    with op.batch_alter_table("reply_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reply_suggestions_buyer_chat_id"), ["buyer_chat_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reply_suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_suggestions_buyer_chat_id"))
    op.drop_table("reply_suggestions")
    with op.batch_alter_table("reply_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_templates_seller_id"))
    op.drop_table("reply_templates")
    with op.batch_alter_table("desk_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_desk_replies_buyer_chat_id")
        batch_op.drop_index(
            "ix_desk_replies_pending",
            postgresql_where=sa.text(PENDING),
            sqlite_where=sa.text(PENDING),
        )
    op.drop_table("desk_replies")
    with op.batch_alter_table("sellers", schema=None) as batch_op:
        batch_op.drop_column("templates_seeded_at")
        batch_op.drop_column("reply_tone")
        batch_op.drop_column("auto_suggest")
