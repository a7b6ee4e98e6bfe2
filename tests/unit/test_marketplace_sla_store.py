"""The SLA waits in the database (services/marketplace/sla.py) on a scratch database: replayed
from a chat's messages and answers, late messages put in their place, the policy moving open
deadlines only, history before the connection left out, each alert claimed once, closed chats
and old deadlines raising nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.database import create_engine, create_session_factory
from services.marketplace.sla import (
    AlertKind,
    claim_alert,
    close_chat,
    due_alerts,
    policy_of,
    refresh_waits,
    save_policy,
)
from services.models.marketplace import (
    BuyerChat,
    BuyerMessage,
    DeskReply,
    MarketplaceAccount,
    Seller,
    SlaWait,
)

pytestmark = pytest.mark.asyncio

GROUP = -1001
TOPIC = 11
CONNECTED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class Chat:
    sessions: async_sessionmaker[AsyncSession]
    seller_id: int
    buyer_chat_id: int
    messages: int = 0

    async def write(self, at: datetime, author: str = "buyer") -> None:
        self.messages += 1
        async with self.sessions() as session:
            session.add(
                BuyerMessage(
                    buyer_chat_id=self.buyer_chat_id,
                    message_id=str(self.messages),
                    author=author,
                    written_at=at,
                )
            )
            await session.flush()
            await refresh_waits(session, [self.buyer_chat_id])
            await session.commit()

    async def member_answers(self, at: datetime, member: int = 7) -> None:
        self.messages += 1
        async with self.sessions() as session:
            session.add(
                DeskReply(
                    buyer_chat_id=self.buyer_chat_id,
                    group_chat_id=GROUP,
                    telegram_message_id=100 + self.messages,
                    member_id=member,
                    kind="text",
                    text="Hello",
                    status="sent",
                    created_at=at,
                    sent_at=at + timedelta(seconds=2),
                )
            )
            await session.flush()
            await refresh_waits(session, [self.buyer_chat_id])
            await session.commit()

    async def waits(self) -> list[tuple[str, datetime, datetime, datetime | None, int | None]]:
        """(metric, started, due, answered, by) of each wait, in order."""
        async with self.sessions() as session:
            rows = await session.scalars(select(SlaWait).order_by(SlaWait.started_at))
            return [
                (w.metric, utc(w.started_at), utc(w.due_at), opt(w.answered_at), w.answered_by)
                for w in rows
            ]


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def opt(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


@pytest_asyncio.fixture
async def chat(fresh_database_url: str) -> AsyncIterator[Chat]:
    engine = create_engine(fresh_database_url)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        seller = Seller(forum_chat_id=GROUP, title="Shop", language="en", connected_by=7)
        session.add(seller)
        await session.flush()
        account = MarketplaceAccount(
            seller_id=seller.id,
            marketplace="wb",
            external_id="1",
            sealed_credentials=b"x",
            connected_by=7,
            created_at=CONNECTED,
        )
        session.add(account)
        await session.flush()
        buyer_chat = BuyerChat(account_id=account.id, chat_id="c-1", topic_id=TOPIC)
        session.add(buyer_chat)
        await session.commit()
        yield Chat(sessions, seller.id, buyer_chat.id)
    await engine.dispose()


def at(minutes: float) -> datetime:
    return CONNECTED + timedelta(hours=1, minutes=minutes)


async def test_answers_from_the_desk_and_the_site_close_waits_and_start_next_ones(chat: Chat):
    await chat.write(at(0))
    await chat.write(at(5))  # again, before an answer: the first deadline stands
    await chat.member_answers(at(20), member=42)
    await chat.write(at(30))
    await chat.write(at(45), author="seller")  # answered on the marketplace's site
    assert await chat.waits() == [
        ("first", at(0), at(60), at(20), 42),
        ("next", at(30), at(90), at(45), None),
    ]


async def test_a_message_that_arrives_late_takes_its_place(chat: Chat):
    await chat.write(at(10))
    await chat.write(at(0))  # written earlier, fetched later: it started the wait
    assert await chat.waits() == [("first", at(0), at(60), None, None)]


async def test_a_new_policy_moves_open_deadlines_and_keeps_settled_ones(chat: Chat):
    await chat.write(at(0))
    await chat.member_answers(at(10))
    await chat.write(at(30))
    async with chat.sessions() as session:
        policy = await policy_of(session, chat.seller_id, ZoneInfo("UTC"))
        assert not policy.custom
        await save_policy(
            session, chat.seller_id, replace(policy, next_response=timedelta(minutes=15)), 7
        )
    assert await chat.waits() == [
        ("first", at(0), at(60), at(10), 7),
        ("next", at(30), at(45), None, None),
    ]


async def test_waits_past_due_before_the_connection_are_history(chat: Chat):
    old = CONNECTED - timedelta(hours=3)
    await chat.write(old)  # due two hours before the desk was connected
    assert await chat.waits() == []
    await chat.member_answers(old + timedelta(hours=1, minutes=30))  # late, also history
    await chat.write(CONNECTED - timedelta(minutes=30))  # due after it: counted
    assert await chat.waits() == [
        ("next", CONNECTED - timedelta(minutes=30), CONNECTED + timedelta(minutes=30), None, None)
    ]


async def test_each_alert_is_claimed_once_and_a_breach_takes_the_warning_along(chat: Chat):
    await chat.write(at(0))
    async with chat.sessions() as session:
        [warning] = await due_alerts(session, at(46))
    assert warning.kind is AlertKind.WARNING and warning.topic_id == TOPIC

    async def claim(moment: datetime, alert: object) -> bool:
        async with chat.sessions() as session:
            return await claim_alert(session, alert, moment)  # type: ignore[arg-type]

    claims = await asyncio.gather(*(claim(at(46), warning) for _ in range(4)))
    assert sorted(claims) == [False, False, False, True]
    async with chat.sessions() as session:
        assert await due_alerts(session, at(50)) == []
        [breach] = await due_alerts(session, at(61))
    assert breach.kind is AlertKind.BREACH
    assert await claim(at(61), breach)
    assert not await claim(at(62), breach)
    async with chat.sessions() as session:
        assert await due_alerts(session, at(120)) == []


async def test_a_breach_skips_a_warning_never_raised(chat: Chat):
    await chat.write(at(0))
    async with chat.sessions() as session:
        [alert] = await due_alerts(session, at(70))  # the bot was down through the warning
        assert alert.kind is AlertKind.BREACH
        assert await claim_alert(session, alert, at(70))
        assert await due_alerts(session, at(71)) == []


async def test_closed_chats_answered_waits_and_old_deadlines_raise_nothing(chat: Chat):
    await chat.write(at(0))
    async with chat.sessions() as session:
        assert await due_alerts(session, at(60 + 24 * 60 + 1)) == []  # a day past due: history
        assert await close_chat(session, chat.buyer_chat_id, at(30))
        assert not await close_chat(session, chat.buyer_chat_id, at(31))
        await session.commit()
        assert await due_alerts(session, at(61)) == []
    await chat.write(at(70))  # the buyer writes again: the chat opens, a new wait runs
    async with chat.sessions() as session:
        assert await due_alerts(session, at(71)) == []
        [alert] = await due_alerts(session, at(70 + 46))
    assert alert.kind is AlertKind.WARNING
    assert await chat.waits() == [
        ("first", at(0), at(60), None, None),  # closed unanswered: nobody was late for it
        ("first", at(70), at(130), None, None),
    ]
    await chat.member_answers(at(72))
    async with chat.sessions() as session:
        assert await due_alerts(session, at(200)) == []
        closed = await session.scalar(select(SlaWait.closed_at).order_by(SlaWait.id).limit(1))
    assert utc(closed) == at(30)
