"""Buyer chats from the Ozon and Wildberries emulators into the seller's forum topics, through
the real bot, sender and connectors: in order, once, and nothing lost when things fail."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select, update

from sandbox.telegram.limits import RateLimits, Window
from services.marketplace.models import Marketplace
from services.models.base import utcnow
from services.models.marketplace import BuyerAttachment, BuyerChat, BuyerMessage
from tests.e2e.desk import open_desk, texts
from tests.e2e.harness import button_data, new_user
from tests.sandbox.helpers import png
from tests.servers import sending_settings

pytestmark = pytest.mark.asyncio

BOTH = [Marketplace.OZON, Marketplace.WILDBERRIES]
# A group that takes 4 messages per 2 s, on the emulator and the sender: backlogs take seconds.
SLOW_GROUP = RateLimits(
    private_chat=Window(3, 1.0), group_chat=Window(4, 2.0), overall=Window(30, 1.0)
)


async def open_ozon_desk_at_a_slow_group(harness_factory):
    client = await harness_factory.sandbox()
    await client.set_rate_limits(SLOW_GROUP)
    settings = sending_settings(SLOW_GROUP, margin_seconds=0.05)
    return await open_desk(harness_factory, (Marketplace.OZON,), **settings)


NAMES = {Marketplace.OZON: "Ozon", Marketplace.WILDBERRIES: "Wildberries"}


@pytest.mark.parametrize("marketplace", BOTH, ids=lambda m: m.value)
async def test_buyer_text_and_image_reach_one_topic_in_order(harness_factory, marketplace):
    desk = await open_desk(harness_factory, (marketplace,))
    control = desk.control(marketplace)
    chat = await control.buyer_starts_chat(
        "Hello! Where is my parcel?", buyer_name="Irina", order="4711-0001", product="1234567"
    )
    chat_id = chat["chat_id"]
    await control.buyer_writes(chat_id, "It was due yesterday.")
    await control.buyer_writes(chat_id, None, image=("parcel.png", png(64, 48), "image/png"))

    messages = await desk.wait_for_messages("4711-0001", 4)
    topic = next(t for t in await desk.topics() if "4711-0001" in t["name"])
    # Ozon's API names no buyer; Wildberries gives the buyer's name.
    buyer = "Irina" if marketplace is Marketplace.WILDBERRIES else "Buyer"
    assert topic["name"] == f"{NAMES[marketplace]} · #4711-0001 · {buyer}"
    card, first, second, image = messages[:4]
    assert card["from_bot"] and "4711-0001" in card["text"] and "1234567" in card["text"]
    assert NAMES[marketplace] in card["text"]
    # Each message under its author's line, in the order the buyer wrote them.
    assert first["text"].startswith(f"— {buyer} ({NAMES[marketplace]}) · ")
    assert first["text"].endswith("Hello! Where is my parcel?")
    assert second["text"].endswith("It was due yesterday.")
    # The time is the seller's (MARKETPLACE_TIMEZONE, Moscow by default), not UTC.
    forwarded = datetime.fromtimestamp(first["date"], ZoneInfo("Europe/Moscow"))
    minutes = {f"· {moment:%H:%M}\n" for moment in (forwarded, forwarded - timedelta(minutes=1))}
    assert any(minute in first["text"] for minute in minutes)
    assert image["media"]["kind"] == "photo" and buyer in image["caption"]
    assert len(messages) == 4

    # The rows record where each message went, so a restart resumes after them.
    for _ in range(50):  # the row is written just after Telegram's answer
        async with desk.harness.resources.session_factory() as session:
            rows = (await session.scalars(select(BuyerMessage).order_by(BuyerMessage.id))).all()
        if all(row.forwarded_at for row in rows):
            break
        await asyncio.sleep(0.1)
    assert len(rows) == 3
    assert [row.telegram_message_id for row in rows] == [
        m["message_id"] for m in (first, second, image)
    ]
    assert {row.topic_id for row in rows} == {topic["message_thread_id"]}


async def test_two_buyers_get_two_topics_and_a_file_is_a_document(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.OZON,))
    await desk.client.ozon.buyer_starts_chat("About order A", buyer_name="Anna", order="A-1")
    await desk.client.ozon.buyer_starts_chat("About order B", buyer_name="Boris", order="B-2")
    topics = await desk.wait_for_topics(
        lambda ts: sum(len(t["messages"]) >= 2 for t in ts) == 2, what="two topics"
    )
    assert sorted(t["name"] for t in topics) == ["Ozon · #A-1 · Buyer", "Ozon · #B-2 · Buyer"]
    for topic in topics:
        body = texts(topic["messages"])[1]
        assert ("About order A" in body) == ("A-1" in topic["name"])


async def test_replayed_pushes_forward_every_message_once(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.OZON,), marketplace_poll_seconds=3600)
    control = desk.client.ozon
    chat = await control.buyer_starts_chat("one", buyer_name="P-1", order="P-1")
    for word in ("two", "three", "four"):
        await control.buyer_writes(chat["chat_id"], word)
    push = {
        "message_type": "TYPE_NEW_MESSAGE",
        "chat_id": chat["chat_id"],
        "chat_type": "Buyer_Seller",
        "message_id": "1",
        "created_at": "2026-12-04T10:00:00Z",
        "user": {"id": "1", "type": "Customer"},
        "data": ["four"],
        "seller_id": "100500",
    }
    url = f"{desk.harness.web_url}/webhooks/ozon"
    async with aiohttp.ClientSession() as http:
        answers = await asyncio.gather(*(http.post(url, json=push) for _ in range(8)))
        for answer in answers:
            assert answer.status == 200 and await answer.json() == {"result": True}
        ping = await http.post(url, json={"message_type": "TYPE_PING", "time": "x"})
        assert set(await ping.json()) == {"version", "name", "time"}
        bad = await http.post(url, data=b"not json")
        assert bad.status == 400 and "error" in await bad.json()

    messages = await desk.wait_for_messages("P-1", 5)
    await asyncio.sleep(1.5)  # any duplicate would have arrived by now
    messages = next(t for t in await desk.topics() if "P-1" in t["name"])["messages"]
    bodies = Counter(text.rsplit("\n", 1)[-1] for text in texts(messages)[1:])
    assert bodies == Counter({"one": 1, "two": 1, "three": 1, "four": 1})


async def test_two_processes_syncing_one_seller_forward_once(harness_factory, real_backend):
    # Two bots long-polling one token get Telegram's "terminated by other getUpdates request"
    # now and then: the emulator says so as Telegram would, and that is not the desk's doing.
    harness_factory.allow_rejected_requests = True
    desk = await open_desk(harness_factory, tuple(BOTH))
    # A second process on the same database and Redis: it syncs the same accounts.
    await harness_factory.start(**desk.overrides)
    ozon = await desk.client.ozon.buyer_starts_chat("o1", buyer_name="Olesya", order="O-1")
    wb = await desk.client.wildberries.buyer_starts_chat("w1", buyer_name="Vera", order="W-1")
    for n in range(2, 8):
        await desk.client.ozon.buyer_writes(ozon["chat_id"], f"o{n}")
        await desk.client.wildberries.buyer_writes(wb["chat_id"], f"w{n}")
    await desk.wait_for_messages("O-1", 8)
    await desk.wait_for_messages("W-1", 8)
    await asyncio.sleep(2.5)
    topics = await desk.topics()
    assert len(topics) == 2
    for topic, prefix in ((t, "o" if "O-1" in t["name"] else "w") for t in topics):
        bodies = [text.rsplit("\n", 1)[-1] for text in texts(topic["messages"])[1:]]
        assert bodies == [f"{prefix}{n}" for n in range(1, 8)]


async def test_a_deleted_topic_is_opened_again(harness_factory):
    harness_factory.allow_rejected_requests = True  # the send into the deleted topic
    desk = await open_desk(harness_factory, (Marketplace.WILDBERRIES,))
    control = desk.client.wildberries
    chat = await control.buyer_starts_chat("first", buyer_name="Dmitry", order="D-1")
    first_topic = (await desk.wait_for_messages("Dmitry", 2))[0]["message_thread_id"]
    await desk.harness.bot.delete_forum_topic(desk.group_id, first_topic)
    await control.buyer_writes(chat["chat_id"], "second")

    messages = await desk.wait_for_messages("Dmitry", 2)
    assert messages[0]["message_thread_id"] != first_topic
    assert "D-1" in messages[0]["text"] and messages[1]["text"].endswith("second")
    async with desk.harness.resources.session_factory() as session:
        mapped = await session.scalar(select(BuyerChat.topic_id))
    assert mapped == messages[0]["message_thread_id"]


@pytest.mark.parametrize("marketplace", BOTH, ids=lambda m: m.value)
async def test_429s_and_5xx_lose_nothing(harness_factory, marketplace):
    desk = await open_desk(harness_factory, (marketplace,))
    control = desk.control(marketplace)
    await control.fault("server_error", times=7, status=503)
    await control.fault("rate_limited", times=2, retry_after_seconds=1)
    chat = await control.buyer_starts_chat("while down 1", buyer_name="Gleb", order="G-1")
    await control.buyer_writes(chat["chat_id"], "while down 2")
    messages = await desk.wait_for_messages("G-1", 3, timeout=30)
    assert [t.rsplit("\n", 1)[-1] for t in texts(messages)[1:]] == ["while down 1", "while down 2"]


@pytest.mark.parametrize("marketplace", BOTH, ids=lambda m: m.value)
async def test_revoked_key_pauses_once_and_connect_resumes(harness_factory, marketplace):
    desk = await open_desk(harness_factory, (marketplace,))
    control = desk.control(marketplace)
    await control.fault("revoked", times=None)
    await asyncio.sleep(3.5)  # several polls
    general = (await desk.client.forum(desk.group_id))["general"]
    notices = [m for m in general if m["from_bot"] and "refused" in (m["text"] or "")]
    assert len(notices) == 1 and NAMES[marketplace] in notices[0]["text"]
    chat = await control.buyer_starts_chat("written while paused", order="N-1")

    await control.clear_faults()
    connected = await desk.connect(marketplace)
    assert connected.resumed
    messages = await desk.wait_for_messages("N-1", 2)
    assert messages[1]["text"].endswith("written while paused")
    assert chat["chat_id"]


async def test_bot_demoted_pauses_tells_admins_and_resumes(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.OZON,))
    before = (await desk.client.messages(desk.operator["id"]))[-1]["message_id"]
    await desk.client.set_bot_rights(desk.group_id, desk.operator, "member")
    private = await desk.client.wait_for_bot_messages(desk.operator["id"], after=before)
    assert "Manage topics" in private[0]["text"]
    await desk.client.ozon.buyer_starts_chat("are you there?", buyer_name="Lev", order="L-1")
    await asyncio.sleep(2.5)
    assert await desk.topics() == []

    await desk.client.set_bot_rights(desk.group_id, desk.operator, "administrator")
    messages = await desk.wait_for_messages("L-1", 2)
    assert messages[1]["text"].endswith("are you there?")
    general = (await desk.client.forum(desk.group_id))["general"]
    assert any("resumes" in (m["text"] or "") for m in general if m["from_bot"])


async def test_an_attachment_that_fails_to_download_follows_later(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.OZON,))
    control = desk.client.ozon
    await control.fault("server_error", method="/v2/chat/file", times=3)
    chat = await control.buyer_starts_chat("see the photo", buyer_name="Kira", order="K-1")
    await control.buyer_writes(
        chat["chat_id"], "broken box", image=("box.png", png(32, 32), "image/png")
    )
    messages = await desk.wait_for_messages("K-1", 3)
    await asyncio.sleep(1)
    messages = await desk.wait_for_messages("K-1", 3)
    assert "broken box" in "".join(texts(messages))
    # The text went on, with a note; the image waits for a later try.
    noted = [m for m in messages if "📎" in (m["text"] or "")]
    assert len(noted) == 1 and not any(m["media"] for m in messages)

    async with desk.harness.resources.session_factory() as session:
        # An hour later, as far as the retry is concerned.
        await session.execute(update(BuyerAttachment).values(next_attempt_at=utcnow()))
        await session.commit()
    messages = await desk.wait_for_messages("K-1", len(messages) + 1)
    late = messages[-1]
    assert late["media"]["kind"] == "photo"
    assert late["reply_to_message_id"] == noted[0]["message_id"]


async def test_a_push_is_answered_at_once_while_the_marketplace_is_slow(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.OZON,), marketplace_poll_seconds=3600)
    await desk.client.ozon.buyer_starts_chat("slow day", order="S-1")
    await desk.client.ozon.fault("slow", delay_seconds=6, times=1)
    push = {"message_type": "TYPE_NEW_MESSAGE", "seller_id": "100500", "chat_id": "x"}
    async with aiohttp.ClientSession() as http:
        started = asyncio.get_running_loop().time()
        answer = await http.post(f"{desk.harness.web_url}/webhooks/ozon", json=push)
        waited = asyncio.get_running_loop().time() - started
    assert answer.status == 200 and waited < 1.0
    messages = await desk.wait_for_messages("S-1", 2, timeout=20)
    assert messages[1]["text"].endswith("slow day")


async def test_a_restart_resumes_without_forwarding_anything_twice(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.WILDBERRIES,))
    control = desk.client.wildberries
    chat = await control.buyer_starts_chat("before", buyer_name="Rita", order="R-1")
    await desk.wait_for_messages("R-1", 2)
    await desk.harness.stop()
    for word in ("while", "down"):
        await control.buyer_writes(chat["chat_id"], word)
    await harness_factory.start(**desk.overrides)
    messages = await desk.wait_for_messages("R-1", 4)
    await asyncio.sleep(1.5)
    messages = next(t for t in await desk.topics() if "R-1" in t["name"])["messages"]
    assert [t.rsplit("\n", 1)[-1] for t in texts(messages)[1:]] == ["before", "while", "down"]


async def test_a_removed_bot_pauses_and_the_admin_is_told(harness_factory):
    harness_factory.allow_rejected_requests = True  # calls into a group it was removed from
    desk = await open_desk(harness_factory, (Marketplace.OZON,))
    before = (await desk.client.messages(desk.operator["id"]))[-1]["message_id"]
    await desk.client.remove_bot(desk.group_id, desk.operator)
    private = await desk.client.wait_for_bot_messages(desk.operator["id"], after=before)
    assert "Shop support" in private[0]["text"]
    await desk.client.ozon.buyer_starts_chat("hello?", order="H-1")
    await asyncio.sleep(2.5)
    async with desk.harness.resources.session_factory() as session:
        waiting = (await session.scalars(select(BuyerMessage))).all()
    # Nothing is lost: the message waits, unforwarded, for the bot to be back.
    assert all(row.forwarded_at is None for row in waiting)


async def test_a_file_that_is_not_a_photo_goes_as_a_document(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.OZON,))
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    await desk.client.ozon.buyer_starts_chat(
        None, order="F-1", image=("invoice.pdf", pdf, "application/pdf")
    )
    messages = await desk.wait_for_messages("F-1", 2)
    assert messages[1]["media"]["kind"] == "document"
    assert messages[1]["caption"].startswith("— Buyer (Ozon) · ")


async def test_the_menu_explains_the_setup_with_an_add_to_group_button(harness_factory):
    harness = await harness_factory.start()
    user = new_user()
    menu = (await harness.say(user, "/start"))[-1]
    await harness.press(user, menu, button_data(menu, "Marketplace"))
    [screen] = await harness.client.wait_for_edit(user["id"], menu["message_id"], "/connect")
    assert "/connect" in screen["text"] and "Manage topics" in screen["text"]
    urls = [b.get("url") for row in screen["reply_markup"]["inline_keyboard"] for b in row]
    assert any(url and "startgroup=" in url and "manage_topics" in url for url in urls)


async def test_new_messages_are_fetched_while_a_backlog_goes_out(harness_factory):
    """At a group's limit a backlog takes a while; what buyers write meanwhile is stored at
    once (and joins the next pass) instead of waiting for the backlog to go out."""
    desk = await open_ozon_desk_at_a_slow_group(harness_factory)
    chats = [
        await desk.client.ozon.buyer_starts_chat(f"backlog {n}", order=f"B-{n}") for n in range(6)
    ]
    await desk.wait_for_topics(lambda topics: len(topics) >= 1, what="the backlog to start")
    await desk.client.ozon.buyer_writes(chats[0]["chat_id"], "written during the backlog")
    loop = asyncio.get_running_loop()
    written = loop.time()
    while True:
        async with desk.harness.resources.session_factory() as session:
            stored = await session.scalar(
                select(BuyerMessage).where(BuyerMessage.text == "written during the backlog")
            )
        if stored is not None or loop.time() - written > 10:
            break
        await asyncio.sleep(0.1)
    assert stored is not None and loop.time() - written < 3.5
    topics = await desk.topics()
    assert len(topics) < 6 or sum(len(t["messages"]) for t in topics) < 12  # still going
    messages = await desk.wait_for_messages("B-0", 3, timeout=60)
    assert texts(messages)[2].endswith("written during the backlog")


async def test_stopping_mid_backlog_repeats_and_loses_nothing(harness_factory, caplog):
    """Stopped while a backlog goes out at the group's limit: what was sent is recorded (the
    sync ends before the translations and the sender go), and the next start sends the rest."""
    harness_factory.allow_rejected_requests = True  # the second poller's getUpdates conflict
    desk = await open_ozon_desk_at_a_slow_group(harness_factory)
    for n in range(5):
        await desk.client.ozon.buyer_starts_chat(f"stop {n}", order=f"T-{n}")
    await desk.wait_for_topics(lambda topics: len(topics) >= 2, what="the backlog to start")
    caplog.clear()
    await desk.harness.stop()
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
    await harness_factory.start(**desk.overrides)
    await desk.wait_for_topics(
        lambda topics: len(topics) == 5 and all(len(t["messages"]) == 2 for t in topics),
        timeout=40,
        what="every chat's card and message",
    )
    await asyncio.sleep(2.5)
    topics = await desk.topics()
    assert sorted(t["name"] for t in topics) == [f"Ozon · #T-{n} · Buyer" for n in range(5)]
    bodies = Counter(text.rsplit("\n", 1)[-1] for t in topics for text in texts(t["messages"])[1:])
    assert bodies == Counter({f"stop {n}": 1 for n in range(5)})
