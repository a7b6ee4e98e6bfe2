"""Fetched messages into the database, once each.

A fetch's messages and the cursor after them are stored in one transaction: a crash before the
commit fetches them again from the old cursor, and the unique keys (account and marketplace
chat id for a chat; chat and marketplace message id for a message) make the second insert a
no-op, as they do for overlapping polls, replayed pushes and two processes at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.database import dialect_insert
from services.marketplace.models import Author, ChatMessage
from services.marketplace.sla import refresh_waits
from services.models.base import utcnow
from services.models.marketplace import (
    BuyerAttachment,
    BuyerChat,
    BuyerMessage,
    MarketplaceAccount,
)

# Column sizes (services/models/marketplace.py): longer values are cut, not refused.
NAME_LENGTH = 128
ORDER_LENGTH = 64
PRODUCT_LENGTH = 255
# Rows per INSERT: well inside SQLite's and PostgreSQL's limits on bound parameters.
ROWS_PER_INSERT = 500


async def store_fetched(
    session: AsyncSession, account_id: int, messages: list[ChatMessage], cursor: str
) -> None:
    insert = dialect_insert(session)
    chat_ids = await _buyer_chats(session, account_id, messages)
    now = utcnow()
    by_key = {(chat_ids[m.chat_id], m.message_id): m for m in messages}
    keys = list(by_key)
    touched: set[int] = set()
    # One statement per batch; RETURNING names the rows that were not there before.
    for start in range(0, len(keys), ROWS_PER_INSERT):
        batch = keys[start : start + ROWS_PER_INSERT]
        inserted = await session.execute(
            insert(BuyerMessage)
            .values(
                [_message_row(chat, by_key[chat, message_id], now) for chat, message_id in batch]
            )
            .on_conflict_do_nothing(index_elements=["buyer_chat_id", "message_id"])
            .returning(BuyerMessage.id, BuyerMessage.buyer_chat_id, BuyerMessage.message_id)
        )
        for row_id, chat, message_id in inserted.all():
            touched.add(chat)
            session.add_all(
                BuyerAttachment(
                    message_id=row_id,
                    position=position,
                    kind=attachment.kind.value,
                    reference=attachment.reference,
                    name=(attachment.name or None) and attachment.name[:255],
                    content_type=attachment.content_type,
                    size=attachment.size,
                )
                for position, attachment in enumerate(by_key[chat, message_id].attachments)
            )
    await refresh_waits(session, touched)  # in the same transaction as the messages
    await session.execute(
        update(MarketplaceAccount)
        .where(MarketplaceAccount.id == account_id)
        .values(cursor=cursor, last_synced_at=now, last_error=None, last_error_at=None)
    )
    await session.commit()


def _message_row(buyer_chat_id: int, message: ChatMessage, now: datetime) -> dict[str, object]:
    return {
        "buyer_chat_id": buyer_chat_id,
        "message_id": message.message_id,
        "author": message.author.value,
        "text": message.text,
        "written_at": message.created_at,
        "received_at": now,
        # The seller's own answers (written on the marketplace) are kept, not forwarded.
        "forwarded_at": now if message.author is Author.SELLER else None,
    }


async def _buyer_chats(
    session: AsyncSession, account_id: int, messages: list[ChatMessage]
) -> dict[str, int]:
    """The buyer chat row of every chat in `messages`, created when new, with what the
    messages tell about the buyer and the order filled in."""
    by_chat: dict[str, list[ChatMessage]] = {}
    for message in messages:
        by_chat.setdefault(message.chat_id, []).append(message)
    if not by_chat:
        return {}
    now = utcnow()
    await session.execute(
        dialect_insert(session)(BuyerChat)
        .values(
            [{"account_id": account_id, "chat_id": chat, "created_at": now} for chat in by_chat]
        )
        .on_conflict_do_nothing(index_elements=["account_id", "chat_id"])
    )
    rows = (
        await session.scalars(
            select(BuyerChat).where(
                BuyerChat.account_id == account_id, BuyerChat.chat_id.in_(list(by_chat))
            )
        )
    ).all()
    for chat in rows:
        for message in by_chat[chat.chat_id]:
            if message.buyer_name and message.author is Author.BUYER:
                chat.buyer_name = message.buyer_name[:NAME_LENGTH]
            if message.reply_sign:
                chat.reply_sign = message.reply_sign
            if message.context is not None:
                if message.context.order:
                    chat.order_number = message.context.order[:ORDER_LENGTH]
                if message.context.product:
                    chat.product = message.context.product[:PRODUCT_LENGTH]
    await session.flush()
    return {chat.chat_id: chat.id for chat in rows}
