"""What the Ozon and Wildberries emulators share: a clock the tests can move, faults injected per
seller and method, the marketplace's request limit, the API request log, and the control API's
"a buyer writes" body.

Both emulators keep their state in memory and change it only from the event loop (no locking).
Their control APIs have the same shape under ``/sandbox/api/{ozon|wb}``:

- ``POST /chats/{chat_id}/messages``: a buyer writes (JSON ``{"text", "buyer_name", "order",
  "product", "seller"}`` or multipart with an ``image`` file and the same fields); the chat is
  created when new; ``POST /chats``: the same into a new chat, its id made up the
  marketplace's way;
- ``GET /chats/{chat_id}/messages``: the chat as the marketplace holds it, seller replies too;
- ``POST /chats/{chat_id}/close``: the marketplace closes the chat;
- ``POST /sellers``, ``GET /sellers``: sellers and their credentials (a demo seller exists);
- ``POST /faults``, ``GET /faults``, ``DELETE /faults``: see :class:`Fault`;
- ``GET /requests``, ``DELETE /requests``: the API calls received;
- ``GET /limits``, ``PUT /limits``: the request limit (``{"limit": n, "period_seconds": s}``,
  ``{"limit": null}`` for none).

Ozon's emulator also sends push notifications (see :mod:`sandbox.ozon.pushes`).

``/sandbox/api/marketplace`` lists the emulated marketplaces with their demo credentials and
the demo seller's buyer chats, and names the demo seller and its forum group once one is set
up (``PUT /sandbox/api/marketplace/demo`` ``{"seller", "forum_chat_id"}``, ``DELETE`` to
forget it; `make run` does it). ``/sandbox/api/marketplace/clock`` reads (GET) or moves (POST
``{"advance_seconds": s}``) the clock that both emulators read.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Literal, Protocol, TypeVar, get_args
from urllib.parse import unquote

from aiohttp import web

from sandbox.control import ControlError, control_json

FaultKind = Literal["rate_limited", "server_error", "slow", "revoked", "premium_required"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
MAX_LOGGED_REQUESTS = 2000


class MarketplaceClock:
    """Wall-clock time plus an offset the tests move forward (the answer window, events' time)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ControlError(400, "the clock only moves forward")
        self.offset += timedelta(seconds=seconds)
        return self.now()


@dataclass
class Fault:
    """One injected failure. ``seller`` / ``method`` None match every seller / API path.

    ``times`` answers are spoiled, then the fault is gone; ``times`` None keeps it until the
    faults are cleared. ``rate_limited`` answers 429 the marketplace's way with
    ``retry_after_seconds``; ``server_error`` answers ``status`` (5xx); ``slow`` holds the
    answer ``delay_seconds`` and then serves it; ``revoked`` answers as for a revoked key;
    ``premium_required`` is Ozon's refusal without Premium Plus.
    """

    kind: FaultKind
    seller: str | None = None
    method: str | None = None
    times: int | None = 1
    status: int = 500
    delay_seconds: float = 0.0
    retry_after_seconds: float = 1.0
    spent: int = 0

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Fault:
        kind = body.get("kind")
        if kind not in FAULT_KINDS:
            raise ControlError(400, f"kind must be one of {', '.join(FAULT_KINDS)}")
        times = body.get("times", 1)
        if times is not None and (not isinstance(times, int) or times < 1):
            raise ControlError(400, "times must be a positive integer or null (until cleared)")
        status = body.get("status", 500)
        if not isinstance(status, int) or not 500 <= status <= 599:
            raise ControlError(400, "status must be a 5xx code")
        numbers = {}
        for name in ("delay_seconds", "retry_after_seconds"):
            value = body.get(name, 0.0 if name == "delay_seconds" else 1.0)
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ControlError(400, f"{name} must be a non-negative number")
            numbers[name] = float(value)
        return cls(
            kind=kind,
            seller=optional_text(body, "seller"),
            method=optional_text(body, "method"),
            times=times,
            status=status,
            **numbers,
        )

    def matches(self, seller: str, method: str) -> bool:
        return (self.seller in (None, seller)) and (self.method in (None, method))

    def to_view(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "seller": self.seller,
            "method": self.method,
            "times": self.times,
            "spent": self.spent,
            "status": self.status,
            "delay_seconds": self.delay_seconds,
            "retry_after_seconds": self.retry_after_seconds,
        }


def optional_text(body: dict[str, Any], name: str) -> str | None:
    """``body[name]``: a string or absent/None (400 otherwise)."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ControlError(400, f"{name} must be a string")
    return value


class FaultBook:
    """The injected faults, oldest first; each API call takes the first that matches it."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self.faults.append(fault)

    def clear(self) -> None:
        self.faults.clear()

    def take(self, seller: str, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(seller, method):
                fault.spent += 1
                if fault.times is not None and fault.spent >= fault.times:
                    self.faults.remove(fault)
                return fault
        return None


@dataclass(frozen=True)
class RequestLimit:
    """``limit`` requests per ``period_seconds``, as a steady pace with a burst of ``limit``
    (a generic cell rate: one request every period/limit, up to ``limit`` at once when idle).
    That is how Wildberries states its limits (10 per 10 s: interval 1 s, burst 10)."""

    limit: int
    period_seconds: float

    @property
    def interval(self) -> float:
        return self.period_seconds / self.limit

    def to_json(self) -> dict[str, Any]:
        return {"limit": self.limit, "period_seconds": self.period_seconds}

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> RequestLimit | None:
        limit = body.get("limit")
        if limit is None:
            return None
        period = body.get("period_seconds")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ControlError(400, "limit must be a positive integer or null (no limit)")
        if not isinstance(period, int | float) or isinstance(period, bool) or period <= 0:
            raise ControlError(400, "period_seconds must be a positive number")
        return cls(limit, float(period))


class RequestLimiter:
    """Counts requests per key (a seller, or a seller and a method) against a `RequestLimit`.

    Runs on the monotonic clock, not the movable one: moving the clock must not refill budgets.
    """

    def __init__(self, limit: RequestLimit | None) -> None:
        self.limit = limit
        self._theoretical_arrival: dict[str, float] = {}

    def set_limit(self, limit: RequestLimit | None) -> None:
        self.limit = limit
        self._theoretical_arrival.clear()

    def take(self, key: str) -> float | None:
        """None when the request is within the limit, else the seconds until it would be."""
        if self.limit is None:
            return None
        now = time.monotonic()
        interval = self.limit.interval
        tolerance = interval * (self.limit.limit - 1)
        arrival = max(self._theoretical_arrival.get(key, now), now)
        wait = arrival - tolerance - now
        if wait > 1e-9:
            return wait
        self._theoretical_arrival[key] = arrival + interval
        return None


@dataclass
class LoggedRequest:
    method: str
    seller: str | None
    status: int

    def to_view(self) -> dict[str, Any]:
        return {"method": self.method, "seller": self.seller, "status": self.status}


class RequestLog:
    def __init__(self) -> None:
        self.entries: deque[LoggedRequest] = deque(maxlen=MAX_LOGGED_REQUESTS)

    def add(self, method: str, seller: str | None, status: int) -> None:
        self.entries.append(LoggedRequest(method, seller, status))

    def view(self, method: str | None = None) -> list[dict[str, Any]]:
        return [e.to_view() for e in self.entries if method in (None, e.method)]

    def clear(self) -> None:
        self.entries.clear()


async def hold(fault: Fault) -> None:
    """A ``slow`` fault's delay."""
    await asyncio.sleep(fault.delay_seconds)


class ApiRefusal(Exception):
    """Ends an API call with the marketplace's refusal, :meth:`to_response`."""

    def to_response(self) -> web.Response:
        raise NotImplementedError


SellerT = TypeVar("SellerT")
ApiHandler = Callable[[web.Request, SellerT], Awaitable[web.StreamResponse]]
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


class MarketplaceApi(Generic[SellerT]):
    """The API request pipeline both emulators share: the body is read at once, then auth →
    injected fault → the marketplace's own admission checks (the request limit) → the method;
    an :class:`ApiRefusal` anywhere is the answer, and every answer is logged.

    The body is read first so that a client that gives up during a ``slow`` fault still has
    its call served, as a real server would (the request may well have been delivered); see
    :func:`body_read_first`.
    """

    faults: FaultBook
    requests: RequestLog

    def _authenticate(self, request: web.Request) -> SellerT:
        raise NotImplementedError

    def _seller_key(self, seller: SellerT) -> str:
        """The seller as faults name it."""
        raise NotImplementedError

    async def _apply_fault(self, fault: Fault, seller: SellerT) -> None:
        """Raises the fault's refusal; a ``slow`` fault only waits and lets the call go on."""
        raise NotImplementedError

    def _admit(self, seller: SellerT, method: str) -> None:
        """Raises a refusal when the call is over the request limit (or otherwise refused)."""
        raise NotImplementedError

    def _logged_seller(self, request: web.Request, seller: SellerT | None) -> str | None:
        """Who the request log names for the call (``seller`` None: authentication failed)."""
        raise NotImplementedError

    def _api(self, method: str, handler: ApiHandler[SellerT]) -> Route:
        async def route(request: web.Request) -> web.StreamResponse:
            if body_read_first(request):
                await request.read()
            seller = None
            try:
                seller = self._authenticate(request)
                fault = self.faults.take(self._seller_key(seller), method)
                if fault is not None:
                    await self._apply_fault(fault, seller)
                self._admit(seller, method)
                response = await handler(request, seller)
            except ApiRefusal as refusal:
                response = refusal.to_response()
            self.requests.add(method, self._logged_seller(request, seller), response.status)
            return response

        return route


def body_read_first(request: web.Request) -> bool:
    """Whether the API pipeline reads the body before anything else: unless it says it is over
    the server's body limit, which would answer 413 (a method may stream a big upload and
    refuse it the marketplace's way instead)."""
    length = request.content_length
    return length is None or length <= request.client_max_size


def control_routes(
    prefix: str,
    faults: FaultBook,
    requests: RequestLog,
    limiter: RequestLimiter,
    no_limit: dict[str, Any],
    fault_key: str | None = None,
) -> list[web.RouteDef]:
    """The control API's ``/faults``, ``/requests`` and ``/limits`` under ``prefix``;
    ``no_limit`` is how ``/limits`` reads with no limit set, and a fault added is answered
    under ``fault_key`` (None: the fault's view itself)."""

    async def list_faults(request: web.Request) -> web.Response:
        return web.json_response({"faults": [fault.to_view() for fault in faults.faults]})

    async def add_fault(request: web.Request) -> web.Response:
        """A :class:`Fault` (``method``: an API path without the emulator's prefix)."""
        fault = Fault.from_json(await control_json(request))
        faults.add(fault)
        view = fault.to_view()
        return web.json_response({fault_key: view} if fault_key else view, status=201)

    async def clear_faults(request: web.Request) -> web.Response:
        faults.clear()
        return web.json_response({"ok": True})

    async def list_requests(request: web.Request) -> web.Response:
        """``{"requests": [{"method", "seller", "status"}, ...]}``, oldest first; ``?method=``
        narrows to one API path."""
        return web.json_response({"requests": requests.view(request.query.get("method"))})

    async def clear_requests(request: web.Request) -> web.Response:
        requests.clear()
        return web.json_response({"ok": True})

    def limits_view() -> dict[str, Any]:
        limit = limiter.limit
        return limit.to_json() if limit is not None else dict(no_limit)

    async def get_limits(request: web.Request) -> web.Response:
        return web.json_response(limits_view())

    async def set_limits(request: web.Request) -> web.Response:
        """``{"limit": n, "period_seconds": s}``, or ``{"limit": null}`` for none."""
        limiter.set_limit(RequestLimit.from_json(await control_json(request)))
        return web.json_response(limits_view())

    return [
        web.get(f"{prefix}/faults", list_faults),
        web.post(f"{prefix}/faults", add_fault),
        web.delete(f"{prefix}/faults", clear_faults),
        web.get(f"{prefix}/requests", list_requests),
        web.delete(f"{prefix}/requests", clear_requests),
        web.get(f"{prefix}/limits", get_limits),
        web.put(f"{prefix}/limits", set_limits),
    ]


@dataclass
class BuyerUpload:
    name: str
    content_type: str
    content: bytes


@dataclass
class BuyerWrites:
    """The control API's "a buyer writes" body: text and/or one image, with the chat's context."""

    text: str | None
    buyer_name: str | None
    order: str | None
    product: str | None
    seller: str | None
    image: BuyerUpload | None = None

    @classmethod
    async def from_request(cls, request: web.Request) -> BuyerWrites:
        image = None
        if request.content_type.startswith("multipart/"):
            fields: dict[str, Any] = {}
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if part.name == "image" and getattr(part, "filename", None):
                    image = BuyerUpload(
                        # aiohttp's FormData percent-encodes a file name that is not ASCII.
                        name=unquote(part.filename or "") or "image.jpg",
                        content_type=part.headers.get("Content-Type", "application/octet-stream"),
                        content=bytes(await part.read()),
                    )
                elif part.name:
                    fields[part.name] = await part.text()
        else:
            fields = await control_json(request)
        values = {}
        for name in ("text", "buyer_name", "order", "product", "seller"):
            value = fields.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if value is not None and not isinstance(value, str):
                raise ControlError(400, f"{name} must be a string")
            values[name] = value or None
        if values["text"] is None and image is None:
            raise ControlError(400, "a buyer writes text, an image or both")
        return cls(image=image, **values)


class ChatMessage(Protocol):
    @property
    def text(self) -> str | None: ...


class ControlledChat(Protocol):
    """What the control API and the sandbox's overview read of an emulator's chat."""

    @property
    def seller(self) -> str: ...

    @property
    def messages(self) -> Sequence[ChatMessage]: ...

    def to_control_view(self, with_messages: bool = True) -> dict[str, Any]: ...


ChatT = TypeVar("ChatT", bound=ControlledChat)


def find_or_create_chat(
    chats: dict[str, ChatT],
    chat_id: str,
    writes: BuyerWrites,
    sellers: Container[str],
    demo_seller: str,
    new_chat: Callable[[str, str], ChatT],
) -> tuple[ChatT, bool]:
    """The chat a buyer writes in and whether it was created (``new_chat(chat_id, seller)``,
    for ``writes.seller`` or else the demo seller); 404 for an unknown seller, 409 when the
    chat is another seller's."""
    seller = writes.seller or demo_seller
    if seller not in sellers:
        raise ControlError(404, f"seller {seller} not found")
    chat = chats.get(chat_id)
    if chat is None:
        chat = chats[chat_id] = new_chat(chat_id, seller)
        return chat, True
    if writes.seller is not None and writes.seller != chat.seller:
        raise ControlError(409, f"chat {chat_id} belongs to seller {chat.seller}")
    return chat, False


def chat_summaries(chats: Iterable[ControlledChat], seller_id: str) -> list[dict[str, Any]]:
    """The seller's chats in ``chats``' order, without their messages: how many there are and
    the last text."""
    return [
        {
            **chat.to_control_view(with_messages=False),
            "messages": len(chat.messages),
            "last_text": next((m.text for m in reversed(chat.messages) if m.text), None),
        }
        for chat in chats
        if chat.seller == seller_id
    ]


class MarketplaceEmulator(Protocol):
    """What the sandbox app needs of each marketplace emulator."""

    key: str  # "ozon" | "wb": the control API's path segment
    title: str

    def routes(self) -> list[web.RouteDef]: ...

    def api_url(self, base_url: str) -> str: ...

    def demo_credentials(self) -> dict[str, str]: ...

    @property
    def demo_seller_id(self) -> str: ...

    def chat_summaries(self, seller_id: str) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class MarketplaceDemo:
    """The demo seller the sandbox shows (`make run` sets one up): its name and the forum group
    its buyer chats go to, connected to every emulator as that emulator's demo seller."""

    seller: str
    forum_chat_id: int

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> MarketplaceDemo:
        seller, forum_chat_id = body.get("seller"), body.get("forum_chat_id")
        if not isinstance(seller, str) or not seller.strip():
            raise ControlError(400, "seller must be a non-empty string")
        if not isinstance(forum_chat_id, int) or isinstance(forum_chat_id, bool):
            raise ControlError(400, "forum_chat_id must be an integer")
        if forum_chat_id >= 0:
            raise ControlError(400, "forum_chat_id must be a group's (negative) id")
        return cls(seller.strip(), forum_chat_id)


class MarketplaceOverview:
    """``/sandbox/api/marketplace``: the emulators, and the demo seller once there is one."""

    def __init__(
        self,
        clock: MarketplaceClock,
        emulators: list[MarketplaceEmulator],
        base_url: Callable[[], str],
    ) -> None:
        self.clock = clock
        self.emulators = emulators
        self.base_url = base_url
        self.demo: MarketplaceDemo | None = None

    def view(self) -> dict[str, Any]:
        """``{"seller": {"name"} | null, "forum_chat_id": int | null, "marketplaces": {key:
        {"title", "api_url", "credentials", "seller_id", "chats": [summary, ...]}}}``: the
        demo seller's chats in each emulator, oldest first."""
        demo = self.demo
        return {
            "seller": {"name": demo.seller} if demo is not None else None,
            "forum_chat_id": demo.forum_chat_id if demo is not None else None,
            "marketplaces": {
                emulator.key: {
                    "title": emulator.title,
                    "api_url": emulator.api_url(self.base_url()),
                    "credentials": emulator.demo_credentials(),
                    "seller_id": emulator.demo_seller_id,
                    "chats": emulator.chat_summaries(emulator.demo_seller_id),
                }
                for emulator in self.emulators
            },
        }

    def routes(self) -> list[web.RouteDef]:
        async def overview(request: web.Request) -> web.Response:
            return web.json_response(self.view())

        async def set_demo(request: web.Request) -> web.Response:
            self.demo = MarketplaceDemo.from_json(await control_json(request))
            return web.json_response(self.view())

        async def forget_demo(request: web.Request) -> web.Response:
            self.demo = None
            return web.json_response(self.view())

        return [
            web.get("/sandbox/api/marketplace", overview),
            web.put("/sandbox/api/marketplace/demo", set_demo),
            web.delete("/sandbox/api/marketplace/demo", forget_demo),
            *clock_routes(self.clock),
        ]


def clock_routes(clock: MarketplaceClock) -> list[web.RouteDef]:
    async def read(request: web.Request) -> web.Response:
        return web.json_response({"now": clock.now().isoformat()})

    async def advance(request: web.Request) -> web.Response:
        body = await control_json(request)
        seconds = body.get("advance_seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            raise ControlError(400, "advance_seconds must be a number")
        return web.json_response({"now": clock.advance(float(seconds)).isoformat()})

    return [
        web.get("/sandbox/api/marketplace/clock", read),
        web.post("/sandbox/api/marketplace/clock", advance),
    ]
