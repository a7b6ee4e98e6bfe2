"""The marketplace desk: sellers (one Telegram forum group each), their marketplace accounts,
buyer chats (one forum topic each), buyer messages and their attachments.

A message is stored once: (buyer chat, marketplace message id) is unique, and a buyer chat is
unique per account and marketplace chat id, so replays, overlapping polls and pushes never
forward a message twice. A row records where it went in Telegram (topic, message id), so a
restart resumes with what was not forwarded yet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.models.base import Base, BigIntId, utcnow


class Seller(Base):
    """A shop's support team: its Telegram forum group, where buyer chats become topics."""

    __tablename__ = "sellers"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    forum_chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8))  # of the group's notices and cards
    connected_by: Mapped[int] = mapped_column(BigInteger)  # the Telegram user who connected
    # Set while the bot cannot manage the group's topics (demoted, removed): sync pauses.
    rights_lost_at: Mapped[datetime | None] = mapped_column(default=None)
    # Replies: a suggestion under every buyer message without a press, in the seller's tone.
    auto_suggest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reply_tone: Mapped[str] = mapped_column(
        String(16), default="friendly", server_default="friendly"
    )  # friendly | formal | brief
    # Set once the default reply templates were copied in (deleting them all keeps them gone).
    templates_seeded_at: Mapped[datetime | None] = mapped_column(default=None)
    # The group's "⏰ SLA" topic, where every warning and breach is posted too.
    sla_topic_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MarketplaceAccount(Base):
    """A seller's account on one marketplace, with its credentials sealed (Fernet)."""

    __tablename__ = "marketplace_accounts"
    __table_args__ = (UniqueConstraint("seller_id", "marketplace"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    seller_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("sellers.id", ondelete="CASCADE"))
    marketplace: Mapped[str] = mapped_column(String(16))  # ozon | wb
    # Not secret: Ozon's Client-Id (pushes name it), or a Wildberries token's fingerprint.
    external_id: Mapped[str] = mapped_column(String(64), index=True)
    sealed_credentials: Mapped[bytes] = mapped_column(LargeBinary)
    cursor: Mapped[str | None] = mapped_column(Text, default=None)
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set when the marketplace refused the credentials; sync waits for /connect.
    refused_at: Mapped[datetime | None] = mapped_column(default=None)
    refusal: Mapped[str | None] = mapped_column(String(32), default=None)
    last_synced_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(32), default=None)
    last_error_at: Mapped[datetime | None] = mapped_column(default=None)
    connected_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BuyerChat(Base):
    """One buyer's chat on a marketplace, and the forum topic it lives in."""

    __tablename__ = "buyer_chats"
    __table_args__ = (UniqueConstraint("account_id", "chat_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("marketplace_accounts.id", ondelete="CASCADE")
    )
    chat_id: Mapped[str] = mapped_column(String(128))
    buyer_name: Mapped[str | None] = mapped_column(String(128), default=None)
    order_number: Mapped[str | None] = mapped_column(String(64), default=None)
    product: Mapped[str | None] = mapped_column(String(255), default=None)
    reply_sign: Mapped[str | None] = mapped_column(Text, default=None)  # Wildberries replies
    topic_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Closed by a member (/close) or found closed on the marketplace: no SLA alerts until the
    # buyer writes again.
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class BuyerMessage(Base):
    """A message of a buyer chat, stored once, and where it was forwarded to."""

    __tablename__ = "buyer_messages"
    __table_args__ = (
        UniqueConstraint("buyer_chat_id", "message_id"),
        Index(
            "ix_buyer_messages_unforwarded",
            "buyer_chat_id",
            postgresql_where=text("forwarded_at IS NULL"),
            sqlite_where=text("forwarded_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    buyer_chat_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("buyer_chats.id", ondelete="CASCADE")
    )
    message_id: Mapped[str] = mapped_column(String(128))
    author: Mapped[str] = mapped_column(String(16))  # buyer | seller | marketplace
    text: Mapped[str] = mapped_column(Text, default="")
    written_at: Mapped[datetime] = mapped_column()  # the marketplace's time
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    topic_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    forwarded_at: Mapped[datetime | None] = mapped_column(default=None)


class BuyerAttachment(Base):
    """An image or file of a buyer message; retried until it reaches the topic."""

    __tablename__ = "buyer_attachments"
    __table_args__ = (
        UniqueConstraint("message_id", "position"),
        Index(
            "ix_buyer_attachments_unforwarded",
            "message_id",
            postgresql_where=text("forwarded_at IS NULL"),
            sqlite_where=text("forwarded_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("buyer_messages.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # image | file
    reference: Mapped[str] = mapped_column(Text)  # a link or download id, for the connector
    name: Mapped[str | None] = mapped_column(String(255), default=None)
    content_type: Mapped[str | None] = mapped_column(String(128), default=None)
    size: Mapped[int | None] = mapped_column(BigInteger, default=None)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    forwarded_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(255), default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)


class DeskReply(Base):
    """A member's answer in a buyer's topic on its way to the marketplace (the desk's outbox).

    The row is written before the marketplace is called, so a crash or an outage loses
    nothing: `pending` rows are delivered in the order they were written in Telegram (their
    message ids), by the handler at once and by the scheduled job after a failure, until they
    are `sent` or `failed` (refused for good, `failure` says why). A long text goes in parts;
    `parts_sent` counts those the marketplace has, so a retry never sends one twice.
    """

    __tablename__ = "desk_replies"
    __table_args__ = (
        UniqueConstraint("group_chat_id", "telegram_message_id"),
        # A buyer chat's deletion cascades here.
        Index("ix_desk_replies_buyer_chat_id", "buyer_chat_id"),
        Index(
            "ix_desk_replies_pending",
            "buyer_chat_id",
            "telegram_message_id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    buyer_chat_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("buyer_chats.id", ondelete="CASCADE")
    )
    group_chat_id: Mapped[int] = mapped_column(BigInteger)
    # The member's message (or the suggestion they sent as is): the outcome is shown on it.
    telegram_message_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))  # text | photo | document
    text: Mapped[str] = mapped_column(Text, default="")  # the text, or a file's caption
    file_id: Mapped[str | None] = mapped_column(Text, default=None)  # Telegram's, to download
    file_name: Mapped[str | None] = mapped_column(String(255), default=None)
    content_type: Mapped[str | None] = mapped_column(String(128), default=None)
    file_size: Mapped[int | None] = mapped_column(BigInteger, default=None)
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    failure: Mapped[str | None] = mapped_column(String(32), default=None)  # a FailureReason
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    # Claimed by one delivery (its token) until then; renewed after every part it sends.
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    claim_token: Mapped[str | None] = mapped_column(String(32), default=None)
    # The bot's reply to the member about a problem with this answer, edited as it changes
    # (`notice_state`: what it says now) and once the answer is sent.
    notice_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    notice_state: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Outages are retried for a day from here: the reply's writing, or a member's 🔁.
    trying_since: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class ReplyTemplate(Base):
    """A seller's saved answer for one buyer intent (`{name}` and `{order}` are filled in)."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    seller_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("sellers.id", ondelete="CASCADE"), index=True
    )
    intent: Mapped[str] = mapped_column(String(32))  # an Intent value
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReplySuggestion(Base):
    """A reply the bot suggested in a buyer's topic; it reaches the buyer only when a member
    presses "Send as is" or sends an edited version."""

    __tablename__ = "reply_suggestions"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    buyer_chat_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("buyer_chats.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # llm | template
    intent: Mapped[str | None] = mapped_column(String(32), default=None)
    template_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # The topic message showing it; "Another one" shows the next suggestion in the same one.
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once, when its buttons stop working: "sent" (a member's Send as is put it in the
    # outbox; `closed_by` is who), "answered" (a member answered the buyer otherwise) or
    # "replaced" (a newer suggestion was shown in the chat).
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    closed_as: Mapped[str | None] = mapped_column(String(16), default=None)


class SellerSlaPolicy(Base):
    """A seller's SLA policy (services/marketplace/sla_time.py reads it); a seller without a
    row has the default one."""

    __tablename__ = "sla_policies"

    seller_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("sellers.id", ondelete="CASCADE"), primary_key=True
    )
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    next_response_minutes: Mapped[int] = mapped_column(Integer)
    warn_percent: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    # Business hours: ISO weekdays ("1,2,3,4,5") and minutes after local midnight; no days
    # means around the clock.
    work_days: Mapped[str | None] = mapped_column(String(16), default=None)
    opens_minute: Mapped[int | None] = mapped_column(Integer, default=None)
    closes_minute: Mapped[int | None] = mapped_column(Integer, default=None)
    holidays: Mapped[list[Any]] = mapped_column(JSON, default=list)  # "YYYY-MM-DD" strings
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(BigInteger, default=None)


class SlaWait(Base):
    """A buyer waiting for an answer: from the buyer message that started the wait (the first
    one in the chat, or the first after an answer) until the answer. One row per (chat, metric,
    buyer message), so each warning and breach is raised once (`warned_at`, `breached_at`)."""

    __tablename__ = "sla_waits"
    __table_args__ = (
        UniqueConstraint("buyer_chat_id", "metric", "buyer_message_id"),
        Index(
            "ix_sla_waits_open",
            "due_at",
            postgresql_where=text("answered_at IS NULL AND closed_at IS NULL"),
            sqlite_where=text("answered_at IS NULL AND closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    buyer_chat_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("buyer_chats.id", ondelete="CASCADE")
    )
    buyer_message_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("buyer_messages.id", ondelete="CASCADE")
    )
    metric: Mapped[str] = mapped_column(String(8))  # first | next
    started_at: Mapped[datetime] = mapped_column(index=True)
    warn_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    capped: Mapped[bool] = mapped_column(Boolean, default=False)  # by the marketplace's window
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    # Who answered from the desk; None when answered on the marketplace's site.
    answered_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # Ended unanswered: the team closed the chat (nobody is late for it).
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The alerts raised, each once (claimed by setting these).
    warned_at: Mapped[datetime | None] = mapped_column(default=None)
    breached_at: Mapped[datetime | None] = mapped_column(default=None)
