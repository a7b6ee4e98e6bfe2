"""Wildberries emulator: a stateful fake of WB's buyer-chat API (``buyer-chat.yaml``) and the
control API the sandbox and tests drive it with.

- ``/wb/api/v1/seller/chats``, ``/wb/api/v1/seller/events?next=<ms>``,
  ``/wb/api/v1/seller/message`` (multipart), ``/wb/api/v1/seller/download/{id}``: header
  ``Authorization: <token>`` (``Bearer <token>`` too), WB's limit of 10 requests per 10 s per
  seller and method, the spec's refusals.
- ``/sandbox/api/wb/...``: the shape every marketplace emulator shares (see
  :mod:`sandbox.marketplace_common`); WB chats are never closed, so ``close`` answers 404.

Every API call goes through the shared pipeline (:class:`sandbox.marketplace_common.MarketplaceApi`)
in the order auth → injected fault → request limit → the method's own checks → its work, and
every answer is logged.
"""

from __future__ import annotations

import math
import secrets
import uuid
from bisect import bisect_right
from typing import Any

from aiohttp import web

from sandbox.control import ControlError, control_json
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
    control_routes,
    find_or_create_chat,
    hold,
)
from sandbox.wildberries.answers import (
    INVALID_NEXT,
    INVALID_NUMBER,
    MISSING_TOKEN,
    TOKEN_WITHDRAWN,
    UNKNOWN_TOKEN,
    Refusal,
    bad_request,
    invalid_file_id,
    server_error,
    too_many_requests,
    unauthorized,
)
from sandbox.wildberries.state import (
    Chat,
    Event,
    Seller,
    Sender,
    StoredFile,
    good_card,
    new_chat_id,
    new_reply_sign,
    to_millis,
)
from sandbox.wildberries.uploads import check_outgoing_message, read_outgoing_message

API_PREFIX = "/wb"
CONTROL_PREFIX = "/sandbox/api/wb"
DEMO_SELLER_ID = "demo"
DEMO_TOKEN = "sandbox-wb-token"
DEMO_SELLER_NAME = "Demo seller"
DEFAULT_BUYER_NAME = "Покупатель"
# 10 requests per 10 s per seller and method: interval 1 s, burst 10 (the spec's limit table).
WB_REQUEST_LIMIT = RequestLimit(10, 10.0)
CHATS_METHOD = "/api/v1/seller/chats"
EVENTS_METHOD = "/api/v1/seller/events"
MESSAGE_METHOD = "/api/v1/seller/message"
DOWNLOAD_METHOD = "/api/v1/seller/download"


def whole_seconds(seconds: float) -> int:
    """WB's Retry-After and reset headers: whole seconds, rounded up, at least 1."""
    return max(1, math.ceil(seconds))


class WildberriesEmulator(MarketplaceApi[Seller]):
    """Sellers, their chats and events, in memory; changed only from the event loop."""

    key = "wb"
    title = "Wildberries"

    def __init__(
        self,
        clock: MarketplaceClock | None = None,
        limit: RequestLimit | None = WB_REQUEST_LIMIT,
        events_page_size: int = 100,
    ) -> None:
        self.clock = clock or MarketplaceClock()
        self.limiter = RequestLimiter(limit)
        self.events_page_size = events_page_size
        self.faults = FaultBook()
        self.requests = RequestLog()
        self.sellers: dict[str, Seller] = {}
        self.chats: dict[str, Chat] = {}
        # The chats by their reply signature: what a seller's reply names.
        self.chats_by_sign: dict[str, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        # Per seller, ordered by addTimestamp (unique and increasing): what the events page.
        self.events: dict[str, list[Event]] = {}
        self.add_seller(DEMO_SELLER_ID, DEMO_TOKEN, DEMO_SELLER_NAME)

    # ------------------------------------------------------------------ wiring
    def routes(self) -> list[web.RouteDef]:
        api, control = API_PREFIX, CONTROL_PREFIX
        return [
            web.get(f"{api}{CHATS_METHOD}", self._api(CHATS_METHOD, self.list_chats)),
            web.get(f"{api}{EVENTS_METHOD}", self._api(EVENTS_METHOD, self.list_events)),
            web.post(f"{api}{MESSAGE_METHOD}", self._api(MESSAGE_METHOD, self.send_message)),
            web.get(
                f"{api}{DOWNLOAD_METHOD}/{{download_id}}",
                self._api(DOWNLOAD_METHOD, self.download),
            ),
            web.get(f"{control}/chats", self.control_list_chats),
            web.post(f"{control}/chats", self.control_buyer_starts_chat),
            web.post(f"{control}/chats/{{chat_id}}/messages", self.control_buyer_writes),
            web.get(f"{control}/chats/{{chat_id}}/messages", self.control_chat),
            web.post(f"{control}/chats/{{chat_id}}/close", self.control_close),
            web.get(f"{control}/sellers", self.control_list_sellers),
            web.post(f"{control}/sellers", self.control_put_seller),
            # The limit is per seller and method.
            *control_routes(
                control,
                self.faults,
                self.requests,
                self.limiter,
                no_limit={"limit": None, "period_seconds": None},
            ),
        ]

    def api_url(self, base_url: str) -> str:
        return base_url.rstrip("/") + API_PREFIX

    def demo_credentials(self) -> dict[str, str]:
        return {"token": DEMO_TOKEN}

    @property
    def demo_seller_id(self) -> str:
        return DEMO_SELLER_ID

    def chat_summaries(self, seller_id: str) -> list[dict[str, Any]]:
        """The seller's chats, oldest first, without their messages."""
        return chat_summaries(self.chats.values(), seller_id)

    # ------------------------------------------------------------------ state
    def add_seller(
        self, seller_id: str, token: str, name: str | None = None, revoked: bool = False
    ) -> Seller:
        """Creates the seller, or changes its token, name and revoked flag."""
        holder = self._seller_by_token(token)
        if holder is not None and holder.seller_id != seller_id:
            raise ControlError(409, f"seller {holder.seller_id} already has this token")
        seller = self.sellers.get(seller_id)
        if seller is None:
            seller = Seller(seller_id, token, name or seller_id, revoked)
            self.sellers[seller_id] = seller
            self.events[seller_id] = []
        else:
            seller.token = token
            seller.name = name or seller.name
            seller.revoked = revoked
        return seller

    def _seller_by_token(self, token: str) -> Seller | None:
        for seller in self.sellers.values():
            if secrets.compare_digest(seller.token.encode(), token.encode()):
                return seller
        return None

    def buyer_writes(self, chat_id: str, writes: BuyerWrites) -> tuple[Chat, bool]:
        """A buyer's message (text and/or an image) in ``chat_id``, created when new; returns
        the chat and whether it was created."""
        chat, created = find_or_create_chat(
            self.chats, chat_id, writes, self.sellers, DEMO_SELLER_ID, self._new_chat
        )
        chat.client_name = writes.buyer_name or chat.client_name
        card = None
        if writes.order is not None or writes.product is not None:
            chat.order = writes.order or chat.order
            chat.product = writes.product or chat.product
            card = good_card(chat.order, chat.product, 0, self.clock.now())
            chat.good_card = card
        image = writes.image
        files = (
            [self._store_file(chat.seller, image.name, image.content_type, image.content)]
            if image is not None
            else []
        )
        self._add_event(chat, "client", writes.text, files, card)
        return chat, created

    def _new_chat(self, chat_id: str, seller_id: str) -> Chat:
        chat = Chat(
            chat_id=chat_id,
            seller=seller_id,
            reply_sign=new_reply_sign(chat_id),
            client_id=str(100000 + secrets.randbelow(900000)),
            client_name=DEFAULT_BUYER_NAME,
        )
        self.chats_by_sign[chat.reply_sign] = chat
        return chat

    def _store_file(
        self, seller_id: str, name: str, content_type: str, content: bytes
    ) -> StoredFile:
        stored = StoredFile(
            download_id=str(uuid.uuid4()),
            seller_id=seller_id,
            name=name,
            content_type=content_type,
            content=content,
            date=self.clock.now(),
        )
        self.files[stored.download_id] = stored
        return stored

    def _add_event(
        self,
        chat: Chat,
        sender: Sender,
        text: str | None,
        files: list[StoredFile],
        card: dict[str, Any] | None = None,
    ) -> Event:
        seller = self.sellers[chat.seller]
        # The events page by addTimestamp, so two events of a seller never share one.
        add_ms = max(to_millis(self.clock.now()), seller.last_event_ms + 1)
        seller.last_event_ms = add_ms
        is_new_chat = not chat.messages
        if is_new_chat and card is None:
            card = chat.good_card
        event = Event(
            event_id=str(uuid.uuid4()),
            chat=chat,
            sender=sender,
            text=text,
            add_ms=add_ms,
            is_new_chat=is_new_chat,
            good_card=card,
            files=files,
        )
        chat.messages.append(event)
        self.events[chat.seller].append(event)
        return event

    # ------------------------------------------------------------- API plumbing
    def _seller_key(self, seller: Seller) -> str:
        return seller.seller_id

    def _logged_seller(self, request: web.Request, seller: Seller | None) -> str | None:
        return seller.seller_id if seller is not None else None

    def _authenticate(self, request: web.Request) -> Seller:
        header = request.headers.get("Authorization", "").strip()
        scheme, _, rest = header.partition(" ")
        token = rest.strip() if scheme.lower() == "bearer" else header
        if not token:
            raise Refusal(unauthorized(MISSING_TOKEN, self.clock.now()))
        seller = self._seller_by_token(token)
        if seller is None:
            raise Refusal(unauthorized(UNKNOWN_TOKEN, self.clock.now()))
        if seller.revoked:
            raise Refusal(unauthorized(TOKEN_WITHDRAWN, self.clock.now()))
        return seller

    async def _apply_fault(self, fault: Fault, seller: Seller) -> None:
        """Refuses as the fault says, or (``slow``) holds the call and lets it go on."""
        if fault.kind == "revoked":
            raise Refusal(unauthorized(TOKEN_WITHDRAWN, self.clock.now()))
        if fault.kind == "rate_limited":
            seconds = whole_seconds(fault.retry_after_seconds)
            raise Refusal(self._too_many(seller, seconds, seconds))
        if fault.kind == "server_error":
            raise Refusal(server_error(fault.status))
        if fault.kind == "slow":
            await hold(fault)
        # premium_required is Ozon's: WB serves the call as usual.

    def _admit(self, seller: Seller, method: str) -> None:
        limit = self.limiter.limit
        wait = self.limiter.take(f"{seller.seller_id} {method}")
        if wait is None or limit is None:
            return
        # The whole burst is back once the pace has caught up with the burst's worth of calls.
        reset = wait + limit.interval * (limit.limit - 1)
        raise Refusal(self._too_many(seller, whole_seconds(wait), whole_seconds(reset)))

    def _too_many(self, seller: Seller, retry_seconds: int, reset_seconds: int) -> web.Response:
        seller.rate_limited_answers += 1
        limit = self.limiter.limit or WB_REQUEST_LIMIT
        return too_many_requests(retry_seconds, reset_seconds, limit.limit, self.clock.now())

    @staticmethod
    def _download_url(request: web.Request) -> str:
        return f"{request.url.origin()}{API_PREFIX}{DOWNLOAD_METHOD}/"

    # ------------------------------------------------------------- API methods
    async def list_chats(self, request: web.Request, seller: Seller) -> web.StreamResponse:
        chats = [chat for chat in self.chats.values() if chat.seller == seller.seller_id]
        chats.sort(key=lambda chat: chat.messages[-1].add_ms if chat.messages else 0, reverse=True)
        return web.json_response({"result": [chat.api_view() for chat in chats], "errors": None})

    async def list_events(self, request: web.Request, seller: Seller) -> web.StreamResponse:
        after = self._next_parameter(request)
        events = self.events[seller.seller_id]
        start = 0 if after is None else bisect_right(events, after, key=lambda e: e.add_ms)
        page = events[start : start + self.events_page_size]
        download_url = self._download_url(request)
        result: dict[str, Any] = {
            "next": page[-1].add_ms if page else (after or 0),
            "newestEventTime": page[-1].add_time if page else None,
            "oldestEventTime": page[0].add_time if page else None,
            "totalEvents": len(page),
            "events": [event.api_view(download_url) for event in page],
        }
        return web.json_response({"result": result, "errors": None})

    @staticmethod
    def _next_parameter(request: web.Request) -> int | None:
        raw = request.query.get("next")
        if raw is None:
            return None
        try:
            value = int(raw.strip())
        except ValueError:
            raise Refusal(bad_request(INVALID_NUMBER, "application/json")) from None
        if value <= 0:
            raise Refusal(bad_request(INVALID_NEXT, "application/json"))
        return value

    async def send_message(self, request: web.Request, seller: Seller) -> web.StreamResponse:
        outgoing = await read_outgoing_message(request)
        chat = self.chats_by_sign.get(outgoing.reply_sign or "")
        # Another seller's chat is as unknown as one that does not exist.
        known = chat is not None and chat.seller == seller.seller_id
        check_outgoing_message(outgoing, known)
        assert chat is not None  # checked above
        files = []
        for upload in outgoing.uploads:
            content_type = upload.accepted_type()
            assert content_type is not None  # checked above
            files.append(
                self._store_file(seller.seller_id, upload.name, content_type, upload.content)
            )
        event = self._add_event(chat, "seller", outgoing.text or None, files)
        return web.json_response(
            {"result": {"addTime": event.add_ms, "chatID": chat.chat_id}, "errors": []}
        )

    async def download(self, request: web.Request, seller: Seller) -> web.StreamResponse:
        stored = self.files.get(request.match_info["download_id"])
        if stored is None or stored.seller_id != seller.seller_id:
            raise Refusal(invalid_file_id())
        return web.Response(body=stored.content, content_type=stored.content_type)

    # ---------------------------------------------------------------- control
    def _control_chat(self, request: web.Request) -> Chat:
        chat_id = request.match_info["chat_id"]
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ControlError(404, f"no chat {chat_id}")
        return chat

    async def control_buyer_writes(self, request: web.Request) -> web.Response:
        """A buyer writes in the chat (created when new, 201); answers the chat's view."""
        chat_id = request.match_info["chat_id"].strip()
        if not chat_id:
            raise ControlError(400, "the chat id must not be empty")
        chat, created = self.buyer_writes(chat_id, await BuyerWrites.from_request(request))
        return web.json_response(chat.to_control_view(), status=201 if created else 200)

    async def control_buyer_starts_chat(self, request: web.Request) -> web.Response:
        """A buyer writes into a new chat, its id shaped like WB's (``1:<uuid>``); 201."""
        chat, _ = self.buyer_writes(new_chat_id(), await BuyerWrites.from_request(request))
        return web.json_response(chat.to_control_view(), status=201)

    async def control_chat(self, request: web.Request) -> web.Response:
        return web.json_response(self._control_chat(request).to_control_view())

    async def control_list_chats(self, request: web.Request) -> web.Response:
        """``{"chats": [view, ...]}``, oldest first; ``?seller=`` narrows to one seller."""
        seller_id = request.query.get("seller")
        chats = [
            chat.to_control_view()
            for chat in self.chats.values()
            if seller_id in (None, chat.seller)
        ]
        return web.json_response({"chats": chats})

    async def control_close(self, request: web.Request) -> web.Response:
        raise ControlError(404, "Wildberries chats are never closed")

    async def control_list_sellers(self, request: web.Request) -> web.Response:
        return web.json_response({"sellers": [s.to_view() for s in self.sellers.values()]})

    async def control_put_seller(self, request: web.Request) -> web.Response:
        """``{"seller_id", "token", "name"?, "revoked"?}``: creates (201) or changes (200)."""
        body = await control_json(request)
        seller_id, token, name = body.get("seller_id"), body.get("token"), body.get("name")
        revoked = body.get("revoked", False)
        if not isinstance(seller_id, str) or not seller_id:
            raise ControlError(400, "seller_id must be a non-empty string")
        if not isinstance(token, str) or not token.strip():
            raise ControlError(400, "token must be a non-empty string")
        if name is not None and not isinstance(name, str):
            raise ControlError(400, "name must be a string")
        if not isinstance(revoked, bool):
            raise ControlError(400, "revoked must be a boolean")
        created = seller_id not in self.sellers
        seller = self.add_seller(seller_id, token.strip(), name, revoked)
        return web.json_response(seller.to_view(), status=201 if created else 200)
