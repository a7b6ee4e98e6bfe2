"""Answers from a buyer's topic reach the buyer on Ozon and Wildberries, through the real bot,
outbox and connectors: text, photos and PDFs, long texts in parts, refusals with a reason and
🔁 Retry, outages and crashes that lose nothing, and what is never sent."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import select

from handlers.marketplace.replies import DELIVERED_REACTION
from services.marketplace.models import Marketplace
from services.marketplace.replies import ReplyDelivery
from services.models.marketplace import DeskReply
from tests.e2e.desk import Desk, open_desk
from tests.e2e.harness import button_data, new_user
from tests.sandbox.helpers import png

pytestmark = pytest.mark.asyncio

BOTH = [Marketplace.OZON, Marketplace.WILDBERRIES]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def buyer_topic(desk: Desk, marketplace: Marketplace, order: str) -> tuple[str, int]:
    """A buyer's chat on the marketplace and its topic in the group."""
    chat = await desk.control(marketplace).buyer_starts_chat(
        "Hello, where is my order?", buyer_name="Irina", order=order, product="1234567"
    )
    await desk.wait_for_messages(order, 2)
    topic = next(t for t in await desk.topics() if order in t["name"])
    return chat["chat_id"], topic["message_thread_id"]


async def seller_messages(
    desk: Desk, marketplace: Marketplace, chat_id: str, count: int, timeout: float = 15.0
) -> list[dict[str, Any]]:
    """The seller's messages in the buyer's chat on the marketplace, once there are `count`."""
    deadline = time.monotonic() + timeout
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        chat = await desk.control(marketplace).chat(chat_id)
        found = [m for m in chat["messages"] if m["author"] == "seller"]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"the buyer has {len(found)} of {count} replies: {found}")


async def topic_message(
    desk: Desk, topic_id: int, message_id: int, ready: Any, timeout: float = 15.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    message: dict[str, Any] = {}
    while time.monotonic() < deadline:
        topics = await desk.topics()
        topic = next(t for t in topics if t["message_thread_id"] == topic_id)
        message = next((m for m in topic["messages"] if m["message_id"] == message_id), {})
        if message and ready(message):
            return message
        await asyncio.sleep(0.1)
    raise AssertionError(f"message {message_id} never got there: {message}")


def reacted(message: dict[str, Any]) -> bool:
    return any(
        r["reaction"] == [{"type": "emoji", "emoji": DELIVERED_REACTION}]
        for r in message["reactions"]
    )


async def notice_on(desk: Desk, topic_id: int, message_id: int, timeout: float = 15.0) -> Any:
    """The bot's reply to the member's message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        topic = next(t for t in await desk.topics() if t["message_thread_id"] == topic_id)
        for message in topic["messages"]:
            if message["from_bot"] and message.get("reply_to_message_id") == message_id:
                return message
        await asyncio.sleep(0.1)
    raise AssertionError(f"no notice on message {message_id}")


async def member_writes(desk: Desk, topic_id: int, text: str, user: Any = None) -> int:
    sent = await desk.client.send_text(
        desk.group_id, user or desk.operator, text, message_thread_id=topic_id
    )
    return sent["message"]["message_id"]


async def replies(desk: Desk) -> list[DeskReply]:
    async with desk.harness.resources.session_factory() as session:
        return list((await session.scalars(select(DeskReply).order_by(DeskReply.id))).all())


@pytest.mark.parametrize("marketplace", BOTH, ids=lambda m: m.value)
async def test_text_photo_and_pdf_reach_the_buyer(harness_factory, marketplace):
    desk = await open_desk(harness_factory, (marketplace,))
    chat_id, topic_id = await buyer_topic(desk, marketplace, "R-100")
    text_id = await member_writes(desk, topic_id, "Hello Irina! Your parcel is on its way.")
    photo = await desk.client.send_file(
        desk.group_id,
        desk.operator,
        "photo",
        png(40, 30),
        "label.png",
        "image/png",
        message_thread_id=topic_id,
    )
    pdf = await desk.client.send_file(
        desk.group_id,
        desk.operator,
        "document",
        PDF,
        "invoice.pdf",
        "application/pdf",
        caption="Here is your invoice.",
        message_thread_id=topic_id,
    )

    got = await seller_messages(desk, marketplace, chat_id, 4)
    assert got[0]["text"] == "Hello Irina! Your parcel is on its way."
    assert got[1]["files"][0]["content_type"].startswith("image/")
    assert got[2]["files"][0]["content_type"] == "application/pdf"
    assert got[2]["files"][0]["name"] == "invoice.pdf"
    assert got[3]["text"] == "Here is your invoice."
    assert len(got) == 4
    for message_id in (text_id, photo["message"]["message_id"], pdf["message"]["message_id"]):
        await topic_message(desk, topic_id, message_id, reacted)
    rows = await replies(desk)
    assert [row.status for row in rows] == ["sent"] * 3
    if marketplace is Marketplace.OZON:  # the chat is read on Ozon after the reply
        chat = await desk.control(marketplace).chat(chat_id)
        assert all(m["read"] for m in chat["messages"] if m["author"] == "buyer")


async def test_a_long_reply_goes_in_parts_at_sentence_ends(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.WILDBERRIES,))
    chat_id, topic_id = await buyer_topic(desk, Marketplace.WILDBERRIES, "L-1")
    sentences = [f"Sentence number {i} explains one more detail of the return." for i in range(60)]
    long_text = " ".join(sentences)
    assert len(long_text) > 3000
    message_id = await member_writes(desk, topic_id, long_text)
    got = await seller_messages(desk, Marketplace.WILDBERRIES, chat_id, 4)
    parts = [m["text"] for m in got]
    assert all(len(part) <= 1000 and part.endswith("return.") for part in parts)
    assert " ".join(parts) == long_text
    await topic_message(desk, topic_id, message_id, reacted)


async def test_a_refusal_for_good_says_why_without_a_retry(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.OZON,))
    chat_id, topic_id = await buyer_topic(desk, Marketplace.OZON, "W-1")
    await desk.client.advance_marketplace_clock(49 * 3600)
    message_id = await member_writes(desk, topic_id, "Sorry for the late answer!")
    notice = await notice_on(desk, topic_id, message_id)
    assert "48 hours" in notice["text"]
    assert "did not take" in notice["text"]
    assert not notice.get("reply_markup")  # another try cannot reopen the window
    rows = await replies(desk)
    assert (rows[0].status, rows[0].failure) == ("failed", "answer-window-closed")
    chat = await desk.control(Marketplace.OZON).chat(chat_id)
    assert not [m for m in chat["messages"] if m["author"] == "seller"]


async def test_a_closed_chat_refuses_with_its_reason(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.OZON,))
    chat_id, topic_id = await buyer_topic(desk, Marketplace.OZON, "C-1")
    await desk.control(Marketplace.OZON).close_chat(chat_id)
    message_id = await member_writes(desk, topic_id, "Anything else?")
    notice = await notice_on(desk, topic_id, message_id)
    assert "closed" in notice["text"]
    assert (await replies(desk))[0].failure == "chat-closed"


async def test_stickers_commands_and_the_teams_own_topics_are_not_sent(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.WILDBERRIES,))
    chat_id, topic_id = await buyer_topic(desk, Marketplace.WILDBERRIES, "S-1")
    sticker = await desk.client.send_message(
        desk.group_id, desk.operator, sticker={"emoji": "🙂"}, message_thread_id=topic_id
    )
    notice = await notice_on(desk, topic_id, sticker["message"]["message_id"])
    assert "does not take stickers" in notice["text"] and "nothing was sent" in notice["text"]
    command = await member_writes(desk, topic_id, "/whatever")  # a command no handler takes
    said = await notice_on(desk, topic_id, command)
    assert "Commands are not sent to buyers" in said["text"]
    # /templates asks for texts: not here, where texts go to the buyer.
    templates = await member_writes(desk, topic_id, "/templates")
    said = await notice_on(desk, topic_id, templates)
    assert "Open /templates in General" in said["text"]
    team_topic = await desk.client.create_topic(desk.group_id, desk.operator, "Team talk")
    await member_writes(desk, team_topic["topic"]["message_thread_id"], "internal note")
    await member_writes(desk, topic_id, "The one real answer.")
    got = await seller_messages(desk, Marketplace.WILDBERRIES, chat_id, 1)
    await asyncio.sleep(1)
    got = await seller_messages(desk, Marketplace.WILDBERRIES, chat_id, 1)
    assert [m["text"] for m in got] == ["The one real answer."]
    assert len(await replies(desk)) == 1


async def test_an_outage_keeps_the_reply_until_the_marketplace_is_back(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.OZON,))
    control = desk.control(Marketplace.OZON)
    chat_id, topic_id = await buyer_topic(desk, Marketplace.OZON, "O-1")
    await control.fault("server_error", method="/v1/chat/send/message", times=None, status=503)
    first = await member_writes(desk, topic_id, "First answer.")
    second = await member_writes(desk, topic_id, "Second answer.")
    notice = await notice_on(desk, topic_id, first)
    assert "Not delivered to the buyer yet" in notice["text"]
    # The second waits behind the first, in order, without a notice of its own.
    for _ in range(50):
        rows = await replies(desk)
        if len(rows) == 2:
            break
        await asyncio.sleep(0.1)
    assert [row.status for row in rows] == ["pending", "pending"]
    await control.clear_faults()
    await desk.client.press(
        desk.group_id, desk.operator, notice["message_id"], button_data(notice, "🔁")
    )
    got = await seller_messages(desk, Marketplace.OZON, chat_id, 2)
    assert [m["text"] for m in got] == ["First answer.", "Second answer."]
    for message_id in (first, second):
        await topic_message(desk, topic_id, message_id, reacted)
    edited = await topic_message(
        desk, topic_id, notice["message_id"], lambda m: "Delivered" in m["text"]
    )
    assert not edited.get("reply_markup")
    await asyncio.sleep(1)
    assert len(await seller_messages(desk, Marketplace.OZON, chat_id, 2)) == 2


async def test_a_reply_left_by_a_crash_goes_after_the_restart(harness_factory, monkeypatch):
    desk = await open_desk(harness_factory, (Marketplace.WILDBERRIES,))
    chat_id, topic_id = await buyer_topic(desk, Marketplace.WILDBERRIES, "K-1")

    def crash(self: ReplyDelivery, buyer_chat_id: int) -> None:
        """The process dies between the row and the call."""

    monkeypatch.setattr(ReplyDelivery, "deliver_soon", crash)
    message_id = await member_writes(desk, topic_id, "Written just before the crash.")
    for _ in range(100):
        if await replies(desk):
            break
        await asyncio.sleep(0.05)
    await desk.harness.stop()
    assert [row.status for row in await replies(desk)] == ["pending"]
    monkeypatch.undo()

    desk.harness = await harness_factory.start(**desk.overrides)
    got = await seller_messages(desk, Marketplace.WILDBERRIES, chat_id, 1, timeout=30)
    assert got[0]["text"] == "Written just before the crash."
    await topic_message(desk, topic_id, message_id, reacted)
    assert [row.status for row in await replies(desk)] == ["sent"]
    await asyncio.sleep(1)
    assert len(await seller_messages(desk, Marketplace.WILDBERRIES, chat_id, 1)) == 1


async def test_two_members_answering_at_once_both_go_in_order(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.OZON,))
    chat_id, topic_id = await buyer_topic(desk, Marketplace.OZON, "T-1")
    colleague = new_user(first_name="Pavel")
    await desk.client.add_member(desk.group_id, colleague)
    lines = [
        (desk.operator, "Olga: we are checking."),
        (colleague, "Pavel: it ships today."),
        (desk.operator, "Olga: sorry for the wait."),
    ]
    written = await asyncio.gather(
        *(
            desk.client.send_text(desk.group_id, user, text, message_thread_id=topic_id)
            for user, text in lines
        )
    )
    # Telegram's order (the message ids) is the order the buyer gets them in.
    in_order = [
        w["message"]["text"] for w in sorted(written, key=lambda w: w["message"]["message_id"])
    ]
    got = await seller_messages(desk, Marketplace.OZON, chat_id, 3)
    assert [m["text"] for m in got] == in_order
    for sent in written:
        await topic_message(desk, topic_id, sent["message"]["message_id"], reacted)


@pytest.mark.parametrize("marketplace", BOTH, ids=lambda m: m.value)
async def test_a_file_the_marketplace_refuses_says_so(harness_factory, marketplace):
    desk = await open_desk(harness_factory, (marketplace,))
    chat_id, topic_id = await buyer_topic(desk, marketplace, "F-1")
    sent = await desk.client.send_file(
        desk.group_id,
        desk.operator,
        "document",
        b"MZ\x90\x00 not a document a buyer should get",
        "setup.exe",
        "application/x-msdownload",
        message_thread_id=topic_id,
    )
    notice = await notice_on(desk, topic_id, sent["message"]["message_id"])
    assert "does not take this file" in notice["text"]
    assert (await replies(desk))[0].failure == "file-refused"
    chat = await desk.control(marketplace).chat(chat_id)
    assert not [m for m in chat["messages"] if m["author"] == "seller"]


async def test_the_job_delivers_after_an_outage_without_a_press(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.WILDBERRIES,))
    control = desk.control(Marketplace.WILDBERRIES)
    chat_id, topic_id = await buyer_topic(desk, Marketplace.WILDBERRIES, "J-1")
    # Three 503s spoil the first attempt (the connector tries a 503 three times: the
    # marketplace did nothing); the job's retry, 15 s later, goes through.
    await control.fault("server_error", method="/api/v1/seller/message", times=3, status=503)
    message_id = await member_writes(desk, topic_id, "Sent by the job.")
    notice = await notice_on(desk, topic_id, message_id)
    assert "Not delivered to the buyer yet" in notice["text"]
    got = await seller_messages(desk, Marketplace.WILDBERRIES, chat_id, 1, timeout=60)
    assert [m["text"] for m in got] == ["Sent by the job."]
    await topic_message(desk, topic_id, notice["message_id"], lambda m: "Delivered" in m["text"])
    await topic_message(desk, topic_id, message_id, reacted)
    topic = next(t for t in await desk.topics() if t["message_thread_id"] == topic_id)
    notices = [m for m in topic["messages"] if m.get("reply_to_message_id") == message_id]
    assert len(notices) == 1
    [row] = await replies(desk)
    assert (row.status, row.attempts) == ("sent", 2)


async def test_an_anonymous_admin_answers_and_an_edit_stays_here(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.WILDBERRIES,))
    chat_id, topic_id = await buyer_topic(desk, Marketplace.WILDBERRIES, "AN-1")
    sent = await desk.client.send_text(
        desk.group_id, desk.operator, "From the shop.", message_thread_id=topic_id, anonymous=True
    )
    message_id = sent["message"]["message_id"]
    got = await seller_messages(desk, Marketplace.WILDBERRIES, chat_id, 1)
    assert [m["text"] for m in got] == ["From the shop."]
    await topic_message(desk, topic_id, message_id, reacted)
    [row] = await replies(desk)
    assert row.member_id == desk.group_id  # an anonymous admin is the group itself

    await desk.client.edit_text(desk.group_id, desk.operator, message_id, "From the shop!")
    notice = await notice_on(desk, topic_id, message_id)
    assert "the edit does not reach the buyer" in notice["text"]
    await asyncio.sleep(0.5)
    got = await seller_messages(desk, Marketplace.WILDBERRIES, chat_id, 1)
    assert [m["text"] for m in got] == ["From the shop."]
