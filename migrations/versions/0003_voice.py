"""voice: speech metrics of spoken answers, questions read aloud

Revision ID: 0003_voice
Revises: 0002_interview
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_voice"
down_revision: str | None = "0002_interview"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interview_answers") as batch:
        batch.add_column(sa.Column("speech", sa.JSON(), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("voice_questions", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("voice_questions")
    with op.batch_alter_table("interview_answers") as batch:
        batch.drop_column("speech")
