"""The Ozon emulator's control API for tests and the sandbox UI, under ``/sandbox/api/ozon``
(the shape every marketplace emulator shares, see :mod:`sandbox.marketplace_common`):

- ``POST /chats/{chat_id}/messages``: a buyer writes (201 with the chat when it is new, else
  200); ``GET /chats/{chat_id}/messages``: the chat with every message, seller replies too;
- ``GET /chats`` (``?seller=``): the chats without their messages; ``POST /chats``: a buyer
  writes into a new chat (its id made up the way Ozon's are, a UUID);
- ``POST /chats/{chat_id}/close``: Ozon closes the chat;
- ``GET /sellers``, ``POST /sellers`` (create or update);
- ``GET|POST|DELETE /faults``, ``GET|DELETE /requests`` (``?method=``), ``GET|PUT /limits``;
- ``GET /push``: the push URL and the latest deliveries; ``PUT /push`` ``{"url": str|null}``;
  ``POST /push/ping``: sends ``TYPE_PING`` now and answers what the push URL answered.

Errors are ``{"error": ...}`` via :class:`sandbox.control.ControlError`.
"""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web

from sandbox.control import ControlError, control_json
from sandbox.marketplace_common import (
    BuyerWrites,
    FaultBook,
    RequestLimiter,
    RequestLog,
    control_routes,
    optional_text,
)
from sandbox.ozon.model import CONTROL_PREFIX, OzonChat, Seller
from sandbox.ozon.pushes import OzonPushes


class ControlledOzon(Protocol):
    """What the control API reaches in the emulator (which mounts it)."""

    chats: dict[str, OzonChat]
    sellers: dict[str, Seller]
    faults: FaultBook
    limiter: RequestLimiter
    requests: RequestLog
    pushes: OzonPushes

    def buyer_writes(self, chat_id: str, writes: BuyerWrites) -> tuple[OzonChat, bool]: ...

    def buyer_starts_chat(self, writes: BuyerWrites) -> OzonChat: ...

    async def ping(self) -> dict[str, Any]: ...

    def close_chat(self, chat_id: str) -> OzonChat: ...

    def control_chat(self, chat_id: str) -> OzonChat: ...


class OzonControlApi:
    def __init__(self, emulator: ControlledOzon) -> None:
        self.emulator = emulator

    def routes(self) -> list[web.RouteDef]:
        control = CONTROL_PREFIX
        return [
            web.get(f"{control}/chats", self.list_chats),
            web.post(f"{control}/chats", self.buyer_starts_chat),
            web.post(f"{control}/chats/{{chat_id}}/messages", self.buyer_writes),
            web.get(f"{control}/chats/{{chat_id}}/messages", self.chat_messages),
            web.post(f"{control}/chats/{{chat_id}}/close", self.close_chat),
            web.get(f"{control}/sellers", self.list_sellers),
            web.post(f"{control}/sellers", self.save_seller),
            # Fault methods are API paths without ``/ozon`` (``/v3/chat/list``; file downloads
            # are ``/v2/chat/file``); the limit is per Client-Id.
            *control_routes(
                control,
                self.emulator.faults,
                self.emulator.requests,
                self.emulator.limiter,
                no_limit={"limit": None},
                fault_key="fault",
            ),
            web.get(f"{control}/push", self.get_push),
            web.put(f"{control}/push", self.set_push),
            web.post(f"{control}/push/ping", self.send_ping),
        ]

    # ------------------------------------------------------------- chats
    async def list_chats(self, request: web.Request) -> web.Response:
        """``{"chats": [view without messages, ...]}`` in creation order."""
        seller = request.query.get("seller")
        return web.json_response(
            {
                "chats": [
                    chat.to_control_view(with_messages=False)
                    for chat in self.emulator.chats.values()
                    if seller in (None, chat.seller)
                ]
            }
        )

    async def buyer_writes(self, request: web.Request) -> web.Response:
        """``{"text", "buyer_name", "order", "product", "seller"}`` as JSON, or multipart with
        an ``image`` file: an image and text become two messages, the image first."""
        writes = await BuyerWrites.from_request(request)
        chat, created = self.emulator.buyer_writes(request.match_info["chat_id"], writes)
        return web.json_response(chat.to_control_view(), status=201 if created else 200)

    async def buyer_starts_chat(self, request: web.Request) -> web.Response:
        """The body of ``POST /chats/{chat_id}/messages``; 201 with the new chat."""
        chat = self.emulator.buyer_starts_chat(await BuyerWrites.from_request(request))
        return web.json_response(chat.to_control_view(), status=201)

    async def chat_messages(self, request: web.Request) -> web.Response:
        """``{"chat_id", "seller", "status", "buyer_name", "order", "product", "messages":
        [{"id", "author", "text", "files", "created_at", "read"}, ...]}``."""
        chat = self.emulator.control_chat(request.match_info["chat_id"])
        return web.json_response(chat.to_control_view())

    async def close_chat(self, request: web.Request) -> web.Response:
        chat = self.emulator.close_chat(request.match_info["chat_id"])
        return web.json_response(chat.to_control_view())

    # ------------------------------------------------------------- sellers
    async def list_sellers(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"sellers": [seller.to_view() for seller in self.emulator.sellers.values()]}
        )

    async def save_seller(self, request: web.Request) -> web.Response:
        """``{"client_id", "api_key", "name"?, "premium_plus"?, "revoked"?}``: creates the
        seller (201; ``api_key`` required) or changes the fields given (200)."""
        body = await control_json(request)
        client_id = body.get("client_id")
        # Ozon's client ids are numbers; a JSON number is taken as its digits.
        if isinstance(client_id, int) and not isinstance(client_id, bool):
            client_id = str(client_id)
        if not isinstance(client_id, str) or not client_id:
            raise ControlError(400, "client_id must be a non-empty string")
        api_key = optional_text(body, "api_key") or None
        name = optional_text(body, "name") or None
        premium_plus = _optional_bool(body, "premium_plus")
        revoked = _optional_bool(body, "revoked")
        seller = self.emulator.sellers.get(client_id)
        created = seller is None
        if seller is None:
            if not api_key:
                raise ControlError(400, "a new seller needs an api_key")
            seller = Seller(client_id, api_key, name or f"Seller {client_id}")
            self.emulator.sellers[client_id] = seller
        if api_key:
            seller.api_key = api_key
        if name:
            seller.name = name
        if premium_plus is not None:
            seller.premium_plus = premium_plus
        if revoked is not None:
            seller.revoked = revoked
        return web.json_response(seller.to_view(), status=201 if created else 200)

    # ------------------------------------------------------------- pushes
    async def get_push(self, request: web.Request) -> web.Response:
        """``{"url", "deliveries": [{"message_type", "chat_id"?, "message_id"?, "status" |
        "error"}, ...]}``, oldest first."""
        return web.json_response(self.emulator.pushes.view())

    async def set_push(self, request: web.Request) -> web.Response:
        body = await control_json(request)
        if "url" not in body:
            raise ControlError(400, "url is required (null: no pushes)")
        self.emulator.pushes.set_url(body["url"])
        return web.json_response(self.emulator.pushes.view())

    async def send_ping(self, request: web.Request) -> web.Response:
        """``{"status", "answer"}`` (the push URL's answer) or ``{"error"}`` when it could not
        be reached; 409 without a push URL."""
        return web.json_response(await self.emulator.ping())


def _optional_bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise ControlError(400, f"{name} must be true or false")
    return value
