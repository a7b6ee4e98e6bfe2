"""Broadcasts from the admin group: the message, its audience, and every recipient's state.

A broadcast is a draft while an admin composes it; confirming it writes its recipients (a
snapshot of the audience) and sets it running. Each recipient row goes pending → claimed (by
one process's worker) → sent / blocked / deactivated / failed, so a restart or a second process
picks up exactly the rows still pending and no user gets the message twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.models.base import Base, BigIntId, utcnow


class Broadcast(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status", "status"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # draft | running | paused | cancelled | finished (services.broadcasts.BroadcastStatus)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # The message: Telegram HTML (the admin's formatting), an optional photo, one URL button.
    text: Mapped[str] = mapped_column(Text, default="")
    photo_file_id: Mapped[str | None] = mapped_column(String(256))
    button_text: Mapped[str | None] = mapped_column(String(64))
    button_url: Mapped[str | None] = mapped_column(String(2048))
    # Raised by every change of the draft: a Send pressed under an older preview is refused.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # all | language | paid | never_paid | inactive (services.broadcasts.AudienceKind)
    audience: Mapped[str] = mapped_column(String(16), default="all")
    audience_language: Mapped[str | None] = mapped_column(String(8))
    audience_inactive_days: Mapped[int | None] = mapped_column(Integer)
    # Where the progress message lives: the admin group (and topic) it was confirmed in.
    admin_chat_id: Mapped[int] = mapped_column(BigInteger)
    admin_thread_id: Mapped[int | None] = mapped_column(Integer)
    progress_message_id: Mapped[int | None] = mapped_column(Integer)  # 0 while being posted
    # Claimed before each edit of the progress message, so processes edit it in turn.
    progress_shown_at: Mapped[datetime | None] = mapped_column()
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[datetime | None] = mapped_column()
    # Who paused or cancelled it last (an admin's id), for the progress message.
    stopped_by: Mapped[int | None] = mapped_column(BigInteger)
    finished_at: Mapped[datetime | None] = mapped_column()
    # Claimed by the process that reports the end (totals and the audit entry); the report's
    # message once it is sent (a claim without it is tried again after a while).
    reported_at: Mapped[datetime | None] = mapped_column()
    report_message_id: Mapped[int | None] = mapped_column(Integer)


class BroadcastRecipient(Base):
    __tablename__ = "broadcast_recipients"
    __table_args__ = (Index("ix_broadcast_recipients_state", "broadcast_id", "state", "user_id"),)

    broadcast_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # pending | claimed | sent | blocked | deactivated | failed | unconfirmed
    state: Mapped[str] = mapped_column(String(16), default="pending")
    # The worker (one per process and broadcast) that claimed it, and when it last said so.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column()
    message_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(200))
    done_at: Mapped[datetime | None] = mapped_column()
