"""What the seller's own screens may touch: an Ozon Client-Id checked the moment it is typed
(before the API key is asked), and an account steered only from its own seller's group."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.marketplace.connections import normalized_credentials
from services.marketplace.models import Marketplace
from services.marketplace.sellers import AccountView, SellerView, seller_of_group

# Client-Id is checked before the key exists; the key gets its own check with the Client-Id.
_KEY_NOT_ASKED_YET = "-"


def ozon_client_id(text: str) -> str:
    """The Client-Id as stored; raises `CredentialsMalformed("client_id")` by the same rule
    that `connect_account` applies later."""
    values = {"client_id": text, "api_key": _KEY_NOT_ASKED_YET}
    return normalized_credentials(Marketplace.OZON, values)["client_id"]


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
