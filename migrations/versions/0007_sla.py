"""sla: sellers' SLA policies, the waits of buyer chats (each warning and breach once), a
closed mark on buyer chats and the group's SLA topic

Revision ID: 0007_sla
Revises: 0006_desk_replies
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_sla"
down_revision: str | None = "0006_desk_replies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN = "answered_at IS NULL AND closed_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("sellers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_topic_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("buyer_chats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "sla_policies",
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("next_response_minutes", sa.Integer(), nullable=False),
        sa.Column("warn_percent", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("work_days", sa.String(length=16), nullable=True),
        sa.Column("opens_minute", sa.Integer(), nullable=True),
        sa.Column("closes_minute", sa.Integer(), nullable=True),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_sla_policies_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seller_id", name=op.f("pk_sla_policies")),
    )

    op.create_table(
        "sla_waits",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("buyer_chat_id", ID, nullable=False),
        sa.Column("buyer_message_id", ID, nullable=False),
        sa.Column("metric", sa.String(length=8), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capped", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.BigInteger(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["buyer_chat_id"],
            ["buyer_chats.id"],
            name=op.f("fk_sla_waits_buyer_chat_id_buyer_chats"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["buyer_message_id"],
            ["buyer_messages.id"],
            name=op.f("fk_sla_waits_buyer_message_id_buyer_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_waits")),
        sa.UniqueConstraint(
            "buyer_chat_id",
            "metric",
            "buyer_message_id",
            name=op.f("uq_sla_waits_buyer_chat_id"),
        ),
    )
    with op.batch_alter_table("sla_waits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_waits_started_at"), ["started_at"], unique=False)
        batch_op.create_index(
            "ix_sla_waits_open",
            ["due_at"],
            unique=False,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )


def downgrade() -> None:
    with op.batch_alter_table("sla_waits", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_sla_waits_open", postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN)
        )
        batch_op.drop_index(batch_op.f("ix_sla_waits_started_at"))
    op.drop_table("sla_waits")
    op.drop_table("sla_policies")
    with op.batch_alter_table("buyer_chats", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
    with op.batch_alter_table("sellers", schema=None) as batch_op:
        batch_op.drop_column("sla_topic_id")
