"""What the Wildberries emulator holds: sellers, chats, their events (messages) and the files
attached to them, and how each looks in the buyer-chat API and in the control API."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Sender = Literal["client", "seller"]
# Where a message came from, as the API's ``source`` says it.
SOURCE_OF = {"client": "rusite", "seller": "seller-public-api"}
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})


def iso_seconds(moment: datetime) -> str:
    """``2023-10-23T05:02:20Z``: how WB writes ``addTime`` and the events' time range."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(moment: datetime) -> str:
    """``2023-10-23T08:02:19.594Z``: how WB dates attachments."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def from_millis(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


def to_millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def new_chat_id() -> str:
    return f"1:{uuid.uuid4()}"


def new_reply_sign(chat_id: str) -> str:
    # Shaped like WB's: the chat id, then a long hex signature.
    return f"{chat_id}:{secrets.token_hex(64)}"


def new_request_id() -> str:
    return secrets.token_hex(16)


@dataclass
class Seller:
    seller_id: str
    token: str
    name: str
    revoked: bool = False
    # WB bans tokens that keep drawing 429s; the bench reports how many this seller drew.
    rate_limited_answers: int = 0
    # The last event's addTimestamp: the next one lands at least 1 ms later.
    last_event_ms: int = 0

    def to_view(self) -> dict[str, Any]:
        return {
            "seller_id": self.seller_id,
            "token": self.token,
            "name": self.name,
            "revoked": self.revoked,
            "rate_limited_answers": self.rate_limited_answers,
        }


@dataclass(eq=False)
class StoredFile:
    """An attachment: a buyer's image or a seller's upload, served by the download method."""

    download_id: str
    seller_id: str
    name: str
    content_type: str
    content: bytes
    date: datetime

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES

    def api_view(self, download_url: str) -> dict[str, Any]:
        url = download_url + self.download_id
        if self.is_image:
            return {"date": iso_millis(self.date), "downloadID": self.download_id, "url": url}
        return {
            "contentType": self.content_type,
            "date": iso_millis(self.date),
            "downloadID": self.download_id,
            "name": self.name,
            "url": url,
            "size": len(self.content),
        }

    def control_view(self) -> dict[str, Any]:
        return {
            "id": self.download_id,
            "name": self.name,
            "content_type": self.content_type,
            "size": len(self.content),
        }


@dataclass(eq=False)
class Event:
    """One message in a chat; the API's events are these, every chat of a seller together."""

    event_id: str
    chat: Chat = field(repr=False)
    sender: Sender
    text: str | None
    add_ms: int
    is_new_chat: bool
    good_card: dict[str, Any] | None = None
    files: list[StoredFile] = field(default_factory=list)

    @property
    def add_time(self) -> str:
        return iso_seconds(from_millis(self.add_ms))

    def api_view(self, download_url: str) -> dict[str, Any]:
        attachments: dict[str, Any] = {}
        if self.good_card is not None:
            attachments["goodCard"] = dict(self.good_card)
        images = [f.api_view(download_url) for f in self.files if f.is_image]
        documents = [f.api_view(download_url) for f in self.files if not f.is_image]
        if images:
            attachments["images"] = images
        if documents:
            attachments["files"] = documents
        message: dict[str, Any] = {"text": self.text or ""}
        if attachments:
            message["attachments"] = attachments
        view: dict[str, Any] = {
            "chatID": self.chat.chat_id,
            "eventID": self.event_id,
            "eventType": "message",
            "isNewChat": self.is_new_chat,
            "message": message,
            "source": SOURCE_OF[self.sender],
            "addTimestamp": self.add_ms,
            "addTime": self.add_time,
        }
        if self.is_new_chat:
            # The only place the events give the chat's signature away.
            view["replySign"] = self.chat.reply_sign
        view["sender"] = self.sender
        if self.sender == "client":
            # As in the spec's example, seller events carry no buyer fields.
            view["clientID"] = self.chat.client_id
            view["clientName"] = self.chat.client_name
        return view

    def control_view(self) -> dict[str, Any]:
        return {
            "id": self.event_id,
            "author": "buyer" if self.sender == "client" else "seller",
            "text": self.text,
            "files": [f.control_view() for f in self.files],
            "created_at": from_millis(self.add_ms).isoformat(),
        }


@dataclass(eq=False)
class Chat:
    chat_id: str
    seller: str
    reply_sign: str
    client_id: str
    client_name: str
    order: str | None = None
    product: str | None = None
    good_card: dict[str, Any] | None = None
    messages: list[Event] = field(default_factory=list)

    def api_view(self) -> dict[str, Any]:
        view: dict[str, Any] = {
            "chatID": self.chat_id,
            "replySign": self.reply_sign,
            "clientName": self.client_name,
        }
        if self.good_card is not None:
            view["goodCard"] = dict(self.good_card)
        last = self.messages[-1] if self.messages else None
        view["lastMessage"] = {
            "text": (last.text or "") if last else "",
            "addTimestamp": last.add_ms if last else 0,
        }
        return view

    def to_control_view(self, with_messages: bool = True) -> dict[str, Any]:
        view: dict[str, Any] = {
            "chat_id": self.chat_id,
            "seller": self.seller,
            "status": "opened",  # WB chats are never closed
            "buyer_name": self.client_name,
            "order": self.order,
            "product": self.product,
            "reply_sign": self.reply_sign,
        }
        if with_messages:
            view["messages"] = [event.control_view() for event in self.messages]
        return view


def good_card(order: str | None, product: str | None, price: int, at: datetime) -> dict[str, Any]:
    """The order a buyer writes about, as WB attaches it (``nmID`` is an int when numeric)."""
    card: dict[str, Any] = {"date": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    if product is not None:
        card["nmID"] = int(product) if product.isdigit() else product
    card["price"] = price
    card["priceCurrency"] = "RUB"
    if order is not None:
        card["rid"] = order
    card["size"] = "0"
    return card
