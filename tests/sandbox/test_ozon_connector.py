"""The Ozon connector against the Ozon emulator: every method, every refusal, paging, cursors,
the limiter, retries and timeouts, over real HTTP."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import pytest

from sandbox import SandboxClient, TelegramEmulator
from services.marketplace import (
    AttachmentKind,
    Author,
    ChatAddress,
    FailureReason,
    OutgoingFile,
    OzonConnector,
    OzonCredentials,
    RequestRate,
)
from tests.sandbox.helpers import png
from tests.sandbox.marketplaces import buyer_chats, ozon_connector, refusal, statuses

SECRET_KEY = "ozon-secret-key-4f9a"


@pytest.fixture
async def ozon(emulator: TelegramEmulator, client: SandboxClient) -> AsyncIterator[OzonConnector]:
    await client.ozon.set_limit(None)
    connector = ozon_connector(emulator)
    yield connector
    await connector.close()


async def test_credentials_are_checked_with_one_cheap_call(
    ozon: OzonConnector, client: SandboxClient
) -> None:
    await ozon.check_credentials()
    assert [(r["method"], r["status"]) for r in await client.ozon.requests()] == [
        ("/v3/chat/list", 200)
    ]


async def test_wrong_or_revoked_keys_and_a_missing_premium_plus_say_so_without_the_key(
    emulator: TelegramEmulator, client: SandboxClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await client.ozon.seller(client_id="777", api_key=SECRET_KEY)
    wrong = ozon_connector(emulator, credentials=OzonCredentials("777", "not-the-key"))
    right = ozon_connector(emulator, credentials=OzonCredentials("777", SECRET_KEY))
    try:
        assert (await refusal(wrong.check_credentials())).reason is FailureReason.CREDENTIALS
        await right.check_credentials()

        await client.ozon.seller(client_id="777", api_key=SECRET_KEY, premium_plus=False)
        error = await refusal(right.fetch_new(None))
        assert error.reason is FailureReason.PREMIUM_REQUIRED

        await client.ozon.seller(client_id="777", api_key=SECRET_KEY, revoked=True)
        error = await refusal(right.check_credentials())
        assert error.reason is FailureReason.CREDENTIALS
        assert "deactivated" in error.detail
        for shown in (str(error), repr(error), error.detail, repr(right), caplog.text):
            assert SECRET_KEY not in shown
        assert SECRET_KEY not in repr(OzonCredentials("777", SECRET_KEY))
    finally:
        await wrong.close()
        await right.close()


async def test_new_messages_arrive_once_with_their_context_and_the_cursor_moves_on(
    ozon: OzonConnector, client: SandboxClient
) -> None:
    await client.ozon.buyer_writes(
        "chat-a", "Where is my parcel?", buyer_name="Ann", order="0123-4567-1", product="900100"
    )
    await client.ozon.buyer_writes("chat-b", "Is it waterproof?")
    await client.ozon.buyer_writes("chat-a", "It was due yesterday")

    first = await ozon.fetch_new(None)
    assert [(m.chat_id, m.text) for m in first.messages] == [
        ("chat-a", "Where is my parcel?"),
        ("chat-b", "Is it waterproof?"),
        ("chat-a", "It was due yesterday"),
    ]
    parcel = first.messages[0]
    assert parcel.author is Author.BUYER
    assert parcel.context is not None and parcel.context.order == "0123-4567-1"
    assert parcel.context.product == "900100"

    assert (await ozon.fetch_new(first.cursor)).messages == []

    await client.ozon.buyer_writes("chat-b", "Hello?")
    await ozon.send_text(ChatAddress("chat-a"), "It arrives today")
    later = await ozon.fetch_new(first.cursor)
    assert [(m.chat_id, m.author, m.text) for m in later.messages] == [
        ("chat-b", Author.BUYER, "Hello?"),
        ("chat-a", Author.SELLER, "It arrives today"),
    ]


async def test_paging_through_many_chats_and_long_histories_loses_and_repeats_nothing(
    emulator: TelegramEmulator, client: SandboxClient
) -> None:
    await client.ozon.set_limit(None)
    written = await buyer_chats(client.ozon, chats=5, messages=5, prefix="paged")
    connector = ozon_connector(emulator, page_size=2)
    try:
        fetched = await connector.fetch_new(None)
    finally:
        await connector.close()
    assert sorted(m.text for m in fetched.messages) == sorted(written)
    assert len({m.message_id for m in fetched.messages}) == len(written)
    pages = await client.ozon.requests("/v3/chat/list")
    assert len(pages) == 3  # 5 chats, 2 a page


async def test_a_stored_cursor_survives_a_restart(
    emulator: TelegramEmulator, client: SandboxClient
) -> None:
    await client.ozon.set_limit(None)
    await client.ozon.buyer_writes("restart", "first")
    before = ozon_connector(emulator)
    cursor = (await before.fetch_new(None)).cursor
    await before.close()

    await client.ozon.buyer_writes("restart", "second")
    after = ozon_connector(emulator)
    try:
        assert [m.text for m in (await after.fetch_new(cursor)).messages] == ["second"]
    finally:
        await after.close()


async def test_read_chats_leave_the_cursor_and_their_next_message_still_arrives(
    ozon: OzonConnector, client: SandboxClient
) -> None:
    await client.ozon.buyer_writes("read-me", "one")
    fetched = await ozon.fetch_new(None)
    await ozon.mark_read(ChatAddress("read-me"), fetched.messages[-1].message_id)
    assert all(m["read"] for m in (await client.ozon.chat("read-me"))["messages"])

    quiet = await ozon.fetch_new(fetched.cursor)
    assert quiet.messages == [] and "read-me" not in quiet.cursor

    await client.ozon.buyer_writes("read-me", "two")
    assert [m.text for m in (await ozon.fetch_new(quiet.cursor)).messages] == ["two"]


async def test_replies_and_files_reach_the_buyer(
    ozon: OzonConnector, client: SandboxClient
) -> None:
    await client.ozon.buyer_writes("reply", "Do you have it in red?")
    await ozon.send_text(ChatAddress("reply"), "Yes, in red and blue")
    await ozon.send_file(ChatAddress("reply"), OutgoingFile("red.png", png(1, 1), "image/png"))
    seller_messages = [
        m for m in (await client.ozon.chat("reply"))["messages"] if m["author"] == "seller"
    ]
    assert seller_messages[0]["text"] == "Yes, in red and blue"
    assert seller_messages[1]["files"][0]["name"] == "red.png"
    assert seller_messages[1]["files"][0]["size"] == len(png(1, 1))


async def test_a_buyers_image_downloads(ozon: OzonConnector, client: SandboxClient) -> None:
    await client.ozon.buyer_writes("photo", image=("box.png", png(1, 1), "image/png"))
    (message,) = (await ozon.fetch_new(None)).messages
    (image,) = message.attachments
    assert image.kind is AttachmentKind.IMAGE
    assert await ozon.download(image) == png(1, 1)


async def test_refused_replies_say_why(ozon: OzonConnector, client: SandboxClient) -> None:
    await client.ozon.buyer_writes("refusals", "Hi")
    chat = ChatAddress("refusals")

    too_long = await refusal(ozon.send_text(chat, "x" * 1001))
    assert too_long.reason is FailureReason.TEXT_REFUSED
    assert await client.ozon.requests("/v1/chat/send/message") == []  # refused on our side

    exe = OutgoingFile("setup.exe", b"MZ", "application/octet-stream")
    assert (await refusal(ozon.send_file(chat, exe))).reason is FailureReason.FILE_REFUSED

    unknown = await refusal(ozon.send_text(ChatAddress("no-such-chat"), "Hi"))
    assert unknown.reason is FailureReason.CHAT_NOT_FOUND

    await client.advance_marketplace_clock(47 * 3600)
    await ozon.send_text(chat, "Still in time")
    await client.advance_marketplace_clock(3600 + 1)
    late = await refusal(ozon.send_text(chat, "Too late"))
    assert late.reason is FailureReason.ANSWER_WINDOW_CLOSED

    await client.ozon.buyer_writes("closing", "Bye")
    await client.ozon.close_chat("closing")
    closed = await refusal(ozon.send_text(ChatAddress("closing"), "Wait"))
    assert closed.reason is FailureReason.CHAT_CLOSED


async def test_a_429_is_waited_out_as_told_and_not_repeated(
    ozon: OzonConnector, client: SandboxClient
) -> None:
    await client.ozon.fault("rate_limited", method="/v3/chat/list")
    started = time.monotonic()
    await ozon.check_credentials()
    assert time.monotonic() - started >= 0.9  # Ozon's limit is per second
    assert await statuses(client.ozon) == [429, 200]


async def test_server_errors_are_retried_and_then_reported(
    ozon: OzonConnector, client: SandboxClient
) -> None:
    await client.ozon.fault("server_error", method="/v3/chat/list", times=2, status=503)
    await ozon.check_credentials()
    assert await statuses(client.ozon) == [503, 503, 200]

    await client.ozon.clear_requests()
    await client.ozon.fault("server_error", method="/v3/chat/list", times=None)
    error = await refusal(ozon.check_credentials())
    assert error.reason is FailureReason.UNAVAILABLE
    assert await statuses(client.ozon) == [500, 500, 500]


async def test_a_slow_answer_times_out_and_a_reply_is_never_sent_twice(
    emulator: TelegramEmulator, client: SandboxClient
) -> None:
    await client.ozon.set_limit(None)
    await client.ozon.buyer_writes("slow", "Hi")
    connector = ozon_connector(emulator, timeout_seconds=0.3)
    try:
        await client.ozon.fault("slow", method="/v3/chat/list", delay_seconds=1.0)
        await connector.check_credentials()  # a read is repeated after the timeout
        await client.ozon.fault("slow", method="/v1/chat/send/message", delay_seconds=1.0)
        error = await refusal(connector.send_text(ChatAddress("slow"), "Hello"))
    finally:
        await connector.close()
    assert error.reason is FailureReason.UNAVAILABLE
    await asyncio.sleep(1.0)  # the emulator finishes the slow answer nobody waits for
    assert len(await client.ozon.requests("/v1/chat/send/message")) == 1
    replies = [m for m in (await client.ozon.chat("slow"))["messages"] if m["author"] == "seller"]
    assert [m["text"] for m in replies] == ["Hello"]  # delivered after all, and only once


async def test_the_client_side_limiter_keeps_a_burst_under_the_marketplaces_limit(
    emulator: TelegramEmulator, client: SandboxClient
) -> None:
    """The emulator allows 10 a second here; 30 calls at once draw no 429."""
    await client.ozon.set_limit(10, 1.0)
    connector = ozon_connector(emulator, rate=RequestRate(10, 1.0))
    try:
        await asyncio.gather(*(connector.check_credentials() for _ in range(30)))
    finally:
        await connector.close()
    answered = await statuses(client.ozon)
    assert len(answered) == 30 and set(answered) == {200}
