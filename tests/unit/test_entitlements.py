"""Free interviews, credits and the ledger; a refused start changes nothing."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.database import create_engine, create_session_factory
from services.entitlements import (
    NoInterviewsLeft,
    PaidWith,
    access,
    grant_credits,
    spend_for_interview,
)
from services.interview.plan import PlannedQuestion
from services.interview.sessions import Mode, Status, active_interview, start_interview
from services.models import CreditEntry, InterviewSession, User

PLAN = [PlannedQuestion(text="Tell me about a project you are proud of.")]


@pytest.fixture
async def session(migrated_database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(migrated_database_url)
    async with create_session_factory(engine)() as session:
        yield session
        await session.rollback()
    await engine.dispose()


async def new_user(session: AsyncSession) -> int:
    user_id = random.randint(10**9, 2 * 10**9)
    session.add(User(telegram_id=user_id, first_name="T", language="en"))
    await session.flush()
    return user_id


async def test_free_interviews_first_then_credits_then_refusal(session: AsyncSession) -> None:
    user_id = await new_user(session)
    assert (await access(session, user_id, free_interviews=1)).free_left == 1
    assert await spend_for_interview(session, user_id, 1, interview_id=1) is PaidWith.FREE
    balance = await access(session, user_id, free_interviews=1)
    assert not balance.can_start_interview and not balance.premium_questions

    assert await grant_credits(session, user_id, 2, "grant:test") == 2
    assert (await access(session, user_id, 1)).premium_questions
    assert await spend_for_interview(session, user_id, 1, interview_id=2) is PaidWith.CREDIT
    assert await spend_for_interview(session, user_id, 1, interview_id=3) is PaidWith.CREDIT
    with pytest.raises(NoInterviewsLeft):
        await spend_for_interview(session, user_id, 1, interview_id=4)
    ledger = (
        await session.scalars(select(CreditEntry.delta).where(CreditEntry.user_id == user_id))
    ).all()
    assert sorted(ledger) == [-1, -1, 2]


async def test_grants_are_checked(session: AsyncSession) -> None:
    user_id = await new_user(session)
    with pytest.raises(ValueError, match="zero"):
        await grant_credits(session, user_id, 0, "grant:test")
    with pytest.raises(ValueError, match="balance"):
        await grant_credits(session, user_id, -1, "grant:test")
    stranger = random.randint(3 * 10**9, 4 * 10**9)  # never wrote to the bot
    assert await grant_credits(session, stranger, 1, "grant:test") == 1


async def test_a_refused_start_keeps_the_interview_under_way(session: AsyncSession) -> None:
    user_id = await new_user(session)
    first = await start_interview(
        session, user_id=user_id, mode=Mode.TRACK, plan=PLAN, language="en", free_interviews=1
    )
    with pytest.raises(NoInterviewsLeft):
        await start_interview(
            session, user_id=user_id, mode=Mode.TRACK, plan=PLAN, language="en", free_interviews=1
        )
    assert (await active_interview(session, user_id)).id == first.id  # type: ignore[union-attr]
    rows = (
        await session.scalars(select(InterviewSession).where(InterviewSession.user_id == user_id))
    ).all()
    assert [row.id for row in rows] == [first.id]

    practice = await start_interview(
        session, user_id=user_id, mode=Mode.PRACTICE, plan=PLAN, language="en", free_interviews=1
    )
    assert practice.paid_with == PaidWith.NOTHING
    assert first.status == Status.ABANDONED  # one interview under way at a time
