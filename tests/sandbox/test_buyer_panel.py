"""The chat page's buyer panel and what it reads: the marketplace overview with a demo seller,
the control calls the panel makes to write as a buyer (text, PNG and JPEG images, new chats on
both marketplaces), and the topic messages the page renders."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiogram import Bot
from aiogram.types import BufferedInputFile

from sandbox import SandboxClient, TelegramEmulator
from sandbox.client import SandboxError
from sandbox.ozon import DEMO_CLIENT_ID
from sandbox.wildberries import DEMO_SELLER_ID
from tests.sandbox.helpers import png

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
WB_CHAT_ID = re.compile(r"^1:[0-9a-f-]{36}$")


async def page_writes(
    http: aiohttp.ClientSession,
    base_url: str,
    key: str,
    fields: dict[str, str],
    chat_id: str | None = None,
    image: tuple[str, bytes, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """What the panel's Send does: JSON, or a form with the image; a new chat without an id."""
    path = f"/chats/{quote_like_the_page(chat_id)}/messages" if chat_id else "/chats"
    url = f"{base_url}/sandbox/api/{key}{path}"
    if image is None:
        request = http.post(url, json=fields)
    else:
        form = aiohttp.FormData()
        for name, value in fields.items():
            form.add_field(name, value)
        name, content, content_type = image
        form.add_field("image", content, filename=name, content_type=content_type)
        request = http.post(url, data=form)
    async with request as response:
        return response.status, await response.json()


def quote_like_the_page(chat_id: str) -> str:
    """encodeURIComponent: a Wildberries chat id's colon travels as %3A."""
    return quote(chat_id, safe="")


async def test_the_overview_names_the_demo_seller_its_group_and_its_buyer_chats(
    emulator: TelegramEmulator, client: SandboxClient
) -> None:
    await client.ozon.seller(client_id="200600", api_key="other-key")
    await client.ozon.buyer_writes("o-1", "Where is it?", buyer_name="Anna", order="24219509-0020")
    await client.ozon.buyer_writes("o-1", "Hello?")
    await client.ozon.buyer_writes("o-other", "Not the demo's", seller="200600")
    await client.wildberries.buyer_writes("1:w-1", "Есть в чёрном?", buyer_name="Дмитрий")

    before = await client.marketplaces()
    assert before["seller"] is None and before["forum_chat_id"] is None

    overview = await client.set_marketplace_demo("EasyFlow Demo Shop", -1001004000002)
    assert overview == await client.marketplaces()
    assert overview["seller"] == {"name": "EasyFlow Demo Shop"}
    assert overview["forum_chat_id"] == -1001004000002
    ozon, wb = overview["marketplaces"]["ozon"], overview["marketplaces"]["wb"]
    assert ozon["seller_id"] == DEMO_CLIENT_ID and wb["seller_id"] == DEMO_SELLER_ID
    assert ozon["credentials"] == emulator.ozon.demo_credentials()
    assert wb["credentials"] == emulator.wildberries.demo_credentials()
    assert [chat["chat_id"] for chat in ozon["chats"]] == ["o-1"]  # the demo seller's only
    assert ozon["chats"][0] == {
        "chat_id": "o-1",
        "seller": DEMO_CLIENT_ID,
        "status": "opened",
        "buyer_name": "Anna",
        "order": "24219509-0020",
        "product": None,
        "messages": 2,
        "last_text": "Hello?",
    }
    assert wb["chats"][0]["chat_id"] == "1:w-1"
    assert wb["chats"][0]["buyer_name"] == "Дмитрий" and wb["chats"][0]["messages"] == 1

    forgotten = await client.forget_marketplace_demo()
    assert forgotten["seller"] is None and forgotten["forum_chat_id"] is None


async def test_the_demo_can_be_set_from_python(
    emulator: TelegramEmulator, client: SandboxClient
) -> None:
    emulator.set_marketplace_demo("Shop", -1001004000009)
    overview = await client.marketplaces()
    assert overview["seller"] == {"name": "Shop"} and overview["forum_chat_id"] == -1001004000009


@pytest.mark.parametrize(
    "body",
    [
        {"forum_chat_id": -100},
        {"seller": " ", "forum_chat_id": -100},
        {"seller": "Shop", "forum_chat_id": "-100"},
        {"seller": "Shop", "forum_chat_id": 100},
        {"seller": "Shop", "forum_chat_id": True},
    ],
)
async def test_a_demo_that_makes_no_sense_is_refused(
    client: SandboxClient, http: aiohttp.ClientSession, base_url: str, body: dict[str, Any]
) -> None:
    async with http.put(f"{base_url}/sandbox/api/marketplace/demo", json=body) as response:
        assert response.status == 400
        assert "error" in await response.json()
    assert (await client.marketplaces())["seller"] is None


async def test_the_panel_starts_chats_and_writes_text_and_images_on_ozon(
    client: SandboxClient, http: aiohttp.ClientSession, base_url: str
) -> None:
    seller = {"seller": DEMO_CLIENT_ID}
    status, chat = await page_writes(
        http,
        base_url,
        "ozon",
        {**seller, "text": "Is it in stock?", "buyer_name": "Oleg", "order": "1234-0001"},
    )
    assert status == 201
    uuid.UUID(chat["chat_id"])  # an id shaped like Ozon's
    assert chat["buyer_name"] == "Oleg" and chat["order"] == "1234-0001"
    assert [m["text"] for m in chat["messages"]] == ["Is it in stock?"]

    photo = png(3, 2)
    status, chat = await page_writes(
        http,
        base_url,
        "ozon",
        {**seller, "text": "This one"},
        chat_id=chat["chat_id"],
        image=("shelf.png", photo, "image/png"),
    )
    assert status == 200
    image_message, text_message = chat["messages"][1:]
    assert image_message["files"][0]["name"] == "shelf.png"
    assert image_message["files"][0]["content_type"] == "image/png"
    assert image_message["files"][0]["size"] == len(photo)
    assert text_message["text"] == "This one"

    # An image alone, into a new chat, with no name given.
    status, alone = await page_writes(
        http, base_url, "ozon", seller, image=("receipt.jpg", JPEG, "image/jpeg")
    )
    assert status == 201 and len(alone["messages"]) == 1
    assert alone["messages"][0]["files"][0]["content_type"] == "image/jpeg"

    chats = (await client.marketplaces())["marketplaces"]["ozon"]["chats"]
    assert [c["chat_id"] for c in chats] == [chat["chat_id"], alone["chat_id"]]
    assert chats[0]["messages"] == 3 and chats[0]["last_text"] == "This one"


async def test_the_panel_starts_chats_and_writes_text_and_images_on_wildberries(
    client: SandboxClient, http: aiohttp.ClientSession, base_url: str
) -> None:
    seller = {"seller": DEMO_SELLER_ID}
    status, chat = await page_writes(
        http, base_url, "wb", {**seller, "text": "Подойдёт к iPhone 15?", "buyer_name": "Дмитрий"}
    )
    assert status == 201
    assert WB_CHAT_ID.match(chat["chat_id"])  # shaped like WB's
    assert chat["buyer_name"] == "Дмитрий"

    status, chat = await page_writes(
        http,
        base_url,
        "wb",
        seller,
        chat_id=chat["chat_id"],
        image=("case.jpg", JPEG, "image/jpeg"),
    )
    assert status == 200
    assert chat["messages"][-1]["files"][0]["content_type"] == "image/jpeg"
    assert chat["messages"][-1]["text"] is None

    overview = (await client.marketplaces())["marketplaces"]["wb"]["chats"]
    assert [c["chat_id"] for c in overview] == [chat["chat_id"]]
    assert overview[0]["messages"] == 2


async def test_a_buyer_who_writes_nothing_is_refused(
    client: SandboxClient, http: aiohttp.ClientSession, base_url: str
) -> None:
    for key in ("ozon", "wb"):
        status, answer = await page_writes(http, base_url, key, {"buyer_name": "Ann"})
        assert status == 400 and "error" in answer
    with pytest.raises(SandboxError) as refused:
        await client.ozon.buyer_starts_chat(seller="no-such-seller", text="Hi")
    assert refused.value.status == 404


async def test_the_client_starts_chats_too(client: SandboxClient) -> None:
    started = await client.wildberries.buyer_starts_chat(
        "Hi", buyer_name="Maria", order="96213550984", image=("a.png", png(1, 1), "image/png")
    )
    assert WB_CHAT_ID.match(started["chat_id"]) and started["order"] == "96213550984"
    assert len(started["messages"]) == 1  # WB: the image and the text are one message
    assert started["messages"][0]["text"] == "Hi" and started["messages"][0]["files"]


async def test_the_page_has_the_buyer_panel(http: aiohttp.ClientSession, base_url: str) -> None:
    async with http.get(f"{base_url}/") as response:
        page = await response.text()
    for part in ('id="buyer"', 'id="buyer-market"', 'id="buyer-chat"', 'id="buyer-image"'):
        assert part in page
    assert 'accept="image/png,image/jpeg"' in page
    assert '"/marketplace"' in page


async def test_topic_messages_carry_what_the_page_renders(
    bot: Bot, client: SandboxClient, new_user: Callable[..., dict[str, Any]]
) -> None:
    """Text with its formatting, a photo with a formatted caption, a document: as the bot sends
    a buyer's chat into its topic."""
    forum = await client.create_forum("Shop — support", [new_user()])
    topic = await bot.create_forum_topic(forum["id"], "Anna · 24219509-0020")
    thread = topic.message_thread_id
    await bot.send_message(
        forum["id"], "<b>Anna</b>: where is my order?", message_thread_id=thread, parse_mode="HTML"
    )
    await bot.send_photo(
        forum["id"],
        BufferedInputFile(png(4, 4), "crack.png"),
        caption="<i>photo from Anna</i>",
        message_thread_id=thread,
        parse_mode="HTML",
    )
    await bot.send_document(
        forum["id"],
        BufferedInputFile(b"%PDF-1.4\n", "receipt.pdf"),
        message_thread_id=thread,
    )

    [shown] = (await client.forum(forum["id"]))["topics"]
    text, photo, document = [m for m in shown["messages"] if not m["service"]]
    assert text["text"] == "Anna: where is my order?"
    assert text["entities"][0]["type"] == "bold"
    assert photo["media"]["kind"] == "photo"
    assert photo["media"]["url"].startswith("/sandbox/api/files/")
    assert photo["caption"] == "photo from Anna"
    assert photo["caption_entities"][0]["type"] == "italic"
    assert document["media"]["kind"] == "document"
    assert document["media"]["file_name"] == "receipt.pdf"
    for message in (photo, document):
        assert await client.download(message["media"]["url"])
