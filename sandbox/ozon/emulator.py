"""Ozon emulator: the Seller API's buyer-chat methods as a connector sees them, with sellers,
Premium Plus, the 48-hour answer window, the per-Client-Id request limit and injected faults.

Mounted in the sandbox app under ``/ozon`` (POST + JSON, headers ``Client-Id`` and ``Api-Key``):

- ``/ozon/v3/chat/list``, ``/ozon/v3/chat/history``, ``/ozon/v1/chat/send/message``,
  ``/ozon/v1/chat/send/file``, ``/ozon/v2/chat/read``;
- ``GET /ozon/v2/chat/file/{file_id}/{name}``: a file from a chat, the URL buyer images carry
  in their markdown (``![](<url>)``).

Every refusal is Ozon's rpcStatus ``{"code", "message", "details": []}``. Checks run in the
order auth (401/16) → injected fault → request limit (429/8) → Premium Plus (403/7) → the body
(400/3) → the chat (404/5, 400/9). The control API for tests is in :mod:`sandbox.ozon.control`.

State lives in memory and is changed only from the event loop, so there is no locking.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import secrets
import uuid
from typing import Any
from urllib.parse import quote

from aiohttp import web

from sandbox.control import ControlError
from sandbox.marketplace_common import (
    BuyerWrites,
    Fault,
    FaultBook,
    MarketplaceApi,
    MarketplaceClock,
    RequestLimit,
    RequestLimiter,
    RequestLog,
    chat_summaries,
    find_or_create_chat,
    hold,
)
from sandbox.ozon.control import OzonControlApi
from sandbox.ozon.model import (
    ANSWER_EXPIRED_MESSAGE,
    ANSWER_WINDOW_SECONDS,
    API_PREFIX,
    CHAT_CLOSED_MESSAGE,
    CHAT_NOT_FOUND_MESSAGE,
    CODE_FAILED_PRECONDITION,
    CODE_INTERNAL,
    CODE_NOT_FOUND,
    CODE_PERMISSION_DENIED,
    CODE_RESOURCE_EXHAUSTED,
    CODE_UNAUTHENTICATED,
    DEFAULT_HISTORY_LIMIT,
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    DEMO_SELLER_NAME,
    FILE_EXTENSIONS,
    FIRST_BUYER_ID,
    FIRST_MESSAGE_ID,
    IMAGE_EXTENSIONS,
    INVALID_KEY_MESSAGE,
    MAX_FILE_BYTES,
    MAX_TEXT_LENGTH,
    OZON_REQUEST_LIMIT,
    PREMIUM_MESSAGE,
    RATE_LIMIT_MESSAGE,
    REVOKED_KEY_MESSAGE,
    Author,
    OzonChat,
    OzonError,
    OzonMessage,
    Seller,
    StoredFile,
    file_extension,
    guess_content_type,
    invalid_argument,
    iso_utc,
)
from sandbox.ozon.pushes import OzonPushes, chat_closed_push, new_message_push, ping_push
from sandbox.ozon.validation import (
    json_object,
    optional_choice,
    optional_flag,
    optional_message_id,
    optional_message_ids,
    optional_object,
    optional_text,
    page_limit,
    required_text,
)

CHAT_STATUS_FILTERS = ("All", "Opened", "Closed")
DIRECTIONS = ("Forward", "Backward")
CURSOR_PREFIX = "chats-after:"


class OzonEmulator(MarketplaceApi[Seller]):
    """State and routes of the fake Ozon Seller API (buyer chats)."""

    key = "ozon"
    title = "Ozon"

    def __init__(
        self,
        clock: MarketplaceClock | None = None,
        limit: RequestLimit | None = OZON_REQUEST_LIMIT,
    ) -> None:
        self.clock = clock or MarketplaceClock()
        self.limiter = RequestLimiter(limit)
        self.faults = FaultBook()
        self.requests = RequestLog()
        self.sellers: dict[str, Seller] = {
            DEMO_CLIENT_ID: Seller(DEMO_CLIENT_ID, DEMO_API_KEY, DEMO_SELLER_NAME)
        }
        # Insertion order is creation order, which is also the chat list's order.
        self.chats: dict[str, OzonChat] = {}
        self.files: dict[str, StoredFile] = {}
        self._message_ids = itertools.count(FIRST_MESSAGE_ID)
        self._buyer_ids = itertools.count(FIRST_BUYER_ID)
        self._chat_sequence = itertools.count(1)
        self.pushes = OzonPushes()
        # Where the sandbox is served: the origin of the file links in pushes (the API's own
        # answers use the origin each request came to).
        self.public_url: str | None = None

    # ------------------------------------------------------------- the sandbox's view
    def routes(self) -> list[web.RouteDef]:
        api = API_PREFIX
        return [
            web.post(f"{api}/v3/chat/list", self._api("/v3/chat/list", self.list_chats)),
            web.post(f"{api}/v3/chat/history", self._api("/v3/chat/history", self.chat_history)),
            web.post(
                f"{api}/v1/chat/send/message",
                self._api("/v1/chat/send/message", self.send_message),
            ),
            web.post(f"{api}/v1/chat/send/file", self._api("/v1/chat/send/file", self.send_file)),
            web.post(f"{api}/v2/chat/read", self._api("/v2/chat/read", self.read_chat)),
            # Logged and matched by faults as one method, whatever the file.
            web.get(
                f"{api}/v2/chat/file/{{file_id}}/{{name}}",
                self._api("/v2/chat/file", self.download_file),
            ),
            *OzonControlApi(self).routes(),
        ]

    def api_url(self, base_url: str) -> str:
        return base_url.rstrip("/") + API_PREFIX

    def demo_credentials(self) -> dict[str, str]:
        return {"client_id": DEMO_CLIENT_ID, "api_key": DEMO_API_KEY}

    @property
    def demo_seller_id(self) -> str:
        return DEMO_CLIENT_ID

    def chat_summaries(self, seller_id: str) -> list[dict[str, Any]]:
        """The seller's chats, oldest first, without their messages."""
        return chat_summaries(self.chats.values(), seller_id)

    # ------------------------------------------------------------- push notifications
    def set_push_url(self, url: str | None) -> None:
        """Where pushes go (``TYPE_NEW_MESSAGE`` when a buyer writes, ``TYPE_CHAT_CLOSED``),
        e.g. ``http://127.0.0.1:8081/webhooks/ozon``; None: nowhere."""
        self.pushes.set_url(url)

    async def ping(self) -> dict[str, Any]:
        """Sends ``TYPE_PING`` now; answers ``{"status", "answer"}`` or ``{"error"}``."""
        return await self.pushes.send_now(ping_push(self.clock.now()))

    async def close(self) -> None:
        await self.pushes.close()

    # ------------------------------------------------------------- API plumbing
    def _seller_key(self, seller: Seller) -> str:
        return seller.client_id

    def _admit(self, seller: Seller, method: str) -> None:
        if self.limiter.take(seller.client_id) is not None:
            # Ozon sends no Retry-After: clients back off on their own.
            raise OzonError(429, CODE_RESOURCE_EXHAUSTED, RATE_LIMIT_MESSAGE)
        if not seller.premium_plus:
            raise OzonError(403, CODE_PERMISSION_DENIED, PREMIUM_MESSAGE)

    def _logged_seller(self, request: web.Request, seller: Seller | None) -> str | None:
        return request.headers.get("Client-Id") or None

    def _authenticate(self, request: web.Request) -> Seller:
        client_id = request.headers.get("Client-Id", "")
        api_key = request.headers.get("Api-Key", "")
        seller = self.sellers.get(client_id)
        if not client_id or not api_key or seller is None or seller.api_key != api_key:
            raise OzonError(401, CODE_UNAUTHENTICATED, INVALID_KEY_MESSAGE)
        if seller.revoked:
            raise OzonError(401, CODE_UNAUTHENTICATED, REVOKED_KEY_MESSAGE)
        return seller

    async def _apply_fault(self, fault: Fault, seller: Seller) -> None:
        if fault.kind == "slow":
            await hold(fault)
        elif fault.kind == "rate_limited":
            raise OzonError(429, CODE_RESOURCE_EXHAUSTED, RATE_LIMIT_MESSAGE)
        elif fault.kind == "server_error":
            raise OzonError(fault.status, CODE_INTERNAL, "internal error")
        elif fault.kind == "revoked":
            raise OzonError(401, CODE_UNAUTHENTICATED, REVOKED_KEY_MESSAGE)
        elif fault.kind == "premium_required":
            raise OzonError(403, CODE_PERMISSION_DENIED, PREMIUM_MESSAGE)

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        return json_object(await request.read())

    def _seller_chat(self, seller: Seller, chat_id: str) -> OzonChat:
        chat = self.chats.get(chat_id)
        # Another seller's chat is as unknown as a chat that does not exist.
        if chat is None or chat.seller != seller.client_id:
            raise OzonError(404, CODE_NOT_FOUND, CHAT_NOT_FOUND_MESSAGE)
        return chat

    def _check_can_answer(self, chat: OzonChat) -> None:
        if chat.status == "Closed":
            raise OzonError(400, CODE_FAILED_PRECONDITION, CHAT_CLOSED_MESSAGE)
        last_buyer_message = chat.last_buyer_message()
        if (
            last_buyer_message is None
            or (self.clock.now() - last_buyer_message.created_at).total_seconds()
            > ANSWER_WINDOW_SECONDS
        ):
            raise OzonError(400, CODE_FAILED_PRECONDITION, ANSWER_EXPIRED_MESSAGE)

    # ------------------------------------------------------------- API methods
    async def list_chats(self, request: web.Request, seller: Seller) -> web.StreamResponse:
        body = await self._body(request)
        chat_filter = optional_object(body, "filter")
        status = optional_choice(
            chat_filter, "chat_status", CHAT_STATUS_FILTERS, "All", "filter.chat_status"
        )
        unread_only = optional_flag(chat_filter, "unread_only", "filter.unread_only")
        limit = page_limit(body, default=None)
        after = _decode_cursor(optional_text(body, "cursor"))
        matching = [
            chat
            for chat in self.chats.values()
            if chat.seller == seller.client_id
            and status in ("All", chat.status)
            and (not unread_only or chat.unread())
        ]
        # The cursor names the last chat served, not an offset, so chats created or read
        # between two pages neither shift the next page nor get served twice.
        remaining = [chat for chat in matching if chat.sequence > after]
        page = remaining[:limit]
        return web.json_response(
            {
                "chats": [_chat_info(chat) for chat in page],
                "total_unread_count": sum(len(chat.unread()) for chat in matching),
                "cursor": _encode_cursor(page[-1].sequence if page else after),
                "has_next": len(remaining) > limit,
            }
        )

    async def chat_history(self, request: web.Request, seller: Seller) -> web.StreamResponse:
        body = await self._body(request)
        chat_id = required_text(body, "chat_id")
        direction = optional_choice(body, "direction", DIRECTIONS, "Backward", "direction")
        from_message_id = optional_message_id(body, "from_message_id")
        limit = page_limit(body, default=DEFAULT_HISTORY_LIMIT)
        wanted_ids = optional_message_ids(optional_object(body, "filter"))
        chat = self._seller_chat(seller, chat_id)
        messages = [m for m in chat.messages if wanted_ids is None or m.message_id in wanted_ids]
        # from_message_id is inclusive: the page starts with that message itself.
        if direction == "Forward":
            ordered = [
                m for m in messages if from_message_id is None or m.message_id >= from_message_id
            ]
        else:
            ordered = [
                m
                for m in reversed(messages)
                if from_message_id is None or m.message_id <= from_message_id
            ]
        origin = str(request.url.origin())
        return web.json_response(
            {
                "has_next": len(ordered) > limit,
                "messages": [_message_view(m, origin) for m in ordered[:limit]],
            }
        )

    async def send_message(self, request: web.Request, seller: Seller) -> web.StreamResponse:
        body = await self._body(request)
        chat_id = required_text(body, "chat_id")
        text = body.get("text")
        if text is None:
            raise invalid_argument("text is required")
        if not isinstance(text, str):
            raise invalid_argument("text must be a string")
        if not text.strip():
            raise invalid_argument("text must not be empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise invalid_argument(f"text must be at most {MAX_TEXT_LENGTH} characters")
        chat = self._seller_chat(seller, chat_id)
        self._check_can_answer(chat)
        self._add_message(chat, "seller", seller.client_id, text=text)
        return web.json_response({"result": "success"})

    async def send_file(self, request: web.Request, seller: Seller) -> web.StreamResponse:
        body = await self._body(request)
        chat_id = required_text(body, "chat_id")
        name = required_text(body, "name")
        if file_extension(name) not in FILE_EXTENSIONS:
            raise invalid_argument("file type is not supported")
        encoded = required_text(body, "base64_content")
        try:
            content = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise invalid_argument("base64_content is not valid base64") from None
        if not content:
            raise invalid_argument("file is empty")
        if len(content) > MAX_FILE_BYTES:
            raise invalid_argument("file is too large")
        chat = self._seller_chat(seller, chat_id)
        self._check_can_answer(chat)
        stored = self._store_file(seller.client_id, name, guess_content_type(name), content)
        self._add_message(chat, "seller", seller.client_id, file=stored)
        return web.json_response({"result": "success"})

    async def read_chat(self, request: web.Request, seller: Seller) -> web.StreamResponse:
        body = await self._body(request)
        chat_id = required_text(body, "chat_id")
        up_to = optional_message_id(body, "from_message_id")
        chat = self._seller_chat(seller, chat_id)
        # Without a message id everything the buyer wrote so far counts as read.
        for message in chat.unread():
            if up_to is None or message.message_id <= up_to:
                message.read = True
        return web.json_response({"unread_count": len(chat.unread())})

    async def download_file(self, request: web.Request, seller: Seller) -> web.StreamResponse:
        stored = self.files.get(request.match_info["file_id"])
        if stored is None or stored.seller != seller.client_id:
            raise OzonError(404, CODE_NOT_FOUND, "file not found")
        return web.Response(body=stored.content, content_type=stored.content_type)

    # ------------------------------------------------------------- state changes
    def _add_message(
        self,
        chat: OzonChat,
        author: Author,
        author_id: str,
        text: str | None = None,
        file: StoredFile | None = None,
        order: str | None = None,
        product: str | None = None,
    ) -> OzonMessage:
        message = OzonMessage(
            message_id=next(self._message_ids),
            author=author,
            author_id=author_id,
            created_at=self.clock.now(),
            text=text,
            file=file,
            order=order,
            product=product,
        )
        chat.messages.append(message)
        return message

    def _store_file(self, seller: str, name: str, content_type: str, content: bytes) -> StoredFile:
        stored = StoredFile(secrets.token_hex(16), name, content_type, content, seller)
        self.files[stored.file_id] = stored
        return stored

    def buyer_writes(self, chat_id: str, writes: BuyerWrites) -> tuple[OzonChat, bool]:
        """A buyer's message (an image and/or text) in ``chat_id``, creating the chat when new
        and reopening it when closed. Answers the chat and whether it was created."""
        chat, created = find_or_create_chat(
            self.chats, chat_id, writes, self.sellers, DEMO_CLIENT_ID, self._new_chat
        )
        chat.buyer_name = writes.buyer_name or chat.buyer_name
        chat.order = writes.order or chat.order
        chat.product = writes.product or chat.product
        chat.status = "Opened"
        # A buyer who writes has the chat open, so the seller's earlier replies are seen.
        for message in chat.messages:
            if message.author == "seller":
                message.read = True
        context = {"order": chat.order, "product": chat.product}
        written = []
        if writes.image is not None:
            image = writes.image
            stored = self._store_file(
                chat.seller,
                image.name,
                guess_content_type(image.name, image.content_type),
                image.content,
            )
            written.append(self._add_message(chat, "buyer", chat.buyer_id, file=stored, **context))
        if writes.text is not None:
            written.append(
                self._add_message(chat, "buyer", chat.buyer_id, text=writes.text, **context)
            )
        origin = (self.public_url or "").rstrip("/")
        for message in written:
            data = _message_view(message, origin)["data"]
            self.pushes.send_later(new_message_push(chat, message, data))
        return chat, created

    def _new_chat(self, chat_id: str, seller_id: str) -> OzonChat:
        return OzonChat(
            chat_id=chat_id,
            seller=seller_id,
            buyer_id=str(next(self._buyer_ids)),
            created_at=self.clock.now(),
            sequence=next(self._chat_sequence),
        )

    def buyer_starts_chat(self, writes: BuyerWrites) -> OzonChat:
        """A buyer writes into a new chat, with an id shaped like Ozon's (a UUID)."""
        chat, _ = self.buyer_writes(str(uuid.uuid4()), writes)
        return chat

    def close_chat(self, chat_id: str) -> OzonChat:
        chat = self.control_chat(chat_id)
        if chat.status != "Closed":
            chat.status = "Closed"
            self.pushes.send_later(chat_closed_push(chat))
        return chat

    def control_chat(self, chat_id: str) -> OzonChat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ControlError(404, f"chat {chat_id} not found")
        return chat


# ------------------------------------------------------------- API views
def _encode_cursor(after_sequence: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{after_sequence}".encode()).decode()


def _decode_cursor(cursor: str | None) -> int:
    """The sequence number of the last chat a previous page served (0: from the start)."""
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, ValueError):
        raise invalid_argument("cursor is invalid") from None
    number = text.removeprefix(CURSOR_PREFIX)
    if not text.startswith(CURSOR_PREFIX) or not number.isdigit():
        raise invalid_argument("cursor is invalid")
    return int(number)


def _chat_info(chat: OzonChat) -> dict[str, Any]:
    unread = chat.unread()
    return {
        "chat": {
            "chat_id": chat.chat_id,
            "chat_status": chat.status,
            "chat_type": "Buyer_Seller",
            "created_at": iso_utc(chat.created_at),
        },
        "first_unread_message_id": unread[0].message_id if unread else 0,
        "last_message_id": chat.messages[-1].message_id if chat.messages else 0,
        "unread_count": len(unread),
    }


def file_url(origin: str, stored: StoredFile) -> str:
    return f"{origin}{API_PREFIX}/v2/chat/file/{stored.file_id}/{quote(stored.name)}"


def _message_view(message: OzonMessage, origin: str) -> dict[str, Any]:
    is_image = False
    if message.file is not None:
        url = file_url(origin, message.file)
        is_image = file_extension(message.file.name) in IMAGE_EXTENSIONS or message.file.is_image
        # Square brackets would end the link text early; Ozon's file names never carry them.
        label = message.file.name.replace("[", "(").replace("]", ")")
        data = [f"![]({url})" if is_image else f"[{label}]({url})"]
    else:
        data = [message.text or ""]
    view: dict[str, Any] = {
        "message_id": message.message_id,
        "created_at": iso_utc(message.created_at),
        "user": {
            "id": message.author_id,
            "type": "Customer" if message.author == "buyer" else "Seller",
        },
        "data": data,
        "is_read": message.read,
        "is_image": is_image,
    }
    if is_image:
        view["moderate_image_status"] = "SUCCESS"
    if message.author == "buyer" and (message.order or message.product):
        view["context"] = {"order_number": message.order or "", "sku": message.product or ""}
    return view
