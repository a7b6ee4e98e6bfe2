"""The Ozon emulator over HTTP, as a connector and a test see it: the Seller API's buyer-chat
methods with Ozon's refusals, and the control API."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from sandbox.control import control_errors
from sandbox.marketplace_common import MarketplaceClock, RequestLimit, clock_routes
from sandbox.ozon import DEMO_API_KEY, DEMO_CLIENT_ID, OZON_REQUEST_LIMIT, OzonEmulator

AUTH = {"Client-Id": DEMO_CLIENT_ID, "Api-Key": DEMO_API_KEY}
OTHER_SELLER = {"client_id": "200600", "api_key": "other-key"}
OTHER_AUTH = {"Client-Id": "200600", "Api-Key": "other-key"}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n%sandbox\n"
HOUR = 3600


@dataclass
class OzonSandbox:
    emulator: OzonEmulator
    clock: MarketplaceClock
    http: aiohttp.ClientSession
    base_url: str

    async def api(
        self, path: str, body: Any = None, headers: dict[str, str] | None = AUTH
    ) -> tuple[int, Any]:
        """POST ``body`` as JSON to ``/ozon{path}``; answers the status and the JSON."""
        async with self.http.post(
            f"{self.base_url}/ozon{path}", json=body, headers=headers or {}
        ) as response:
            return response.status, await response.json()

    async def control(
        self, method: str, path: str, body: Any = None, data: Any = None
    ) -> tuple[int, Any]:
        async with self.http.request(
            method, f"{self.base_url}/sandbox/api/ozon{path}", json=body, data=data
        ) as response:
            return response.status, await response.json()

    async def buyer_writes(self, chat_id: str, text: str = "Hello", **fields: Any) -> dict:
        status, view = await self.control(
            "POST", f"/chats/{chat_id}/messages", {"text": text, **fields}
        )
        assert status in (200, 201), view
        return view

    async def message_ids(self, chat_id: str) -> list[int]:
        status, view = await self.control("GET", f"/chats/{chat_id}/messages")
        assert status == 200
        return [message["id"] for message in view["messages"]]

    async def add_seller(self, **fields: Any) -> dict:
        status, seller = await self.control("POST", "/sellers", {**OTHER_SELLER, **fields})
        assert status in (200, 201), seller
        return seller

    async def add_fault(self, **fault: Any) -> None:
        status, answer = await self.control("POST", "/faults", fault)
        assert status == 201, answer


@pytest.fixture
async def ozon() -> AsyncIterator[OzonSandbox]:
    clock = MarketplaceClock()
    emulator = OzonEmulator(clock)
    app = web.Application(middlewares=[control_errors], client_max_size=60 * 1024 * 1024)
    app.add_routes([*emulator.routes(), *clock_routes(clock)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    assert site._server is not None
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    async with aiohttp.ClientSession() as http:
        yield OzonSandbox(emulator, clock, http, f"http://127.0.0.1:{port}")
    await runner.cleanup()


def assert_refused(answer: tuple[int, Any], status: int, code: int, message: str = "") -> None:
    got_status, body = answer
    assert (got_status, body["code"]) == (status, code), body
    assert set(body) == {"code", "message", "details"} and body["details"] == []
    assert message in body["message"], body


# ------------------------------------------------------------- the emulator's identity


def test_identity_and_demo_credentials() -> None:
    emulator = OzonEmulator()
    assert (emulator.key, emulator.title) == ("ozon", "Ozon")
    assert emulator.api_url("http://sandbox:8081") == "http://sandbox:8081/ozon"
    assert emulator.demo_credentials() == {"client_id": DEMO_CLIENT_ID, "api_key": DEMO_API_KEY}
    assert emulator.limiter.limit == OZON_REQUEST_LIMIT == RequestLimit(50, 1.0)


# ------------------------------------------------------------- requests shaped like the spec


async def test_chat_list_shape(ozon: OzonSandbox) -> None:
    await ozon.buyer_writes("chat-1", "Where is my order?", order="0123-4567", product="987654")
    await ozon.buyer_writes("chat-1", "Hello?")
    ids = await ozon.message_ids("chat-1")
    status, answer = await ozon.api(
        "/v3/chat/list", {"filter": {"chat_status": "All", "unread_only": False}, "limit": 30}
    )
    assert status == 200
    assert answer["total_unread_count"] == 2 and answer["has_next"] is False
    assert isinstance(answer["cursor"], str) and answer["cursor"]
    [info] = answer["chats"]
    assert info["chat"]["chat_id"] == "chat-1"
    assert info["chat"]["chat_status"] == "Opened"
    assert info["chat"]["chat_type"] == "Buyer_Seller"
    assert info["chat"]["created_at"].endswith("Z")
    assert info["first_unread_message_id"] == ids[0]
    assert info["last_message_id"] == ids[-1]
    assert info["unread_count"] == 2
    assert ids[0] >= 3_000_000_000 and ids[1] > ids[0]


async def test_history_both_directions_with_inclusive_start(ozon: OzonSandbox) -> None:
    await ozon.buyer_writes("chat-1", "one", order="0123-4567", product="987654")
    await ozon.api("/v1/chat/send/message", {"chat_id": "chat-1", "text": "two"})
    await ozon.buyer_writes("chat-1", "three")
    await ozon.api("/v1/chat/send/message", {"chat_id": "chat-1", "text": "four"})
    await ozon.buyer_writes("chat-1", "five")
    ids = await ozon.message_ids("chat-1")

    def texts(answer: dict) -> list[str]:
        return [message["data"][0] for message in answer["messages"]]

    status, newest_first = await ozon.api("/v3/chat/history", {"chat_id": "chat-1"})
    assert status == 200
    assert texts(newest_first) == ["five", "four", "three", "two", "one"]
    assert newest_first["has_next"] is False

    _, backward = await ozon.api(
        "/v3/chat/history",
        {"chat_id": "chat-1", "direction": "Backward", "from_message_id": ids[2], "limit": 2},
    )
    assert texts(backward) == ["three", "two"] and backward["has_next"] is True

    _, forward = await ozon.api(
        "/v3/chat/history",
        {"chat_id": "chat-1", "direction": "Forward", "from_message_id": ids[2], "limit": 5},
    )
    assert texts(forward) == ["three", "four", "five"] and forward["has_next"] is False

    _, oldest_first = await ozon.api(
        "/v3/chat/history", {"chat_id": "chat-1", "direction": "Forward", "limit": 2}
    )
    assert texts(oldest_first) == ["one", "two"] and oldest_first["has_next"] is True
    # 64-bit ids written as strings, the way protobuf's JSON mapping does, are taken too.
    _, as_string = await ozon.api(
        "/v3/chat/history",
        {"chat_id": "chat-1", "direction": "Forward", "from_message_id": str(ids[4])},
    )
    assert texts(as_string) == ["five"]

    first, second = oldest_first["messages"]
    assert first["message_id"] == ids[0] and first["created_at"].endswith("Z")
    assert first["user"]["type"] == "Customer" and first["user"]["id"]
    assert first["context"] == {"order_number": "0123-4567", "sku": "987654"}
    assert first["is_image"] is False and first["is_read"] is False
    assert "moderate_image_status" not in first
    assert second["user"] == {"id": DEMO_CLIENT_ID, "type": "Seller"}
    assert "context" not in second


async def test_history_filter_by_message_ids(ozon: OzonSandbox) -> None:
    for text in ("one", "two", "three"):
        await ozon.buyer_writes("chat-1", text)
    ids = await ozon.message_ids("chat-1")
    _, answer = await ozon.api(
        "/v3/chat/history",
        {"chat_id": "chat-1", "filter": {"message_ids": [str(ids[0]), str(ids[2])]}},
    )
    assert [message["message_id"] for message in answer["messages"]] == [ids[2], ids[0]]


async def test_send_message_is_stored_as_the_sellers(ozon: OzonSandbox) -> None:
    await ozon.buyer_writes("chat-1", "Is it in stock?")
    answer = await ozon.api("/v1/chat/send/message", {"chat_id": "chat-1", "text": "Yes, it is"})
    assert answer == (200, {"result": "success"})
    _, view = await ozon.control("GET", "/chats/chat-1/messages")
    reply = view["messages"][-1]
    assert reply["author"] == "seller" and reply["text"] == "Yes, it is"
    assert reply["files"] == [] and reply["read"] is False
    # Once the buyer writes again, the reply counts as seen.
    await ozon.buyer_writes("chat-1", "Thanks")
    _, view = await ozon.control("GET", "/chats/chat-1/messages")
    assert view["messages"][1]["read"] is True


async def test_send_file_image_and_pdf(ozon: OzonSandbox) -> None:
    await ozon.buyer_writes("chat-1", "Send me the invoice")
    for name, content in (("photo.png", PNG), ("invoice.pdf", PDF)):
        answer = await ozon.api(
            "/v1/chat/send/file",
            {
                "chat_id": "chat-1",
                "name": name,
                "base64_content": base64.b64encode(content).decode(),
            },
        )
        assert answer == (200, {"result": "success"})
    _, history = await ozon.api("/v3/chat/history", {"chat_id": "chat-1", "limit": 2})
    pdf_message, image_message = history["messages"]
    assert image_message["is_image"] is True and image_message["moderate_image_status"] == "SUCCESS"
    assert image_message["data"][0].startswith(f"![]({ozon.base_url}/ozon/v2/chat/file/")
    assert pdf_message["is_image"] is False
    assert pdf_message["data"][0].startswith(f"[invoice.pdf]({ozon.base_url}/ozon/v2/chat/file/")
    pdf_url = pdf_message["data"][0].split("](", 1)[1].rstrip(")")
    async with ozon.http.get(pdf_url, headers=AUTH) as response:
        assert response.status == 200 and await response.read() == PDF
        assert response.content_type == "application/pdf"
    _, view = await ozon.control("GET", "/chats/chat-1/messages")
    assert [message["files"][0]["name"] for message in view["messages"][1:]] == [
        "photo.png",
        "invoice.pdf",
    ]
    assert view["messages"][1]["files"][0]["size"] == len(PNG)


async def test_buyer_image_is_downloaded_with_the_sellers_credentials(ozon: OzonSandbox) -> None:
    form = aiohttp.FormData()
    form.add_field("text", "It arrived broken")
    form.add_field("order", "0123-4567")
    form.add_field("image", PNG, filename="broken.png", content_type="image/png")
    status, view = await ozon.control("POST", "/chats/chat-1/messages", data=form)
    assert status == 201
    image, text = view["messages"]
    assert image["author"] == "buyer" and image["text"] is None
    assert image["files"][0]["name"] == "broken.png"
    assert image["files"][0]["content_type"] == "image/png"
    assert text["text"] == "It arrived broken" and text["files"] == []

    _, history = await ozon.api(
        "/v3/chat/history", {"chat_id": "chat-1", "direction": "Forward", "limit": 1}
    )
    [message] = history["messages"]
    assert message["is_image"] is True and message["moderate_image_status"] == "SUCCESS"
    assert message["context"] == {"order_number": "0123-4567", "sku": ""}
    markdown = message["data"][0]
    assert markdown.startswith("![](") and markdown.endswith(")")
    url = markdown[4:-1]
    assert url.startswith(f"{ozon.base_url}/ozon/v2/chat/file/")
    async with ozon.http.get(url, headers=AUTH) as response:
        assert response.status == 200 and response.content_type == "image/png"
        assert await response.read() == PNG
    async with ozon.http.get(url) as response:
        assert response.status == 401 and (await response.json())["code"] == 16
    await ozon.add_seller()
    async with ozon.http.get(url, headers=OTHER_AUTH) as response:
        assert response.status == 404 and (await response.json())["code"] == 5
    async with ozon.http.get(
        f"{ozon.base_url}/ozon/v2/chat/file/unknown/x.png", headers=AUTH
    ) as response:
        assert response.status == 404 and (await response.json())["code"] == 5


async def test_read_marks_buyer_messages_up_to_the_id(ozon: OzonSandbox) -> None:
    for text in ("one", "two", "three"):
        await ozon.buyer_writes("chat-1", text)
    ids = await ozon.message_ids("chat-1")
    answer = await ozon.api("/v2/chat/read", {"chat_id": "chat-1", "from_message_id": ids[1]})
    assert answer == (200, {"unread_count": 1})
    _, listed = await ozon.api("/v3/chat/list", {"limit": 10})
    assert listed["chats"][0]["first_unread_message_id"] == ids[2]
    assert listed["chats"][0]["unread_count"] == 1 and listed["total_unread_count"] == 1
    _, view = await ozon.control("GET", "/chats/chat-1/messages")
    assert [message["read"] for message in view["messages"]] == [True, True, False]
    _, history = await ozon.api("/v3/chat/history", {"chat_id": "chat-1"})
    assert [message["is_read"] for message in history["messages"]] == [False, True, True]
    # Without an id, everything so far is read.
    assert await ozon.api("/v2/chat/read", {"chat_id": "chat-1"}) == (200, {"unread_count": 0})
    _, listed = await ozon.api("/v3/chat/list", {"limit": 10})
    assert listed["chats"][0]["first_unread_message_id"] == 0


async def test_chat_list_pages_neither_skip_nor_repeat(ozon: OzonSandbox) -> None:
    for number in range(5):
        await ozon.buyer_writes(f"chat-{number}")
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        body: dict[str, Any] = {"limit": 2}
        if cursor is not None:
            body["cursor"] = cursor
        status, page = await ozon.api("/v3/chat/list", body)
        assert status == 200
        pages += 1
        seen += [info["chat"]["chat_id"] for info in page["chats"]]
        cursor = page["cursor"]
        if pages == 1:
            # Reading a served chat and a new chat between pages must not shift the pages.
            await ozon.api("/v2/chat/read", {"chat_id": "chat-0"})
            await ozon.buyer_writes("chat-5")
        if not page["has_next"]:
            break
        assert len(page["chats"]) == 2
    assert seen == [f"chat-{number}" for number in range(6)] and pages == 3
    status, empty = await ozon.api("/v3/chat/list", {"limit": 2, "cursor": cursor})
    assert status == 200 and empty["chats"] == [] and empty["has_next"] is False


async def test_chat_list_filters(ozon: OzonSandbox) -> None:
    for number in range(4):
        await ozon.buyer_writes(f"chat-{number}")
    await ozon.api("/v2/chat/read", {"chat_id": "chat-1"})
    await ozon.control("POST", "/chats/chat-2/close")

    async def listed(chat_filter: dict[str, Any], limit: int = 10) -> list[str]:
        status, page = await ozon.api("/v3/chat/list", {"filter": chat_filter, "limit": limit})
        assert status == 200
        return [info["chat"]["chat_id"] for info in page["chats"]]

    assert await listed({"unread_only": True}) == ["chat-0", "chat-2", "chat-3"]
    assert await listed({"chat_status": "Closed"}) == ["chat-2"]
    assert await listed({"chat_status": "Opened", "unread_only": True}) == ["chat-0", "chat-3"]
    assert await listed({"unread_only": True}, limit=1) == ["chat-0"]
    _, page = await ozon.api("/v3/chat/list", {"filter": {"unread_only": True}, "limit": 1})
    assert page["has_next"] is True and page["total_unread_count"] == 3
    _, closed = await ozon.api("/v3/chat/list", {"filter": {"chat_status": "Closed"}, "limit": 5})
    assert closed["chats"][0]["chat"]["chat_status"] == "Closed"


# ------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "headers",
    [
        None,
        {"Client-Id": DEMO_CLIENT_ID},
        {"Api-Key": DEMO_API_KEY},
        {"Client-Id": DEMO_CLIENT_ID, "Api-Key": "wrong"},
        {"Client-Id": "999", "Api-Key": DEMO_API_KEY},
    ],
    ids=["no-headers", "no-key", "no-client-id", "wrong-key", "unknown-client"],
)
async def test_bad_credentials_are_refused(ozon: OzonSandbox, headers: dict | None) -> None:
    answer = await ozon.api("/v3/chat/list", {"limit": 10}, headers=headers)
    assert_refused(answer, 401, 16, "Invalid Api-Key, please contact support")


async def test_revoked_key_is_refused(ozon: OzonSandbox) -> None:
    await ozon.add_seller(revoked=True)
    answer = await ozon.api("/v3/chat/list", {"limit": 10}, headers=OTHER_AUTH)
    assert_refused(answer, 401, 16, "Api-key is deactivated, use another one")
    # The wrong key of a revoked seller is still just a wrong key.
    wrong = {**OTHER_AUTH, "Api-Key": "wrong"}
    answer = await ozon.api("/v3/chat/list", {"limit": 10}, headers=wrong)
    assert_refused(answer, 401, 16, "Invalid Api-Key")
    await ozon.add_seller(revoked=False)
    assert (await ozon.api("/v3/chat/list", {"limit": 10}, headers=OTHER_AUTH))[0] == 200

    await ozon.add_fault(kind="revoked")
    answer = await ozon.api("/v3/chat/list", {"limit": 10})
    assert_refused(answer, 401, 16, "Api-key is deactivated, use another one")
    assert (await ozon.api("/v3/chat/list", {"limit": 10}))[0] == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v3/chat/list", {"limit": 10}),
        ("/v3/chat/history", {"chat_id": "chat-1"}),
        ("/v1/chat/send/message", {"chat_id": "chat-1", "text": "hi"}),
        ("/v1/chat/send/file", {"chat_id": "chat-1", "name": "a.pdf", "base64_content": "JQ=="}),
        ("/v2/chat/read", {"chat_id": "chat-1"}),
    ],
)
async def test_seller_without_premium_plus_is_refused(
    ozon: OzonSandbox, path: str, body: dict
) -> None:
    await ozon.add_seller(premium_plus=False)
    await ozon.buyer_writes("chat-1", seller=OTHER_SELLER["client_id"])
    assert_refused(await ozon.api(path, body, headers=OTHER_AUTH), 403, 7, "Premium Plus")


async def test_premium_required_fault(ozon: OzonSandbox) -> None:
    await ozon.add_fault(kind="premium_required", method="/v3/chat/list")
    # Premium Plus is checked before the body: a bad body still hears about the subscription.
    assert_refused(await ozon.api("/v3/chat/list", {}), 403, 7, "Premium Plus")
    assert (await ozon.api("/v3/chat/list", {"limit": 1}))[0] == 200


TOO_LONG = "x" * 1001


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v3/chat/list", [1, 2], "body"),
        ("/v3/chat/list", {}, "limit"),
        ("/v3/chat/list", {"limit": 0}, "limit"),
        ("/v3/chat/list", {"limit": 1001}, "limit"),
        ("/v3/chat/list", {"limit": "ten"}, "limit"),
        ("/v3/chat/list", {"limit": True}, "limit"),
        ("/v3/chat/list", {"limit": 1, "filter": {"chat_status": "Open"}}, "chat_status"),
        ("/v3/chat/list", {"limit": 1, "filter": {"unread_only": "yes"}}, "unread_only"),
        ("/v3/chat/list", {"limit": 1, "filter": "all"}, "filter"),
        ("/v3/chat/list", {"limit": 1, "cursor": "not a cursor"}, "cursor"),
        ("/v3/chat/list", {"limit": 1, "cursor": 5}, "cursor"),
        ("/v3/chat/history", {}, "chat_id"),
        ("/v3/chat/history", {"chat_id": 42}, "chat_id"),
        ("/v3/chat/history", {"chat_id": "chat-1", "direction": "Sideways"}, "direction"),
        ("/v3/chat/history", {"chat_id": "chat-1", "limit": 0}, "limit"),
        ("/v3/chat/history", {"chat_id": "chat-1", "from_message_id": "x"}, "from_message_id"),
        ("/v1/chat/send/message", {"chat_id": "chat-1"}, "text"),
        ("/v1/chat/send/message", {"chat_id": "chat-1", "text": ""}, "text"),
        ("/v1/chat/send/message", {"chat_id": "chat-1", "text": "   "}, "text"),
        ("/v1/chat/send/message", {"chat_id": "chat-1", "text": TOO_LONG}, "text"),
        ("/v1/chat/send/message", {"chat_id": "chat-1", "text": 5}, "text"),
        ("/v1/chat/send/message", {"text": "hi"}, "chat_id"),
        ("/v1/chat/send/file", {"chat_id": "chat-1", "base64_content": "JQ=="}, "name"),
        ("/v1/chat/send/file", {"chat_id": "chat-1", "name": "a.pdf"}, "base64_content"),
        (
            "/v1/chat/send/file",
            {"chat_id": "chat-1", "name": "a.pdf", "base64_content": "%%%"},
            "base64",
        ),
        ("/v2/chat/read", {}, "chat_id"),
        ("/v2/chat/read", {"chat_id": "chat-1", "from_message_id": 1.5}, "from_message_id"),
    ],
)
async def test_bad_bodies_are_refused_naming_the_field(
    ozon: OzonSandbox, path: str, body: Any, field: str
) -> None:
    await ozon.buyer_writes("chat-1")
    assert_refused(await ozon.api(path, body), 400, 3, field)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ", "file type is not supported"),
        ("no-extension", PDF, "file type is not supported"),
        ("empty.pdf", b"", "base64_content"),
        ("huge.jpg", b"\xff" * (10 * 1024 * 1024 + 1), "file is too large"),
    ],
)
async def test_bad_files_are_refused(
    ozon: OzonSandbox, name: str, content: bytes, message: str
) -> None:
    await ozon.buyer_writes("chat-1")
    body = {"chat_id": "chat-1", "name": name, "base64_content": base64.b64encode(content).decode()}
    assert_refused(await ozon.api("/v1/chat/send/file", body), 400, 3, message)


async def test_non_json_body_is_refused(ozon: OzonSandbox) -> None:
    async with ozon.http.post(
        f"{ozon.base_url}/ozon/v3/chat/list", data=b"{not json", headers=AUTH
    ) as response:
        assert response.status == 400
        assert (await response.json())["code"] == 3


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v3/chat/history", {"chat_id": "nope"}),
        ("/v1/chat/send/message", {"chat_id": "nope", "text": "hi"}),
        ("/v1/chat/send/file", {"chat_id": "nope", "name": "a.pdf", "base64_content": "JQ=="}),
        ("/v2/chat/read", {"chat_id": "nope"}),
    ],
)
async def test_unknown_chat_is_not_found(ozon: OzonSandbox, path: str, body: dict) -> None:
    assert_refused(await ozon.api(path, body), 404, 5, "chat not found")


async def test_another_sellers_chat_is_not_found(ozon: OzonSandbox) -> None:
    await ozon.add_seller()
    await ozon.buyer_writes("theirs", seller=OTHER_SELLER["client_id"])
    await ozon.buyer_writes("mine")
    answer = await ozon.api("/v3/chat/history", {"chat_id": "theirs"})
    assert_refused(answer, 404, 5, "chat not found")
    _, listed = await ozon.api("/v3/chat/list", {"limit": 10}, headers=OTHER_AUTH)
    assert [info["chat"]["chat_id"] for info in listed["chats"]] == ["theirs"]


async def test_closed_chat_takes_no_answers_until_the_buyer_writes(ozon: OzonSandbox) -> None:
    await ozon.buyer_writes("chat-1")
    status, view = await ozon.control("POST", "/chats/chat-1/close")
    assert status == 200 and view["status"] == "closed"
    answer = await ozon.api("/v1/chat/send/message", {"chat_id": "chat-1", "text": "hi"})
    assert_refused(answer, 400, 9, "chat is closed")
    file_body = {"chat_id": "chat-1", "name": "a.pdf", "base64_content": "JQ=="}
    assert_refused(await ozon.api("/v1/chat/send/file", file_body), 400, 9, "chat is closed")
    _, listed = await ozon.api("/v3/chat/list", {"limit": 1})
    assert listed["chats"][0]["chat"]["chat_status"] == "Closed"

    view = await ozon.buyer_writes("chat-1", "One more question")
    assert view["status"] == "opened"
    answer = await ozon.api("/v1/chat/send/message", {"chat_id": "chat-1", "text": "hi"})
    assert answer == (200, {"result": "success"})


async def test_answers_only_within_48_hours_of_the_buyers_last_message(
    ozon: OzonSandbox,
) -> None:
    await ozon.buyer_writes("chat-1")
    ozon.clock.advance(47 * HOUR)
    answer = await ozon.api("/v1/chat/send/message", {"chat_id": "chat-1", "text": "late"})
    assert answer == (200, {"result": "success"})
    # The seller's own reply does not extend the window: only the buyer's messages count.
    ozon.clock.advance(1 * HOUR + 1)
    expired = (
        "answer time expired: the seller can answer within 48 hours of the buyer's last message"
    )
    answer = await ozon.api("/v1/chat/send/message", {"chat_id": "chat-1", "text": "too late"})
    assert_refused(answer, 400, 9, expired)
    file_body = {"chat_id": "chat-1", "name": "a.pdf", "base64_content": "JQ=="}
    assert_refused(await ozon.api("/v1/chat/send/file", file_body), 400, 9, expired)

    await ozon.buyer_writes("chat-1", "Anyone there?")
    answer = await ozon.api("/v1/chat/send/message", {"chat_id": "chat-1", "text": "sorry"})
    assert answer == (200, {"result": "success"})


async def test_window_moved_through_the_clock_control(ozon: OzonSandbox) -> None:
    await ozon.buyer_writes("chat-1")
    async with ozon.http.post(
        f"{ozon.base_url}/sandbox/api/marketplace/clock", json={"advance_seconds": 48 * HOUR + 1}
    ) as response:
        assert response.status == 200
    answer = await ozon.api("/v1/chat/send/message", {"chat_id": "chat-1", "text": "hi"})
    assert_refused(answer, 400, 9, "answer time expired")


async def test_request_limit_per_client_id(ozon: OzonSandbox) -> None:
    assert await ozon.control("GET", "/limits") == (200, {"limit": 50, "period_seconds": 1.0})
    status, limits = await ozon.control("PUT", "/limits", {"limit": 2, "period_seconds": 60})
    assert (status, limits) == (200, {"limit": 2, "period_seconds": 60.0})
    await ozon.add_seller()
    for _ in range(2):
        assert (await ozon.api("/v3/chat/list", {"limit": 1}))[0] == 200
    async with ozon.http.post(
        f"{ozon.base_url}/ozon/v3/chat/list", json={"limit": 1}, headers=AUTH
    ) as response:
        assert response.status == 429 and "Retry-After" not in response.headers
        assert await response.json() == {
            "code": 8,
            "message": "You have reached request rate limit per second",
            "details": [],
        }
    # Another Client-Id has its own budget.
    assert (await ozon.api("/v3/chat/list", {"limit": 1}, headers=OTHER_AUTH))[0] == 200
    assert await ozon.control("PUT", "/limits", {"limit": None}) == (200, {"limit": None})
    assert (await ozon.api("/v3/chat/list", {"limit": 1}))[0] == 200
    status, error = await ozon.control("PUT", "/limits", {"limit": 0, "period_seconds": 1})
    assert status == 400 and "limit" in error["error"]


async def test_rate_limited_fault(ozon: OzonSandbox) -> None:
    await ozon.add_fault(kind="rate_limited")
    async with ozon.http.post(
        f"{ozon.base_url}/ozon/v3/chat/list", json={"limit": 1}, headers=AUTH
    ) as response:
        assert response.status == 429 and "Retry-After" not in response.headers
        assert (await response.json())["code"] == 8
    assert (await ozon.api("/v3/chat/list", {"limit": 1}))[0] == 200


async def test_server_error_fault_honours_times(ozon: OzonSandbox) -> None:
    await ozon.add_fault(kind="server_error", status=503, times=2)
    for _ in range(2):
        answer = await ozon.api("/v3/chat/list", {"limit": 1})
        assert answer == (503, {"code": 13, "message": "internal error", "details": []})
    assert (await ozon.api("/v3/chat/list", {"limit": 1}))[0] == 200
    assert await ozon.control("GET", "/faults") == (200, {"faults": []})


async def test_fault_until_cleared(ozon: OzonSandbox) -> None:
    await ozon.add_fault(kind="server_error", times=None)
    for _ in range(3):
        assert (await ozon.api("/v3/chat/list", {"limit": 1}))[0] == 500
    _, faults = await ozon.control("GET", "/faults")
    assert faults["faults"][0]["spent"] == 3
    assert await ozon.control("DELETE", "/faults") == (200, {"ok": True})
    assert (await ozon.api("/v3/chat/list", {"limit": 1}))[0] == 200


async def test_fault_matches_only_its_method_and_seller(ozon: OzonSandbox) -> None:
    await ozon.add_seller()
    await ozon.buyer_writes("chat-1")
    await ozon.add_fault(kind="server_error", method="/v3/chat/history")
    await ozon.add_fault(kind="server_error", seller=OTHER_SELLER["client_id"])
    # Neither fault is the demo seller's list call.
    assert (await ozon.api("/v3/chat/list", {"limit": 1}))[0] == 200
    assert (await ozon.api("/v3/chat/history", {"chat_id": "chat-1"}))[0] == 500
    assert (await ozon.api("/v3/chat/history", {"chat_id": "chat-1"}))[0] == 200
    assert (await ozon.api("/v3/chat/list", {"limit": 1}, headers=OTHER_AUTH))[0] == 500
    assert (await ozon.api("/v3/chat/list", {"limit": 1}, headers=OTHER_AUTH))[0] == 200


async def test_faults_do_not_apply_before_auth(ozon: OzonSandbox) -> None:
    await ozon.add_fault(kind="server_error")
    answer = await ozon.api("/v3/chat/list", {"limit": 1}, headers={"Client-Id": "404"})
    assert_refused(answer, 401, 16)
    assert (await ozon.api("/v3/chat/list", {"limit": 1}))[0] == 500


async def test_slow_fault_delays_then_serves(ozon: OzonSandbox) -> None:
    await ozon.add_fault(kind="slow", delay_seconds=0.2)
    started = time.monotonic()
    status, _ = await ozon.api("/v3/chat/list", {"limit": 1})
    assert status == 200 and time.monotonic() - started >= 0.2
    started = time.monotonic()
    assert (await ozon.api("/v3/chat/list", {"limit": 1}))[0] == 200
    assert time.monotonic() - started < 0.2


async def test_bad_fault_is_refused(ozon: OzonSandbox) -> None:
    status, error = await ozon.control("POST", "/faults", {"kind": "meteor"})
    assert status == 400 and "kind" in error["error"]


# ------------------------------------------------------------- control API


async def test_request_log(ozon: OzonSandbox) -> None:
    await ozon.api("/v3/chat/list", {"limit": 1})
    await ozon.api("/v3/chat/list", {"limit": 1}, headers=None)
    await ozon.api("/v3/chat/history", {"chat_id": "nope"})
    _, log = await ozon.control("GET", "/requests")
    assert log["requests"] == [
        {"method": "/v3/chat/list", "seller": DEMO_CLIENT_ID, "status": 200},
        {"method": "/v3/chat/list", "seller": None, "status": 401},
        {"method": "/v3/chat/history", "seller": DEMO_CLIENT_ID, "status": 404},
    ]
    _, history_only = await ozon.control("GET", "/requests?method=/v3/chat/history")
    assert [entry["status"] for entry in history_only["requests"]] == [404]
    assert await ozon.control("DELETE", "/requests") == (200, {"ok": True})
    assert await ozon.control("GET", "/requests") == (200, {"requests": []})


async def test_buyer_writes_creates_then_appends(ozon: OzonSandbox) -> None:
    status, view = await ozon.control(
        "POST",
        "/chats/chat-1/messages",
        {"text": "Hi", "buyer_name": "Ivan", "order": "0123-4567", "product": 987654},
    )
    assert status == 201
    assert {key: view[key] for key in view if key != "messages"} == {
        "chat_id": "chat-1",
        "seller": DEMO_CLIENT_ID,
        "status": "opened",
        "buyer_name": "Ivan",
        "order": "0123-4567",
        "product": "987654",
    }
    [message] = view["messages"]
    assert message["author"] == "buyer" and message["text"] == "Hi" and message["read"] is False
    assert isinstance(message["id"], int) and message["created_at"]
    status, view = await ozon.control("POST", "/chats/chat-1/messages", {"text": "Again"})
    assert status == 200 and len(view["messages"]) == 2 and view["order"] == "0123-4567"
    # The chat's order rides along on later messages too.
    _, history = await ozon.api("/v3/chat/history", {"chat_id": "chat-1", "limit": 1})
    assert history["messages"][0]["context"]["order_number"] == "0123-4567"


async def test_chat_view_holds_seller_replies_and_read_marks(ozon: OzonSandbox) -> None:
    await ozon.buyer_writes("chat-1", "Question")
    ids = await ozon.message_ids("chat-1")
    await ozon.api("/v2/chat/read", {"chat_id": "chat-1", "from_message_id": ids[0]})
    await ozon.api("/v1/chat/send/message", {"chat_id": "chat-1", "text": "Answer"})
    _, view = await ozon.control("GET", "/chats/chat-1/messages")
    assert [(m["author"], m["text"], m["read"]) for m in view["messages"]] == [
        ("buyer", "Question", True),
        ("seller", "Answer", False),
    ]


async def test_control_chats_list_and_refusals(ozon: OzonSandbox) -> None:
    await ozon.add_seller()
    await ozon.buyer_writes("mine")
    await ozon.buyer_writes("theirs", seller=OTHER_SELLER["client_id"])
    _, everything = await ozon.control("GET", "/chats")
    assert [chat["chat_id"] for chat in everything["chats"]] == ["mine", "theirs"]
    assert "messages" not in everything["chats"][0]
    _, theirs = await ozon.control("GET", "/chats?seller=200600")
    assert [chat["chat_id"] for chat in theirs["chats"]] == ["theirs"]

    assert (await ozon.control("GET", "/chats/nope/messages"))[0] == 404
    assert (await ozon.control("POST", "/chats/nope/close"))[0] == 404
    status, error = await ozon.control("POST", "/chats/x/messages", {"text": "a", "seller": "1"})
    assert status == 404 and "seller" in error["error"]
    status, error = await ozon.control(
        "POST", "/chats/mine/messages", {"text": "a", "seller": "200600"}
    )
    assert status == 409
    status, error = await ozon.control("POST", "/chats/x/messages", {"buyer_name": "Ivan"})
    assert status == 400


async def test_sellers_control(ozon: OzonSandbox) -> None:
    _, sellers = await ozon.control("GET", "/sellers")
    assert sellers["sellers"] == [
        {
            "client_id": DEMO_CLIENT_ID,
            "api_key": DEMO_API_KEY,
            "name": "Sandbox Seller",
            "premium_plus": True,
            "revoked": False,
        }
    ]
    status, created = await ozon.control(
        "POST", "/sellers", {"client_id": 200600, "api_key": "k1", "name": "Shop"}
    )
    assert status == 201 and created["client_id"] == "200600" and created["premium_plus"] is True
    status, updated = await ozon.control(
        "POST", "/sellers", {"client_id": "200600", "api_key": "k2", "premium_plus": False}
    )
    assert status == 200 and updated["api_key"] == "k2" and updated["name"] == "Shop"
    assert updated["premium_plus"] is False
    assert (await ozon.control("POST", "/sellers", {"client_id": "300"}))[0] == 400
    assert (await ozon.control("POST", "/sellers", {"api_key": "k"}))[0] == 400
    bad_flag = {"client_id": "200600", "revoked": "yes"}
    assert (await ozon.control("POST", "/sellers", bad_flag))[0] == 400
    # The old key no longer opens the API.
    old_key = {"Client-Id": "200600", "Api-Key": "k1"}
    answer = await ozon.api("/v3/chat/list", {"limit": 1}, headers=old_key)
    assert_refused(answer, 401, 16)
