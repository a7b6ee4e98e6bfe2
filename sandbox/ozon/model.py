"""What the Ozon emulator holds: sellers, buyer chats, their messages and files, and the
rpcStatus error every API refusal is answered with."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from aiohttp import web

from sandbox.marketplace_common import ApiRefusal, RequestLimit

API_PREFIX = "/ozon"
CONTROL_PREFIX = "/sandbox/api/ozon"
DEMO_CLIENT_ID = "100500"
DEMO_API_KEY = "sandbox-ozon-api-key"
DEMO_SELLER_NAME = "Sandbox Seller"
# Ozon documents about 50 requests per second per Client-Id.
OZON_REQUEST_LIMIT = RequestLimit(50, 1.0)
# Real message ids are uint64 values in the billions; starting there makes the emulator's ids
# look (and overflow 32-bit code) like the real ones.
FIRST_MESSAGE_ID = 3_000_000_000
FIRST_BUYER_ID = 70_000_000
ANSWER_WINDOW_SECONDS = 48 * 3600
MAX_TEXT_LENGTH = 1000
MAX_PAGE_LIMIT = 1000
DEFAULT_HISTORY_LIMIT = 50
MAX_FILE_BYTES = 10 * 1024 * 1024
IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png"})
FILE_EXTENSIONS = IMAGE_EXTENSIONS | {"pdf"}

# rpcStatus codes (gRPC status codes) that Ozon answers with.
CODE_INVALID_ARGUMENT = 3
CODE_NOT_FOUND = 5
CODE_PERMISSION_DENIED = 7
CODE_RESOURCE_EXHAUSTED = 8
CODE_FAILED_PRECONDITION = 9
CODE_INTERNAL = 13
CODE_UNAUTHENTICATED = 16

INVALID_KEY_MESSAGE = "Invalid Api-Key, please contact support"
REVOKED_KEY_MESSAGE = "Api-key is deactivated, use another one"
PREMIUM_MESSAGE = "chats with buyers are available only with the Premium Plus subscription"
RATE_LIMIT_MESSAGE = "You have reached request rate limit per second"
CHAT_NOT_FOUND_MESSAGE = "chat not found"
CHAT_CLOSED_MESSAGE = "chat is closed"
ANSWER_EXPIRED_MESSAGE = (
    "answer time expired: the seller can answer within 48 hours of the buyer's last message"
)

ChatStatus = Literal["Opened", "Closed"]
Author = Literal["buyer", "seller"]


class OzonError(ApiRefusal):
    """An API refusal, answered in Ozon's rpcStatus shape ``{"code", "message", "details"}``."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def to_response(self) -> web.Response:
        return web.json_response(
            {"code": self.code, "message": self.message, "details": []}, status=self.status
        )


def invalid_argument(message: str) -> OzonError:
    return OzonError(400, CODE_INVALID_ARGUMENT, message)


def iso_utc(moment: datetime) -> str:
    """Ozon's timestamps: UTC with milliseconds and a ``Z`` (``2024-05-01T10:00:00.123Z``)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def file_extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def guess_content_type(name: str, declared: str | None = None) -> str:
    # Browsers and test clients often send octet-stream for images; the name knows better.
    if declared and declared != "application/octet-stream":
        return declared
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


@dataclass
class Seller:
    client_id: str
    api_key: str
    name: str
    premium_plus: bool = True
    revoked: bool = False

    def to_view(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "api_key": self.api_key,
            "name": self.name,
            "premium_plus": self.premium_plus,
            "revoked": self.revoked,
        }


@dataclass
class StoredFile:
    file_id: str
    name: str
    content_type: str
    content: bytes
    seller: str  # whose chat it was sent in: only that seller may download it

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def to_view(self) -> dict[str, Any]:
        return {
            "id": self.file_id,
            "name": self.name,
            "content_type": self.content_type,
            "size": len(self.content),
        }


@dataclass
class OzonMessage:
    message_id: int
    author: Author
    author_id: str
    created_at: datetime
    text: str | None = None
    file: StoredFile | None = None
    order: str | None = None
    product: str | None = None
    # A buyer message: the seller marked it read. A seller message: the buyer has seen it.
    read: bool = False

    def to_control_view(self) -> dict[str, Any]:
        return {
            "id": self.message_id,
            "author": self.author,
            "text": self.text,
            "files": [self.file.to_view()] if self.file is not None else [],
            "created_at": self.created_at.isoformat(),
            "read": self.read,
        }


@dataclass
class OzonChat:
    chat_id: str
    seller: str
    buyer_id: str
    created_at: datetime
    sequence: int  # creation order across the emulator: what list cursors point at
    status: ChatStatus = "Opened"
    buyer_name: str | None = None
    order: str | None = None
    product: str | None = None
    messages: list[OzonMessage] = field(default_factory=list)

    def unread(self) -> list[OzonMessage]:
        return [m for m in self.messages if m.author == "buyer" and not m.read]

    def last_buyer_message(self) -> OzonMessage | None:
        return next((m for m in reversed(self.messages) if m.author == "buyer"), None)

    def to_control_view(self, with_messages: bool = True) -> dict[str, Any]:
        view: dict[str, Any] = {
            "chat_id": self.chat_id,
            "seller": self.seller,
            "status": self.status.lower(),
            "buyer_name": self.buyer_name,
            "order": self.order,
            "product": self.product,
        }
        if with_messages:
            view["messages"] = [message.to_control_view() for message in self.messages]
        return view
