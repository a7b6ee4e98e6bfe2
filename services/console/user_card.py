"""/user: one user as the admin console sees them, and what an admin may do to them.

* The card: who they are, what they hold (services.entitlements), their interviews, payments
  and refunds, and whether they are blocked (by an admin, or the bot by them).
* Credits granted or taken back through the one ledger (`services.entitlements.grant_credits`)
  with the admin's reason, within ADMIN_CREDIT_LIMIT, never below a zero balance.
* Blocking: the user's row says so (`banned_at`); the bot's middleware then sends them one
  polite notice (`services.users.claim_ban_notice`) and ignores everything else they do.
* Their last interview's report, drawn by the interview module's own renderers.

Every change writes its audit entry in the same transaction (the caller commits).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, users
from services.admins import admin_role
from services.entitlements import grant_credits, holdings
from services.interview.report import Translate
from services.interview.reporting import build_interview_report, render_report_files
from services.interview.sessions import Mode, Status
from services.models import (
    CreditEntry,
    InterviewSession,
    Payment,
    RefundRequest,
    User,
)
from services.models.base import aware, utcnow
from services.payments.refunds import OPEN_STATUSES
from services.users import find_user

# The ledger's reason column holds 64 characters: the prefix says an admin did it (the audit
# says which one), the admin's words fill the rest.
LEDGER_REASON_PREFIX = "admin:"
REASON_MAX_LENGTH = CreditEntry.reason.type.length - len(LEDGER_REASON_PREFIX)  # type: ignore[attr-defined]
CREDIT_REQUEST = re.compile(r"^\s*(?P<amount>[+-]?\d+)(?:\s+(?P<reason>.*))?$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class MoneyTotal:
    """Payments of one currency: how many, and their sum in minor units."""

    currency: str
    count: int
    amount: int


@dataclass(frozen=True, slots=True)
class LastInterview:
    id: int
    mode: str
    specialization: str | None
    level: str | None
    status: str
    score: float | None
    started_at: datetime


@dataclass(frozen=True, slots=True)
class UserCard:
    telegram_id: int
    first_name: str
    last_name: str | None
    username: str | None
    language: str
    joined_at: datetime
    last_seen_at: datetime
    credits: int
    free_interviews_used: int
    free_interviews: int  # FREE_INTERVIEWS, what everyone gets
    subscription_until: datetime | None  # the end of the active subscription, else None
    interviews_started: int
    interviews_completed: int
    practice_drills: int
    average_score: float | None  # over the completed interviews that have a score
    last_interview: LastInterview | None
    payments: list[MoneyTotal]
    refunds: list[MoneyTotal]  # refunded payments
    open_refund_requests: int
    banned_at: datetime | None
    banned_by: int | None
    ban_notice_sent_at: datetime | None
    blocked_the_bot: bool
    # The interview "Open last report" shows: the newest finished track or tailored interview.
    last_report_interview_id: int | None

    @property
    def display_name(self) -> str:
        return users.display_name(self)


async def user_card(
    session: AsyncSession, telegram_id: int, free_interviews: int, *, now: datetime | None = None
) -> UserCard | None:
    """The card of the user with this Telegram id, or None when there is no such user."""
    user = await session.get(User, telegram_id, populate_existing=True)
    if user is None:
        return None
    held = await holdings(session, telegram_id, now=now)
    # Practice drills (one question each) are counted apart, as /stats does.
    interview = InterviewSession.mode != Mode.PRACTICE.value
    # Finished with at least one answer, as /stats counts them.
    finished = (InterviewSession.status == Status.FINISHED) & (
        InterviewSession.overall_score.is_not(None)
    )
    started, completed, average, drills = (
        await session.execute(
            select(
                func.count().filter(interview),
                func.count().filter(interview, finished),
                func.avg(InterviewSession.overall_score).filter(interview, finished),
                func.count().filter(~interview),
            ).where(InterviewSession.user_id == telegram_id)
        )
    ).one()
    last = await session.scalar(
        select(InterviewSession)
        .where(InterviewSession.user_id == telegram_id, interview)
        .order_by(InterviewSession.started_at.desc(), InterviewSession.id.desc())
        .limit(1)
    )
    report_interview = await _last_report_interview(session, telegram_id)
    payments, refunds = await _payments_and_refunds(session, telegram_id)
    open_requests = await session.scalar(
        select(func.count()).where(
            RefundRequest.user_id == telegram_id,
            RefundRequest.status.in_([status.value for status in OPEN_STATUSES]),
        )
    )
    return UserCard(
        telegram_id=user.telegram_id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language=user.language,
        joined_at=aware(user.created_at),
        last_seen_at=aware(user.last_seen_at),
        credits=held.credits,
        free_interviews_used=held.free_interviews_used,
        free_interviews=free_interviews,
        subscription_until=held.subscription_until,
        interviews_started=started,
        interviews_completed=completed,
        practice_drills=drills,
        average_score=round(float(average), 1) if average is not None else None,
        last_interview=_last_interview(last) if last is not None else None,
        payments=payments,
        refunds=refunds,
        open_refund_requests=open_requests or 0,
        banned_at=aware(user.banned_at) if user.banned_at else None,
        banned_by=user.banned_by,
        ban_notice_sent_at=aware(user.ban_notice_sent_at) if user.ban_notice_sent_at else None,
        blocked_the_bot=user.is_blocked,
        last_report_interview_id=report_interview.id if report_interview else None,
    )


async def card_for_reference(
    session: AsyncSession, reference: str, free_interviews: int, *, now: datetime | None = None
) -> UserCard:
    """The card of the user a numeric id or an @username names (`services.users.find_user`,
    whose UserLookupFailed this raises: a bad reference, nobody, or several users)."""
    user = await find_user(session, reference)
    card = await user_card(session, user.telegram_id, free_interviews, now=now)
    assert card is not None
    return card


def _last_interview(interview: InterviewSession) -> LastInterview:
    return LastInterview(
        id=interview.id,
        mode=interview.mode,
        specialization=interview.specialization,
        level=interview.level,
        status=interview.status,
        score=interview.overall_score,
        started_at=aware(interview.started_at),
    )


async def _payments_and_refunds(
    session: AsyncSession, user_id: int
) -> tuple[list[MoneyTotal], list[MoneyTotal]]:
    """Per currency: every payment, and the refunded ones, in one pass."""
    refunded = Payment.refunded.is_(True)
    rows = (
        await session.execute(
            select(
                Payment.currency,
                func.count(),
                func.sum(Payment.amount),
                func.count().filter(refunded),
                func.sum(Payment.amount).filter(refunded),
            )
            .where(Payment.user_id == user_id)
            .group_by(Payment.currency)
            .order_by(Payment.currency)
        )
    ).all()
    payments = [
        MoneyTotal(currency, count, int(amount or 0)) for currency, count, amount, *_ in rows
    ]
    refunds = [
        MoneyTotal(currency, count, int(amount or 0))
        for currency, _, _, count, amount in rows
        if count
    ]
    return payments, refunds


async def _last_report_interview(session: AsyncSession, user_id: int) -> InterviewSession | None:
    """A practice drill is one question with its score, not a report; an interview ended with
    nothing answered has no score and no report either."""
    return await session.scalar(
        select(InterviewSession)
        .where(
            InterviewSession.user_id == user_id,
            InterviewSession.status == Status.FINISHED,
            InterviewSession.mode != Mode.PRACTICE,
            InterviewSession.overall_score.is_not(None),
        )
        .order_by(InterviewSession.finished_at.desc(), InterviewSession.id.desc())
        .limit(1)
    )


# Credits


class CreditDirection(StrEnum):
    GRANT = "grant"
    TAKE = "take"


class CreditProblem(StrEnum):
    NOT_A_NUMBER = "not-a-number"
    NOT_POSITIVE = "not-positive"
    OVER_LIMIT = "over-limit"
    NO_REASON = "no-reason"
    REASON_TOO_LONG = "reason-too-long"
    OVER_BALANCE = "over-balance"
    NO_USER = "no-user"


class CreditChangeRefused(Exception):
    """Nothing was changed. `balance` is the user's balance for OVER_BALANCE."""

    def __init__(self, problem: CreditProblem, *, balance: int | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.balance = balance


@dataclass(frozen=True, slots=True)
class CreditRequest:
    amount: int
    reason: str


@dataclass(frozen=True, slots=True)
class CreditChange:
    direction: CreditDirection
    amount: int
    reason: str
    balance_before: int
    balance_after: int


def parse_credit_request(text: str, limit: int) -> CreditRequest:
    """Reads "<number> <reason>": a whole number from 1 to `limit`, then the admin's words
    (whitespace folded), at most REASON_MAX_LENGTH characters. Raises CreditChangeRefused."""
    match = CREDIT_REQUEST.fullmatch(text or "")
    if match is None:
        raise CreditChangeRefused(CreditProblem.NOT_A_NUMBER)
    amount = int(match.group("amount"))
    if amount < 1:
        raise CreditChangeRefused(CreditProblem.NOT_POSITIVE)
    if amount > limit:
        raise CreditChangeRefused(CreditProblem.OVER_LIMIT)
    reason = " ".join((match.group("reason") or "").split())
    if not reason:
        raise CreditChangeRefused(CreditProblem.NO_REASON)
    if len(reason) > REASON_MAX_LENGTH:
        raise CreditChangeRefused(CreditProblem.REASON_TOO_LONG)
    return CreditRequest(amount, reason)


async def change_credits(
    session: AsyncSession,
    user_id: int,
    direction: CreditDirection,
    text: str,
    *,
    admin_id: int,
    limit: int,
) -> CreditChange:
    """Grants or takes back the credits the admin typed ("<number> <reason>"), through the
    ledger, with the audit entry. Taking more than the balance is refused; a refusal
    (CreditChangeRefused) changes nothing."""
    request = parse_credit_request(text, limit)
    if await session.get(User, user_id) is None:
        raise CreditChangeRefused(CreditProblem.NO_USER)
    taking = direction is CreditDirection.TAKE
    delta = -request.amount if taking else request.amount
    try:
        # The ledger locks the account and refuses to go below zero.
        after = await grant_credits(
            session, user_id, delta, f"{LEDGER_REASON_PREFIX}{request.reason}"
        )
    except ValueError:
        balance = (await holdings(session, user_id)).credits
        raise CreditChangeRefused(CreditProblem.OVER_BALANCE, balance=balance) from None
    before = after - delta
    await audit.record(
        session,
        admin_id,
        audit.AuditAction.CREDITS_TAKE if taking else audit.AuditAction.CREDITS_GRANT,
        user_id,
        before={"credits": before},
        after={"credits": after, "reason": request.reason},
    )
    return CreditChange(direction, request.amount, request.reason, before, after)


# Banning (the card's Block button; not `User.is_blocked`, the user blocking the bot)


class BanProblem(StrEnum):
    NO_USER = "no-user"
    IS_ADMIN = "is-admin"
    ALREADY_BANNED = "already-banned"
    NOT_BANNED = "not-banned"


class BanRefused(Exception):
    def __init__(self, problem: BanProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


async def ban_user(
    session: AsyncSession, user_id: int, *, admin_id: int, owners: Collection[int]
) -> None:
    """Blocks the user: from their next update on they get one polite notice, then silence.

    Owners and admins cannot be blocked (they would lose the console with no way back). A
    fresh notice is due for every block. The caller commits, then makes this process's user
    cache forget them (`services.users.forget_recent_user`); other processes see the block
    within a minute (their caches' lifetime).
    """
    await _bannable(session, user_id, owners)
    blocked = await session.execute(
        update(User)
        .where(User.telegram_id == user_id, User.banned_at.is_(None))
        .values(banned_at=utcnow(), banned_by=admin_id, ban_notice_sent_at=None)
    )
    if not blocked.rowcount:  # type: ignore[attr-defined]
        raise BanRefused(BanProblem.ALREADY_BANNED)
    await audit.record(
        session,
        admin_id,
        audit.AuditAction.USER_BAN,
        user_id,
        before={"blocked": False},
        after={"blocked": True},
    )


async def unban_user(session: AsyncSession, user_id: int, *, admin_id: int) -> None:
    """Lifts the block; a later block sends a notice again. The caller commits and makes the
    user cache forget them, as after `ban_user`."""
    if await session.get(User, user_id) is None:
        raise BanRefused(BanProblem.NO_USER)
    if not await users.lift_ban(session, user_id, by=admin_id):
        raise BanRefused(BanProblem.NOT_BANNED)


async def _bannable(session: AsyncSession, user_id: int, owners: Collection[int]) -> None:
    if await session.get(User, user_id) is None:
        raise BanRefused(BanProblem.NO_USER)
    if await admin_role(session, user_id, owners) is not None:
        raise BanRefused(BanProblem.IS_ADMIN)


# The last report


@dataclass(frozen=True, slots=True)
class LastReport:
    interview_id: int
    finished_at: datetime
    summary_html: str
    pdf: bytes


async def last_report(
    session: AsyncSession, user_id: int, translate: Translate
) -> LastReport | None:
    """The report of the user's newest finished interview, as its owner got it (the summary
    and the PDF), with the labels in `translate`'s language; None when there is none."""
    interview = await _last_report_interview(session, user_id)
    if interview is None or interview.finished_at is None:
        return None
    built = await build_interview_report(session, interview, translate)
    if built is None:
        return None
    _, pdf = await render_report_files(built, translate)
    return LastReport(interview.id, aware(interview.finished_at), built.summary_html, pdf)
