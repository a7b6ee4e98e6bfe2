"""Ozon's push notifications from the emulator: what a buyer's message, a closed chat and a ping
POST to the push URL, and that a push target which fails never fails the buyer's write."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from sandbox import SandboxClient, TelegramEmulator
from sandbox.client import SandboxError
from sandbox.ozon import DEMO_CLIENT_ID
from tests.sandbox.helpers import png

OZON_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
NEW_MESSAGE_FIELDS = {
    "message_type",
    "chat_id",
    "chat_type",
    "message_id",
    "created_at",
    "user",
    "data",
    "seller_id",
}


@dataclass
class PushTarget:
    """A seller's push endpoint on loopback: keeps what it receives, answers as told."""

    url: str = ""
    received: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    status: int = 200
    delay_seconds: float = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self.received.put(body)
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if body.get("message_type") == "TYPE_PING":
            answer = {"version": "1.0", "name": "test", "time": body["time"]}
            return web.json_response(answer, status=self.status)
        return web.json_response({"result": True}, status=self.status)

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.received.get(), timeout)


@pytest.fixture
async def push_target() -> AsyncIterator[PushTarget]:
    target = PushTarget()
    app = web.Application()
    app.router.add_post("/webhooks/ozon", target.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    target.url = f"http://127.0.0.1:{port}/webhooks/ozon"
    yield target
    await runner.cleanup()


def closed_port_url() -> str:
    """A loopback URL nothing listens at."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/webhooks/ozon"


async def wait_for_deliveries(client: SandboxClient, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while True:
        deliveries = (await client.ozon.pushes())["deliveries"]
        if len(deliveries) >= count or time.monotonic() > deadline:
            return deliveries
        await asyncio.sleep(0.05)


async def test_a_buyers_message_is_pushed_as_ozons_new_message(
    client: SandboxClient, push_target: PushTarget
) -> None:
    answer = await client.ozon.set_push_url(push_target.url)
    assert answer == {"url": push_target.url, "deliveries": []}

    chat = await client.ozon.buyer_writes(
        "chat-1", "Where is my order?", buyer_name="Anna", order="24219509-0020"
    )

    push = await push_target.next()
    message = chat["messages"][-1]
    assert set(push) == NEW_MESSAGE_FIELDS
    assert push["message_type"] == "TYPE_NEW_MESSAGE"
    assert push["chat_id"] == "chat-1"
    assert push["chat_type"] == "Buyer_Seller"
    # Ozon's pushes carry ids as strings, unlike its API.
    assert push["message_id"] == str(message["id"])
    assert OZON_TIME.match(push["created_at"])
    assert push["user"]["type"] == "Customer" and isinstance(push["user"]["id"], str)
    assert push["data"] == ["Where is my order?"]
    assert push["seller_id"] == DEMO_CLIENT_ID
    deliveries = await wait_for_deliveries(client, 1)
    assert deliveries == [
        {
            "message_type": "TYPE_NEW_MESSAGE",
            "chat_id": "chat-1",
            "message_id": push["message_id"],
            "status": 200,
        }
    ]


async def test_an_image_and_its_text_are_two_pushes_in_order_with_a_link_to_the_file(
    emulator: TelegramEmulator,
    client: SandboxClient,
    push_target: PushTarget,
    http: aiohttp.ClientSession,
) -> None:
    await client.ozon.seller(client_id="200600", api_key="other-key", name="Other shop")
    await client.ozon.set_push_url(push_target.url)
    image = png(2, 2)
    chat = await client.ozon.buyer_writes(
        "chat-2", "Broken, see the photo", seller="200600", image=("crack.png", image, "image/png")
    )

    first, second = await push_target.next(), await push_target.next()
    assert [first["message_id"], second["message_id"]] == [str(m["id"]) for m in chat["messages"]]
    assert first["seller_id"] == second["seller_id"] == "200600"
    assert second["data"] == ["Broken, see the photo"]
    link = re.fullmatch(r"!\[\]\((?P<url>[^)]+)\)", first["data"][0])
    assert link is not None and link["url"].startswith(f"{emulator.base_url}/ozon/v2/chat/file/")
    headers = {"Client-Id": "200600", "Api-Key": "other-key"}
    async with http.get(link["url"], headers=headers) as response:
        assert response.status == 200 and await response.read() == image


async def test_closing_a_chat_is_pushed(client: SandboxClient, push_target: PushTarget) -> None:
    await client.ozon.buyer_writes("chat-3", "Thanks, all good")
    await client.ozon.set_push_url(push_target.url)
    await client.ozon.close_chat("chat-3")
    push = await push_target.next()
    assert push["message_type"] == "TYPE_CHAT_CLOSED"
    assert push["chat_id"] == "chat-3" and push["seller_id"] == DEMO_CLIENT_ID
    assert push["user"]["type"] == "Customer"
    await client.ozon.close_chat("chat-3")  # already closed: nothing more
    await asyncio.sleep(0.1)
    assert push_target.received.empty()


async def test_without_a_push_url_nothing_is_pushed(
    emulator: TelegramEmulator, client: SandboxClient, push_target: PushTarget
) -> None:
    await client.ozon.buyer_writes("chat-4", "Hello?")
    await emulator.ozon.pushes.drain()
    assert (await client.ozon.pushes()) == {"url": None, "deliveries": []}
    assert push_target.received.empty()


@pytest.mark.parametrize("failure", ["nothing listens", "server error", "too slow"])
async def test_a_failing_push_target_never_fails_the_buyers_write(
    emulator: TelegramEmulator, client: SandboxClient, push_target: PushTarget, failure: str
) -> None:
    emulator.ozon.pushes.timeout_seconds = 0.3
    url = push_target.url
    if failure == "nothing listens":
        url = closed_port_url()
    elif failure == "server error":
        push_target.status = 500
    else:
        push_target.delay_seconds = 5.0
    await client.ozon.set_push_url(url)

    started = time.monotonic()
    first = await client.ozon.buyer_writes("chat-5", "First")
    second = await client.ozon.buyer_writes("chat-5", "Second")
    assert time.monotonic() - started < 1.0  # the write never waits for the push
    assert [m["text"] for m in second["messages"]] == ["First", "Second"]
    assert first["chat_id"] == "chat-5"

    deliveries = await wait_for_deliveries(client, 2)
    assert [d["chat_id"] for d in deliveries] == ["chat-5", "chat-5"]
    if failure == "server error":
        assert [d["status"] for d in deliveries] == [500, 500]
    else:
        assert all("error" in d for d in deliveries), deliveries
    # The chat is whole, and the API serves it as usual.
    history = await client.ozon.chat("chat-5")
    assert [m["text"] for m in history["messages"]] == ["First", "Second"]


async def test_a_ping_is_sent_now_and_answers_what_the_target_said(
    client: SandboxClient, push_target: PushTarget
) -> None:
    with pytest.raises(SandboxError) as refused:
        await client.ozon.ping()
    assert refused.value.status == 409

    await client.ozon.set_push_url(push_target.url)
    answer = await client.ozon.ping()
    ping = await push_target.next()
    assert ping == {"message_type": "TYPE_PING", "time": ping["time"]}
    assert OZON_TIME.match(ping["time"])
    assert answer == {
        "status": 200,
        "answer": {"version": "1.0", "name": "test", "time": ping["time"]},
    }

    await client.ozon.set_push_url(closed_port_url())
    assert "error" in await client.ozon.ping()


async def test_the_ping_from_python(emulator: TelegramEmulator, push_target: PushTarget) -> None:
    emulator.ozon.set_push_url(push_target.url)
    answer = await emulator.ozon.ping()
    assert answer["status"] == 200
    assert (await push_target.next())["message_type"] == "TYPE_PING"


@pytest.mark.parametrize("url", ["ftp://example.org/push", 42, "webhooks/ozon"])
async def test_a_push_url_that_is_not_http_is_refused(client: SandboxClient, url: Any) -> None:
    with pytest.raises(SandboxError) as refused:
        await client.ozon.set_push_url(url)
    assert refused.value.status == 400
    assert (await client.ozon.pushes())["url"] is None


async def test_the_push_url_can_be_unset(client: SandboxClient, push_target: PushTarget) -> None:
    await client.ozon.set_push_url(push_target.url)
    assert (await client.ozon.set_push_url(None))["url"] is None
    await client.ozon.buyer_writes("chat-6", "Anyone?")
    await asyncio.sleep(0.1)
    assert push_target.received.empty()
