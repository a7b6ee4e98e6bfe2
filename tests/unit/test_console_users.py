"""/user's services: the card's figures, credits through the ledger within the limits (a refusal
changes nothing), blocking with its audit, the ban notice claimed once, the user caches of a
process forgetting a user, and every text the console builds from a problem's name."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.admins import add_admin
from services.audit import AuditAction
from services.console.user_card import (
    REASON_MAX_LENGTH,
    BanProblem,
    BanRefused,
    CreditChangeRefused,
    CreditDirection,
    CreditProblem,
    MoneyTotal,
    ban_user,
    card_for_reference,
    change_credits,
    last_report,
    parse_credit_request,
    unban_user,
    user_card,
)
from services.database import create_engine, create_session_factory
from services.entitlements import extend_subscription, grant_credits, spend_for_interview
from services.models import (
    AuditEntry,
    CreditEntry,
    InterviewSession,
    Order,
    Payment,
    RefundRequest,
    User,
)
from services.models.base import utcnow
from services.users import (
    LookupProblem,
    RecentUsers,
    UserLookupFailed,
    claim_ban_notice,
    forget_recent_user,
)
from tests.unit.test_locales import message_ids

ADMIN = 777_000_001
OWNERS = (ADMIN,)


@pytest.fixture
async def sessions(seeded_catalogue: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(seeded_catalogue)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session
        await session.rollback()


async def new_user(session: AsyncSession, username: str | None = None, **fields: object) -> int:
    user_id = random.randint(10**9, 2 * 10**9)
    session.add(
        User(telegram_id=user_id, first_name="Tess", username=username, language="ru", **fields)
    )
    await session.flush()
    return user_id


async def ledger(session: AsyncSession, user_id: int) -> list[CreditEntry]:
    query = select(CreditEntry).where(CreditEntry.user_id == user_id).order_by(CreditEntry.id)
    return list((await session.scalars(query)).all())


async def audit_of(session: AsyncSession, user_id: int) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.target == str(user_id)).order_by(AuditEntry.id)
    return list((await session.scalars(query)).all())


# Reading "<number> <reason>"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", CreditProblem.NOT_A_NUMBER),
        ("five please", CreditProblem.NOT_A_NUMBER),
        ("5.5 half", CreditProblem.NOT_A_NUMBER),
        ("0 nothing", CreditProblem.NOT_POSITIVE),
        ("-3 negative", CreditProblem.NOT_POSITIVE),
        ("11 too many", CreditProblem.OVER_LIMIT),
        ("5", CreditProblem.NO_REASON),
        ("5    ", CreditProblem.NO_REASON),
        ("5 " + "x" * (REASON_MAX_LENGTH + 1), CreditProblem.REASON_TOO_LONG),
    ],
)
def test_a_credit_request_that_cannot_be_read_is_refused(text: str, problem: CreditProblem) -> None:
    with pytest.raises(CreditChangeRefused) as refused:
        parse_credit_request(text, limit=10)
    assert refused.value.problem is problem


def test_a_credit_request_is_a_whole_number_and_a_reason_with_its_spaces_folded() -> None:
    request = parse_credit_request("  10   for the\noutage ", limit=10)
    assert (request.amount, request.reason) == (10, "for the outage")
    longest = parse_credit_request("1 " + "y" * REASON_MAX_LENGTH, limit=10)
    assert len("admin:" + longest.reason) == 64  # the ledger's reason column


# Credits through the ledger


async def test_a_grant_goes_through_the_ledger_with_its_reason_and_its_audit(
    session: AsyncSession,
) -> None:
    user_id = await new_user(session)
    await grant_credits(session, user_id, 2, "payment:test")
    change = await change_credits(
        session, user_id, CreditDirection.GRANT, "3 goodwill", admin_id=ADMIN, limit=10
    )
    assert (change.balance_before, change.balance_after, change.amount) == (2, 5, 3)
    entry = (await ledger(session, user_id))[-1]
    assert (entry.delta, entry.balance_before, entry.balance_after) == (3, 2, 5)
    assert entry.reason == "admin:goodwill"
    [audit] = await audit_of(session, user_id)
    assert (audit.admin_id, audit.action) == (ADMIN, AuditAction.CREDITS_GRANT)
    assert (audit.before, audit.after) == ({"credits": 2}, {"credits": 5, "reason": "goodwill"})


async def test_taking_back_more_than_the_balance_or_over_the_limit_changes_nothing(
    session: AsyncSession,
) -> None:
    user_id = await new_user(session)
    await grant_credits(session, user_id, 4, "payment:test")
    for text, problem in (("5 too many", CreditProblem.OVER_BALANCE),
                          ("11 over the limit", CreditProblem.OVER_LIMIT)):  # fmt: skip
        with pytest.raises(CreditChangeRefused) as refused:
            await change_credits(
                session, user_id, CreditDirection.TAKE, text, admin_id=ADMIN, limit=10
            )
        assert refused.value.problem is problem
    assert [entry.delta for entry in await ledger(session, user_id)] == [4]
    assert await audit_of(session, user_id) == []

    with pytest.raises(CreditChangeRefused) as refused:
        await change_credits(
            session, user_id, CreditDirection.TAKE, "5 too many", admin_id=ADMIN, limit=10
        )
    assert refused.value.balance == 4

    change = await change_credits(
        session, user_id, CreditDirection.TAKE, "4 all of it", admin_id=ADMIN, limit=10
    )
    assert (change.balance_before, change.balance_after) == (4, 0)
    assert [entry.delta for entry in await ledger(session, user_id)] == [4, -4]
    [audit] = await audit_of(session, user_id)
    assert audit.action == AuditAction.CREDITS_TAKE


async def test_no_credits_for_a_user_who_does_not_exist(session: AsyncSession) -> None:
    with pytest.raises(CreditChangeRefused) as refused:
        await change_credits(
            session, 3 * 10**9, CreditDirection.GRANT, "1 hello", admin_id=ADMIN, limit=10
        )
    assert refused.value.problem is CreditProblem.NO_USER


# Banning (the card's Block button; not `User.is_blocked`, the user blocking the bot)


async def test_block_and_unblock_with_their_audit_and_never_an_admin(
    session: AsyncSession,
) -> None:
    user_id = await new_user(session)
    await ban_user(session, user_id, admin_id=ADMIN, owners=OWNERS)
    user = await session.get(User, user_id)
    assert user is not None and user.banned_by == ADMIN and user.banned_at is not None
    with pytest.raises(BanRefused) as refused:
        await ban_user(session, user_id, admin_id=ADMIN, owners=OWNERS)
    assert refused.value.problem is BanProblem.ALREADY_BANNED

    await unban_user(session, user_id, admin_id=ADMIN)
    await session.refresh(user)
    assert user.banned_at is None and user.banned_by is None
    with pytest.raises(BanRefused) as refused:
        await unban_user(session, user_id, admin_id=ADMIN)
    assert refused.value.problem is BanProblem.NOT_BANNED
    actions = [(a.action, a.before, a.after) for a in await audit_of(session, user_id)]
    assert actions == [
        (AuditAction.USER_BAN, {"blocked": False}, {"blocked": True}),
        (AuditAction.USER_UNBAN, {"blocked": True}, {"blocked": False}),
    ]

    helper = await new_user(session)
    await add_admin(session, helper, by=ADMIN, owners=OWNERS)
    for admin in (helper, ADMIN):
        if await session.get(User, admin) is None:
            session.add(User(telegram_id=admin, first_name="Owner", language="en"))
            await session.flush()
        with pytest.raises(BanRefused) as refused:
            await ban_user(session, admin, admin_id=ADMIN, owners=OWNERS)
        assert refused.value.problem is BanProblem.IS_ADMIN
    with pytest.raises(BanRefused) as refused:
        await ban_user(session, 3 * 10**9, admin_id=ADMIN, owners=OWNERS)
    assert refused.value.problem is BanProblem.NO_USER


async def test_the_ban_notice_is_claimed_once_per_block_across_sessions(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        user_id = await new_user(session)
        assert not await claim_ban_notice(session, user_id)  # not blocked: no notice
        await ban_user(session, user_id, admin_id=ADMIN, owners=OWNERS)
        await session.commit()

    async with sessions() as first, sessions() as second:
        assert await claim_ban_notice(first, user_id)
        await first.commit()
        assert not await claim_ban_notice(second, user_id)
        await second.commit()

    async with sessions() as session:  # unblocked and blocked again: a new notice is due
        await unban_user(session, user_id, admin_id=ADMIN)
        await ban_user(session, user_id, admin_id=ADMIN, owners=OWNERS)
        assert await claim_ban_notice(session, user_id)
        assert not await claim_ban_notice(session, user_id)
        await session.commit()


def test_every_user_cache_of_the_process_forgets_a_user() -> None:
    first, second = RecentUsers(), RecentUsers()
    for cache in (first, second):
        cache.remember(User(telegram_id=5, first_name="A", language="en", last_seen_at=utcnow()))
        cache.remember(User(telegram_id=6, first_name="B", language="en", last_seen_at=utcnow()))
    forget_recent_user(5)
    for cache in (first, second):
        assert set(cache._users) == {6}


# The card


async def test_the_card_counts_what_the_user_holds_did_and_paid(session: AsyncSession) -> None:
    user_id = await new_user(session, username=f"card_{random.randint(1, 10**9)}")
    await spend_for_interview(session, user_id, 3, interview_id=1)  # one free interview used
    await grant_credits(session, user_id, 7, "payment:test")
    until = await extend_subscription(session, user_id, 30)
    now = utcnow()
    for minutes, status, mode, score in ((30, "finished", "track", 6.0),
                                         (20, "finished", "tailored", 8.0),
                                         (15, "finished", "practice", None),
                                         (10, "abandoned", "track", None)):  # fmt: skip
        session.add(
            InterviewSession(
                user_id=user_id, mode=mode, specialization="backend", level="junior",
                language="en", plan=[], status=status, overall_score=score,
                started_at=now - timedelta(minutes=minutes),
                finished_at=now - timedelta(minutes=minutes - 1),
            )
        )  # fmt: skip
    payments = [("XTR", 200, False), ("XTR", 50, True), ("RUB", 49000, False)]
    for number, (currency, amount, refunded) in enumerate(payments):
        order = Order(
            user_id=user_id, product_id="pack_1", currency=currency, amount=amount,
            method="stars", status="paid", payload=f"o-card-{user_id}-{number}",
        )  # fmt: skip
        session.add(order)
        await session.flush()
        payment = Payment(
            order_id=order.id, user_id=user_id, provider="telegram_stars",
            charge_id=f"card-{user_id}-{number}", amount=amount, currency=currency,
            refunded=refunded,
        )  # fmt: skip
        session.add(payment)
        await session.flush()
    session.add(RefundRequest(payment_id=payment.id, user_id=user_id, reason="x"))
    await session.flush()

    card = await user_card(session, user_id, free_interviews=3)
    assert card is not None
    assert (card.credits, card.free_interviews_used, card.free_interviews) == (7, 1, 3)
    assert card.subscription_until == until
    # Practice drills are counted apart, as /stats does.
    assert (card.interviews_started, card.interviews_completed, card.practice_drills) == (3, 2, 1)
    assert card.average_score == 7.0  # the scored completed ones
    assert card.last_interview is not None and card.last_interview.status == "abandoned"
    tailored = await session.scalar(
        select(InterviewSession.id).where(
            InterviewSession.user_id == user_id, InterviewSession.mode == "tailored"
        )
    )
    assert card.last_report_interview_id == tailored  # not the practice, not the abandoned
    assert card.payments == [MoneyTotal("RUB", 1, 49000), MoneyTotal("XTR", 2, 250)]
    assert card.refunds == [MoneyTotal("XTR", 1, 50)]
    assert card.open_refund_requests == 1
    assert card.banned_at is None and not card.blocked_the_bot
    assert card.display_name.startswith("@card_")

    by_name = await card_for_reference(session, f"@{card.username.upper()}", 3)  # type: ignore[union-attr]
    assert by_name.telegram_id == user_id
    assert await user_card(session, 3 * 10**9, free_interviews=3) is None


async def test_a_reference_that_names_nobody_or_several_users_is_refused(
    session: AsyncSession,
) -> None:
    name = f"twin_{random.randint(1, 10**9)}"
    first, second = await new_user(session, username=name), await new_user(session, name.upper())
    with pytest.raises(UserLookupFailed) as failed:
        await card_for_reference(session, f"@{name}", 3)
    assert failed.value.problem is LookupProblem.AMBIGUOUS
    assert {user.telegram_id for user in failed.value.matches} == {first, second}
    for reference, problem in (("", LookupProblem.BAD_REFERENCE),
                               ("@no", LookupProblem.BAD_REFERENCE),
                               ("3000000000", LookupProblem.NOT_FOUND)):  # fmt: skip
        with pytest.raises(UserLookupFailed) as failed:
            await card_for_reference(session, reference, 3)
        assert failed.value.problem is problem


async def test_no_report_without_a_finished_scored_interview(session: AsyncSession) -> None:
    user_id = await new_user(session)
    for mode, status, score in (("practice", "finished", 7.0), ("track", "finished", None),
                                ("track", "active", None)):  # fmt: skip
        session.add(
            InterviewSession(
                user_id=user_id, mode=mode, language="en", plan=[], status=status,
                overall_score=score, finished_at=utcnow(),
            )
        )  # fmt: skip
    await session.flush()
    assert await last_report(session, user_id, lambda key, args: key) is None
    card = await user_card(session, user_id, free_interviews=3)
    assert card is not None and card.last_report_interview_id is None


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_text_built_from_a_name_exists(language: str) -> None:
    known = message_ids(language)
    built = [
        *(f"card-credits-{problem}" for problem in CreditProblem),
        *(f"card-block-refused-{problem}" for problem in BanProblem),
        *(f"card-credits-ask-{direction}" for direction in CreditDirection),
        *(f"card-credits-done-{direction}" for direction in CreditDirection),
        *(f"user-lookup-{problem}" for problem in LookupProblem),
        "card-banned-notice",
    ]
    assert [key for key in built if key not in known] == []
