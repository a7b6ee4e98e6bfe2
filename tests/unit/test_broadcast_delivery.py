"""The broadcast runner against a real database and a fake outbox: recipients claimed once
across workers, outcomes written back, the end reported once, progress edits spaced."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.broadcasts.control import (
    BroadcastProgress,
    RecipientState,
    read_progress,
    start_broadcast,
)
from services.broadcasts.delivery import (
    STALE_CLAIM,
    BroadcastRunner,
    Delivery,
    claim_progress_turn,
    claim_recipients,
    mark_stale_claims_unconfirmed,
    record_deliveries,
)
from services.broadcasts.drafts import (
    Audience,
    AudienceKind,
    BroadcastMessage,
    BroadcastStatus,
    DraftProblem,
    DraftRefused,
    create_draft,
    set_audience,
    set_text,
)
from services.database import create_engine, create_session_factory
from services.models import BroadcastRecipient, User
from services.models.base import utcnow
from services.models.broadcast import Broadcast

ADMIN = 42
ADMIN_CHAT = -100
_languages = (f"t{n}" for n in itertools.count())  # each test's crowd its own audience


@pytest.fixture
async def sessions(module_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(module_database_url)
    yield create_session_factory(engine)
    await engine.dispose()


async def crowd_broadcast(
    sessions: async_sessionmaker[AsyncSession], count: int
) -> tuple[int, list[int]]:
    language = next(_languages)
    first = 10_000 * (int(language[1:]) + 1)
    ids = list(range(first, first + count))
    async with sessions() as session, session.begin():
        # Earlier tests' broadcasts are over: a runner here works on this one only.
        await session.execute(
            update(Broadcast)
            .where(Broadcast.report_message_id.is_(None))
            .values(status="cancelled", reported_at=utcnow(), report_message_id=0)
        )
        now = utcnow()
        await session.execute(
            insert(User),
            [
                {"telegram_id": i, "first_name": "U", "language": language, "created_at": now,
                 "last_seen_at": now}
                for i in ids
            ],
        )  # fmt: skip
        draft = await create_draft(session, ADMIN, ADMIN_CHAT, None)
        await set_text(session, draft.id, "Hello")
        await set_audience(session, draft.id, Audience(AudienceKind.LANGUAGE, language))
        await start_broadcast(session, draft.id, ADMIN)
    return draft.id, ids


class FakeOutbox:
    def __init__(self, blocked: frozenset[int] = frozenset(), delay: float = 0.0) -> None:
        self.blocked = blocked
        self.delay = delay
        self.delivered: Counter[int] = Counter()
        self.progress: list[BroadcastProgress] = []
        self.reports: list[BroadcastProgress] = []

    def deliver(self, user_id: int, message: BroadcastMessage) -> Awaitable[Delivery]:
        return self._deliver(user_id)

    async def _deliver(self, user_id: int) -> Delivery:
        await asyncio.sleep(self.delay)
        if user_id in self.blocked:
            return Delivery(RecipientState.BLOCKED, detail="blocked")
        self.delivered[user_id] += 1
        return Delivery(RecipientState.SENT, message_id=user_id)

    async def show_progress(self, broadcast: Broadcast, progress: BroadcastProgress) -> int | None:
        self.progress.append(progress)
        return 7

    async def report_end(self, broadcast: Broadcast, progress: BroadcastProgress) -> int | None:
        self.reports.append(progress)
        return 8


def runner(sessions: async_sessionmaker[AsyncSession], outbox: FakeOutbox) -> BroadcastRunner:
    return BroadcastRunner(sessions, outbox, claim_size=10, progress_every=timedelta(seconds=60))


async def until_reported(outbox: FakeOutbox, timeout: float = 20) -> None:
    for _ in range(int(timeout / 0.05)):
        if outbox.reports:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the broadcast was not reported")


async def test_workers_claim_disjoint_recipients_and_never_more_than_asked(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    broadcast_id, ids = await crowd_broadcast(sessions, 25)
    async with sessions() as session, session.begin():
        first = await claim_recipients(session, broadcast_id, "a", 10)
    async with sessions() as session, session.begin():
        second = await claim_recipients(session, broadcast_id, "b", 10)
        third = await claim_recipients(session, broadcast_id, "c", 10)
    assert (len(first), len(second), len(third)) == (10, 10, 5)
    assert sorted(first + second + third) == ids


async def test_outcomes_are_written_only_for_the_workers_own_claims(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    broadcast_id, _ = await crowd_broadcast(sessions, 3)
    async with sessions() as session, session.begin():
        sent, blocked, stopped = await claim_recipients(session, broadcast_id, "a", 3)
        outcomes = {
            sent: Delivery(RecipientState.SENT, message_id=5),
            blocked: Delivery(RecipientState.BLOCKED),
            stopped: Delivery(None),  # the sender stopped first: back to pending
        }
        await record_deliveries(session, broadcast_id, "someone-else", outcomes)
    async with sessions() as session:
        states = set(await session.scalars(select(BroadcastRecipient.state).where(
            BroadcastRecipient.broadcast_id == broadcast_id)))  # fmt: skip
    assert states == {RecipientState.CLAIMED}
    async with sessions() as session, session.begin():
        await record_deliveries(session, broadcast_id, "a", outcomes)
    async with sessions() as session:
        rows = {
            row.user_id: (row.state, row.claimed_by)
            for row in await session.scalars(
                select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id)
            )
        }
        user = await session.get(User, blocked)
    assert rows == {
        sent: (RecipientState.SENT, "a"),
        blocked: (RecipientState.BLOCKED, "a"),
        stopped: (RecipientState.PENDING, None),
    }
    assert user is not None and user.is_blocked


async def test_two_runners_deliver_to_each_recipient_once_and_report_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _, ids = await crowd_broadcast(sessions, 60)
    blocked = frozenset(ids[:4])
    outboxes = [FakeOutbox(blocked, delay=0.01), FakeOutbox(blocked, delay=0.01)]
    runners = [runner(sessions, outbox) for outbox in outboxes]
    await asyncio.gather(*(each.tick() for each in runners))
    for _ in range(400):
        if sum(len(outbox.reports) for outbox in outboxes):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # a second report would come now
    delivered = outboxes[0].delivered + outboxes[1].delivered
    assert delivered == Counter({user: 1 for user in ids[4:]})
    reports = outboxes[0].reports + outboxes[1].reports
    assert len(reports) == 1
    final = reports[0]
    assert (final.status, final.sent, final.blocked, final.remaining) == (
        BroadcastStatus.FINISHED, 56, 4, 0,
    )  # fmt: skip


async def test_a_paused_broadcast_stops_claiming_and_resumes_where_it_stopped(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    broadcast_id, ids = await crowd_broadcast(sessions, 40)
    outbox = FakeOutbox(delay=0.02)
    work = runner(sessions, outbox)
    async with sessions() as session, session.begin():
        await session.execute(
            update(Broadcast).where(Broadcast.id == broadcast_id).values(status="paused")
        )
    await work.tick()
    await asyncio.sleep(0.3)
    assert not outbox.delivered and not outbox.reports
    async with sessions() as session, session.begin():
        await session.execute(
            update(Broadcast).where(Broadcast.id == broadcast_id).values(status="running")
        )
    await work.tick()
    await until_reported(outbox)
    assert outbox.delivered == Counter({user: 1 for user in ids})


async def test_claims_of_a_dead_worker_become_unconfirmed_and_are_not_sent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    broadcast_id, ids = await crowd_broadcast(sessions, 12)
    async with sessions() as session, session.begin():
        lost = await claim_recipients(session, broadcast_id, "dead", 2)
        fresh = await claim_recipients(session, broadcast_id, "alive", 2)
        await session.execute(
            update(BroadcastRecipient)
            .where(BroadcastRecipient.claimed_by == "dead")
            .values(claimed_at=utcnow() - STALE_CLAIM - timedelta(seconds=1))
        )
    async with sessions() as session, session.begin():
        assert await mark_stale_claims_unconfirmed(session) == 2
    async with sessions() as session, session.begin():  # the live worker finishes its own
        await record_deliveries(
            session, broadcast_id, "alive", {user: Delivery(RecipientState.SENT) for user in fresh}
        )
    outbox = FakeOutbox()
    await runner(sessions, outbox).tick()
    await until_reported(outbox)
    assert set(outbox.delivered) == set(ids) - set(lost) - set(fresh)
    assert (outbox.reports[0].unconfirmed, outbox.reports[0].sent) == (2, 10)


async def test_progress_is_edited_by_one_process_at_a_time_and_not_more_often_than_asked(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    broadcast_id, _ = await crowd_broadcast(sessions, 1)
    every = timedelta(seconds=30)
    async with sessions() as session, session.begin():
        assert await claim_progress_turn(session, broadcast_id, every)
    async with sessions() as session, session.begin():
        assert not await claim_progress_turn(session, broadcast_id, every)
        assert await claim_progress_turn(session, broadcast_id, timedelta(0))  # "now"


async def test_the_time_left_follows_the_recent_rate_or_the_limit_before_any(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    broadcast_id, _ = await crowd_broadcast(sessions, 90)
    async with sessions() as session:
        progress = await read_progress(session, broadcast_id)
    assert progress is not None and progress.recent_per_second == 0
    assert progress.seconds_left(30.0) == 3
    assert progress.seconds_left(0.0) is None


async def test_a_draft_starts_once_only_as_previewed_and_only_to_somebody(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        draft = await create_draft(session, ADMIN, ADMIN_CHAT, None)
        await set_text(session, draft.id, "Hello")
        await set_audience(session, draft.id, Audience(AudienceKind.LANGUAGE, "zz"))
        previewed = draft.revision
    async with sessions() as session:
        with pytest.raises(DraftRefused) as refused:
            await start_broadcast(session, draft.id, ADMIN, revision=previewed)
    assert refused.value.problem is DraftProblem.EMPTY_AUDIENCE
    async with sessions() as session, session.begin():
        await set_audience(session, draft.id, Audience(AudienceKind.ALL))
    async with sessions() as session:
        with pytest.raises(DraftRefused) as refused:
            await start_broadcast(session, draft.id, ADMIN, revision=previewed)
    assert refused.value.problem is DraftProblem.CHANGED
    async with sessions() as session, session.begin():
        assert await start_broadcast(session, draft.id, ADMIN, revision=previewed + 1) > 0
    async with sessions() as session:
        with pytest.raises(DraftRefused) as refused:
            await start_broadcast(session, draft.id, ADMIN, revision=previewed + 1)
    assert refused.value.problem is DraftProblem.NOT_A_DRAFT


async def test_a_send_that_raises_is_recorded_as_failed_and_the_rest_go_on(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    broadcast_id, ids = await crowd_broadcast(sessions, 15)
    broken = ids[3]

    class BrokenOutbox(FakeOutbox):
        async def _deliver(self, user_id: int) -> Delivery:
            if user_id == broken:
                raise RuntimeError("a bug in the outbox")
            return await super()._deliver(user_id)

    outbox = BrokenOutbox()
    await runner(sessions, outbox).tick()
    await until_reported(outbox)
    assert set(outbox.delivered) == set(ids) - {broken}
    assert (outbox.reports[0].sent, outbox.reports[0].failed) == (14, 1)
    async with sessions() as session:
        detail = await session.scalar(
            select(BroadcastRecipient.detail).where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                BroadcastRecipient.user_id == broken,
            )
        )
    assert detail is not None and "a bug in the outbox" in detail
