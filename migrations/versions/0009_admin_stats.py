"""admin stats: indexes that keep /stats on indexes over a million interview answers

/stats counts in SQL; these let it read only small indexes (index-only scans) instead of the
interview tables' heaps, whose rows carry plans, answers and evaluations. /user finds a
user's refund requests by an index too.

Revision ID: 0009_admin_stats
Revises: 0008_admin
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_admin_stats"
down_revision: str | None = "0008_admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_interview_sessions_started_figures",
        "interview_sessions",
        ["started_at", "mode", "status", "overall_score"],
    )
    op.create_index(
        "ix_interview_sessions_finished_mode",
        "interview_sessions",
        ["finished_at", "mode", "status"],
    )
    op.create_index(
        "ix_interview_answers_created_source", "interview_answers", ["created_at", "source"]
    )
    # /user counts a user's refund requests.
    op.create_index("ix_refund_requests_user_id", "refund_requests", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_refund_requests_user_id", table_name="refund_requests")
    op.drop_index("ix_interview_answers_created_source", table_name="interview_answers")
    op.drop_index("ix_interview_sessions_finished_mode", table_name="interview_sessions")
    op.drop_index("ix_interview_sessions_started_figures", table_name="interview_sessions")
