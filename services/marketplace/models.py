"""What the marketplace connectors take and give: plain values, the same for every marketplace."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Marketplace(StrEnum):
    OZON = "ozon"
    WILDBERRIES = "wb"

    @property
    def label(self) -> str:
        """The marketplace's name as sellers know it (a brand: the same in every language)."""
        return "Ozon" if self is Marketplace.OZON else "Wildberries"

    @property
    def answer_window(self) -> timedelta | None:
        """How long after a buyer's message the seller may still answer (Ozon: 48 hours);
        None where the marketplace sets no such window."""
        return timedelta(hours=48) if self is Marketplace.OZON else None


class Author(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    MARKETPLACE = "marketplace"  # the marketplace's support or notifications


class AttachmentKind(StrEnum):
    IMAGE = "image"
    FILE = "file"


@dataclass(frozen=True)
class Attachment:
    """A buyer's image or file; `reference` is what the connector downloads it by (Ozon: the
    image link, Wildberries: the download id)."""

    kind: AttachmentKind
    reference: str
    name: str | None = None
    content_type: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class OrderContext:
    """The order and product a buyer writes about (Ozon: order number and SKU; Wildberries: the
    order's rid and the nmID)."""

    order: str | None = None
    product: str | None = None

    @classmethod
    def of(cls, order: object, product: object) -> OrderContext | None:
        """From the marketplace's own values (numbers or strings, empty when unknown); None
        when it named neither."""
        if not order and not product:
            return None
        return cls(str(order) if order else None, str(product) if product else None)


@dataclass(frozen=True)
class ChatMessage:
    marketplace: Marketplace
    chat_id: str
    message_id: str
    author: Author
    text: str
    created_at: datetime
    attachments: tuple[Attachment, ...] = ()
    context: OrderContext | None = None
    buyer_name: str | None = None
    # Wildberries gives a chat's reply signature once, with the chat's first event: keep it.
    reply_sign: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class FetchResult:
    """New messages, oldest first, and the cursor to store for the next fetch (store it only
    once the messages are stored: a fetch from the old cursor returns them again)."""

    messages: list[ChatMessage]
    cursor: str


@dataclass(frozen=True)
class ChatAddress:
    """Where a reply goes. Wildberries needs the chat's reply signature."""

    chat_id: str
    reply_sign: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class OutgoingFile:
    name: str
    content: bytes
    content_type: str

    def __repr__(self) -> str:
        return f"OutgoingFile({self.name!r}, {self.content_type}, {len(self.content)} bytes)"


@dataclass(frozen=True)
class SendResult:
    chat_id: str
    sent_at: datetime
