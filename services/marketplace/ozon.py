"""Ozon Seller API buyer chats (`/v3/chat/list`, `/v3/chat/history`, `/v1/chat/send/*`,
`/v2/chat/read`): POST + JSON with `Client-Id` and `Api-Key`, errors as
`{"code", "message", "details"}` with gRPC codes (7 permission denied: chats need Premium Plus,
8 rate limited, 16 unauthenticated, ...).

New messages are found by listing the chats with unread messages and reading each one's history
forward from the last message seen there. The cursor remembers that last message only for chats
that still have unread messages: once the seller has read a chat, Ozon's own
`first_unread_message_id` says where its next new message starts, so the cursor stays small.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Unpack

from services.marketplace.errors import FailureReason, MarketplaceError, check_reply_text
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
from services.marketplace.pacing import OZON_RATE
from services.marketplace.timestamps import parse_timestamp
from services.marketplace.transport import (
    Answer,
    ConnectorOptions,
    HttpConnector,
    header_seconds,
    server_failure,
)

OZON_API_URL = "https://api-seller.ozon.ru"
# Where the bot's web server takes Ozon's push notifications (set it in the Ozon seller account).
OZON_PUSH_PATH = "/webhooks/ozon"
OZON_TEXT_LIMIT = 1000
CURSOR_VERSION = 1
# A history item that is nothing but a Markdown link (an image: "![name](url)").
MARKDOWN_LINK = re.compile(r"^\s*(!?)\[([^\]]*)\]\((\S+?)\)\s*$")
CODE_PERMISSION_DENIED = 7
CODE_RATE_LIMITED = 8
CODE_FAILED_PRECONDITION = 9
CODE_NOT_FOUND = 5
CODE_UNAUTHENTICATED = 16


@dataclass(frozen=True)
class OzonCredentials:
    client_id: str
    api_key: str = field(repr=False)


def ozon_failure(answer: Answer) -> MarketplaceError | None:
    if 200 <= answer.status < 300:
        return None
    body = answer.json()
    body = body if isinstance(body, dict) else {}
    code = body.get("code")
    message = str(body.get("message") or answer.text[:300])
    lowered = message.lower()
    if failure := server_failure(answer, message):
        return failure
    if answer.status == 429 or code == CODE_RATE_LIMITED:
        # Ozon's limit is per second and it does not say when to come back.
        return MarketplaceError(
            FailureReason.RATE_LIMITED,
            message,
            retry_after=header_seconds(answer, "Retry-After") or 1.0,
            retryable=True,
        )
    if code == CODE_PERMISSION_DENIED and answer.status != 401:
        return MarketplaceError(FailureReason.PREMIUM_REQUIRED, message)
    if answer.status in (401, 403) or code == CODE_UNAUTHENTICATED:
        return MarketplaceError(FailureReason.CREDENTIALS, message)
    if code == CODE_FAILED_PRECONDITION:
        reason = (
            FailureReason.CHAT_CLOSED if "closed" in lowered else FailureReason.ANSWER_WINDOW_CLOSED
        )
        return MarketplaceError(reason, message)
    if answer.status == 404 or code == CODE_NOT_FOUND:
        return MarketplaceError(FailureReason.CHAT_NOT_FOUND, message)
    if "file" in lowered:
        return MarketplaceError(FailureReason.FILE_REFUSED, message)
    if "text" in lowered:
        return MarketplaceError(FailureReason.TEXT_REFUSED, message)
    return MarketplaceError(FailureReason.REJECTED, f"HTTP {answer.status}: {message}")


class OzonConnector(HttpConnector):
    marketplace = Marketplace.OZON
    api_url = OZON_API_URL
    request_rate = OZON_RATE

    def __init__(
        self,
        credentials: OzonCredentials,
        *,
        page_size: int = 100,
        **options: Unpack[ConnectorOptions],
    ) -> None:
        self._pace_key = f"ozon:{credentials.client_id}"
        self.page_size = page_size
        super().__init__(
            headers={"Client-Id": credentials.client_id, "Api-Key": credentials.api_key},
            secrets=(credentials.api_key,),
            failure_of=ozon_failure,
            **options,
        )

    async def _post(self, path: str, body: dict[str, Any], *, idempotent: bool = True) -> Any:
        answer = await self._http.call(
            "POST", path, json=body, pace_key=self._pace_key, idempotent=idempotent
        )
        return answer.json_object(path)

    async def check_credentials(self) -> None:
        await self._post("/v3/chat/list", {"filter": {"chat_status": "All"}, "limit": 1})

    async def fetch_new(self, cursor: str | None) -> FetchResult:
        last_seen = read_cursor(cursor)
        still_unread: dict[str, int] = {}
        messages: list[ChatMessage] = []
        for chat in await self._unread_chats():
            chat_id = str(chat["chat"]["chat_id"])
            seen = last_seen.get(chat_id, 0)
            if int(chat.get("last_message_id") or 0) <= seen:
                still_unread[chat_id] = seen
                continue
            start = seen or int(chat.get("first_unread_message_id") or 0)
            new = await self._history_after(chat_id, start, include_start=not seen)
            messages.extend(new)
            still_unread[chat_id] = max([seen, *(int(m.message_id) for m in new)])
        messages.sort(key=lambda message: (message.created_at, int(message.message_id)))
        return FetchResult(messages, write_cursor(still_unread))

    async def _unread_chats(self) -> list[dict[str, Any]]:
        chats: list[dict[str, Any]] = []
        page_cursor: str | None = None
        while True:
            body: dict[str, Any] = {
                "filter": {"chat_status": "All", "unread_only": True},
                "limit": self.page_size,
            }
            if page_cursor:
                body["cursor"] = page_cursor
            page = await self._post("/v3/chat/list", body)
            chats.extend(
                chat
                for chat in page.get("chats") or []
                if str(chat.get("chat", {}).get("chat_type", "")).lower() == "buyer_seller"
            )
            page_cursor = page.get("cursor")
            if not page.get("has_next") or not page_cursor:
                return chats

    async def _history_after(
        self, chat_id: str, start: int, *, include_start: bool
    ) -> list[ChatMessage]:
        """The chat's messages from `start` on, oldest first (Ozon includes `start` itself)."""
        messages: list[ChatMessage] = []
        after = start if not include_start else start - 1
        while True:
            body: dict[str, Any] = {
                "chat_id": chat_id,
                "direction": "Forward",
                "limit": self.page_size,
            }
            if start:
                body["from_message_id"] = start
            page = await self._post("/v3/chat/history", body)
            fresh = [item for item in page.get("messages") or [] if int(item["message_id"]) > after]
            messages.extend(message_from_ozon(chat_id, item) for item in fresh)
            if not page.get("has_next") or not fresh:
                return messages
            start = after = int(fresh[-1]["message_id"])

    async def send_text(self, chat: ChatAddress, text: str) -> SendResult:
        check_reply_text(text, OZON_TEXT_LIMIT, "Ozon")
        await self._post(
            "/v1/chat/send/message", {"chat_id": chat.chat_id, "text": text}, idempotent=False
        )
        return SendResult(chat.chat_id, datetime.now(UTC))

    async def send_file(self, chat: ChatAddress, file: OutgoingFile) -> SendResult:
        await self._post(
            "/v1/chat/send/file",
            {
                "chat_id": chat.chat_id,
                "name": file.name,
                "base64_content": base64.b64encode(file.content).decode("ascii"),
            },
            idempotent=False,
        )
        return SendResult(chat.chat_id, datetime.now(UTC))

    async def mark_read(self, chat: ChatAddress, up_to_message_id: str) -> None:
        await self._post(
            "/v2/chat/read", {"chat_id": chat.chat_id, "from_message_id": int(up_to_message_id)}
        )

    async def download(self, attachment: Attachment) -> bytes:
        answer = await self._http.call(
            "GET", "", url=attachment.reference, pace_key=self._pace_key, idempotent=True
        )
        return answer.body


def message_from_ozon(chat_id: str, item: dict[str, Any]) -> ChatMessage:
    user_type = str((item.get("user") or {}).get("type") or "").lower()
    author = {"customer": Author.BUYER, "seller": Author.SELLER}.get(user_type, Author.MARKETPLACE)
    texts: list[str] = []
    attachments: list[Attachment] = []
    for part in item.get("data") or []:
        link = MARKDOWN_LINK.match(str(part))
        if link is None:
            texts.append(str(part))
            continue
        is_image = bool(link.group(1)) or bool(item.get("is_image"))
        url = link.group(3)
        attachments.append(
            Attachment(
                AttachmentKind.IMAGE if is_image else AttachmentKind.FILE,
                reference=url,
                name=link.group(2) or url.rstrip("/").rsplit("/", 1)[-1],
            )
        )
    context = item.get("context") or {}
    order, product = context.get("order_number"), context.get("sku")
    return ChatMessage(
        marketplace=Marketplace.OZON,
        chat_id=chat_id,
        message_id=str(item["message_id"]),
        author=author,
        text="\n".join(texts).strip(),
        created_at=parse_timestamp(item.get("created_at")),
        attachments=tuple(attachments),
        context=OrderContext.of(order, product),
    )


def read_cursor(cursor: str | None) -> dict[str, int]:
    """The last message seen per chat; a cursor that cannot be read starts from Ozon's own
    unread marks rather than failing the sync."""
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
        return {str(chat): int(seen) for chat, seen in state["last_seen"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


def write_cursor(last_seen: dict[str, int]) -> str:
    return json.dumps(
        {"v": CURSOR_VERSION, "last_seen": last_seen}, separators=(",", ":"), sort_keys=True
    )
