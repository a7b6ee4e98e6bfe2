"""Wildberries buyer chat (`buyer-chat-api.wildberries.ru`): `Authorization: <token>`, errors as
problem+json, 10 requests per 10 s per seller and method, and tokens that keep hitting 429 get
banned, so every call waits its turn on our side first.

New messages come from `/api/v1/seller/events?next=<ms>`, paged until `totalEvents` is 0; the
cursor is the last `next`. A chat's reply signature comes only with its first event
(`isNewChat`): it rides on that message (`ChatMessage.reply_sign`) for the desk to keep, and a
reply without it is looked up in the chat list before giving up.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Unpack

import aiohttp

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
from services.marketplace.pacing import WILDBERRIES_RATE
from services.marketplace.timestamps import parse_timestamp
from services.marketplace.transport import (
    Answer,
    ConnectorOptions,
    HttpConnector,
    header_seconds,
    server_failure,
)

WILDBERRIES_API_URL = "https://buyer-chat-api.wildberries.ru"
WILDBERRIES_TEXT_LIMIT = 1000
WILDBERRIES_FILE_TYPES = frozenset({"image/jpeg", "image/png", "application/pdf"})
WILDBERRIES_FILE_LIMIT = 5 * 1024 * 1024
# One sync reads at most this many pages of events; the next one goes on from its cursor.
MAX_EVENT_PAGES_PER_FETCH = 50
AUTHORS = {"client": Author.BUYER, "seller": Author.SELLER, "wb": Author.MARKETPLACE}


@dataclass(frozen=True)
class WildberriesCredentials:
    token: str = field(repr=False)

    @property
    def fingerprint(self) -> str:
        """Names the seller in pacing keys and logs without the token itself."""
        return hashlib.sha256(self.token.encode()).hexdigest()[:16]


def wildberries_failure(answer: Answer) -> MarketplaceError | None:
    if 200 <= answer.status < 300 and answer.status != 202:
        return None  # a success's body is read by whoever asked for it, if at all
    body = answer.json()
    body = body if isinstance(body, dict) else {}
    if answer.status == 202:
        # The file is still being moderated; the answer says when to ask again.
        return MarketplaceError(
            FailureReason.UNAVAILABLE,
            f"the file is on moderation ({body.get('moderationState', 'pending')})",
            retry_after=float(body.get("retrySeconds") or 5),
            retryable=True,
        )
    detail = str(body.get("detail") or body.get("error") or body.get("title") or answer.text[:300])
    lowered = detail.lower()
    if failure := server_failure(answer, detail):
        return failure
    if answer.status == 429:
        return MarketplaceError(
            FailureReason.RATE_LIMITED,
            detail,
            retry_after=header_seconds(answer, "X-Ratelimit-Retry", "Retry-After"),
            retryable=True,
        )
    if answer.status in (401, 403):
        return MarketplaceError(FailureReason.CREDENTIALS, detail)
    if answer.status == 451:
        return MarketplaceError(FailureReason.FILE_REFUSED, f"failed moderation: {detail}")
    if "signature" in lowered:
        return MarketplaceError(FailureReason.NO_REPLY_SIGN, detail)
    if "attachment" in lowered or "mime type" in lowered:
        return MarketplaceError(FailureReason.FILE_REFUSED, detail)
    if '"message"' in lowered:
        return MarketplaceError(FailureReason.TEXT_REFUSED, detail)
    return MarketplaceError(FailureReason.REJECTED, f"HTTP {answer.status}: {detail}")


def check_file(file: OutgoingFile) -> None:
    if file.content_type not in WILDBERRIES_FILE_TYPES:
        raise MarketplaceError(
            FailureReason.FILE_REFUSED, f"{file.content_type}: Wildberries takes JPEG, PNG, PDF"
        )
    if not file.content or len(file.content) > WILDBERRIES_FILE_LIMIT:
        raise MarketplaceError(
            FailureReason.FILE_REFUSED, f"{len(file.content)} bytes; Wildberries takes 1 B–5 MB"
        )


class WildberriesConnector(HttpConnector):
    marketplace = Marketplace.WILDBERRIES
    api_url = WILDBERRIES_API_URL
    request_rate = WILDBERRIES_RATE

    def __init__(
        self, credentials: WildberriesCredentials, **options: Unpack[ConnectorOptions]
    ) -> None:
        self._seller = credentials.fingerprint
        super().__init__(
            headers={"Authorization": credentials.token},
            secrets=(credentials.token,),
            failure_of=wildberries_failure,
            **options,
        )

    async def _call(
        self, http_method: str, path: str, *, idempotent: bool = True, **request: Any
    ) -> Answer:
        # Wildberries counts each method separately; download ids must not split the count.
        method = path.rsplit("/", 1)[0] if "/download/" in path else path
        return await self._http.call(
            http_method,
            path,
            pace_key=f"wb:{self._seller}:{method}",
            idempotent=idempotent,
            **request,
        )

    async def _json(self, path: str, **request: Any) -> dict[str, Any]:
        return (await self._call("GET", path, **request)).json_object(path)

    async def check_credentials(self) -> None:
        await self._call("GET", "/api/v1/seller/chats")

    async def fetch_new(self, cursor: str | None) -> FetchResult:
        next_mark = int(cursor) if cursor and cursor.isdigit() else None
        messages: list[ChatMessage] = []
        for _ in range(MAX_EVENT_PAGES_PER_FETCH):
            params = {"next": str(next_mark)} if next_mark else None
            result = (await self._json("/api/v1/seller/events", params=params)).get("result")
            result = result if isinstance(result, dict) else {}
            events = result.get("events") or []
            if not result.get("totalEvents") or not events:
                break
            messages.extend(
                message for event in events if (message := message_from_event(event)) is not None
            )
            page_next = result.get("next")
            if not isinstance(page_next, int) or (next_mark is not None and page_next <= next_mark):
                break  # a page that does not move on would be read forever
            next_mark = page_next
        return FetchResult(messages, str(next_mark) if next_mark else (cursor or ""))

    async def _reply_sign_of(self, chat_id: str) -> str:
        chats = (await self._json("/api/v1/seller/chats")).get("result") or []
        for chat in chats:
            if chat.get("chatID") == chat_id and chat.get("replySign"):
                return str(chat["replySign"])
        raise MarketplaceError(
            FailureReason.NO_REPLY_SIGN, f"chat {chat_id} has no reply signature"
        )

    async def _send(self, chat: ChatAddress, form: aiohttp.FormData) -> SendResult:
        answer = await self._call("POST", "/api/v1/seller/message", idempotent=False, data=form)
        result = (answer.json() or {}).get("result") or {}
        return SendResult(chat.chat_id, parse_timestamp(result.get("addTime")))

    async def _form(self, chat: ChatAddress) -> aiohttp.FormData:
        # Wildberries takes only multipart, even for a text alone.
        form = aiohttp.FormData(default_to_multipart=True)
        form.add_field("replySign", chat.reply_sign or await self._reply_sign_of(chat.chat_id))
        return form

    async def send_text(self, chat: ChatAddress, text: str) -> SendResult:
        check_reply_text(text, WILDBERRIES_TEXT_LIMIT, "Wildberries")
        form = await self._form(chat)
        form.add_field("message", text)
        return await self._send(chat, form)

    async def send_file(self, chat: ChatAddress, file: OutgoingFile) -> SendResult:
        check_file(file)
        form = await self._form(chat)
        form.add_field("file", file.content, filename=file.name, content_type=file.content_type)
        return await self._send(chat, form)

    async def mark_read(self, chat: ChatAddress, up_to_message_id: str) -> None:
        """Wildberries has no read marks in its API."""

    async def download(self, attachment: Attachment) -> bytes:
        return (await self._call("GET", f"/api/v1/seller/download/{attachment.reference}")).body


def message_from_event(event: dict[str, Any]) -> ChatMessage | None:
    message = event.get("message")
    if event.get("eventType", "message") != "message" or not isinstance(message, dict):
        return None
    attachments_json = message.get("attachments") or {}
    attachments = [
        Attachment(
            AttachmentKind.IMAGE,
            reference=str(image["downloadID"]),
            name=str(image.get("url") or "").rsplit("/", 1)[-1] or None,
        )
        for image in attachments_json.get("images") or []
        if image.get("downloadID")
    ]
    attachments += [
        Attachment(
            AttachmentKind.FILE,
            reference=str(file["downloadID"]),
            name=file.get("name"),
            content_type=file.get("contentType"),
            size=file.get("size"),
        )
        for file in attachments_json.get("files") or []
        if file.get("downloadID")
    ]
    text = str(message.get("text") or "").strip()
    if not text and not attachments:
        return None
    card = attachments_json.get("goodCard") or {}
    order, product = card.get("rid"), card.get("nmID")
    return ChatMessage(
        marketplace=Marketplace.WILDBERRIES,
        chat_id=str(event["chatID"]),
        message_id=str(event["eventID"]),
        author=AUTHORS.get(str(event.get("sender")), Author.MARKETPLACE),
        text=text,
        created_at=parse_timestamp(event.get("addTimestamp") or event.get("addTime")),
        attachments=tuple(attachments),
        context=OrderContext.of(order, product),
        buyer_name=event.get("clientName"),
        reply_sign=event.get("replySign") if event.get("isNewChat") else None,
    )
