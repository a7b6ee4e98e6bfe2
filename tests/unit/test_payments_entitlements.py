"""Entitlements with subscriptions, and the ledger's balances before and after each change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.entitlements import (
    Access,
    NoInterviewsLeft,
    PaidWith,
    access,
    aware,
    extend_subscription,
    grant_credits,
    holdings,
    shorten_subscription,
    spend_for_interview,
    take_back_credits,
)
from services.interview.plan import PlannedQuestion
from services.interview.sessions import Mode, start_interview
from services.models import CreditAccount, CreditEntry
from services.models.base import utcnow
from tests.unit.conftest import PaymentsDB

PLAN = [PlannedQuestion(text="Walk me through a production incident you handled.")]


async def _ledger(session: AsyncSession, user_id: int) -> list[tuple[int, int, int, str]]:
    rows = await session.scalars(
        select(CreditEntry).where(CreditEntry.user_id == user_id).order_by(CreditEntry.id)
    )
    return [(e.delta, e.balance_before, e.balance_after, e.reason) for e in rows]


async def test_a_subscription_starts_interviews_without_spending(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    now = utcnow()
    async with pay_db.sessions() as session:
        nothing = await access(session, user_id, free_interviews=0, now=now)
        assert nothing == Access(free_left=0, credits=0, subscription_until=None)
        assert not nothing.can_start_interview and not nothing.premium_questions

        until = await extend_subscription(session, user_id, 30, now=now)
        assert until == now + timedelta(days=30)
        await grant_credits(session, user_id, 2, "grant:test")
        subscribed = await access(session, user_id, free_interviews=1, now=now)
        assert subscribed == Access(free_left=1, credits=2, subscription_until=until)
        assert subscribed.subscribed and subscribed.can_start_interview
        assert subscribed.premium_questions

        for interview_id in (101, 102, 103):
            paid = await spend_for_interview(session, user_id, 1, interview_id, now=now)
            assert paid is PaidWith.SUBSCRIPTION
        account = await session.get(CreditAccount, user_id)
        assert account is not None
        assert (account.free_interviews_used, account.interview_credits) == (0, 2)
        assert await _ledger(session, user_id) == [(2, 0, 2, "grant:test")]

        # Once it has run out: free interviews first, then credits, then nothing.
        later = until + timedelta(seconds=1)
        expired = await access(session, user_id, free_interviews=1, now=later)
        assert expired == Access(free_left=1, credits=2, subscription_until=None)
        assert not expired.subscribed and expired.premium_questions  # credits still do
        spent = [
            await spend_for_interview(session, user_id, 1, interview_id, now=later)
            for interview_id in (104, 105, 106)
        ]
        assert spent == [PaidWith.FREE, PaidWith.CREDIT, PaidWith.CREDIT]
        with pytest.raises(NoInterviewsLeft):
            await spend_for_interview(session, user_id, 1, 107, now=later)
        assert await _ledger(session, user_id) == [
            (2, 0, 2, "grant:test"),
            (-1, 2, 1, "interview:105"),
            (-1, 1, 0, "interview:106"),
        ]
        await session.rollback()


async def test_premium_questions_come_with_a_subscription_alone(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    async with pay_db.sessions() as session:
        await extend_subscription(session, user_id, 1)
        held = await access(session, user_id, free_interviews=0)
        assert (held.credits, held.free_left) == (0, 0)
        assert held.premium_questions and held.can_start_interview
        assert held.subscription_until is not None and held.subscription_until > utcnow()
        await session.rollback()


async def test_interviews_started_on_a_subscription_say_so(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    async with pay_db.sessions() as session:
        await extend_subscription(session, user_id, 30)
        interview = await start_interview(
            session, user_id=user_id, mode=Mode.TRACK, plan=PLAN, language="en", free_interviews=0
        )
        assert interview.paid_with == PaidWith.SUBSCRIPTION == "subscription"
        practice = await start_interview(
            session,
            user_id=user_id,
            mode=Mode.PRACTICE,
            plan=PLAN,
            language="en",
            free_interviews=0,
        )
        assert practice.paid_with == PaidWith.NOTHING
        await session.commit()
    async with pay_db.sessions() as session:
        account = await session.get(CreditAccount, user_id)
        assert account is not None and account.free_interviews_used == 0


async def test_extending_and_shortening_a_subscription(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    now = utcnow()
    async with pay_db.sessions() as session:
        assert await shorten_subscription(session, user_id, 30, now=now) is None  # never had one
        first = await extend_subscription(session, user_id, 30, now=now)
        second = await extend_subscription(session, user_id, 30, now=now + timedelta(days=1))
        assert second == first + timedelta(days=30)  # from the end while it runs
        assert await shorten_subscription(session, user_id, 30, now=now) == first
        assert await shorten_subscription(session, user_id, 45, now=now) == now  # not before now
        assert (await access(session, user_id, 0, now=now)).subscription_until is None
        # Ran out: shortening changes nothing; extending starts from now.
        later = now + timedelta(days=2)
        assert await shorten_subscription(session, user_id, 1, now=later) == now
        assert await extend_subscription(session, user_id, 7, now=later) == later + timedelta(
            days=7
        )
        await session.commit()
    async with pay_db.sessions() as session:
        account = await session.get(CreditAccount, user_id)
        assert account is not None
        assert aware(account.subscription_until) == later + timedelta(days=7)  # type: ignore[arg-type]
        held = await holdings(session, user_id)
        assert (held.credits, held.subscription_until) == (0, later + timedelta(days=7))
        for bad in (0, -1):
            with pytest.raises(ValueError):
                await extend_subscription(session, user_id, bad)
            with pytest.raises(ValueError):
                await shorten_subscription(session, user_id, bad)


async def test_every_ledger_entry_has_its_balances(pay_db: PaymentsDB) -> None:
    user_id = await pay_db.user()
    async with pay_db.sessions() as session:
        assert await grant_credits(session, user_id, 3, "grant:cli") == 3
        assert await spend_for_interview(session, user_id, 0, 7) is PaidWith.CREDIT
        assert await grant_credits(session, user_id, -1, "grant:cli") == 1
        assert await take_back_credits(session, user_id, 5, "refund:1") == (1, 0)
        assert await take_back_credits(session, user_id, 5, "refund:2") == (0, 0)  # no entry
        assert await grant_credits(session, user_id, 10, "grant:promo") == 10
        with pytest.raises(ValueError):
            await take_back_credits(session, user_id, 0, "refund:3")
        await session.commit()
    async with pay_db.sessions() as session:
        assert await _ledger(session, user_id) == [
            (3, 0, 3, "grant:cli"),
            (-1, 3, 2, "interview:7"),
            (-1, 2, 1, "grant:cli"),
            (-1, 1, 0, "refund:1"),
            (10, 0, 10, "grant:promo"),
        ]
        entries = (
            await session.scalars(select(CreditEntry).where(CreditEntry.user_id == user_id))
        ).all()
        assert all(e.balance_after == e.balance_before + e.delta for e in entries)
        assert all(e.payment_id is None for e in entries)
        assert (await holdings(session, user_id)).credits == 10
