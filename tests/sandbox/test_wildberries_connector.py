"""The Wildberries connector against the Wildberries emulator: every method, every refusal,
events paging, cursors, reply signatures, the limiter, retries and timeouts, over real HTTP."""

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
    RequestRate,
    WildberriesConnector,
    WildberriesCredentials,
)
from tests.sandbox.helpers import png
from tests.sandbox.marketplaces import (
    buyer_chats,
    refusal,
    statuses,
    wildberries_connector,
)

SECRET_TOKEN = "wb-secret-token-8d1e"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
async def wb(
    emulator: TelegramEmulator, client: SandboxClient
) -> AsyncIterator[WildberriesConnector]:
    await client.wildberries.set_limit(None)
    connector = wildberries_connector(emulator)
    yield connector
    await connector.close()


async def test_credentials_are_checked_with_the_chat_list(
    wb: WildberriesConnector, client: SandboxClient
) -> None:
    await wb.check_credentials()
    assert [(r["method"], r["status"]) for r in await client.wildberries.requests()] == [
        ("/api/v1/seller/chats", 200)
    ]


async def test_wrong_or_revoked_tokens_say_so_without_the_token(
    emulator: TelegramEmulator, client: SandboxClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await client.wildberries.set_limit(None)
    await client.wildberries.seller(seller_id="shop-2", token=SECRET_TOKEN)
    wrong = wildberries_connector(emulator, credentials=WildberriesCredentials("not-a-token"))
    right = wildberries_connector(emulator, credentials=WildberriesCredentials(SECRET_TOKEN))
    try:
        assert (await refusal(wrong.check_credentials())).reason is FailureReason.CREDENTIALS
        await right.check_credentials()
        await client.wildberries.seller(seller_id="shop-2", token=SECRET_TOKEN, revoked=True)
        error = await refusal(right.fetch_new(None))
        assert error.reason is FailureReason.CREDENTIALS and "withdrawn" in error.detail
        for shown in (str(error), repr(error), repr(right), caplog.text):
            assert SECRET_TOKEN not in shown
        assert SECRET_TOKEN not in repr(WildberriesCredentials(SECRET_TOKEN))
    finally:
        await wrong.close()
        await right.close()


async def test_new_messages_arrive_once_with_the_reply_sign_and_the_order(
    wb: WildberriesConnector, client: SandboxClient
) -> None:
    chat = await client.wildberries.buyer_writes(
        "1:chat-a", "Wrong colour", buyer_name="Alyona", order="rid-42", product="13480414"
    )
    await client.wildberries.buyer_writes("1:chat-a", "Can I swap it?")

    first = await wb.fetch_new(None)
    opening, follow_up = first.messages
    assert (opening.text, follow_up.text) == ("Wrong colour", "Can I swap it?")
    assert opening.author is Author.BUYER and opening.buyer_name == "Alyona"
    assert opening.reply_sign == chat["reply_sign"] and follow_up.reply_sign is None
    assert opening.context is not None and opening.context.order == "rid-42"
    assert opening.context.product == "13480414"
    assert (await wb.fetch_new(first.cursor)).messages == []

    await wb.send_text(ChatAddress("1:chat-a", opening.reply_sign), "Yes, we will swap it")
    later = await wb.fetch_new(first.cursor)
    assert [(m.author, m.text) for m in later.messages] == [(Author.SELLER, "Yes, we will swap it")]


async def test_paging_through_many_events_loses_and_repeats_nothing_and_survives_a_restart(
    emulator: TelegramEmulator, client: SandboxClient
) -> None:
    await client.wildberries.set_limit(None)
    emulator.wildberries.events_page_size = 3
    written = await buyer_chats(client.wildberries, chats=4, messages=4, prefix="1:paged")
    before = wildberries_connector(emulator)
    fetched = await before.fetch_new(None)
    await before.close()
    assert [m.text for m in fetched.messages] == written
    assert len(await client.wildberries.requests("/api/v1/seller/events")) == 6 + 1  # 16 / 3

    await client.wildberries.buyer_writes("1:paged-0", "after the restart")
    after = wildberries_connector(emulator)
    try:
        assert [m.text for m in (await after.fetch_new(fetched.cursor)).messages] == [
            "after the restart"
        ]
    finally:
        await after.close()


async def test_a_reply_without_a_known_sign_looks_it_up_and_an_unknown_chat_has_none(
    wb: WildberriesConnector, client: SandboxClient
) -> None:
    await client.wildberries.buyer_writes("1:lookup", "Hi")
    await wb.send_text(ChatAddress("1:lookup"), "Hello")
    replies = [m for m in (await client.wildberries.chat("1:lookup"))["messages"]]
    assert [m["author"] for m in replies] == ["buyer", "seller"]

    missing = await refusal(wb.send_text(ChatAddress("1:nobody"), "Hello"))
    assert missing.reason is FailureReason.NO_REPLY_SIGN
    stale = await refusal(wb.send_text(ChatAddress("1:lookup", "1:forged:sign"), "Hello"))
    assert stale.reason is FailureReason.NO_REPLY_SIGN


async def test_files_go_out_and_buyers_images_come_in(
    wb: WildberriesConnector, client: SandboxClient
) -> None:
    await client.wildberries.buyer_writes("1:files", image=("box.png", png(1, 1), "image/png"))
    (message,) = (await wb.fetch_new(None)).messages
    (image,) = message.attachments
    assert image.kind is AttachmentKind.IMAGE
    assert await wb.download(image) == png(1, 1)

    chat = ChatAddress("1:files", message.reply_sign)
    await wb.send_file(chat, OutgoingFile("receipt.pdf", PDF, "application/pdf"))
    await wb.send_file(chat, OutgoingFile("photo.png", png(1, 1), "image/png"))
    sent = [m for m in (await client.wildberries.chat("1:files"))["messages"][1:]]
    assert [f["name"] for m in sent for f in m["files"]] == ["receipt.pdf", "photo.png"]


async def test_refused_replies_say_why_before_anything_is_sent(
    wb: WildberriesConnector, client: SandboxClient
) -> None:
    await client.wildberries.buyer_writes("1:refusals", "Hi")
    sign = (await client.wildberries.chat("1:refusals"))["reply_sign"]
    chat = ChatAddress("1:refusals", sign)
    await client.wildberries.clear_requests()

    assert (await refusal(wb.send_text(chat, "x" * 1001))).reason is FailureReason.TEXT_REFUSED
    assert (await refusal(wb.send_text(chat, "  "))).reason is FailureReason.TEXT_REFUSED
    video = OutgoingFile("clip.mp4", b"\x00\x00\x00\x18ftypmp42", "video/mp4")
    assert (await refusal(wb.send_file(chat, video))).reason is FailureReason.FILE_REFUSED
    huge = OutgoingFile("big.pdf", PDF + b"0" * (5 * 1024 * 1024), "application/pdf")
    assert (await refusal(wb.send_file(chat, huge))).reason is FailureReason.FILE_REFUSED
    assert await client.wildberries.requests() == []


async def test_the_marketplaces_own_refusals_are_mapped_too(
    emulator: TelegramEmulator, client: SandboxClient
) -> None:
    """The same refusals when a client skips its own checks: Wildberries says why itself."""
    await client.wildberries.set_limit(None)
    await client.wildberries.buyer_writes("1:direct", "Hi")
    sign = (await client.wildberries.chat("1:direct"))["reply_sign"]
    connector = wildberries_connector(emulator)
    try:
        video = OutgoingFile("clip.mp4", b"\x00\x00\x00\x18ftypmp42", "image/png")
        error = await refusal(connector.send_file(ChatAddress("1:direct", sign), video))
    finally:
        await connector.close()
    assert error.reason is FailureReason.FILE_REFUSED and "mime type" in error.detail


async def test_a_429_is_waited_out_as_told_and_not_repeated(
    wb: WildberriesConnector, client: SandboxClient
) -> None:
    await client.wildberries.fault(
        "rate_limited", method="/api/v1/seller/chats", retry_after_seconds=1
    )
    started = time.monotonic()
    await wb.check_credentials()
    assert time.monotonic() - started >= 0.95
    assert await statuses(client.wildberries) == [429, 200]
    (seller,) = [s for s in (await client.wildberries.sellers())["sellers"]]
    assert seller["rate_limited_answers"] == 1


async def test_server_errors_are_retried_and_then_reported(
    wb: WildberriesConnector, client: SandboxClient
) -> None:
    await client.wildberries.fault("server_error", method="/api/v1/seller/events", times=2)
    assert (await wb.fetch_new(None)).messages == []
    assert await statuses(client.wildberries) == [500, 500, 200]

    await client.wildberries.clear_requests()
    await client.wildberries.fault("server_error", times=None, status=502)
    error = await refusal(wb.check_credentials())
    assert error.reason is FailureReason.UNAVAILABLE
    assert await statuses(client.wildberries) == [502, 502, 502]


async def test_a_slow_answer_times_out(emulator: TelegramEmulator, client: SandboxClient) -> None:
    await client.wildberries.set_limit(None)
    await client.wildberries.fault("slow", times=None, delay_seconds=1.0)
    connector = wildberries_connector(emulator, timeout_seconds=0.2)
    try:
        error = await refusal(connector.check_credentials())
    finally:
        await connector.close()
    assert error.reason is FailureReason.UNAVAILABLE and "0.2 s" in error.detail


async def test_the_client_side_limiter_keeps_each_method_under_the_limit(
    emulator: TelegramEmulator, client: SandboxClient
) -> None:
    """Wildberries' own shape (a burst of 10, then one a step), at 10 per 2 s to be quick:
    24 calls at once on one method draw no 429, and another method is not held up by them."""
    await client.wildberries.set_limit(10, 2.0)
    connector = wildberries_connector(emulator, rate=RequestRate(10, 2.0))
    try:
        chats = asyncio.gather(*(connector.check_credentials() for _ in range(24)))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await connector.fetch_new(None)
        assert time.monotonic() - started < 1.0
        await chats
    finally:
        await connector.close()
    assert set(await statuses(client.wildberries)) == {200}
    assert len(await client.wildberries.requests("/api/v1/seller/chats")) == 24
