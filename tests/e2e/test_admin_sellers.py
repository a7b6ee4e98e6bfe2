"""/sellers in the admin console, end to end: a seller's group connected to the Ozon and
Wildberries emulators, its buyer chats synced and answered, then the operator's view of its
marketplaces, last sync, open chats and SLA; a marketplace that fails or refuses the key shows
its error; many sellers go page by page; without the marketplace module /sellers says so."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.config import Module
from services.marketplace.models import Marketplace
from services.marketplace.sellers import register_seller
from services.models.marketplace import BuyerChat, MarketplaceAccount, SlaWait
from tests.e2e.admin_chat import admin_group, bot_with_admin_group
from tests.e2e.desk import Desk, open_desk
from tests.e2e.harness import new_user

pytestmark = pytest.mark.asyncio


async def accounts(desk: Desk) -> dict[str, MarketplaceAccount]:
    async with desk.harness.resources.session_factory() as session:
        rows = await session.scalars(
            select(MarketplaceAccount).where(MarketplaceAccount.seller_id == desk.seller_id)
        )
        return {account.marketplace: account for account in rows}


async def until_accounts(desk: Desk, ready: Any, what: str, timeout: float = 15) -> None:
    """Waits until `ready(accounts by marketplace)` holds (sync runs every second)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not ready(found := await accounts(desk)):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {found}")
        await asyncio.sleep(0.1)


async def buyer_writes(desk: Desk, marketplace: Marketplace, order: str) -> int:
    """A buyer's new chat, forwarded to its topic; the topic's id."""
    await desk.control(marketplace).buyer_starts_chat(
        "Where is my order?", buyer_name="Irina", order=order
    )
    await desk.wait_for_messages(order, 2)
    return next(t for t in await desk.topics() if order in t["name"])["message_thread_id"]


async def open_waits(desk: Desk, count: int, answered: int) -> list[SlaWait]:
    for _ in range(150):
        async with desk.harness.resources.session_factory() as session:
            found = list(await session.scalars(select(SlaWait).order_by(SlaWait.id)))
        if len(found) == count and sum(w.answered_at is not None for w in found) == answered:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"waits: {[(w.buyer_chat_id, w.answered_at) for w in found]}")


async def buyer_chat_of(desk: Desk, topic_id: int) -> int:
    async with desk.harness.resources.session_factory() as session:
        found = await session.scalar(select(BuyerChat.id).where(BuyerChat.topic_id == topic_id))
    assert found is not None
    return found


def block_of(text: str, title: str) -> str:
    """The part of the /sellers message about the seller called `title` (the text as shown,
    without its markup)."""
    return next(block for block in text.split("\n\n") if f"🏪 {title} ·" in block)


def labels(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {"inline_keyboard": []}
    return [button["text"] for row in markup["inline_keyboard"] for button in row]


async def test_sellers_shows_marketplaces_sync_chats_sla_and_then_errors(harness_factory) -> None:
    admin_chat = await admin_group(harness_factory)
    desk = await open_desk(
        harness_factory, admin_chat_id=admin_chat.chat_id, admin_ids=[admin_chat.admin["id"]]
    )
    answered_topic = await buyer_writes(desk, Marketplace.WILDBERRIES, "W-1")
    await buyer_writes(desk, Marketplace.OZON, "O-1")
    late_topic = await buyer_writes(desk, Marketplace.WILDBERRIES, "W-2")
    await open_waits(desk, count=3, answered=0)
    await desk.client.send_text(
        desk.group_id, desk.operator, "It ships today.", message_thread_id=answered_topic
    )
    await open_waits(desk, count=3, answered=1)
    # W-2's buyer has waited past the hour the default policy gives (as if the hour had passed).
    late_chat = await buyer_chat_of(desk, late_topic)
    overdue = datetime.now(UTC) - timedelta(minutes=1)
    async with desk.harness.resources.session_factory() as session:
        await session.execute(
            update(SlaWait)
            .where(SlaWait.buyer_chat_id == late_chat)
            .values(due_at=overdue, warn_at=overdue - timedelta(minutes=15))
        )
        await session.commit()
    await until_accounts(
        desk,
        lambda found: all(a.last_synced_at is not None for a in found.values()),
        "both accounts synced",
    )

    sent = await admin_chat.say("/sellers")
    listing = await admin_chat.wait_text("Shop support", after=sent)
    text = listing["text"]
    assert text.startswith("🏪 Sellers: 1\n") and "with problems" not in text
    assert "Times in Europe/Moscow" in text
    block = block_of(text, "Shop support")
    assert f"🏪 Shop support · group {desk.group_id}" in block
    assert "Ozon: 🟢 syncing · last sync just now (" in block
    assert "Wildberries: 🟢 syncing · last sync just now (" in block
    assert "error" not in block
    assert "💬 Buyer chats: 3 open (2 waiting for an answer) of 3" in block
    assert "⏱ SLA, 30 d: 50% in time (1 in time, 1 late)" in block
    assert labels(listing) == ["🔄 Refresh"]  # one page

    # Wildberries stops answering; Ozon refuses the key.
    await desk.client.wildberries.fault("server_error", status=503, times=None)
    await desk.client.ozon.fault("revoked", times=None)
    await until_accounts(
        desk,
        lambda found: found["wb"].last_error == "unavailable" and found["ozon"].refused_at,
        "the errors recorded",
    )
    await admin_chat.press(listing, "🔄 Refresh")
    [refreshed] = await admin_chat.client.wait_for_edit(
        admin_chat.chat_id,
        listing["message_id"],
        predicate=lambda message: "with problems" in message["text"],
    )
    text = refreshed["text"]
    assert text.startswith("🏪 Sellers: 1 · ⚠️ with problems: 1")
    block = block_of(text, "Shop support")
    ozon_line, ozon_error = _lines_after(block, "Ozon:")
    assert ozon_line.startswith("Ozon: ⛔ key refused: stopped until the seller's /connect")
    assert "refused the API key (wrong or revoked) credentials" in ozon_error
    assert ozon_error.startswith("↳ error just now (")
    wb_line, wb_error = _lines_after(block, "Wildberries:")
    assert wb_line.startswith("Wildberries: 🔴 failing · last sync")
    assert "the marketplace did not answer (5xx, timeout, no connection)" in wb_error
    assert wb_error.endswith(" unavailable")

    # A non-admin's press is refused; the page stays.
    stranger = new_user("en", "Stranger")
    await admin_chat.join(stranger)
    answer = await admin_chat.press(refreshed, "🔄 Refresh", member=stranger)
    assert answer["show_alert"]

    # More sellers than a page: the one with problems first, then by name, page by page.
    async with desk.harness.resources.session_factory() as session:
        for number in range(5):
            await register_seller(session, -100777000 - number, f"Quiet {number}", "en", 1)
    sent = await admin_chat.say("/sellers")
    first = await admin_chat.wait_text("Page 1 of 2", after=sent)
    assert first["text"].startswith("🏪 Sellers: 6 · ⚠️ with problems: 1")
    titles = [
        line for line in first["text"].split("\n") if line.startswith("🏪 ") and " · group " in line
    ]
    assert titles[0].startswith("🏪 Shop support ·") and len(titles) == 5
    assert "Quiet 4" not in first["text"]
    assert labels(first) == ["Next ▶️", "🔄 Refresh"]
    await admin_chat.press(first, "Next ▶️")
    [second] = await admin_chat.client.wait_for_edit(
        admin_chat.chat_id,
        first["message_id"],
        predicate=lambda message: "Page 2 of 2" in message["text"],
    )
    block = block_of(second["text"], "Quiet 4")
    assert "No marketplace connected." in block
    assert "💬 Buyer chats: 0 open (0 waiting for an answer) of 0" in block
    assert "⏱ SLA, 30 d: nothing answered or overdue yet" in block
    assert labels(second) == ["◀️ Previous", "🔄 Refresh"]


def _lines_after(block: str, start: str) -> tuple[str, str]:
    """The line starting with `start` and the one after it (its error)."""
    lines = block.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(start))
    return lines[index], lines[index + 1]


async def test_sellers_says_the_module_is_off_without_marketplace(harness_factory) -> None:
    harness, admin_chat = await bot_with_admin_group(
        harness_factory, modules=[Module.INTERVIEW, Module.PAYMENTS, Module.ADMIN]
    )
    sent = await admin_chat.say("/sellers")
    answer = await admin_chat.wait_text("marketplace module is off", after=sent)
    assert answer.get("reply_markup") is None
    assert harness is not None


async def test_sellers_in_russian_and_without_sellers(harness_factory) -> None:
    _, admin_chat = await bot_with_admin_group(harness_factory, default_language="ru")
    sent = await admin_chat.say("/sellers")
    await admin_chat.wait_text("ни один продавец", after=sent)
    # Typed by someone who is not an admin: nothing at all.
    stranger = new_user("ru", "Чужой")
    await admin_chat.join(stranger)
    said = await admin_chat.say("/sellers", stranger)
    await asyncio.sleep(0.6)
    assert await admin_chat.bot_messages_after(said) == []
