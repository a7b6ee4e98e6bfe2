"""/stats's figures (services/console/stats.py) on a scratch database with known rows, on
PostgreSQL (the default run) and SQLite (EASYFLOW_TEST_BACKEND=embedded): every window, rate,
sum and day of the chart is checked against numbers worked out by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.console.stats import (
    AnswerFigures,
    ChartLabels,
    Conversion,
    InterviewFigures,
    Money,
    ProductRevenue,
    RecentCounts,
    Refunds,
    collect_stats,
    render_chart,
)
from services.database import create_engine, create_session_factory
from services.models import (
    InterviewAnswer,
    InterviewSession,
    Order,
    Payment,
    Product,
    User,
)
from services.models.marketplace import (
    BuyerChat,
    BuyerMessage,
    MarketplaceAccount,
    Seller,
    SlaWait,
)

pytestmark = pytest.mark.asyncio

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
PACK_TITLES = {"en": "5 interviews", "ru": "5 интервью"}
LABELS = ChartLabels(title="30 days", new_users="new", started="started", completed="done")


@pytest_asyncio.fixture
async def sessions(fresh_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(fresh_database_url)
    yield create_session_factory(engine)
    await engine.dispose()


def _user(user_id: int, joined: timedelta, seen: timedelta) -> User:
    return User(
        telegram_id=user_id, first_name=f"U{user_id}", created_at=NOW - joined,
        last_seen_at=NOW - seen,
    )  # fmt: skip


def _interview(
    session_id: int, user_id: int, mode: str, status: str, started: timedelta,
    finished: timedelta | None = None, score: float | None = None,
) -> InterviewSession:  # fmt: skip
    return InterviewSession(
        id=session_id, user_id=user_id, mode=mode, language="en", plan=[], status=status,
        overall_score=score, started_at=NOW - started,
        finished_at=None if finished is None else NOW - finished,
    )  # fmt: skip


def _answer(
    session_id: int, position: int, source: str, ago: timedelta, follow_up: bool = False
) -> InterviewAnswer:
    return InterviewAnswer(
        session_id=session_id, position=position, is_follow_up=follow_up, question_text="Q?",
        answer_text="" if source == "skipped" else "A.", source=source,
        score=None if source == "skipped" else 6.0, created_at=NOW - ago,
    )  # fmt: skip


def _payment(
    number: int, user_id: int, product: str, currency: str, amount: int, ago: timedelta,
    refunded_ago: timedelta | None = None,
) -> tuple[Order, Payment]:  # fmt: skip
    order = Order(
        id=number, user_id=user_id, product_id=product, currency=currency, amount=amount,
        method="stars" if currency == "XTR" else "yookassa_link", status="paid",
        payload=f"o{number}-test", created_at=NOW - ago, paid_at=NOW - ago,
    )  # fmt: skip
    payment = Payment(
        id=number, order_id=number, user_id=user_id, provider="telegram_stars",
        charge_id=f"charge-{number}", amount=amount, currency=currency, created_at=NOW - ago,
        refunded=refunded_ago is not None,
        refunded_at=None if refunded_ago is None else NOW - refunded_ago,
    )  # fmt: skip
    return order, payment


async def _fill(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        session.add_all(
            [
                _user(1, joined=2 * HOUR, seen=HOUR),  # new and active in every window
                _user(2, joined=3 * DAY, seen=3 * DAY),  # new and active in 7 and 30 days
                _user(3, joined=20 * DAY, seen=10 * DAY),  # new and active in 30 days
                _user(4, joined=60 * DAY, seen=40 * DAY),  # neither
                _user(5, joined=100 * DAY, seen=HOUR),  # an old user, active today
            ]
        )
        for product_id, kind, titles in (
            ("pack_5", "pack", PACK_TITLES),
            ("sub_30d", "subscription", {"en": "30 days", "ru": "30 дней"}),
        ):
            session.add(
                Product(id=product_id, kind=kind, title=titles, description=titles, position=1)
            )
        await session.flush()
        session.add_all(
            [
                _interview(1, 1, "track", "finished", HOUR, finished=30 * MINUTE, score=8.0),
                _interview(2, 2, "tailored", "abandoned", 2 * DAY, finished=2 * DAY - 10 * MINUTE),
                _interview(3, 3, "track", "finished", 40 * DAY, 40 * DAY - 20 * MINUTE, 6.0),
                _interview(4, 3, "practice", "finished", 5 * DAY, 5 * DAY - MINUTE, 5.0),
                _interview(5, 5, "track", "active", 10 * MINUTE),
            ]
        )
        await session.flush()
        session.add_all(
            [
                _answer(1, 0, "voice", 50 * MINUTE),
                _answer(1, 0, "text", 45 * MINUTE, follow_up=True),
                _answer(1, 1, "skipped", 40 * MINUTE),
                _answer(3, 0, "voice", 40 * DAY),
                _answer(3, 1, "voice", 40 * DAY - MINUTE),
                _answer(4, 0, "text", 5 * DAY),
            ]
        )
        payments = [
            _payment(1, 1, "pack_5", "XTR", 200, DAY),
            _payment(2, 3, "pack_5", "RUB", 590_00, 50 * DAY, refunded_ago=45 * DAY),
            _payment(3, 3, "pack_5", "XTR", 200, 10 * DAY, refunded_ago=9 * DAY),
            _payment(4, 4, "sub_30d", "RUB", 990_00, 40 * DAY),  # a payer who never started
        ]
        session.add_all([order for order, _ in payments])
        await session.flush()
        session.add_all([payment for _, payment in payments])
        await _fill_desk(session)
        await session.commit()


async def _fill_desk(session: AsyncSession) -> None:
    seller = Seller(forum_chat_id=-1001, title="Shop", language="en", connected_by=7)
    session.add(seller)
    await session.flush()
    account = MarketplaceAccount(
        seller_id=seller.id, marketplace="wb", external_id="1", sealed_credentials=b"x",
        connected_by=7, created_at=NOW - 90 * DAY,
    )  # fmt: skip
    session.add(account)
    await session.flush()
    chats = [
        BuyerChat(account_id=account.id, chat_id="open", topic_id=101, created_at=NOW - 2 * DAY),
        BuyerChat(
            account_id=account.id,
            chat_id="old",
            created_at=NOW - 40 * DAY,
            closed_at=NOW - 39 * DAY,
        ),
        BuyerChat(
            account_id=account.id,
            chat_id="closed",
            created_at=NOW - 5 * DAY,
            closed_at=NOW - 4 * DAY,
        ),
    ]
    session.add_all(chats)
    await session.flush()
    # (chat, started, answered after): in time, late, unanswered past due (late), and one
    # older than 30 days that does not count.
    waits = [
        (chats[0], 2 * DAY, 10 * MINUTE),
        (chats[0], DAY, 3 * HOUR),
        (chats[0], 5 * HOUR, None),
        (chats[1], 40 * DAY, 5 * HOUR),
    ]
    for number, (chat, started, answered_after) in enumerate(waits):
        message = BuyerMessage(
            buyer_chat_id=chat.id, message_id=f"m{number}", author="buyer",
            written_at=NOW - started,
        )  # fmt: skip
        session.add(message)
        await session.flush()
        session.add(
            SlaWait(
                buyer_chat_id=chat.id, buyer_message_id=message.id, metric="first",
                started_at=NOW - started, warn_at=NOW - started + 45 * MINUTE,
                due_at=NOW - started + HOUR,
                answered_at=None if answered_after is None else NOW - started + answered_after,
            )
        )  # fmt: skip


async def test_every_figure_on_known_rows(sessions: async_sessionmaker[AsyncSession]) -> None:
    await _fill(sessions)
    async with sessions() as session:
        stats = await collect_stats(session, now=NOW, include_marketplace=True)

    assert stats.users.total == 5
    assert stats.users.new == RecentCounts(day=1, week=2, month=3)
    assert stats.users.active == RecentCounts(day=2, week=3, month=4)

    # 30 days: interviews 1 (finished, 8.0), 2 (abandoned), 5 (active); the practice drill
    # apart. All time: interview 3 (finished 40 days ago, 6.0) too.
    assert stats.interviews_month == InterviewFigures(
        started=3, completed=1, average_score=8.0, practice_drills=1
    )
    assert stats.interviews_month.completion_rate == pytest.approx(1 / 3)
    assert stats.interviews_all_time == InterviewFigures(
        started=4, completed=2, average_score=7.0, practice_drills=1
    )
    assert stats.interviews_all_time.completion_rate == 0.5
    # 30 days: interview 1's voice and text answers (its skip not counted) and the drill's
    # text one; interview 3's two voice answers are 40 days old.
    assert stats.answers_month == AnswerFigures(answered=3, by_voice=1)
    assert stats.answers_month.voice_share == pytest.approx(1 / 3)

    # By currency, the most received first; refunded payments are still revenue received.
    assert stats.revenue == [
        ProductRevenue("RUB", "sub_30d", {"en": "30 days", "ru": "30 дней"}, Money(0, 0),
                       Money(1, 990_00)),
        ProductRevenue("RUB", "pack_5", PACK_TITLES, Money(0, 0), Money(1, 590_00)),
        ProductRevenue("XTR", "pack_5", PACK_TITLES, Money(2, 400), Money(2, 400)),
    ]  # fmt: skip
    # Refunds by when they were made: the rouble one 45 days ago, the Stars one 9 days ago.
    assert stats.refunds == [
        Refunds("RUB", month=Money(0, 0), all_time=Money(1, 590_00)),
        Refunds("XTR", month=Money(1, 200), all_time=Money(1, 200)),
    ]
    # Users 1, 2, 3 and 5 started something; 1 and 3 paid (user 4 paid but never started).
    assert stats.conversion == Conversion(users_who_started=4, users_who_paid=2)
    assert stats.conversion.rate == 0.5

    desk = stats.marketplace
    assert desk is not None
    assert (desk.buyer_chats, desk.new_buyer_chats, desk.open_buyer_chats) == (3, 2, 1)
    assert (desk.sla_in_time, desk.sla_late) == (1, 2)
    assert desk.sla_hit_rate == pytest.approx(1 / 3)

    daily = stats.daily
    assert len(daily.days) == 30
    assert daily.days[-1] == NOW.date() and daily.days[0] == NOW.date() - 29 * DAY
    by_day = {
        (NOW.date() - day).isoformat(): values
        for day, values in {
            timedelta(0): (1, 2, 1),  # user 1; interviews 1 and 5 started, 1 completed
            2 * DAY: (0, 1, 0),  # interview 2 started (abandoned: not completed)
            3 * DAY: (1, 0, 0),  # user 2
            20 * DAY: (1, 0, 0),  # user 3
        }.items()
    }
    for index, day in enumerate(daily.days):
        expected = by_day.get(day.isoformat(), (0, 0, 0))
        found = (
            daily.new_users[index],
            daily.interviews_started[index],
            daily.interviews_completed[index],
        )
        assert found == expected, day

    png = render_chart(daily, LABELS)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


async def test_the_windows_move_with_now_and_the_desk_is_left_out_when_off(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _fill(sessions)
    later = NOW + 2 * DAY
    async with sessions() as session:
        stats = await collect_stats(session, now=later, include_marketplace=False)
    assert stats.marketplace is None
    assert stats.users.new == RecentCounts(day=0, week=2, month=3)
    assert stats.users.active == RecentCounts(day=0, week=3, month=4)
    # Interview 2 (started 4 days before) is still in; the early-December chart has shifted.
    assert stats.interviews_month.started == 3
    assert stats.daily.days[-1] == later.date()
    assert stats.daily.interviews_started[-3] == 2


async def test_an_empty_database_counts_zeros_and_divides_by_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        stats = await collect_stats(session, now=NOW, include_marketplace=True)
    assert stats.users.total == 0
    month = stats.interviews_month
    assert (month.started, month.completion_rate, month.average_score) == (0, None, None)
    assert stats.answers_month.voice_share is None
    assert stats.revenue == [] and stats.refunds == []
    assert stats.conversion.rate is None
    assert stats.marketplace is not None and stats.marketplace.sla_hit_rate is None
    assert sum(stats.daily.new_users) == 0
    assert render_chart(stats.daily, LABELS).startswith(b"\x89PNG")


async def test_now_must_be_timezone_aware(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        with pytest.raises(ValueError):
            await collect_stats(session, now=NOW.replace(tzinfo=None), include_marketplace=False)
