"""Who may start what: free interviews, interview credits and premium questions.

The one place that decides access. Today credits come only from the admin CLI
(`python -m bot grant USER_ID N`); the payments module adds them through `grant_credits` too.
Every change of a balance is written to the `credit_entries` ledger with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.models import CreditAccount, CreditEntry, User


class PaidWith(StrEnum):
    FREE = "free"
    CREDIT = "credit"
    NOTHING = "none"  # practice questions cost nothing


class NoInterviewsLeft(Exception):
    """The user has used the free interviews and has no credits."""


@dataclass(frozen=True, slots=True)
class Access:
    free_left: int
    credits: int

    @property
    def can_start_interview(self) -> bool:
        return self.free_left > 0 or self.credits > 0

    @property
    def premium_questions(self) -> bool:
        """Premium tasks are for users who hold credits (the interview may be paid by one)."""
        return self.credits > 0


async def _account(session: AsyncSession, user_id: int, *, lock: bool = False) -> CreditAccount:
    query = select(CreditAccount).where(CreditAccount.user_id == user_id)
    if lock:
        query = query.with_for_update()
    account = await session.scalar(query)
    if account is None:
        account = CreditAccount(user_id=user_id, interview_credits=0, free_interviews_used=0)
        session.add(account)
        await session.flush()
    return account


async def access(session: AsyncSession, user_id: int, free_interviews: int) -> Access:
    account = await session.scalar(select(CreditAccount).where(CreditAccount.user_id == user_id))
    used = account.free_interviews_used if account else 0
    credits = account.interview_credits if account else 0
    return Access(free_left=max(0, free_interviews - used), credits=credits)


async def spend_for_interview(
    session: AsyncSession, user_id: int, free_interviews: int, interview_id: int
) -> PaidWith:
    """Charges one interview: a free one while any are left, else a credit.

    Raises NoInterviewsLeft when neither is available. The row is locked (PostgreSQL) so two
    interviews started at once cannot spend the same credit.
    """
    account = await _account(session, user_id, lock=True)
    if account.free_interviews_used < free_interviews:
        account.free_interviews_used += 1
        return PaidWith.FREE
    if account.interview_credits > 0:
        account.interview_credits -= 1
        session.add(CreditEntry(user_id=user_id, delta=-1, reason=f"interview:{interview_id}"))
        return PaidWith.CREDIT
    raise NoInterviewsLeft


async def grant_credits(session: AsyncSession, user_id: int, amount: int, reason: str) -> int:
    """Adds (or, with a negative amount, removes) credits; returns the new balance.

    A user who never wrote to the bot gets a placeholder row, filled in on their first /start.
    """
    if amount == 0:
        raise ValueError("amount must not be zero")
    if await session.get(User, user_id) is None:
        session.add(User(telegram_id=user_id, first_name="", language="en"))
        await session.flush()
    account = await _account(session, user_id, lock=True)
    if account.interview_credits + amount < 0:
        raise ValueError(f"the balance is {account.interview_credits}; cannot remove {-amount}")
    account.interview_credits += amount
    session.add(CreditEntry(user_id=user_id, delta=amount, reason=reason))
    await session.flush()
    return account.interview_credits
