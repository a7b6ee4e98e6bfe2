"""Sellers and their marketplace accounts: connecting (credentials checked with the
marketplace before they are stored, sealed), pausing, disconnecting, and the states sync moves
them through. State changes that must be told once (credentials refused, the bot's rights lost)
are compare-and-set updates: only the caller that changed the state gets True."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.marketplace.connections import (
    ConnectorFactory,
    external_id,
    normalized_credentials,
)
from services.marketplace.errors import FailureReason
from services.marketplace.models import Marketplace
from services.marketplace.vault import CredentialVault
from services.models.base import utcnow
from services.models.marketplace import BuyerChat, MarketplaceAccount, Seller

# An account's sync is on: not paused, credentials not refused, the bot's rights in the group
# intact (a condition on the account joined with its seller).
SYNC_IS_ON = and_(
    MarketplaceAccount.paused.is_(False),
    MarketplaceAccount.refused_at.is_(None),
    Seller.rights_lost_at.is_(None),
)

# How suggested replies sound; the first is the default.
REPLY_TONES = ("friendly", "formal", "brief")


@dataclass(frozen=True)
class AccountView:
    id: int
    marketplace: Marketplace
    paused: bool
    refusal: FailureReason | None
    last_synced_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None

    @property
    def syncing(self) -> bool:
        return not self.paused and self.refusal is None


@dataclass(frozen=True)
class SellerView:
    id: int
    forum_chat_id: int
    title: str
    language: str
    connected_by: int
    rights_lost: bool
    accounts: tuple[AccountView, ...]
    auto_suggest: bool = False
    reply_tone: str = "friendly"

    def account(self, marketplace: Marketplace) -> AccountView | None:
        return next((a for a in self.accounts if a.marketplace is marketplace), None)


@dataclass(frozen=True)
class Connected:
    account_id: int
    seller_id: int
    forum_chat_id: int
    language: str
    # A reconnection that lifted a refusal (or a pause): sync resumes, and the group is told.
    resumed: bool


def _account_view(account: MarketplaceAccount) -> AccountView:
    return AccountView(
        id=account.id,
        marketplace=Marketplace(account.marketplace),
        paused=account.paused,
        refusal=FailureReason(account.refusal) if account.refusal else None,
        last_synced_at=account.last_synced_at,
        last_error=account.last_error,
        last_error_at=account.last_error_at,
    )


async def _view(session: AsyncSession, seller: Seller) -> SellerView:
    accounts = (
        await session.scalars(
            select(MarketplaceAccount)
            .where(MarketplaceAccount.seller_id == seller.id)
            .order_by(MarketplaceAccount.marketplace)
        )
    ).all()
    return SellerView(
        id=seller.id,
        forum_chat_id=seller.forum_chat_id,
        title=seller.title,
        language=seller.language,
        connected_by=seller.connected_by,
        rights_lost=seller.rights_lost_at is not None,
        accounts=tuple(_account_view(account) for account in accounts),
        auto_suggest=seller.auto_suggest,
        reply_tone=seller.reply_tone if seller.reply_tone in REPLY_TONES else REPLY_TONES[0],
    )


async def seller_of_group(session: AsyncSession, forum_chat_id: int) -> SellerView | None:
    seller = await session.scalar(select(Seller).where(Seller.forum_chat_id == forum_chat_id))
    return None if seller is None else await _view(session, seller)


@dataclass(frozen=True)
class GroupAccount:
    seller: SellerView
    account: AccountView


async def account_of_group(
    session: AsyncSession, forum_chat_id: int, account_id: int
) -> GroupAccount | None:
    """The account when it belongs to the seller of this group; None otherwise (gone, or a
    button pressed in another seller's group)."""
    seller = await seller_of_group(session, forum_chat_id)
    if seller is None:
        return None
    account = next((a for a in seller.accounts if a.id == account_id), None)
    return None if account is None else GroupAccount(seller, account)


async def seller_by_id(session: AsyncSession, seller_id: int) -> SellerView | None:
    seller = await session.get(Seller, seller_id)
    return None if seller is None else await _view(session, seller)


async def register_seller(
    session: AsyncSession, forum_chat_id: int, title: str, language: str, user_id: int
) -> SellerView:
    """The group's seller, created on first /connect; the title follows the group's. Called
    once the bot's rights in the group are checked, so a pause for lost rights ends here too."""
    seller = await session.scalar(select(Seller).where(Seller.forum_chat_id == forum_chat_id))
    if seller is None:
        seller = Seller(
            forum_chat_id=forum_chat_id,
            title=title[:255],
            language=language,
            connected_by=user_id,
        )
        session.add(seller)
    else:
        seller.title = title[:255]
        seller.rights_lost_at = None
    await session.commit()
    return await _view(session, seller)


async def connect_account(
    session: AsyncSession,
    *,
    seller_id: int,
    marketplace: Marketplace,
    values: dict[str, str],
    user_id: int,
    vault: CredentialVault,
    connectors: ConnectorFactory,
) -> Connected:
    """Checks the credentials with the marketplace's own call, then stores them sealed.

    Raises `CredentialsMalformed` (before any call) or `MarketplaceError` (the marketplace's
    refusal: CREDENTIALS, PREMIUM_REQUIRED, UNAVAILABLE, ...); nothing is stored then.
    """
    credentials = normalized_credentials(marketplace, values)
    connector = connectors.connector(marketplace, credentials)
    try:
        await connector.check_credentials()
    finally:
        await connector.close()
    seller = await session.get(Seller, seller_id)
    if seller is None:
        raise LookupError(f"no seller {seller_id}")
    account = await session.scalar(
        select(MarketplaceAccount).where(
            MarketplaceAccount.seller_id == seller_id,
            MarketplaceAccount.marketplace == marketplace.value,
        )
    )
    new_external_id = external_id(marketplace, credentials)
    sealed = vault.seal(credentials)
    resumed = False
    if account is None:
        account = MarketplaceAccount(
            seller_id=seller_id,
            marketplace=marketplace.value,
            external_id=new_external_id,
            sealed_credentials=sealed,
            connected_by=user_id,
        )
        session.add(account)
    else:
        resumed = account.refused_at is not None or account.paused
        replaced = account.external_id != new_external_id
        if replaced:  # another shop's account: its chats start from the beginning
            account.cursor = None
        account.external_id = new_external_id
        account.sealed_credentials = sealed
        account.refused_at = account.refusal = None
        account.last_error = account.last_error_at = None
        account.paused = False
        account.connected_by = user_id
    await session.commit()
    return Connected(
        account_id=account.id,
        seller_id=seller.id,
        forum_chat_id=seller.forum_chat_id,
        language=seller.language,
        resumed=resumed,
    )


async def set_paused(session: AsyncSession, account_id: int, paused: bool) -> bool:
    """True when the state changed."""
    result = await session.execute(
        update(MarketplaceAccount)
        .where(MarketplaceAccount.id == account_id, MarketplaceAccount.paused.is_not(paused))
        .values(paused=paused, updated_at=utcnow())
    )
    await session.commit()
    return bool(result.rowcount)


async def set_auto_suggest(session: AsyncSession, seller_id: int, on: bool) -> bool:
    """Suggestions under every buyer message (on) or on request only; True when it changed."""
    result = await session.execute(
        update(Seller)
        .where(Seller.id == seller_id, Seller.auto_suggest.is_not(on))
        .values(auto_suggest=on)
    )
    await session.commit()
    return bool(result.rowcount)


async def set_reply_tone(session: AsyncSession, seller_id: int, tone: str) -> bool:
    """True when it changed; raises ValueError for a tone not in `REPLY_TONES`."""
    if tone not in REPLY_TONES:
        raise ValueError(f"unknown reply tone {tone!r}")
    result = await session.execute(
        update(Seller)
        .where(Seller.id == seller_id, Seller.reply_tone != tone)
        .values(reply_tone=tone)
    )
    await session.commit()
    return bool(result.rowcount)


async def disconnect(session: AsyncSession, account_id: int) -> bool:
    """Forgets the account, its credentials and its buyer chats' mapping to topics (the
    topics stay in the group). True when there was one."""
    result = await session.execute(
        delete(MarketplaceAccount).where(MarketplaceAccount.id == account_id)
    )
    await session.commit()
    return bool(result.rowcount)


async def mark_refused(session: AsyncSession, account_id: int, reason: FailureReason) -> bool:
    """Pauses sync until the credentials are fixed; True for the one caller that paused it."""
    now = utcnow()
    result = await session.execute(
        update(MarketplaceAccount)
        .where(MarketplaceAccount.id == account_id, MarketplaceAccount.refused_at.is_(None))
        .values(refused_at=now, refusal=reason.value, last_error=reason.value, last_error_at=now)
    )
    await session.commit()
    return bool(result.rowcount)


async def mark_rights_lost(session: AsyncSession, seller_id: int) -> bool:
    """Pauses the seller's sync while the bot cannot manage the group's topics; True for the
    one caller that paused it."""
    result = await session.execute(
        update(Seller)
        .where(Seller.id == seller_id, Seller.rights_lost_at.is_(None))
        .values(rights_lost_at=utcnow())
    )
    await session.commit()
    return bool(result.rowcount)


async def mark_rights_restored(session: AsyncSession, seller_id: int) -> bool:
    result = await session.execute(
        update(Seller)
        .where(Seller.id == seller_id, Seller.rights_lost_at.is_not(None))
        .values(rights_lost_at=None)
    )
    await session.commit()
    return bool(result.rowcount)


async def record_sync_error(session: AsyncSession, account_id: int, error: str) -> None:
    await session.execute(
        update(MarketplaceAccount)
        .where(MarketplaceAccount.id == account_id)
        .values(last_error=error[:32], last_error_at=utcnow())
    )
    await session.commit()


async def accounts_to_sync(session: AsyncSession) -> list[int]:
    """Accounts whose sync is on (`SYNC_IS_ON`)."""
    rows = await session.scalars(
        select(MarketplaceAccount.id)
        .join(Seller, Seller.id == MarketplaceAccount.seller_id)
        .where(SYNC_IS_ON)
        .order_by(MarketplaceAccount.id)
    )
    return list(rows)


async def accounts_named(session: AsyncSession, marketplace: Marketplace, name: str) -> list[int]:
    """The accounts a push names (Ozon's seller_id is the Client-Id)."""
    rows = await session.scalars(
        select(MarketplaceAccount.id).where(
            MarketplaceAccount.marketplace == marketplace.value,
            MarketplaceAccount.external_id == name,
        )
    )
    return list(rows)


def of_buyer_chats(*columns: Any) -> Select[Any]:
    """`select(*columns)` from buyer chats joined to their account and seller."""
    return (
        select(*columns)
        .select_from(BuyerChat)
        .join(MarketplaceAccount, MarketplaceAccount.id == BuyerChat.account_id)
        .join(Seller, Seller.id == MarketplaceAccount.seller_id)
    )


async def chat_account_seller(
    session: AsyncSession, buyer_chat_id: int
) -> tuple[BuyerChat, MarketplaceAccount, Seller] | None:
    found = (
        await session.execute(
            of_buyer_chats(BuyerChat, MarketplaceAccount, Seller).where(
                BuyerChat.id == buyer_chat_id
            )
        )
    ).first()
    return None if found is None else (found[0], found[1], found[2])
