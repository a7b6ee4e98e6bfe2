"""Who may start what: free interviews, interview credits, subscriptions and premium questions.

The one place that decides access, and the one place that changes what a user holds: the admin
CLI (`python -m bot grant USER_ID N`) and the payments module (services/payments) both come
here. Every change of the credit balance is written to the `credit_entries` ledger with its
reason, the balance before and after, and the payment behind it, if any.

An active subscription (`CreditAccount.subscription_until` in the future) starts interviews
without spending free interviews or credits, and opens premium questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.database import dialect_insert
from services.models import CreditAccount, CreditEntry, User
from services.models.base import aware, utcnow


class PaidWith(StrEnum):
    FREE = "free"
    CREDIT = "credit"
    SUBSCRIPTION = "subscription"
    NOTHING = "none"  # practice questions cost nothing
    # The charge came back: the interview closed before any answer (see return_interview_charge).
    RETURNED = "returned"


class NoInterviewsLeft(Exception):
    """The user has used the free interviews, has no credits and no active subscription."""


@dataclass(frozen=True, slots=True)
class Access:
    free_left: int
    credits: int
    # The end of the active subscription; None when there is none (or it has run out).
    subscription_until: datetime | None = None

    @property
    def subscribed(self) -> bool:
        return self.subscription_until is not None

    @property
    def can_start_interview(self) -> bool:
        return self.subscribed or self.free_left > 0 or self.credits > 0

    @property
    def premium_questions(self) -> bool:
        """Premium tasks are for subscribers and users who hold credits (the interview may be
        paid by one)."""
        return self.subscribed or self.credits > 0


def active_until(account: CreditAccount | None, now: datetime | None = None) -> datetime | None:
    """The end of the account's subscription if it is still running at `now`, else None."""
    if account is None or account.subscription_until is None:
        return None
    until = aware(account.subscription_until)
    return until if until > (now or utcnow()) else None


async def _account(session: AsyncSession, user_id: int, *, lock: bool = False) -> CreditAccount:
    query = select(CreditAccount).where(CreditAccount.user_id == user_id)
    if lock:
        query = query.with_for_update()
    account = await session.scalar(query)
    if account is None:
        # Two first payments of one user can arrive at once: the row is inserted unless it
        # exists (no unique-key error that would fail a payment), then read (and locked).
        insert = dialect_insert(session)
        now = utcnow()
        await session.execute(
            insert(CreditAccount)
            .values(user_id=user_id, interview_credits=0, free_interviews_used=0, updated_at=now)
            .on_conflict_do_nothing(index_elements=[CreditAccount.user_id])
        )
        account = await session.scalar(query.execution_options(populate_existing=True))
        assert account is not None
    return account


async def _ensure_user(session: AsyncSession, user_id: int) -> None:
    """A user who never wrote to the bot gets a placeholder row, filled in on their first /start."""
    if await session.get(User, user_id) is None:
        session.add(User(telegram_id=user_id, first_name="", language="en"))
        await session.flush()


def _change_credits(
    session: AsyncSession,
    account: CreditAccount,
    delta: int,
    reason: str,
    payment_id: int | None = None,
) -> CreditEntry:
    """The only writer of `interview_credits`: changes the balance and writes its ledger entry."""
    before = account.interview_credits
    account.interview_credits = before + delta
    entry = CreditEntry(
        user_id=account.user_id,
        delta=delta,
        balance_before=before,
        balance_after=account.interview_credits,
        reason=reason,
        payment_id=payment_id,
    )
    session.add(entry)
    return entry


async def access(
    session: AsyncSession, user_id: int, free_interviews: int, *, now: datetime | None = None
) -> Access:
    account = await session.scalar(select(CreditAccount).where(CreditAccount.user_id == user_id))
    used = account.free_interviews_used if account else 0
    credits = account.interview_credits if account else 0
    return Access(
        free_left=max(0, free_interviews - used),
        credits=credits,
        subscription_until=active_until(account, now),
    )


async def spend_for_interview(
    session: AsyncSession,
    user_id: int,
    free_interviews: int,
    interview_id: int,
    *,
    now: datetime | None = None,
) -> PaidWith:
    """Charges one interview: nothing during a subscription, else a free one while any are
    left, else a credit.

    Raises NoInterviewsLeft when none of them is available. The row is locked (PostgreSQL) so
    two interviews started at once cannot spend the same credit.
    """
    account = await _account(session, user_id, lock=True)
    if active_until(account, now) is not None:
        return PaidWith.SUBSCRIPTION
    if account.free_interviews_used < free_interviews:
        account.free_interviews_used += 1
        return PaidWith.FREE
    if account.interview_credits > 0:
        _change_credits(session, account, -1, f"interview:{interview_id}")
        return PaidWith.CREDIT
    raise NoInterviewsLeft


async def return_interview_charge(
    session: AsyncSession, user_id: int, paid_with: PaidWith, interview_id: int
) -> PaidWith | None:
    """Gives back what paid for an interview that closed with no answer given: the free
    interview, or the credit (through the ledger, with the reason). A subscription's interview
    cost nothing to give back. Returns what came back, None when nothing did."""
    if paid_with not in (PaidWith.FREE, PaidWith.CREDIT):
        return None
    account = await _account(session, user_id, lock=True)
    if paid_with is PaidWith.CREDIT and await _refunded_since_charged(
        session, user_id, interview_id
    ):
        return None  # the pack behind the credit was refunded meanwhile: its money is back
    if paid_with is PaidWith.FREE:
        account.free_interviews_used = max(0, account.free_interviews_used - 1)
    else:
        _change_credits(session, account, 1, f"interview-not-answered:{interview_id}")
    await session.flush()
    return paid_with


async def _refunded_since_charged(session: AsyncSession, user_id: int, interview_id: int) -> bool:
    charged = await session.scalar(
        select(CreditEntry.id).where(
            CreditEntry.user_id == user_id, CreditEntry.reason == f"interview:{interview_id}"
        )
    )
    if charged is None:
        return False
    refund = await session.scalar(
        select(CreditEntry.id)
        .where(
            CreditEntry.user_id == user_id,
            CreditEntry.id > charged,
            CreditEntry.reason.startswith("refund:"),
        )
        .limit(1)
    )
    return refund is not None


async def grant_credits(
    session: AsyncSession,
    user_id: int,
    amount: int,
    reason: str,
    *,
    payment_id: int | None = None,
) -> int:
    """Adds (or, with a negative amount, removes) credits; returns the new balance.

    A user who never wrote to the bot gets a placeholder row, filled in on their first /start.
    """
    if amount == 0:
        raise ValueError("amount must not be zero")
    await _ensure_user(session, user_id)
    account = await _account(session, user_id, lock=True)
    if account.interview_credits + amount < 0:
        raise ValueError(f"the balance is {account.interview_credits}; cannot remove {-amount}")
    _change_credits(session, account, amount, reason, payment_id)
    await session.flush()
    return account.interview_credits


async def take_back_credits(
    session: AsyncSession,
    user_id: int,
    at_most: int,
    reason: str,
    *,
    payment_id: int | None = None,
) -> tuple[int, int]:
    """Removes up to `at_most` credits, never below zero (a refund takes back what is left of
    a pack). Returns (credits removed, new balance); removing nothing writes no ledger entry."""
    if at_most <= 0:
        raise ValueError("at_most must be positive")
    account = await _account(session, user_id, lock=True)
    removed = min(at_most, account.interview_credits)
    if removed:
        _change_credits(session, account, -removed, reason, payment_id)
        await session.flush()
    return removed, account.interview_credits


async def extend_subscription(
    session: AsyncSession, user_id: int, days: int, *, now: datetime | None = None
) -> datetime:
    """Adds `days` to the subscription, from its end while it runs, else from now; returns the
    new end."""
    if days <= 0:
        raise ValueError("days must be positive")
    now = now or utcnow()
    await _ensure_user(session, user_id)
    account = await _account(session, user_id, lock=True)
    start = active_until(account, now) or now
    account.subscription_until = start + timedelta(days=days)
    await session.flush()
    return account.subscription_until


async def shorten_subscription(
    session: AsyncSession, user_id: int, days: int, *, now: datetime | None = None
) -> datetime | None:
    """Takes `days` off the subscription, ending it no earlier than now (a refunded period).

    Returns the new end (`now` when the subscription ended), or None when there never was one.
    """
    if days <= 0:
        raise ValueError("days must be positive")
    now = now or utcnow()
    account = await _account(session, user_id, lock=True)
    if account.subscription_until is None:
        return None
    until = aware(account.subscription_until)
    if until > now:
        account.subscription_until = max(now, until - timedelta(days=days))
        await session.flush()
    return aware(account.subscription_until)


@dataclass(frozen=True, slots=True)
class Holdings:
    """What a user holds right now, for messages after a change."""

    credits: int
    subscription_until: datetime | None  # the end of the active subscription, else None
    free_interviews_used: int = 0


async def holdings(session: AsyncSession, user_id: int, *, now: datetime | None = None) -> Holdings:
    account = await session.scalar(select(CreditAccount).where(CreditAccount.user_id == user_id))
    if account is None:
        return Holdings(credits=0, subscription_until=None)
    return Holdings(
        account.interview_credits, active_until(account, now), account.free_interviews_used
    )
