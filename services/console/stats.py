"""/stats: the business in numbers for the admin console, and its 30-day chart.

Everything is counted in the database, a few aggregate queries in all (one pass per table,
the windows as FILTERed aggregates of the same pass): no row reaches Python. Migration 0009
adds the indexes that let the interview tables, the big ones, be counted from small indexes
alone (index-only scans), never from their heaps, whose rows carry plans, answers and
evaluations. On 100,000 users and 1,000,000 answers every query takes milliseconds
(`python -m bench admin`).

Windows (each figure says which in the console's text):

* users: total; new (created) and active (last seen) in the last 1, 7 and 30 days, rolling
  from `now`;
* interviews (track and tailored; practice drills are counted on their own): those started in
  the last 30 days and all time; completed = finished (not abandoned), completion rate =
  completed / started, the average overall score of the completed ones; the voice share is of
  the questions answered (skipped ones left out) in the window, practice answers included;
* revenue: payments received in the last 30 days and all time, per currency and product, as
  received (refunds are listed on their own, by when they were made);
* conversion, all time: of the users who started at least one interview or practice drill,
  those who paid at least once (a payment refunded later still counts);
* the marketplace desk (when the module is on): buyer chats in all, new in 30 days and open
  (not closed), and the SLA hit rate of the waits that started in the last 30 days, all sellers
  together (`services.marketplace.sla.sla_hit_rates`);
* the chart: one point per UTC calendar day for the last 30 days, today (so far) included.

`render_chart` draws on its own `Figure` with the Agg canvas (never pyplot's global state), so it
is safe to run in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, String, cast, distinct, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.charts import (
    GOOD_COLOR,
    LEGEND_BAND,
    LINE_COLOR,
    finish_chart_png,
    new_figure,
    thinned_ticks,
)
from services.interview.sessions import Mode, Status
from services.marketplace.sla import HitRate, open_chat, sla_hit_rates
from services.models import InterviewAnswer, InterviewSession, Order, Payment, Product, User
from services.models.marketplace import BuyerChat

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
MONTH = timedelta(days=30)
CHART_DAYS = 30
VOICE = "voice"
SKIPPED = "skipped"

NEW_USERS_COLOR = "#9fb7d9"  # a light blue under the lines
MAX_TICK_LABELS = 15


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class RecentCounts:
    """How many in the last day, 7 days and 30 days."""

    day: int
    week: int
    month: int


@dataclass(frozen=True)
class UserFigures:
    total: int
    new: RecentCounts  # joined (created_at)
    active: RecentCounts  # last seen (any update from them)


@dataclass(frozen=True)
class InterviewFigures:
    """Interviews (practice drills apart) started in one window."""

    started: int
    completed: int
    average_score: float | None  # of the completed ones, 0-10
    practice_drills: int

    @property
    def completion_rate(self) -> float | None:
        return share(self.completed, self.started)


@dataclass(frozen=True)
class AnswerFigures:
    """The questions answered (not skipped) in the last 30 days, practice included."""

    answered: int
    by_voice: int

    @property
    def voice_share(self) -> float | None:
        return share(self.by_voice, self.answered)


@dataclass(frozen=True)
class Money:
    count: int
    amount: int  # minor units


@dataclass(frozen=True)
class ProductRevenue:
    currency: str
    product_id: str
    titles: dict[str, str]  # the product's title by language
    month: Money
    all_time: Money


@dataclass(frozen=True)
class Refunds:
    currency: str
    month: Money
    all_time: Money


@dataclass(frozen=True)
class Conversion:
    """All time: users who started an interview or practice drill, and those of them who paid."""

    users_who_started: int
    users_who_paid: int

    @property
    def rate(self) -> float | None:
        return share(self.users_who_paid, self.users_who_started)


@dataclass(frozen=True)
class MarketplaceFigures:
    buyer_chats: int
    new_buyer_chats: int  # in the last 30 days
    open_buyer_chats: int
    sla_in_time: int  # the waits that started in the last 30 days, all sellers
    sla_late: int

    @property
    def sla_hit_rate(self) -> float | None:
        return HitRate(self.sla_in_time, self.sla_late).share_in_time


@dataclass(frozen=True)
class DailyCounts:
    """The chart's series: one value per UTC day from `days[0]` to today."""

    days: list[date]
    new_users: list[int]
    interviews_started: list[int]
    interviews_completed: list[int]  # by the day they were finished


@dataclass(frozen=True)
class ConsoleStats:
    now: datetime
    users: UserFigures
    interviews_month: InterviewFigures
    interviews_all_time: InterviewFigures
    answers_month: AnswerFigures
    revenue: list[ProductRevenue]  # by currency, then the most received first
    refunds: list[Refunds]  # by currency
    conversion: Conversion
    marketplace: MarketplaceFigures | None  # None when the module is off
    daily: DailyCounts


@dataclass(frozen=True)
class ChartLabels:
    title: str
    new_users: str
    started: str
    completed: str


async def collect_stats(
    session: AsyncSession, *, now: datetime, include_marketplace: bool
) -> ConsoleStats:
    """The figures of /stats as of `now` (timezone-aware), counted in SQL."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    interviews_month, interviews_all_time = await _interview_figures(session, now - MONTH)
    revenue, refunds = await _money(session, now - MONTH)
    return ConsoleStats(
        now=now,
        users=await _user_figures(session, now),
        interviews_month=interviews_month,
        interviews_all_time=interviews_all_time,
        answers_month=await _answer_figures(session, now - MONTH),
        revenue=revenue,
        refunds=refunds,
        conversion=await _conversion(session),
        marketplace=await _marketplace(session, now) if include_marketplace else None,
        daily=await _daily_counts(session, now),
    )


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count().filter(condition)


async def _user_figures(session: AsyncSession, now: datetime) -> UserFigures:
    windows = (now - DAY, now - WEEK, now - MONTH)
    row = (
        await session.execute(
            select(
                func.count(),
                *(_count_where(User.created_at >= since) for since in windows),
                *(_count_where(User.last_seen_at >= since) for since in windows),
            )
        )
    ).one()
    return UserFigures(total=row[0], new=RecentCounts(*row[1:4]), active=RecentCounts(*row[4:7]))


async def _interview_figures(
    session: AsyncSession, month_since: datetime
) -> tuple[InterviewFigures, InterviewFigures]:
    """The interviews started in the last 30 days, and all time."""
    in_month = InterviewSession.started_at >= month_since
    interview = InterviewSession.mode != Mode.PRACTICE.value
    # Finished with at least one answer: one where every question was skipped has no score and
    # does not count (its charge came back).
    completed = (InterviewSession.status == Status.FINISHED.value) & (
        InterviewSession.overall_score.is_not(None)
    )
    practice = InterviewSession.mode == Mode.PRACTICE.value
    sessions = (
        await session.execute(
            select(
                _count_where(interview & in_month),
                _count_where(interview & completed & in_month),
                func.avg(InterviewSession.overall_score).filter(interview & completed & in_month),
                _count_where(practice & in_month),
                _count_where(interview),
                _count_where(interview & completed),
                func.avg(InterviewSession.overall_score).filter(interview & completed),
                _count_where(practice),
            )
        )
    ).one()

    def figures(offset: int) -> InterviewFigures:
        average = sessions[offset + 2]
        return InterviewFigures(
            started=sessions[offset],
            completed=sessions[offset + 1],
            average_score=None if average is None else float(average),
            practice_drills=sessions[offset + 3],
        )

    return figures(0), figures(4)


async def _answer_figures(session: AsyncSession, month_since: datetime) -> AnswerFigures:
    row = (
        await session.execute(
            select(
                _count_where(InterviewAnswer.source != SKIPPED),
                _count_where(InterviewAnswer.source == VOICE),
            ).where(InterviewAnswer.created_at >= month_since)
        )
    ).one()
    return AnswerFigures(answered=row[0], by_voice=row[1])


async def _money(
    session: AsyncSession, month_since: datetime
) -> tuple[list[ProductRevenue], list[Refunds]]:
    received_in_month = Payment.created_at >= month_since
    per_product = (
        select(
            Payment.currency.label("currency"),
            Order.product_id.label("product_id"),
            _count_where(received_in_month).label("month_count"),
            func.coalesce(func.sum(Payment.amount).filter(received_in_month), 0).label(
                "month_amount"
            ),
            func.count().label("count"),
            func.sum(Payment.amount).label("amount"),
        )
        .select_from(Payment)
        .join(Order, Order.id == Payment.order_id)
        .group_by(Payment.currency, Order.product_id)
        .subquery()
    )
    # The titles are joined after grouping: PostgreSQL cannot group by a JSON column.
    revenue_rows = await session.execute(
        select(
            per_product.c.currency,
            per_product.c.product_id,
            Product.title,
            per_product.c.month_count,
            per_product.c.month_amount,
            per_product.c.count,
            per_product.c.amount,
        ).join(Product, Product.id == per_product.c.product_id)
    )
    revenue = [
        ProductRevenue(
            currency=currency,
            product_id=product_id,
            titles=dict(titles or {}),
            month=Money(int(month_count), int(month_amount)),
            all_time=Money(int(count), int(amount)),
        )
        for currency, product_id, titles, month_count, month_amount, count, amount in revenue_rows
    ]
    revenue.sort(key=lambda line: (line.currency, -line.all_time.amount, line.product_id))
    refunded_in_month = Payment.refunded_at >= month_since
    refund_rows = await session.execute(
        select(
            Payment.currency,
            _count_where(refunded_in_month),
            func.coalesce(func.sum(Payment.amount).filter(refunded_in_month), 0),
            func.count(),
            func.sum(Payment.amount),
        )
        .where(Payment.refunded.is_(True))
        .group_by(Payment.currency)
        .order_by(Payment.currency)
    )
    refunds = [
        Refunds(
            currency=currency,
            month=Money(int(month_count), int(month_amount)),
            all_time=Money(int(count), int(amount)),
        )
        for currency, month_count, month_amount, count, amount in refund_rows
    ]
    return revenue, refunds


async def _conversion(session: AsyncSession) -> Conversion:
    # DISTINCT in a subquery rather than count(DISTINCT): PostgreSQL then walks the
    # (user_id, status) index in order instead of sorting every session's user.
    starters = select(InterviewSession.user_id).distinct().subquery()
    started_interview = exists().where(InterviewSession.user_id == Payment.user_id)
    row = (
        await session.execute(
            select(
                select(func.count()).select_from(starters).scalar_subquery(),
                select(func.count(distinct(Payment.user_id)))
                .where(started_interview)
                .scalar_subquery(),
            )
        )
    ).one()
    return Conversion(users_who_started=int(row[0]), users_who_paid=int(row[1]))


async def _marketplace(session: AsyncSession, now: datetime) -> MarketplaceFigures:
    month_since = now - MONTH
    chats = (
        await session.execute(
            select(
                func.count(),
                _count_where(BuyerChat.created_at >= month_since),
                _count_where(open_chat(now)),  # as /chats and /sellers count them
            )
        )
    ).one()
    rates = (await sla_hit_rates(session, month_since, now=now)).values()
    return MarketplaceFigures(
        buyer_chats=chats[0],
        new_buyer_chats=chats[1],
        open_buyer_chats=chats[2],
        sla_in_time=sum(rate.in_time for rate in rates),
        sla_late=sum(rate.late for rate in rates),
    )


def _utc_day(column: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column, as the database computes it."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    # SQLite keeps UTC moments as "YYYY-MM-DD HH:MM:SS…" text.
    return cast(func.date(column), String)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


async def _daily_counts(session: AsyncSession, now: datetime) -> DailyCounts:
    today = now.date()
    first_day = today - timedelta(days=CHART_DAYS - 1)
    chart_since = datetime.combine(first_day, time(), tzinfo=UTC)
    days = [first_day + timedelta(days=index) for index in range(CHART_DAYS)]
    dialect = session.get_bind().dialect.name
    interview = InterviewSession.mode != Mode.PRACTICE.value

    async def per_day(column: Any, *conditions: ColumnElement[bool]) -> list[int]:
        day = _utc_day(column, dialect).label("day")
        rows = await session.execute(
            select(day, func.count()).where(column >= chart_since, *conditions).group_by(day)
        )
        counts = {_as_date(value): count for value, count in rows}
        return [counts.get(day, 0) for day in days]

    return DailyCounts(
        days=days,
        new_users=await per_day(User.created_at),
        interviews_started=await per_day(InterviewSession.started_at, interview),
        interviews_completed=await per_day(
            InterviewSession.finished_at,
            interview,
            InterviewSession.status == Status.FINISHED.value,
        ),
    )


# --- The chart ----------------------------------------------------------------------------------


def tick_label(day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}"


def render_chart(daily: DailyCounts, labels: ChartLabels) -> bytes:
    """A PNG of about 900x500 px: new users as bars, interviews started and completed as lines,
    one point per day."""
    from matplotlib.ticker import MaxNLocator

    positions = list(range(len(daily.days)))
    figure = new_figure()
    axes = figure.add_subplot()
    axes.bar(positions, daily.new_users, width=0.7, color=NEW_USERS_COLOR, label=labels.new_users)
    axes.plot(
        positions, daily.interviews_started, color=LINE_COLOR, linewidth=2, marker="o",
        markersize=3.5, label=labels.started,
    )  # fmt: skip
    axes.plot(
        positions, daily.interviews_completed, color=GOOD_COLOR, linewidth=2, marker="o",
        markersize=3.5, label=labels.completed,
    )  # fmt: skip
    highest = max([*daily.new_users, *daily.interviews_started, *daily.interviews_completed, 1])
    axes.set_xlim(-0.6, max(len(positions), 1) - 0.4)
    axes.set_ylim(0, highest * 1.1)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    thinned_ticks(axes, positions, [tick_label(day) for day in daily.days], MAX_TICK_LABELS)
    figure.legend(loc="lower center", ncols=3, frameon=False, fontsize=9)
    return finish_chart_png(figure, axes, title=labels.title, legend_band=LEGEND_BAND)
