"""The operator's console: admins added by owners, and the audit of every admin action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from services.models.base import Base, BigIntId, utcnow


class Admin(Base):
    """An admin an owner added with /admins. Owners themselves come from ADMIN_IDS."""

    __tablename__ = "admins"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    added_by: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One admin action: who, what, on what, when, and the state before and after."""

    __tablename__ = "admin_audit"
    __table_args__ = (
        Index("ix_admin_audit_admin_id_id", "admin_id", "id"),
        Index("ix_admin_audit_action_id", "action", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    admin_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    # What the action was about, as text: a user id, a product and currency, a question id.
    target: Mapped[str] = mapped_column(String(128), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
