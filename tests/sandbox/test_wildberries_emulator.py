"""The Wildberries buyer-chat emulator over HTTP: the API as ``buyer-chat.yaml`` describes it
(events paging, replies with files, downloads, the spec's refusals, the 10-per-10-s limit) and
the control API that plays the buyer and injects faults."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from sandbox.control import control_errors
from sandbox.marketplace_common import MarketplaceClock
from sandbox.wildberries import DEMO_TOKEN, WB_REQUEST_LIMIT, WildberriesEmulator

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
PDF = b"%PDF-1.4\n%sandbox\n" + bytes(64)
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(64)
OTHER_TOKEN = "other-seller-token"
ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
# What a refusal's body holds besides the per-request ids and times.
VOLATILE = {"requestId", "code", "timestamp"}


@dataclass
class Answer:
    """An API answer, read whole before the connection goes back to the pool."""

    status: int
    content_type: str
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Wb:
    emulator: WildberriesEmulator
    base: str
    http: aiohttp.ClientSession

    async def api(
        self, method: str, path: str, token: str | None = DEMO_TOKEN, **kwargs: Any
    ) -> Answer:
        headers = {"Authorization": token} if token is not None else {}
        async with self.http.request(
            method, f"{self.base}/wb{path}", headers=headers, **kwargs
        ) as response:
            return Answer(
                response.status, response.content_type, response.headers, await response.read()
            )

    async def json(
        self, method: str, path: str, token: str | None = DEMO_TOKEN, **kwargs: Any
    ) -> tuple[int, Any]:
        answer = await self.api(method, path, token, **kwargs)
        return answer.status, answer.json()

    async def control(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        url = f"{self.base}/sandbox/api/wb{path}"
        async with self.http.request(method, url, **kwargs) as response:
            return response.status, await response.json()

    async def buyer(self, chat_id: str, text: str | None = "Hello", **fields: Any) -> Any:
        status, chat = await self.control(
            "POST", f"/chats/{chat_id}/messages", json={"text": text, **fields}
        )
        assert status in (200, 201), chat
        return chat

    async def all_events(self) -> list[dict[str, Any]]:
        """Pages the events as the spec says: from no ``next`` until totalEvents is 0."""
        events: list[dict[str, Any]] = []
        params: dict[str, int] = {}
        while True:
            status, body = await self.json("GET", "/api/v1/seller/events", params=params)
            assert status == 200, body
            result = body["result"]
            if result["totalEvents"] == 0:
                return events
            events += result["events"]
            params = {"next": result["next"]}


Start = Callable[[WildberriesEmulator], Awaitable[Wb]]


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    runners: list[web.AppRunner] = []
    async with aiohttp.ClientSession() as http:

        async def serve(emulator: WildberriesEmulator) -> Wb:
            app = web.Application(middlewares=[control_errors])
            app.add_routes(emulator.routes())
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            runners.append(runner)
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            return Wb(emulator, f"http://127.0.0.1:{port}", http)

        yield serve
        for runner in runners:
            await runner.cleanup()


@pytest.fixture
async def wb(start: Start) -> Wb:
    """No request limit, two events a page: the paging shows with a handful of messages."""
    return await start(WildberriesEmulator(limit=None, events_page_size=2))


def form(reply_sign: str | None, message: str | None = None) -> aiohttp.FormData:
    # Multipart even without files, as the API wants (FormData would send urlencoded).
    data = aiohttp.FormData(default_to_multipart=True)
    if reply_sign is not None:
        data.add_field("replySign", reply_sign)
    if message is not None:
        data.add_field("message", message)
    return data


def stable(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in VOLATILE}


def chat_problem(detail: str) -> dict[str, Any]:
    return {
        "status": 400,
        "title": "Bad Request",
        "origin": "proxy-chats",
        "detail": detail,
        "error": detail,
    }


def gateway_problem(title: str, detail: str, status: int, status_text: str) -> dict[str, Any]:
    return {
        "title": title,
        "detail": detail,
        "origin": "s2s-api-auth-catalog",
        "status": status,
        "statusText": status_text,
    }


async def test_wiring_and_demo_seller(wb: Wb) -> None:
    emulator = wb.emulator
    assert (emulator.key, emulator.title) == ("wb", "Wildberries")
    assert emulator.api_url("http://sandbox:8080") == "http://sandbox:8080/wb"
    assert emulator.demo_credentials() == {"token": DEMO_TOKEN}
    status, body = await wb.control("GET", "/sellers")
    assert status == 200
    assert body["sellers"] == [
        {
            "seller_id": "demo",
            "token": DEMO_TOKEN,
            "name": "Demo seller",
            "revoked": False,
            "rate_limited_answers": 0,
        }
    ]


async def test_a_buyer_chat_in_chats_and_events(wb: Wb) -> None:
    status, view = await wb.control(
        "POST",
        "/chats/1:chat-a/messages",
        json={"text": "Где заказ?", "buyer_name": "Алёна", "order": "rid-1", "product": "123"},
    )
    assert status == 201
    assert view["status"] == "opened" and view["seller"] == "demo"
    assert (view["buyer_name"], view["order"], view["product"]) == ("Алёна", "rid-1", "123")
    assert view["reply_sign"].startswith("1:chat-a:")
    assert [(m["author"], m["text"], m["files"]) for m in view["messages"]] == [
        ("buyer", "Где заказ?", [])
    ]
    status, again = await wb.control(
        "POST", "/chats/1:chat-a/messages", json={"text": "Ау", "price": 7}
    )
    assert status == 200 and len(again["messages"]) == 2

    status, body = await wb.json("GET", "/api/v1/seller/chats")
    assert status == 200 and body["errors"] is None
    (chat,) = body["result"]
    assert chat["chatID"] == "1:chat-a"
    assert chat["replySign"] == view["reply_sign"]
    assert chat["clientName"] == "Алёна"
    assert chat["goodCard"]["nmID"] == 123 and chat["goodCard"]["rid"] == "rid-1"
    assert chat["goodCard"]["price"] == 0 and chat["goodCard"]["priceCurrency"] == "RUB"
    assert chat["lastMessage"]["text"] == "Ау"

    first, second = await wb.all_events()
    assert first["isNewChat"] is True and first["replySign"] == view["reply_sign"]
    assert first["message"]["attachments"]["goodCard"]["nmID"] == 123
    assert second["isNewChat"] is False and "replySign" not in second
    assert "attachments" not in second["message"]
    for event in (first, second):
        assert event["eventType"] == "message" and event["source"] == "rusite"
        assert event["sender"] == "client" and event["clientName"] == "Алёна"
        assert event["clientID"] == first["clientID"]
        assert ISO_SECONDS.match(event["addTime"])
    assert chat["lastMessage"]["addTimestamp"] == second["addTimestamp"]


async def test_events_page_across_chats_without_gaps_or_repeats(wb: Wb) -> None:
    await wb.buyer("1:a", "a1")
    await wb.buyer("1:b", "b1")
    await wb.buyer("1:a", "a2")
    sign_b = wb.emulator.chats["1:b"].reply_sign
    status, sent = await wb.json("POST", "/api/v1/seller/message", data=form(sign_b, "reply b"))
    assert status == 200 and sent == {
        "result": {"addTime": sent["result"]["addTime"], "chatID": "1:b"},
        "errors": [],
    }
    await wb.buyer("1:b", "b2")

    pages: list[dict[str, Any]] = []
    params: dict[str, int] = {}
    while True:
        status, body = await wb.json("GET", "/api/v1/seller/events", params=params)
        assert status == 200 and body["errors"] is None
        pages.append(body["result"])
        if body["result"]["totalEvents"] == 0:
            break
        params = {"next": body["result"]["next"]}
    assert [page["totalEvents"] for page in pages] == [2, 2, 1, 0]
    events = [event for page in pages for event in page["events"]]
    assert [e["message"]["text"] for e in events] == ["a1", "b1", "a2", "reply b", "b2"]
    stamps = [e["addTimestamp"] for e in events]
    assert stamps == sorted(set(stamps)), "unique and strictly increasing"
    assert len({e["eventID"] for e in events}) == 5
    for page in pages[:-1]:
        assert page["next"] == page["events"][-1]["addTimestamp"]
        assert page["oldestEventTime"] == page["events"][0]["addTime"]
        assert page["newestEventTime"] == page["events"][-1]["addTime"]
    assert pages[-1] == {
        "next": stamps[-1],
        "newestEventTime": None,
        "oldestEventTime": None,
        "totalEvents": 0,
        "events": [],
    }
    assert [e["isNewChat"] for e in events] == [True, True, False, False, False]
    assert ["replySign" in e for e in events] == [True, True, False, False, False]
    reply = events[3]
    assert (reply["sender"], reply["source"], reply["chatID"]) == (
        "seller",
        "seller-public-api",
        "1:b",
    )
    assert reply["addTimestamp"] == sent["result"]["addTime"]
    assert "clientName" not in reply  # as the spec's seller events

    status, view = await wb.control("GET", "/chats/1:b/messages")
    assert [(m["author"], m["text"]) for m in view["messages"]] == [
        ("buyer", "b1"),
        ("seller", "reply b"),
        ("buyer", "b2"),
    ]


async def test_events_follow_the_movable_clock(start: Start) -> None:
    clock = MarketplaceClock()
    wb = await start(WildberriesEmulator(clock=clock, limit=None))
    await wb.buyer("1:a", "before")
    clock.advance(3600)
    await wb.buyer("1:a", "after")
    before, after = await wb.all_events()
    assert after["addTimestamp"] - before["addTimestamp"] >= 3_600_000
    assert after["addTimestamp"] >= int(clock.now().timestamp() * 1000) - 1000


async def test_events_when_empty_and_from_a_spec_next(wb: Wb) -> None:
    status, body = await wb.json("GET", "/api/v1/seller/events")
    assert status == 200 and body == {
        "result": {
            "next": 0,
            "newestEventTime": None,
            "oldestEventTime": None,
            "totalEvents": 0,
            "events": [],
        },
        "errors": None,
    }
    await wb.buyer("1:a")
    # The spec example's next (2023) is older than every event here: all of them come.
    status, body = await wb.json("GET", "/api/v1/seller/events", params={"next": 1698045576000})
    assert status == 200 and body["result"]["totalEvents"] == 1
    newest = body["result"]["next"]
    status, body = await wb.json("GET", "/api/v1/seller/events", params={"next": newest})
    assert body["result"]["totalEvents"] == 0 and body["result"]["next"] == newest


async def test_reply_with_files_under_file_and_file_brackets(wb: Wb) -> None:
    await wb.buyer("1:a")
    sign = wb.emulator.chats["1:a"].reply_sign
    data = form(sign, "Чек и фото")
    data.add_field("file", JPEG, filename="photo.jpg", content_type="image/jpeg")
    data.add_field("file[]", PDF, filename="Чек.pdf", content_type="application/pdf")
    # A generic declared type defers to the bytes.
    data.add_field("file[]", PNG, filename="shot.png", content_type="application/octet-stream")
    status, body = await wb.json(
        "POST", "/api/v1/seller/message", token=f"Bearer {DEMO_TOKEN}", data=data
    )
    assert status == 200 and body["result"]["chatID"] == "1:a", body

    reply = (await wb.all_events())[-1]
    attachments = reply["message"]["attachments"]
    assert reply["message"]["text"] == "Чек и фото"
    assert [set(image) for image in attachments["images"]] == [{"date", "downloadID", "url"}] * 2
    (document,) = attachments["files"]
    assert (document["name"], document["contentType"], document["size"]) == (
        "Чек.pdf",
        "application/pdf",
        len(PDF),
    )
    downloads = [image["downloadID"] for image in attachments["images"]]
    for download_id, content, content_type in (
        (downloads[0], JPEG, "image/jpeg"),
        (downloads[1], PNG, "image/png"),
        (document["downloadID"], PDF, "application/pdf"),
    ):
        response = await wb.api("GET", f"/api/v1/seller/download/{download_id}")
        assert response.status == 200 and response.content_type == content_type
        assert response.body == content
    async with wb.http.get(document["url"], headers={"Authorization": DEMO_TOKEN}) as response:
        assert await response.read() == PDF

    status, view = await wb.control("GET", "/chats/1:a/messages")
    assert [f["name"] for f in view["messages"][-1]["files"]] == [
        "photo.jpg",
        "Чек.pdf",
        "shot.png",
    ]

    files_only = form(sign)
    files_only.add_field("file", JPEG, filename="only.jpg", content_type="image/jpeg")
    status, body = await wb.json("POST", "/api/v1/seller/message", data=files_only)
    assert status == 200, body
    status, body = await wb.json("POST", "/api/v1/seller/message", data=form(sign, "x" * 1000))
    assert status == 200, body


async def test_download_of_a_buyer_image(wb: Wb) -> None:
    data = aiohttp.FormData()
    data.add_field("text", "Вот фото")
    data.add_field("image", PNG, filename="defect.png", content_type="image/png")
    async with wb.http.post(f"{wb.base}/sandbox/api/wb/chats/1:a/messages", data=data) as r:
        assert r.status == 201
        view = await r.json()
    (file_view,) = view["messages"][0]["files"]
    assert (file_view["name"], file_view["content_type"], file_view["size"]) == (
        "defect.png",
        "image/png",
        len(PNG),
    )
    (event,) = await wb.all_events()
    (image,) = event["message"]["attachments"]["images"]
    assert image["downloadID"] == file_view["id"]
    response = await wb.api("GET", f"/api/v1/seller/download/{image['downloadID']}")
    assert response.status == 200 and response.content_type == "image/png"
    assert response.body == PNG

    await wb.control("POST", "/sellers", json={"seller_id": "other", "token": OTHER_TOKEN})
    status, body = await wb.json(
        "GET", f"/api/v1/seller/download/{image['downloadID']}", token=OTHER_TOKEN
    )
    assert status == 400 and body["title"] == "invalid fileID"


async def test_auth_refusals(wb: Wb) -> None:
    response = await wb.api("GET", "/api/v1/seller/chats", token=None)
    assert response.status == 401 and response.content_type == "application/problem+json"
    body = response.json()
    assert stable(body) == gateway_problem(
        "unauthorized", "empty Authorization header", 401, "Unauthorized"
    )
    assert set(body) == set(stable(body)) | VOLATILE
    assert ISO_SECONDS.match(body["timestamp"])

    status, body = await wb.json("GET", "/api/v1/seller/chats", token="nope")
    assert status == 401 and body["title"] == "unauthorized" and "token" in body["detail"]

    await wb.control(
        "POST", "/sellers", json={"seller_id": "other", "token": OTHER_TOKEN, "revoked": True}
    )
    status, body = await wb.json("GET", "/api/v1/seller/events", token=OTHER_TOKEN)
    assert status == 401
    assert stable(body) == gateway_problem("unauthorized", "token withdrawn", 401, "Unauthorized")
    status, body = await wb.json("GET", "/api/v1/seller/events", token=f"Bearer {DEMO_TOKEN}")
    assert status == 200


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        ("0", 'Invalid value for "next"'),
        ("-5", 'Invalid value for "next"'),
        ("abc", "Invalid number"),
    ],
)
async def test_bad_next(wb: Wb, value: str, detail: str) -> None:
    status, body = await wb.json("GET", "/api/v1/seller/events", params={"next": value})
    assert status == 400 and stable(body) == chat_problem(detail)


async def test_send_refusals(wb: Wb) -> None:
    await wb.buyer("1:a")
    sign = wb.emulator.chats["1:a"].reply_sign
    await wb.control("POST", "/sellers", json={"seller_id": "other", "token": OTHER_TOKEN})
    await wb.buyer("1:theirs", seller="other")
    their_sign = wb.emulator.chats["1:theirs"].reply_sign

    async def refused(data: Any) -> dict[str, Any]:
        response = await wb.api("POST", "/api/v1/seller/message", data=data)
        assert response.status == 400
        assert response.content_type == "application/problem+json"
        return stable(response.json())

    for bad_sign in (None, "", "1:nope:00", their_sign, sign + "x" * 300):
        assert await refused(form(bad_sign, "hi")) == chat_problem("Invalid signature")
    assert await refused(form(sign, "x" * 1001)) == chat_problem('Invalid value for "message"')
    assert await refused(form(sign)) == chat_problem('Invalid value for "message"')
    assert await refused(form(sign, "")) == chat_problem('Invalid value for "message"')

    too_big = form(sign, "big")
    too_big.add_field("file", PDF + bytes(5 * 1024 * 1024), filename="big.pdf")
    body = await refused(too_big)
    assert re.fullmatch(r"[0-9A-F]{11}: attachment too big\. Max size: 5MiB", body["detail"])
    assert body == chat_problem(body["detail"])

    video = form(sign, "video")
    video.add_field("file[]", MP4, filename="video.mp4", content_type="video/mp4")
    body = await refused(video)
    assert re.fullmatch(r'[0-9A-F]{11}: "video\.mp4" has unsupported mime type', body["detail"])
    assert body == chat_problem(body["detail"])

    disguised = form(sign, "a pdf named png")
    disguised.add_field("file", PDF, filename="x.png", content_type="image/png")
    assert (await refused(disguised))["detail"].endswith('"x.png" has unsupported mime type')

    assert (await refused({"replySign": sign, "message": "urlencoded"}))["status"] == 400
    status, view = await wb.control("GET", "/chats/1:a/messages")
    assert status == 200 and len(view["messages"]) == 1, "nothing refused was stored"


async def test_invalid_file_id(wb: Wb) -> None:
    response = await wb.api("GET", "/api/v1/seller/download/no-such-file")
    assert response.status == 400
    assert stable(response.json()) == {
        "status": 400,
        "title": "invalid fileID",
        "origin": "proxy-chats",
        "detail": "invalid fileID",
        "error": "invalid fileID",
    }


async def test_the_real_limit_is_per_seller_and_method(start: Start) -> None:
    wb = await start(WildberriesEmulator())
    assert wb.emulator.limiter.limit == WB_REQUEST_LIMIT
    for _ in range(10):
        assert (await wb.api("GET", "/api/v1/seller/chats")).status == 200
    response = await wb.api("GET", "/api/v1/seller/chats")
    assert response.status == 429 and response.content_type == "application/problem+json"
    body = response.json()
    assert stable(body) == gateway_problem(
        "too many requests", body["detail"], 429, "Too Many Requests"
    )
    assert body["detail"].startswith("limited by ")
    assert response.headers["X-Ratelimit-Retry"] == "1"
    assert response.headers["Retry-After"] == "1"
    assert response.headers["X-Ratelimit-Limit"] == "10"
    assert response.headers["X-Ratelimit-Reset"] == "10"
    assert (await wb.api("GET", "/api/v1/seller/events")).status == 200
    await wb.control("POST", "/sellers", json={"seller_id": "other", "token": OTHER_TOKEN})
    assert (await wb.api("GET", "/api/v1/seller/chats", token=OTHER_TOKEN)).status == 200
    status, body = await wb.control("GET", "/sellers")
    counts = {s["seller_id"]: s["rate_limited_answers"] for s in body["sellers"]}
    assert status == 200 and counts == {"demo": 1, "other": 0}


async def test_limits_through_the_control_api(wb: Wb) -> None:
    assert await wb.control("GET", "/limits") == (200, {"limit": None, "period_seconds": None})
    status, body = await wb.control("PUT", "/limits", json={"limit": 2, "period_seconds": 0.2})
    assert (status, body) == (200, {"limit": 2, "period_seconds": 0.2})
    statuses = [(await wb.api("GET", "/api/v1/seller/chats")).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    await asyncio.sleep(0.12)  # one interval (0.1 s) on the limiter's monotonic clock
    assert (await wb.api("GET", "/api/v1/seller/chats")).status == 200
    status, body = await wb.control("PUT", "/limits", json={"limit": 0, "period_seconds": 1})
    assert status == 400 and "limit" in body["error"]
    assert (await wb.control("PUT", "/limits", json={"limit": None}))[0] == 200


async def test_fault_rate_limited(wb: Wb) -> None:
    status, fault = await wb.control(
        "POST", "/faults", json={"kind": "rate_limited", "retry_after_seconds": 2.5}
    )
    assert status == 201 and fault["kind"] == "rate_limited"
    response = await wb.api("GET", "/api/v1/seller/events")
    assert response.status == 429
    assert response.headers["X-Ratelimit-Retry"] == "3"
    assert response.headers["Retry-After"] == "3"
    assert response.headers["X-Ratelimit-Reset"] == "3"
    assert (response.json())["title"] == "too many requests"
    assert (await wb.api("GET", "/api/v1/seller/events")).status == 200
    status, body = await wb.control("GET", "/sellers")
    assert body["sellers"][0]["rate_limited_answers"] == 1


async def test_fault_server_error_slow_and_revoked(wb: Wb) -> None:
    await wb.control("POST", "/faults", json={"kind": "server_error", "status": 503})
    response = await wb.api("GET", "/api/v1/seller/chats")
    assert response.status == 503 and response.content_type == "application/problem+json"
    assert (response.json())["status"] == 503

    await wb.control("POST", "/faults", json={"kind": "slow", "delay_seconds": 0.2})
    began = time.monotonic()
    assert (await wb.api("GET", "/api/v1/seller/chats")).status == 200
    assert time.monotonic() - began >= 0.2

    await wb.control("POST", "/faults", json={"kind": "revoked"})
    status, body = await wb.json("GET", "/api/v1/seller/chats")
    assert status == 401 and body["detail"] == "token withdrawn"

    await wb.control("POST", "/faults", json={"kind": "premium_required"})
    assert (await wb.api("GET", "/api/v1/seller/chats")).status == 200
    assert (await wb.control("GET", "/faults"))[1] == {"faults": []}


async def test_fault_times_and_matching(wb: Wb) -> None:
    await wb.control("POST", "/sellers", json={"seller_id": "other", "token": OTHER_TOKEN})
    await wb.control(
        "POST",
        "/faults",
        json={
            "kind": "server_error",
            "seller": "demo",
            "method": "/api/v1/seller/events",
            "times": 2,
        },
    )
    assert (await wb.api("GET", "/api/v1/seller/chats")).status == 200
    assert (await wb.api("GET", "/api/v1/seller/events", token=OTHER_TOKEN)).status == 200
    assert (await wb.api("GET", "/api/v1/seller/events")).status == 500
    status, body = await wb.control("GET", "/faults")
    assert [(f["spent"], f["times"]) for f in body["faults"]] == [(1, 2)]
    assert (await wb.api("GET", "/api/v1/seller/events")).status == 500
    assert (await wb.api("GET", "/api/v1/seller/events")).status == 200

    await wb.control("POST", "/faults", json={"kind": "server_error", "times": None})
    for _ in range(3):
        assert (await wb.api("GET", "/api/v1/seller/chats")).status == 500
    assert (await wb.control("DELETE", "/faults"))[0] == 200
    assert (await wb.api("GET", "/api/v1/seller/chats")).status == 200
    status, body = await wb.control("POST", "/faults", json={"kind": "flood"})
    assert status == 400


async def test_request_log(wb: Wb) -> None:
    await wb.api("GET", "/api/v1/seller/chats", token=None)
    await wb.api("GET", "/api/v1/seller/download/whatever")
    await wb.api("GET", "/api/v1/seller/events")
    status, body = await wb.control("GET", "/requests")
    assert body["requests"] == [
        {"method": "/api/v1/seller/chats", "seller": None, "status": 401},
        {"method": "/api/v1/seller/download", "seller": "demo", "status": 400},
        {"method": "/api/v1/seller/events", "seller": "demo", "status": 200},
    ]
    status, body = await wb.control("GET", "/requests", params={"method": "/api/v1/seller/events"})
    assert status == 200 and len(body["requests"]) == 1
    await wb.control("DELETE", "/requests")
    assert (await wb.control("GET", "/requests"))[1] == {"requests": []}


async def test_control_chats_and_sellers(wb: Wb) -> None:
    await wb.control("POST", "/sellers", json={"seller_id": "other", "token": OTHER_TOKEN})
    await wb.buyer("1:mine")
    await wb.buyer("1:theirs", seller="other")
    status, body = await wb.control("GET", "/chats")
    assert [chat["chat_id"] for chat in body["chats"]] == ["1:mine", "1:theirs"]
    status, body = await wb.control("GET", "/chats", params={"seller": "other"})
    assert [chat["chat_id"] for chat in body["chats"]] == ["1:theirs"]
    status, body = await wb.json("GET", "/api/v1/seller/chats", token=OTHER_TOKEN)
    assert [chat["chatID"] for chat in body["result"]] == ["1:theirs"]

    assert await wb.control("POST", "/chats/1:mine/close") == (
        404,
        {"error": "Wildberries chats are never closed"},
    )
    assert (await wb.control("GET", "/chats/1:none/messages"))[0] == 404
    status, body = await wb.control(
        "POST", "/chats/1:x/messages", json={"text": "hi", "seller": "ghost"}
    )
    assert status == 404
    status, body = await wb.control("POST", "/chats/1:x/messages", json={"buyer_name": "Ann"})
    assert status == 400

    status, body = await wb.control(
        "POST", "/sellers", json={"seller_id": "other", "token": "new-token", "name": "Shop"}
    )
    assert status == 200 and (body["token"], body["name"]) == ("new-token", "Shop")
    assert (await wb.api("GET", "/api/v1/seller/chats", token=OTHER_TOKEN)).status == 401
    status, body = await wb.control(
        "POST", "/sellers", json={"seller_id": "third", "token": DEMO_TOKEN}
    )
    assert status == 409
    assert (await wb.control("POST", "/sellers", json={"seller_id": "x"}))[0] == 400
