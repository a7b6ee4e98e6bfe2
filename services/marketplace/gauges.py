"""The desk's state for `/metrics`, read from the database at scrape time (so every process
reports the same, whichever did the work): each account's sync lag, the outbox backlog, and
the buyers waiting past an SLA warning or deadline. Labels are a seller's id, a marketplace,
a kind or a state: bounded, never a name or a text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.marketplace.models import Marketplace
from services.marketplace.replies import ReplyStatus
from services.marketplace.sla import AlertKind, late_waits
from services.metrics import (
    MARKETPLACE_OUTBOX_BACKLOG,
    MARKETPLACE_SLA_WAITS,
    MARKETPLACE_SYNC_LAG,
    StateGauge,
)
from services.models.base import aware
from services.models.marketplace import BuyerChat, BuyerMessage, DeskReply, MarketplaceAccount

# The outbox's two directions: members' replies on their way to the marketplace, and buyer
# messages on their way into the seller's group.
REPLY_BACKLOG = "reply"
MESSAGE_BACKLOG = "message"
_KINDS = (REPLY_BACKLOG, MESSAGE_BACKLOG)


async def sync_lag(session: AsyncSession, now: datetime) -> StateGauge:
    """Seconds since each syncing account's last successful sync (since it was connected, when
    it never synced). Paused accounts and those whose credentials the marketplace refused are
    left out: they are not meant to sync until the seller acts."""
    gauge = StateGauge(
        MARKETPLACE_SYNC_LAG,
        "Seconds since the account's last successful sync (paused and refused accounts left out).",
        ("seller", "marketplace"),
    )
    rows = await session.execute(
        select(
            MarketplaceAccount.seller_id,
            MarketplaceAccount.marketplace,
            func.coalesce(MarketplaceAccount.last_synced_at, MarketplaceAccount.created_at),
        ).where(MarketplaceAccount.paused.is_(False), MarketplaceAccount.refused_at.is_(None))
    )
    for seller_id, marketplace, last_success in rows:
        lag = max(0.0, (now - aware(last_success)).total_seconds())
        gauge.add(lag, str(seller_id), marketplace)
    return gauge


async def outbox_backlog(session: AsyncSession) -> StateGauge:
    """Replies not yet taken by the marketplace (pending, retried by the replies job) and buyer
    messages not yet forwarded into the group, by marketplace; 0 where none wait."""
    gauge = StateGauge(
        MARKETPLACE_OUTBOX_BACKLOG,
        "Desk items waiting to go out: kind=reply to the marketplace, kind=message into the "
        "seller's group.",
        ("marketplace", "kind"),
    )
    counts = {(marketplace, kind): 0 for marketplace in Marketplace for kind in _KINDS}
    replies = await session.execute(
        select(MarketplaceAccount.marketplace, func.count())
        .select_from(DeskReply)
        .join(BuyerChat, BuyerChat.id == DeskReply.buyer_chat_id)
        .join(MarketplaceAccount, MarketplaceAccount.id == BuyerChat.account_id)
        .where(DeskReply.status == ReplyStatus.PENDING.value)
        .group_by(MarketplaceAccount.marketplace)
    )
    for marketplace, count in replies:
        counts[Marketplace(marketplace), REPLY_BACKLOG] = int(count)
    messages = await session.execute(
        select(MarketplaceAccount.marketplace, func.count())
        .select_from(BuyerMessage)
        .join(BuyerChat, BuyerChat.id == BuyerMessage.buyer_chat_id)
        .join(MarketplaceAccount, MarketplaceAccount.id == BuyerChat.account_id)
        .where(BuyerMessage.forwarded_at.is_(None))
        .group_by(MarketplaceAccount.marketplace)
    )
    for marketplace, count in messages:
        counts[Marketplace(marketplace), MESSAGE_BACKLOG] = int(count)
    for (marketplace, kind), count in counts.items():
        gauge.add(count, marketplace.value, kind)
    return gauge


async def sla_waits(session: AsyncSession, now: datetime) -> StateGauge:
    """Buyers still waiting (open chats) past the warning time (`warning`) or the deadline
    (`breach`), by marketplace; 0 where none."""
    gauge = StateGauge(
        MARKETPLACE_SLA_WAITS,
        "Buyers waiting for an answer past the SLA warning time (state=warning) or deadline "
        "(state=breach).",
        ("marketplace", "state"),
    )
    counts = dict.fromkeys(((m, k) for m in Marketplace for k in AlertKind), 0)
    counts.update(await late_waits(session, now))
    for (marketplace, kind), count in counts.items():
        gauge.add(count, marketplace.value, kind.value)
    return gauge
