"""SLA of the desk through the real bot, database and emulators, with the desk's clock moved by
the test: a waiting buyer raises a warning and then a breach, each once, in the buyer's topic and
in the pinned ⏰ SLA topic; answers and closed chats raise nothing; business hours carry a
deadline over the night; two processes raise each alert once; /sla, /sla report and /chats."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import module_context
from handlers.marketplace.sla_alerts import raise_due_alerts
from services.marketplace.models import Marketplace
from services.marketplace.sla import policy_of
from services.models.marketplace import SlaWait
from tests.e2e.desk import Desk, open_desk
from tests.e2e.group_screens import ask, press_and_wait, text_of
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
    return (
        wait.started_at.replace(tzinfo=UTC) if wait.started_at.tzinfo is None else wait.started_at
    )


async def alerts_at(desk: Desk, moment: datetime, harness: BotHarness | None = None) -> None:
    """The SLA job's run with the desk's clock at `moment`."""
    harness = harness or desk.harness
    tools = harness.dispatcher.workflow_data["marketplace"]
    tools.clock = lambda: moment
    await raise_due_alerts(module_context(harness.resources, harness.dispatcher, harness.bot))


def sla_texts(messages: list[dict[str, Any]]) -> list[str]:
    """The SLA alerts among the messages."""
    return [text_of(m) for m in messages if text_of(m).startswith(("⚠️ SLA", "🔴 SLA"))]


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
    warning = next(m for m in await topic_messages(desk, topic_id) if sla_texts([m]))
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


async def member_answers(desk: Desk, topic_id: int, text: str, member: Any = None) -> None:
    await desk.client.send_text(
        desk.group_id, member or desk.operator, text, message_thread_id=topic_id
    )


async def test_an_answer_before_the_warning_raises_nothing_and_the_next_message_waits_again(
    harness_factory,
):
    desk = await open_desk(harness_factory, (Marketplace.WILDBERRIES,))
    control = desk.control(Marketplace.WILDBERRIES)
    chat_id, topic_id = await buyer_waits(desk, Marketplace.WILDBERRIES, "S-2")
    await control.buyer_writes(chat_id, "Hello?")  # again, before any answer
    await desk.wait_for_messages("S-2", 3)
    [wait] = await wait_of(desk)
    start = started(wait)
    await member_answers(desk, topic_id, "It ships today.")
    [wait] = await wait_of(desk, answered=1)
    assert wait.metric == "first" and started(wait) == start  # the first message started it
    assert wait.answered_by == desk.operator["id"]
    assert wait.answered_at.replace(tzinfo=UTC) <= wait.due_at.replace(tzinfo=UTC)
    await alerts_at(desk, start + timedelta(hours=3))
    assert sla_texts(await topic_messages(desk, topic_id)) == []
    assert await sla_topic(desk) is None

    await control.buyer_writes(chat_id, "And the tracking number?")
    first, following = await wait_of(desk, count=2, answered=1)
    assert (first.metric, following.metric) == ("first", "next")
    assert following.answered_at is None and started(following) > start


async def test_business_hours_carry_a_deadline_over_the_night(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.WILDBERRIES,))
    # A time zone where it is evening now (20:xx): the desk works 09:00-18:00.
    offset = (20 - datetime.now(UTC).hour + 12) % 24 - 12
    zone = f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"
    for command, expect in (
        (f"/sla timezone {zone}", "Saved by Olga"),
        ("/sla hours daily 09:00-18:00", "Mon, Tue, Wed, Thu, Fri, Sat, Sun, 09:00–18:00"),
        ("/sla first 30m", "First answer within: <b>30 min</b>"),
    ):
        answer = await ask(desk.client, desk.group_id, desk.operator, command, "SLA policy")
        assert (
            expect in answer["text"]
            or expect.replace("<b>", "").replace("</b>", "") in (answer["text"])
        ), answer["text"]
    _, topic_id = await buyer_waits(desk, Marketplace.WILDBERRIES, "S-3")
    [wait] = await wait_of(desk)
    start = started(wait)
    local = start.astimezone(timezone_of(zone))
    opening = (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    assert wait.due_at.replace(tzinfo=UTC) == opening + timedelta(minutes=30)
    await alerts_at(desk, start + timedelta(minutes=31))  # would be late around the clock
    await alerts_at(desk, opening.astimezone(UTC) + timedelta(minutes=22))
    assert sla_texts(await topic_messages(desk, topic_id)) == []
    await alerts_at(desk, opening.astimezone(UTC) + timedelta(minutes=23))
    [warning] = sla_texts(await topic_messages(desk, topic_id))
    assert warning.startswith("⚠️ SLA warning") and "Due at 09:30, in 7 min" in warning


def timezone_of(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


async def test_two_processes_raise_each_alert_once(harness_factory, real_backend):
    # Two bots long-polling one token get Telegram's "terminated by other getUpdates request"
    # now and then, as from Telegram: not the desk's doing.
    harness_factory.allow_rejected_requests = True
    desk = await open_desk(harness_factory, (Marketplace.WILDBERRIES,))
    other = await harness_factory.start(**desk.overrides)
    _, topic_id = await buyer_waits(desk, Marketplace.WILDBERRIES, "S-4")
    [wait] = await wait_of(desk)
    for minutes in (46, 61):
        moment = started(wait) + timedelta(minutes=minutes)
        await asyncio.gather(
            alerts_at(desk, moment), alerts_at(desk, moment, other), alerts_at(desk, moment)
        )
    posted = sla_texts(await topic_messages(desk, topic_id))
    assert [text.split(" ·")[0] for text in posted] == ["⚠️ SLA warning", "🔴 SLA breach"]
    summary = await sla_topic(desk)
    assert summary is not None and len(summary["messages"]) == 3  # the header and two alerts
    assert len([t for t in await desk.topics() if t["name"] == "⏰ SLA"]) == 1


async def test_a_closed_chat_raises_nothing_until_the_buyer_writes_again(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.WILDBERRIES,))
    control = desk.control(Marketplace.WILDBERRIES)
    chat_id, topic_id = await buyer_waits(desk, Marketplace.WILDBERRIES, "S-5")
    [wait] = await wait_of(desk)
    closed = await ask(
        desk.client, desk.group_id, desk.operator, "/close", "Chat closed",
        message_thread_id=topic_id,
    )  # fmt: skip
    assert closed["message_thread_id"] == topic_id
    assert not await seller_wrote(desk, chat_id)  # a command is not an answer to the buyer
    again = await ask(
        desk.client, desk.group_id, desk.operator, "/close", "closed already",
        message_thread_id=topic_id,
    )  # fmt: skip
    assert again["message_thread_id"] == topic_id
    await alerts_at(desk, started(wait) + timedelta(hours=2))
    assert sla_texts(await topic_messages(desk, topic_id)) == []

    await control.buyer_writes(chat_id, "Anyone there?")
    await forwarded(desk, topic_id, "Anyone there?")
    closed_wait, new_wait = await wait_of(desk, count=2)
    assert closed_wait.closed_at is not None and new_wait.closed_at is None
    await alerts_at(desk, started(new_wait) + timedelta(minutes=46))
    [warning] = sla_texts(await topic_messages(desk, topic_id))
    assert warning.startswith("⚠️ SLA warning") and "waited 46 min for a first answer" in warning
    outside = await ask(desk.client, desk.group_id, desk.operator, "/close", "buyer's topic")
    assert "Send /close in a buyer's topic" in outside["text"]


async def forwarded(desk: Desk, topic_id: int, text: str) -> None:
    for _ in range(150):
        if any(text in text_of(m) for m in await topic_messages(desk, topic_id)):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{text!r} never reached the topic")


async def seller_wrote(desk: Desk, chat_id: str) -> bool:
    chat = await desk.control(Marketplace.WILDBERRIES).chat(chat_id)
    return any(m["author"] == "seller" for m in chat["messages"])


async def test_sla_shows_the_policy_and_refuses_what_cannot_be_set(harness_factory):
    desk = await open_desk(harness_factory)  # Ozon (a 48 h answer window) and Wildberries
    client, group, operator = desk.client, desk.group_id, desk.operator
    shown = await ask(client, group, operator, "/sla", "SLA policy")
    assert "(the default)" in shown["text"]
    assert "First answer within: 1 h" in shown["text"]
    assert "Working hours: around the clock (Europe/Moscow)" in shown["text"]
    assert "Ozon closes answers after 2 d" in shown["text"]
    labels = [b["text"] for row in shown["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["📊 Today", "📊 7 days", "📊 30 days", "📋 Open chats"]
    for command, refusal in (
        ("/sla first 0", "A target of 0 min is no target"),
        ("/sla first 49h", "longer than Ozon's answer window (2 d)"),
        ("/sla next soon", "“soon” is not a duration"),
        ("/sla warn 99", "between 10% and 95%"),
        ("/sla hours 18:00-09:00", "the day ends before it starts"),
        ("/sla hours 25:00-26:00", "is not a range of hours"),
        ("/sla hours mon-fry 9-18", "“mon-fry” are not days"),
        ("/sla timezone Mars/Olympus", "“Mars/Olympus” is not a time zone"),
        ("/sla holiday add 31.02.2027", "“31.02.2027” is not a date"),
        ("/sla first", "Add the value after “first”"),
        ("/sla speed 5", "I don't know “speed”"),
        ("/sla report 12", "Which period?"),
    ):
        await ask(client, group, operator, command, refusal)
    await ask(client, group, operator, "/sla first 48h", "First answer within: 2 d")
    saved = await ask(client, group, operator, "/sla holiday add 07.01.2027", "Saved by")
    assert "Holidays: 07.01.2027" in saved["text"] and "(the default)" not in saved["text"]
    member = new_user(first_name="Pavel")
    await client.add_member(group, member, "member")
    await ask(client, group, member, "/sla first 10m", "Only the group's admins")
    async with desk.harness.resources.session_factory() as session:
        policy = await policy_of(session, desk.seller_id, timezone_of("UTC"))
    assert policy.first_response == timedelta(hours=48)
    assert policy.holidays == {date(2027, 1, 7)}
    await ask(client, group, member, "/sla", "First answer within: 2 d")  # anyone may look


async def test_the_report_counts_answers_in_time_and_breaches_with_a_chart(harness_factory):
    desk = await open_desk(harness_factory, (Marketplace.WILDBERRIES,))
    _, answered_topic = await buyer_waits(desk, Marketplace.WILDBERRIES, "R-1")
    await buyer_waits(desk, Marketplace.WILDBERRIES, "R-2")
    await member_answers(desk, answered_topic, "On its way.")
    first, _ = await wait_of(desk, count=2, answered=1)
    desk.tools.clock = lambda: started(first) + timedelta(hours=2)
    client, group, operator = desk.client, desk.group_id, desk.operator
    report = await ask(client, group, operator, "/sla report 7", "SLA report · last 7 days")
    text = report["text"]
    assert "Buyer waits: 2" in text
    assert "Answered in time: 50% (1 of 2)" in text
    assert "Breaches by marketplace: Wildberries 1" in text
    assert "Breaches by member: no answer from the group 1" in text
    assert "First answer: median" in text
    chart = await until_photo(desk, after=report["message_id"])
    assert chart["from_bot"] and chart["media"]["mime_type"] in (None, "image/png", "image/jpeg")
    shown = await ask(client, group, operator, "/sla", "SLA policy")
    today = await press_and_wait(client, group, operator, shown, "📊 Today", "SLA report · today")
    assert "Buyer waits: 2" in today["text"]


async def until_photo(desk: Desk, after: int) -> dict[str, Any]:
    for _ in range(150):
        for message in await desk.client.messages(desk.group_id):
            media = message.get("media") or {}
            if message["message_id"] > after and media.get("kind") == "photo":
                return message
        await asyncio.sleep(0.1)
    raise AssertionError("no chart")


async def test_open_chats_by_deadline_with_filters_and_pages(harness_factory):
    desk = await open_desk(harness_factory)
    topics = {}
    for order, marketplace in (
        ("C-1", Marketplace.OZON),
        ("C-2", Marketplace.WILDBERRIES),
        ("C-3", Marketplace.OZON),
    ):
        _, topics[order] = await buyer_waits(desk, marketplace, order)
    await member_answers(desk, topics["C-2"], "Done.")
    found = await wait_of(desk, count=3, answered=1)
    desk.tools.clock = lambda: started(found[0]) + timedelta(minutes=50)
    client, group, operator = desk.client, desk.group_id, desk.operator
    listing = await ask(client, group, operator, "/chats", "Open chats · All")
    lines = listing["text"].splitlines()
    assert "(3)" in lines[0]
    assert [line.split(" ·")[0] for line in lines[1:]] == [
        "1. Buyer, order C-1",  # Ozon does not give buyers' names
        "2. Buyer, order C-3",
        "3. Irina, order C-2",
    ]
    assert "🟠 due in 10 min" in lines[1] and "💬 answered" in lines[3]
    links = [e["url"] for e in listing["entities"] if e["type"] == "text_link"]
    assert [link.rsplit("/", 1)[1] for link in links] == [
        str(topics[order]) for order in ("C-1", "C-3", "C-2")
    ]
    unanswered = await press_and_wait(
        client, group, operator, listing, "Unanswered", "Open chats · Unanswered"
    )
    assert "(2)" in unanswered["text"] and "C-2" not in unanswered["text"]
    wb = await press_and_wait(client, group, operator, unanswered, "WB", "Open chats · WB")
    assert "C-2" in wb["text"] and "C-1" not in wb["text"]
    urgent = await press_and_wait(client, group, operator, wb, "Urgent", "Open chats · Urgent")
    assert "(2)" in urgent["text"]  # 50 min: past the warning (45 min) of both
    for order in ("C-4", "C-5", "C-6", "C-7", "C-8", "C-9", "C-10", "C-11", "C-12"):
        await desk.control(Marketplace.WILDBERRIES).buyer_starts_chat(
            "Hi", buyer_name="Irina", order=order
        )
    for n in range(4, 13):  # a chat is listed once it has its topic
        await desk.wait_for_messages(f"C-{n}", 2)
    paged = await ask(client, group, operator, "/chats", "Open chats · All (12)")
    assert len(paged["text"].splitlines()) == 11
    second = await press_and_wait(client, group, operator, paged, "›", "\n11. ")
    assert [line[:4] for line in second["text"].splitlines()[1:]] == ["11. ", "12. "]
    labels = [b["text"] for row in second["reply_markup"]["inline_keyboard"] for b in row]
    assert "2/2" in labels
