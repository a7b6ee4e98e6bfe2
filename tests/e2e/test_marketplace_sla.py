"""SLA of the desk through the real bot, database and emulators, with the desk's clock moved by
the test: a waiting buyer raises a warning and then a breach, each once, in the buyer's topic and
in the pinned ⏰ SLA topic; answers and closed chats raise nothing; business hours carry a
deadline over the night; two processes raise each alert once; /sla, /sla report and /chats."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import module_context
from handlers.marketplace.sla_alerts import raise_due_alerts
from services.marketplace.models import Marketplace
from services.models.marketplace import Seller, SlaWait
from tests.e2e.desk import Desk, open_desk
from tests.e2e.group_screens import ask, bot_text, newest, press_and_wait, say, text_of
from tests.e2e.harness import BotHarness, new_user

pytestmark = pytest.mark.asyncio


async def buyer_waits(
    desk: Desk, marketplace: Marketplace, order: str, text: str = "Where is my order?"
) -> tuple[str, int]:
    """A buyer's new chat, forwarded: its marketplace id and its topic."""
    chat = await desk.control(marketplace).buyer_starts_chat(
        text, buyer_name="Irina", order=order, product="1234567"
    )
    await desk.wait_for_messages(order, 2)
    topic = next(t for t in await desk.topics() if order in t["name"])
    return chat["chat_id"], topic["message_thread_id"]


async def waits(desk: Desk) -> list[SlaWait]:
    async with desk.harness.resources.session_factory() as session:
        return list(await session.scalars(select(SlaWait).order_by(SlaWait.id)))


async def wait_of(desk: Desk, count: int = 1, answered: int = 0) -> list[SlaWait]:
    """The waits, once there are `count` of them with `answered` answered."""
    for _ in range(150):
        found = await waits(desk)
        if len(found) == count and sum(w.answered_at is not None for w in found) == answered:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"waits: {[(w.metric, w.answered_at) for w in found]}")


def started(wait: SlaWait) -> datetime:
    return wait.started_at.replace(tzinfo=UTC) if wait.started_at.tzinfo is None else wait.started_at


async def alerts_at(desk: Desk, moment: datetime, harness: BotHarness | None = None) -> None:
    """The SLA job's run with the desk's clock at `moment`."""
    harness = harness or desk.harness
    tools = harness.dispatcher.workflow_data["marketplace"]
    tools.clock = lambda: moment
    await raise_due_alerts(module_context(harness.resources, harness.dispatcher, harness.bot))


def sla_texts(messages: list[dict[str, Any]]) -> list[str]:
    return [text_of(m) for m in messages if "SLA" in text_of(m)]


async def sla_topic(desk: Desk) -> dict[str, Any] | None:
    return next((t for t in await desk.topics() if t["name"] == "⏰ SLA"), None)


async def topic_messages(desk: Desk, topic_id: int) -> list[dict[str, Any]]:
    topic = next(t for t in await desk.topics() if t["message_thread_id"] == topic_id)
    return topic["messages"]


async def test_a_waiting_buyer_raises_a_warning_then_a_breach_once_in_both_places(
    harness_factory,
):
    desk = await open_desk(harness_factory, (Marketplace.WILDBERRIES,))
    _, topic_id = await buyer_waits(desk, Marketplace.WILDBERRIES, "S-1")
    [wait] = await wait_of(desk)
    assert (wait.metric, wait.answered_at) == ("first", None)
    start = started(wait)
    # The default policy: a first answer within an hour, a warning at 75 % of it.
    assert wait.due_at.replace(tzinfo=UTC) - start == timedelta(hours=1)
    await alerts_at(desk, start + timedelta(minutes=44))
    assert await sla_topic(desk) is None
    assert sla_texts(await topic_messages(desk, topic_id)) == []

    await alerts_at(desk, start + timedelta(minutes=46))
    await alerts_at(desk, start + timedelta(minutes=50))  # raised once
    in_topic = sla_texts(await topic_messages(desk, topic_id))
    assert len(in_topic) == 1 and in_topic[0].startswith("⚠️ SLA warning · Wildberries")
    assert "Irina, order S-1 has waited 46 min for a first answer" in in_topic[0]
    assert "in 14 min" in in_topic[0]
    warning = next(m for m in await topic_messages(desk, topic_id) if "SLA" in text_of(m))
    buyer_message = (await topic_messages(desk, topic_id))[1]
    assert warning["reply_to_message_id"] == buyer_message["message_id"]
    summary = await sla_topic(desk)
    assert summary is not None
    header, alert = summary["messages"][:2]
    assert header["text"].startswith("⏰ SLA alerts of this desk")
    chat = await desk.client.chat(desk.group_id)
    assert chat["pinned_message_id"] == header["message_id"]
    assert alert["text"].startswith("⚠️ SLA warning") and "Open the chat" in alert["text"]
    links = [e.get("url") for e in alert.get("entities", []) if e.get("type") == "text_link"]
    assert links and links[0].endswith(f"/{topic_id}")

    await alerts_at(desk, start + timedelta(minutes=61))
    await alerts_at(desk, start + timedelta(minutes=90))
    in_topic = sla_texts(await topic_messages(desk, topic_id))
    assert len(in_topic) == 2 and in_topic[1].startswith("🔴 SLA breach · Wildberries")
    summary = await sla_topic(desk)
    assert summary is not None
    posted = [text_of(m).split(" ·")[0] for m in summary["messages"][1:]]
    assert posted == ["⚠️ SLA warning", "🔴 SLA breach"]
    [wait] = await waits(desk)
    assert wait.warned_at is not None and wait.breached_at is not None
