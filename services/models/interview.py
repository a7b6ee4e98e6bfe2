"""Interview data: the question bank, sessions, answers, bookmarks, credits and report shares.

The bank lives in YAML (services/interview/questions) and is copied here by `python -m bot seed`;
the database is what the bot reads at run time, so admins can later edit it in place.
Texts that exist in several languages are JSON objects keyed by language code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    true,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from services.models.base import Base, BigIntId, utcnow

Localized = dict[str, Any]  # {"en": ..., "ru": ...}


class Specialization(Base):
    """A track's catalogue: its title, topics and skills with their translations."""

    __tablename__ = "specializations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[Localized] = mapped_column(JSON)
    topics: Mapped[dict[str, Localized]] = mapped_column(JSON)  # topic key → title
    skills: Mapped[dict[str, Localized]] = mapped_column(JSON)  # skill key → title


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_track", "specialization", "level", "topic"),)

    id: Mapped[str] = mapped_column(String(96), primary_key=True)
    specialization: Mapped[str] = mapped_column(
        String(32), ForeignKey("specializations.id", ondelete="CASCADE")
    )
    level: Mapped[str] = mapped_column(String(16))  # junior | middle | senior
    topic: Mapped[str] = mapped_column(String(48))
    kind: Mapped[str] = mapped_column(String(16))  # technical | behavioral | system_design
    tier: Mapped[str] = mapped_column(String(16))  # free | premium
    skills: Mapped[list[str]] = mapped_column(JSON)
    question: Mapped[Localized] = mapped_column(JSON)
    key_points: Mapped[list[Localized]] = mapped_column(JSON)
    reference_answer: Mapped[Localized] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # An admin took the question out of rotation (/bank disable); seeding leaves this alone.
    disabled_at: Mapped[datetime | None] = mapped_column()
    disabled_by: Mapped[int | None] = mapped_column(BigInteger)
    # Hash of the source entry, so seeding rewrites only what changed.
    checksum: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @hybrid_property
    def in_rotation(self) -> bool:
        """Still in the bank and not taken out by an admin: interviews may ask it. Also a SQL
        condition: `select(Question).where(Question.in_rotation)`."""
        return self.is_active and self.disabled_at is None

    @in_rotation.inplace.expression
    @classmethod
    def _in_rotation_condition(cls) -> ColumnElement[bool]:
        return and_(cls.is_active.is_(True), cls.disabled_at.is_(None))


class InterviewSession(Base):
    """One interview: the plan (the questions chosen at the start), where the user is, the end.

    `plan` is a list of question snapshots (id or None for tailored questions, text, key points,
    reference answer, skills, kind) in the session's language, so a later edit of the bank does
    not change an interview that is under way.
    """

    __tablename__ = "interview_sessions"
    __table_args__ = (
        Index("ix_interview_sessions_user_status", "user_id", "status"),
        # /stats (services/console/stats.py) counts from these alone, never reading the plans.
        Index(
            "ix_interview_sessions_started_figures", "started_at", "mode", "status", "overall_score"
        ),
        Index("ix_interview_sessions_finished_mode", "finished_at", "mode", "status"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.telegram_id", ondelete="CASCADE")
    )
    mode: Mapped[str] = mapped_column(String(16))  # track | tailored | practice
    specialization: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(48))  # None: random across topics
    language: Mapped[str] = mapped_column(String(8))
    plan: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Index in `plan` of the question being asked; len(plan) once all are asked.
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The follow-up being asked for the question at `position`, if any.
    follow_up: Mapped[str | None] = mapped_column(Text)
    # The bot's message that asked the current question or follow-up: a user message with a
    # smaller id was written before the user saw it, so it belongs to the turn before.
    asked_message_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|finished|abandoned
    # free | credit | subscription | none
    paid_with: Mapped[str] = mapped_column(String(16), default="free")
    job_context: Mapped[str | None] = mapped_column(Text)
    overall_score: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class InterviewAnswer(Base):
    """An answer to one planned question (or to its follow-up), with its evaluation."""

    __tablename__ = "interview_answers"
    __table_args__ = (
        # One answer per question and one per follow-up: a duplicate delivery cannot double-score.
        UniqueConstraint(
            "session_id", "position", "is_follow_up", name="uq_interview_answers_turn"
        ),
        # /stats's voice share counts from it alone, never reading answers and evaluations.
        Index("ix_interview_answers_created_source", "created_at", "source"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("interview_sessions.id", ondelete="CASCADE"),
    )
    position: Mapped[int] = mapped_column(Integer)
    is_follow_up: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    question_id: Mapped[str | None] = mapped_column(String(96))
    question_text: Mapped[str] = mapped_column(Text)
    answer_text: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="text")  # text | voice | skipped
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    score: Mapped[float | None] = mapped_column(Float)  # None when skipped
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Delivery of a spoken answer (services.speech.SpeechMetrics.to_json()); None when typed.
    speech: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Bookmark(Base):
    __tablename__ = "bookmarks"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.telegram_id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(
        String(96), ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreditAccount(Base):
    """What a user may spend on interviews. The payments module adds to it; so does the CLI."""

    __tablename__ = "credit_accounts"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.telegram_id", ondelete="CASCADE"), primary_key=True
    )
    interview_credits: Mapped[int] = mapped_column(Integer, default=0)
    free_interviews_used: Mapped[int] = mapped_column(Integer, default=0)
    # End of the paid subscription (interviews without spending credits, premium questions);
    # None = never subscribed. A past moment means it has run out.
    subscription_until: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CreditEntry(Base):
    """The ledger behind `CreditAccount`: every grant, spend and refund, with why."""

    __tablename__ = "credit_entries"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.telegram_id", ondelete="CASCADE"), index=True
    )
    delta: Mapped[int] = mapped_column(Integer)
    # The credit balance around this change: balance_after == balance_before + delta.
    balance_before: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    # grant:cli | interview:<id> | interview-not-answered:<id> (its charge back) |
    # payment:<payment id> | refund:<payment id>
    reason: Mapped[str] = mapped_column(String(64))
    # The payment that bought (or, for a refund, gave back) these credits.
    payment_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), ForeignKey("payments.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportShare(Base):
    """An opt-in public summary of one finished interview, reachable by t.me/<bot>?start=r_<token>."""

    __tablename__ = "report_shares"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("interview_sessions.id", ondelete="CASCADE"),
        unique=True,
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
