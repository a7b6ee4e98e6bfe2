"""broadcasts: drafts, running broadcasts and each recipient's state; deleted accounts marked

Revision ID: 0010_broadcasts
Revises: 0009_admin_stats
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_broadcasts"
down_revision: str | None = "0009_admin_stats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo_file_id", sa.String(length=256), nullable=True),
        sa.Column("button_text", sa.String(length=64), nullable=True),
        sa.Column("button_url", sa.String(length=2048), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("audience_language", sa.String(length=8), nullable=True),
        sa.Column("audience_inactive_days", sa.Integer(), nullable=True),
        sa.Column("admin_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("admin_thread_id", sa.Integer(), nullable=True),
        sa.Column("progress_message_id", sa.Integer(), nullable=True),
        sa.Column("progress_shown_at", MOMENT, nullable=True),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.BigInteger(), nullable=True),
        sa.Column("started_at", MOMENT, nullable=True),
        sa.Column("stopped_by", sa.BigInteger(), nullable=True),
        sa.Column("finished_at", MOMENT, nullable=True),
        sa.Column("reported_at", MOMENT, nullable=True),
        sa.Column("report_message_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_index("ix_broadcasts_status", "broadcasts", ["status"])
    op.create_table(
        "broadcast_recipients",
        sa.Column("broadcast_id", ID, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", MOMENT, nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("done_at", MOMENT, nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_recipients_broadcast_id_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("broadcast_id", "user_id", name=op.f("pk_broadcast_recipients")),
    )
    op.create_index(
        "ix_broadcast_recipients_state",
        "broadcast_recipients",
        ["broadcast_id", "state", "user_id"],
    )
    op.add_column("users", sa.Column("deactivated_at", MOMENT, nullable=True))


def downgrade() -> None:
    # SQLite drops a column by rebuilding the table, which loses the expression index: it is
    # put back after (0008's downgrade drops it).
    op.drop_index("ix_users_username_lower", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("deactivated_at")
    op.create_index("ix_users_username_lower", "users", [sa.text("lower(username)")])
    op.drop_index("ix_broadcast_recipients_state", table_name="broadcast_recipients")
    op.drop_table("broadcast_recipients")
    op.drop_index("ix_broadcasts_status", table_name="broadcasts")
    op.drop_table("broadcasts")
