"""admin: admins added by owners, the audit of admin actions, users blocked by an admin and
questions an admin took out of rotation

Revision ID: 0008_admin
Revises: 0007_sla
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_admin"
down_revision: str | None = "0007_sla"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "admins",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_admins")),
    )
    op.create_table(
        "admin_audit",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_audit")),
    )
    op.create_index("ix_admin_audit_admin_id_id", "admin_audit", ["admin_id", "id"])
    op.create_index("ix_admin_audit_action_id", "admin_audit", ["action", "id"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("banned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("banned_by", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("ban_notice_sent_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_index("ix_users_username_lower", "users", [sa.text("lower(username)")])
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("disabled_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_column("disabled_by")
        batch_op.drop_column("disabled_at")
    op.drop_index("ix_users_username_lower", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("ban_notice_sent_at")
        batch_op.drop_column("banned_by")
        batch_op.drop_column("banned_at")
    op.drop_index("ix_admin_audit_action_id", table_name="admin_audit")
    op.drop_index("ix_admin_audit_admin_id_id", table_name="admin_audit")
    op.drop_table("admin_audit")
    op.drop_table("admins")
