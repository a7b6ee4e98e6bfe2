"""Marketplace connectors: Ozon and Wildberries buyer chats behind one interface, plain values in
and out, every failure a `MarketplaceError` with a reason a seller understands. No aiogram."""

from __future__ import annotations

from typing import Protocol

from services.marketplace.errors import FailureReason, MarketplaceError
from services.marketplace.models import (
    Attachment,
    AttachmentKind,
    Author,
    ChatAddress,
    ChatMessage,
    FetchResult,
    Marketplace,
    OrderContext,
    OutgoingFile,
    SendResult,
)
from services.marketplace.ozon import OzonConnector, OzonCredentials
from services.marketplace.pacing import RequestPacer, RequestRate, create_request_pacer
from services.marketplace.wildberries import WildberriesConnector, WildberriesCredentials


class MarketplaceConnector(Protocol):
    marketplace: Marketplace

    async def check_credentials(self) -> None:
        """One cheap call; raises `MarketplaceError` (CREDENTIALS, PREMIUM_REQUIRED, ...)."""
        ...

    async def fetch_new(self, cursor: str | None) -> FetchResult:
        """Messages since `cursor` (None: from the start) and the cursor that follows them."""
        ...

    async def send_text(self, chat: ChatAddress, text: str) -> SendResult: ...

    async def send_file(self, chat: ChatAddress, file: OutgoingFile) -> SendResult: ...

    async def mark_read(self, chat: ChatAddress, up_to_message_id: str) -> None: ...

    async def download(self, attachment: Attachment) -> bytes: ...

    async def close(self) -> None: ...


__all__ = [
    "Attachment",
    "AttachmentKind",
    "Author",
    "ChatAddress",
    "ChatMessage",
    "FailureReason",
    "FetchResult",
    "Marketplace",
    "MarketplaceConnector",
    "MarketplaceError",
    "OrderContext",
    "OutgoingFile",
    "OzonConnector",
    "OzonCredentials",
    "RequestPacer",
    "RequestRate",
    "SendResult",
    "WildberriesConnector",
    "WildberriesCredentials",
    "create_request_pacer",
]
