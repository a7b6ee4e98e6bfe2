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
    extend_subscription,
    grant_credits,
    spend_for_interview,
    take_back_credits,
)
from services.interview.plan import PlannedQuestion
from services.interview.sessions import (
    Mode,
    Status,
    active_interview,
    finish,
    start_interview,
)
from services.models import CreditEntry, InterviewAnswer, InterviewSession, User

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


async def _ledger_reasons(session: AsyncSession, user_id: int) -> list[tuple[int, str]]:
    entries = await session.scalars(
        select(CreditEntry).where(CreditEntry.user_id == user_id).order_by(CreditEntry.id)
    )
    return [(entry.delta, entry.reason) for entry in entries]


async def test_an_interview_closed_before_any_answer_does_not_count(
    session: AsyncSession,
) -> None:
    user_id = await new_user(session)
    await grant_credits(session, user_id, 2, "grant:test")
    first = await start_interview(
        session, user_id=user_id, mode=Mode.TRACK, plan=PLAN, language="en", free_interviews=1
    )
    assert first.paid_with == PaidWith.FREE
    # Cancelled with nothing answered: the free interview comes back.
    assert await finish(session, first, Status.ABANDONED) is PaidWith.FREE
    assert first.paid_with == PaidWith.RETURNED and first.overall_score is None
    assert (await access(session, user_id, 1)).free_left == 1
    assert await finish(session, first, Status.ABANDONED) is None  # closed once, returned once

    # Paid with a credit, then dropped by starting another: the credit comes back, in the ledger.
    await start_interview(
        session, user_id=user_id, mode=Mode.TRACK, plan=PLAN, language="en", free_interviews=0
    )
    dropped = await active_interview(session, user_id)
    assert dropped is not None and dropped.paid_with == PaidWith.CREDIT
    second = await start_interview(
        session, user_id=user_id, mode=Mode.TRACK, plan=PLAN, language="en", free_interviews=0
    )
    assert dropped.status == Status.ABANDONED and dropped.paid_with == PaidWith.RETURNED
    assert await _ledger_reasons(session, user_id) == [
        (2, "grant:test"),
        (-1, f"interview:{dropped.id}"),
        (-1, f"interview:{second.id}"),
        (1, f"interview-not-answered:{dropped.id}"),
    ]
    assert (await access(session, user_id, 0)).credits == 1


async def test_an_answered_interview_counts_and_a_subscription_has_nothing_to_give_back(
    session: AsyncSession,
) -> None:
    user_id = await new_user(session)
    await grant_credits(session, user_id, 1, "grant:test")
    interview = await start_interview(
        session, user_id=user_id, mode=Mode.TRACK, plan=PLAN * 2, language="en", free_interviews=0
    )
    session.add(
        InterviewAnswer(
            session_id=interview.id,
            position=0,
            is_follow_up=False,
            question_text=PLAN[0].text,
            answer_text="A project I am proud of: a billing service.",
            source="text",
            skills=[],
            score=6.0,
        )
    )
    interview.position = 1
    await session.flush()
    assert await finish(session, interview, Status.ABANDONED) is None
    assert interview.paid_with == PaidWith.CREDIT
    assert (await access(session, user_id, 0)).credits == 0

    await extend_subscription(session, user_id, 30)
    subscribed = await start_interview(
        session, user_id=user_id, mode=Mode.TRACK, plan=PLAN, language="en", free_interviews=0
    )
    assert await finish(session, subscribed, Status.ABANDONED) is None
    assert subscribed.paid_with == PaidWith.RETURNED  # not counted for a subscription refund


async def test_a_credit_is_not_given_back_after_its_pack_was_refunded(
    session: AsyncSession,
) -> None:
    user_id = await new_user(session)
    await grant_credits(session, user_id, 5, "payment:1")
    interview = await start_interview(
        session, user_id=user_id, mode=Mode.TRACK, plan=PLAN, language="en", free_interviews=0
    )
    # The refund takes back what is left of the pack (4) while the interview is under way.
    await take_back_credits(session, user_id, 5, "refund:1")
    assert await finish(session, interview, Status.ABANDONED) is None
    assert (await access(session, user_id, 0)).credits == 0
    assert interview.paid_with == PaidWith.RETURNED  # not counted all the same
