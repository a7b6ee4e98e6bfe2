"""The desk's reply outbox against a scripted marketplace on a real (scratch) database: outages
wait and retry, a broken connection is never sent twice, a day of outages gives up, a long
reply resumes after its last delivered part, and a claim that ran out is taken over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from cryptography.fernet import Fernet
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.database import create_engine, create_session_factory
from services.marketplace.errors import FailureReason, MarketplaceError
from services.marketplace.models import ChatAddress, Marketplace, OutgoingFile, SendResult
from services.marketplace.replies import (
    MemberReply,
    ReplyDelivery,
    ReplyKind,
    ReplyOutcome,
    ReplyStatus,
    record_reply,
)
from services.marketplace.vault import CredentialVault
from services.models.marketplace import (
    BuyerChat,
    BuyerMessage,
    DeskReply,
    MarketplaceAccount,
    Seller,
)

pytestmark = pytest.mark.asyncio

GROUP = -100_555
TOPIC = 42
OUTAGE = MarketplaceError(FailureReason.UNAVAILABLE, "HTTP 503", retryable=True)
BROKEN_MID_CALL = MarketplaceError(FailureReason.UNAVAILABLE, "connection reset")


@dataclass
class ScriptedMarketplace:
    """Takes texts; `script` holds what the next calls do (None: accepted)."""

    script: list[Exception | None] = field(default_factory=list)
    hang: asyncio.Event | None = None  # set: the next call never answers
    texts: list[str] = field(default_factory=list)
    read_marks: int = 0

    def connector(self, marketplace: Marketplace, credentials: dict[str, str]) -> Any:
        return self

    async def send_text(self, chat: ChatAddress, text: str) -> SendResult:
        if self.hang is not None:
            self.hang.set()
            await asyncio.Event().wait()
        if self.script and (failure := self.script.pop(0)) is not None:
            raise failure
        self.texts.append(text)
        return SendResult(chat.chat_id, datetime.now(UTC))

    async def send_file(self, chat: ChatAddress, file: OutgoingFile) -> SendResult:
        raise AssertionError("no files here")

    async def mark_read(self, chat: ChatAddress, up_to_message_id: str) -> None:
        self.read_marks += 1

    async def close(self) -> None:
        pass


@dataclass
class Notices:
    outcomes: list[ReplyOutcome] = field(default_factory=list)

    async def delivered(self, outcome: ReplyOutcome) -> None:
        self.outcomes.append(outcome)

    async def problem(self, outcome: ReplyOutcome) -> int | None:
        self.outcomes.append(outcome)
        return 9000 + len(self.outcomes)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Desk:
    sessions: async_sessionmaker[AsyncSession]
    marketplace: ScriptedMarketplace
    notices: Notices
    clock: Clock
    delivery: ReplyDelivery
    next_message: int = 1

    async def reply(self, text: str) -> int:
        async with self.sessions() as session:
            chat_id = await record_reply(
                session,
                MemberReply(GROUP, TOPIC, self.next_message, 7, ReplyKind.TEXT, text),
            )
        self.next_message += 1
        assert chat_id is not None
        return chat_id

    async def rows(self) -> list[DeskReply]:
        async with self.sessions() as session:
            return list((await session.scalars(select(DeskReply).order_by(DeskReply.id))).all())


@pytest_asyncio.fixture
async def desk(fresh_database_url: str) -> AsyncIterator[Desk]:
    engine = create_engine(fresh_database_url)
    sessions = create_session_factory(engine)
    vault = CredentialVault(Fernet.generate_key())
    async with sessions() as session:
        seller = Seller(forum_chat_id=GROUP, title="Shop", language="en", connected_by=7)
        session.add(seller)
        await session.flush()
        account = MarketplaceAccount(
            seller_id=seller.id,
            marketplace="ozon",
            external_id="1",
            sealed_credentials=vault.seal({"client_id": "1", "api_key": "k"}),
            connected_by=7,
        )
        session.add(account)
        await session.flush()
        chat = BuyerChat(account_id=account.id, chat_id="c-1", topic_id=TOPIC)
        session.add(chat)
        await session.flush()
        session.add(
            BuyerMessage(
                buyer_chat_id=chat.id,
                message_id="5",
                author="buyer",
                text="Where is my order?",
                written_at=datetime.now(UTC),
            )
        )
        await session.commit()
    marketplace, notices, clock = ScriptedMarketplace(), Notices(), Clock()
    delivery = ReplyDelivery(sessions, vault, marketplace, files=None, notices=notices, clock=clock)  # type: ignore[arg-type]
    yield Desk(sessions, marketplace, notices, clock, delivery)
    await engine.dispose()


async def test_an_outage_waits_growing_pauses_then_goes_in_order(desk: Desk) -> None:
    chat = await desk.reply("first")
    await desk.reply("second")
    desk.marketplace.script = [OUTAGE, OUTAGE]
    assert await desk.delivery.deliver_chat(chat) == 0
    first, second = await desk.rows()
    assert (first.status, first.failure, second.attempts) == ("pending", "unavailable", 0)
    assert await desk.delivery.deliver_due() == 0  # not due yet: nothing is called
    desk.clock.now += timedelta(seconds=16)
    assert await desk.delivery.deliver_due() == 0  # the second outage: a longer pause
    [first, _] = await desk.rows()
    assert first.next_attempt_at is not None and first.attempts == 2
    desk.clock.now += timedelta(seconds=31)
    assert await desk.delivery.deliver_due() == 2
    assert desk.marketplace.texts == ["first", "second"]
    assert desk.marketplace.read_marks == 1
    # One notice for the outage, however many attempts; then the two deliveries.
    states = [(o.status, o.failure) for o in desk.notices.outcomes]
    assert states == [
        (ReplyStatus.PENDING, FailureReason.UNAVAILABLE),
        (ReplyStatus.SENT, None),
        (ReplyStatus.SENT, None),
    ]
    assert [row.notice_state for row in await desk.rows()] == ["pending:unavailable", None]


async def test_a_connection_broken_mid_call_is_not_sent_again(desk: Desk) -> None:
    chat = await desk.reply("maybe delivered")
    desk.marketplace.script = [BROKEN_MID_CALL]
    await desk.delivery.deliver_chat(chat)
    desk.clock.now += timedelta(hours=1)
    await desk.delivery.deliver_due()
    [row] = await desk.rows()
    assert (row.status, row.failure) == ("failed", "maybe-delivered")
    assert desk.marketplace.texts == []
    # A member who checked the chat may send it again on purpose.
    assert await desk.delivery.requeue(GROUP, row.id) == chat
    await desk.delivery.deliver_chat(chat)
    assert desk.marketplace.texts == ["maybe delivered"]


async def test_a_day_of_outages_gives_up_and_says_so(desk: Desk) -> None:
    chat = await desk.reply("lost cause")
    desk.marketplace.script = [OUTAGE] * 500
    await desk.delivery.deliver_chat(chat)
    for _ in range(200):
        desk.clock.now += timedelta(minutes=10)
        await desk.delivery.deliver_due()
    [row] = await desk.rows()
    assert (row.status, row.failure) == ("failed", "unavailable")
    assert desk.notices.outcomes[-1].gave_up
    assert sum(not o.waiting for o in desk.notices.outcomes) == 1


async def test_a_long_reply_resumes_after_its_last_delivered_part(desk: Desk) -> None:
    sentences = [f"Sentence {n} of a long answer about the return." for n in range(50)]
    chat = await desk.reply(" ".join(sentences))
    desk.marketplace.script = [None, MarketplaceError(FailureReason.CHAT_CLOSED, "closed")]
    await desk.delivery.deliver_chat(chat)
    [row] = await desk.rows()
    assert (row.status, row.parts_sent) == ("failed", 1)
    outcome = desk.notices.outcomes[-1]
    assert (outcome.parts_sent, outcome.parts) == (1, 3)
    await desk.delivery.requeue(GROUP, row.id)
    await desk.delivery.deliver_chat(chat)
    assert " ".join(desk.marketplace.texts) == " ".join(sentences)
    assert len(desk.marketplace.texts) == 3


async def test_a_claim_that_ran_out_is_taken_over_and_the_old_one_stops(desk: Desk) -> None:
    chat = await desk.reply("contested")
    async with desk.sessions() as session:  # a delivery that died holding the row
        await session.execute(
            update(DeskReply).values(
                claimed_until=desk.clock.now + timedelta(seconds=60), claim_token="dead"
            )
        )
        await session.commit()
    assert await desk.delivery.deliver_chat(chat) == 0  # still claimed: left alone
    desk.clock.now += timedelta(seconds=61)
    assert await desk.delivery.deliver_chat(chat) == 1
    assert desk.marketplace.texts == ["contested"]
    [row] = await desk.rows()
    assert (row.status, row.claim_token, row.claimed_until) == ("sent", None, None)


async def test_a_call_that_breaks_oddly_or_is_cut_short_is_never_sent_twice(desk: Desk) -> None:
    chat = await desk.reply("odd")
    desk.marketplace.script = [RuntimeError("Session is closed")]
    await desk.delivery.deliver_chat(chat)
    await desk.reply("cut short")
    desk.marketplace.hang = asyncio.Event()
    running = asyncio.create_task(desk.delivery.deliver_chat(chat))
    await desk.marketplace.hang.wait()
    running.cancel()  # shutdown while the call is out
    with pytest.raises(asyncio.CancelledError):
        await running
    desk.marketplace.hang = None
    desk.clock.now += timedelta(hours=1)
    await desk.delivery.deliver_due()
    assert [(row.status, row.failure) for row in await desk.rows()] == [
        ("failed", "maybe-delivered"),
        ("failed", "maybe-delivered"),
    ]
    assert desk.marketplace.texts == []
    assert [o.failure for o in desk.notices.outcomes] == [FailureReason.MAYBE_DELIVERED] * 2
