from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from services.models.base import Base, utcnow


class User(Base):
    __tablename__ = "users"
    # /user @name and /admins add @name find people by username, in any case.
    __table_args__ = (Index("ix_users_username_lower", text("lower(username)")),)

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(128), default="")
    last_name: Mapped[str | None] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(8), default="en")
    # First-touch attribution: the deep-link payload of the /start that brought the user in.
    start_source: Mapped[str | None] = mapped_column(String(64))
    # The user blocked the bot (Telegram answers 403): nothing can be sent to them.
    is_blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Telegram said the account was deleted ("user is deactivated"): nothing reaches it again.
    deactivated_at: Mapped[datetime | None] = mapped_column()
    # An admin blocked the user (/user): one polite notice, then every update is ignored.
    banned_at: Mapped[datetime | None] = mapped_column()
    banned_by: Mapped[int | None] = mapped_column(BigInteger)
    ban_notice_sent_at: Mapped[datetime | None] = mapped_column()
    # /settings: each interview question is also sent as a voice note.
    voice_questions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
