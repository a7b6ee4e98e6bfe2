"""The desk's SLA report: how quickly a seller's team answered buyers over a period, and a chart.

Pure functions over plain values: the handler loads the waits of the seller's buyer chats (a
wait starts at a buyer message and ends with the answer to it) and hands them in as
`WaitRecord`s; "now" is always a parameter, nothing here reads a clock or a database.

Rules:

* A wait answered at its due time or earlier is in time, later is late (a breach).
* An unanswered wait is late once its due time has passed (strictly before now, and before the
  chat was closed when it was), closed when the chat was closed by its due time (no answer is
  expected any more), otherwise pending.
* The report counts the waits that started in [since, until): a wait belongs to the period
  and to the chart bar in which the buyer started waiting, whatever happened afterwards.
* The share answered in time is in time / (in time + late): pending and closed waits have no
  verdict yet, or never will, so they count for neither side.
* The first-response median and 90th percentile are over the answered first waits (in time or
  late), wall clock from the buyer's message to the answer, interpolated between the closest
  ranks like PostgreSQL's percentile_cont, in whole microseconds.
* Breaches by marketplace name every marketplace among the records handed in (even those
  outside the period), so a quiet marketplace shows 0; breaches by member name only those with
  some, most first (ties: by id, the unattributed last). None stands for a breach nobody in
  Telegram answered: unanswered past due, or answered on the marketplace's site.
* The chart has a bar per hour when the period is a day or shorter, else per local day in the
  report's timezone; bars cover the whole period, empty ones included.

The chart draws on its own `Figure` with the Agg canvas (never pyplot's global state), so
`render_chart` is safe to run in a worker thread.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from services.charts import (
    GOOD_COLOR,
    LEGEND_BAND,
    LINE_COLOR,
    POOR_COLOR,
    finish_chart_png,
    new_figure,
    thinned_ticks,
)
from services.marketplace.sla_time import Metric

HOURLY_UP_TO = timedelta(days=1)
HOUR = timedelta(hours=1)

MAX_TICK_LABELS = 12


class Outcome(StrEnum):
    IN_TIME = "in-time"
    LATE = "late"
    PENDING = "pending"
    CLOSED = "closed"


@dataclass(frozen=True)
class WaitRecord:
    """A buyer waiting for an answer: since `started_at`, due by `due_at`."""

    marketplace: str  # a `Marketplace` value ("ozon", "wb"); any name is counted as given
    metric: str  # "first" (the chat's first answer) | "next"
    started_at: datetime  # aware
    due_at: datetime
    answered_at: datetime | None
    # The Telegram id of the member who answered; None: answered on the site, or not answered.
    answered_by: int | None
    closed_at: datetime | None = None  # the chat was closed then: no answer expected afterwards


@dataclass(frozen=True)
class Bucket:
    """One bar of the chart: the waits that started in the hour or day from `start`."""

    start: datetime  # aware, in the report's timezone
    in_time: int
    late: int

    @property
    def share_in_time(self) -> float | None:
        judged = self.in_time + self.late
        return self.in_time / judged if judged else None


@dataclass(frozen=True)
class SlaReport:
    since: datetime
    until: datetime
    waits: int  # started in [since, until)
    in_time: int
    late: int  # breaches
    pending: int
    share_in_time: float | None  # in_time / (in_time + late); None when both are 0
    first_response_median: timedelta | None
    first_response_p90: timedelta | None
    late_by_marketplace: dict[str, int]  # every marketplace seen, 0 included; by name
    late_by_member: dict[int | None, int]  # only members with breaches; most first
    buckets: list[Bucket]  # hourly for a day or less, else daily (local days)

    @property
    def hourly(self) -> bool:
        return self.until - self.since <= HOURLY_UP_TO


@dataclass(frozen=True)
class ChartLabels:
    title: str
    in_time: str
    late: str
    share: str  # the axis label of the share line, e.g. "answered in time, %"


def outcome(record: WaitRecord, now: datetime) -> Outcome:
    """The wait's verdict as of `now` (see the module's rules)."""
    if record.answered_at is not None:
        return Outcome.IN_TIME if record.answered_at <= record.due_at else Outcome.LATE
    closed_at = record.closed_at
    if closed_at is not None and closed_at <= now:
        return Outcome.LATE if record.due_at < closed_at else Outcome.CLOSED
    return Outcome.LATE if record.due_at < now else Outcome.PENDING


# --- The figures --------------------------------------------------------------------------------


def percentile_cont(ordered: Sequence[timedelta], tenths: int) -> timedelta | None:
    """The `tenths`/10 percentile of ascending values, interpolated between the closest ranks
    (PostgreSQL's percentile_cont); exact integer arithmetic, rounded to the microsecond."""
    if not ordered:
        return None
    lower_rank, remainder = divmod(tenths * (len(ordered) - 1), 10)
    lower = ordered[lower_rank]
    if remainder == 0:
        return lower
    # One division of an exact sum (in tenths of the value): a single rounding, half to even.
    return (lower * 10 + (ordered[lower_rank + 1] - lower) * remainder) / 10


def _require_aware(**moments: datetime) -> None:
    for name, moment in moments.items():
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware")


class _Bars:
    """Which bar a wait belongs to: one per local hour or local day, from the one holding
    `since` to the one holding the last moment before `until`."""

    def __init__(self, since: datetime, until: datetime, timezone: ZoneInfo) -> None:
        self.timezone = timezone
        self.hourly = until - since <= HOURLY_UP_TO
        local_since = since.astimezone(timezone)
        if self.hourly:
            # Hours are counted on the UTC line from the local hour holding `since`, so a DST
            # change neither skips nor doubles a bar.
            self.first_hour = local_since.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
            self.count = max(0, math.ceil((until - self.first_hour) / HOUR))
        else:
            self.first_day = local_since.date()
            last_day = (until - timedelta(microseconds=1)).astimezone(timezone).date()
            self.count = max(0, (last_day - self.first_day).days + 1)
        if until <= since:
            self.count = 0

    def index(self, started_at: datetime) -> int:
        if self.hourly:
            return (started_at - self.first_hour) // HOUR
        return (started_at.astimezone(self.timezone).date() - self.first_day).days

    def start(self, index: int) -> datetime:
        if self.hourly:
            return (self.first_hour + index * HOUR).astimezone(self.timezone)
        day = self.first_day + timedelta(days=index)
        return _local_midnight(day, self.timezone)


def _local_midnight(day: date, timezone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone)


def period_start(days: int, now: datetime, timezone: ZoneInfo) -> datetime:
    """Where a report of the last `days` days starts; 0 days: today, from the local midnight."""
    if days:
        return now - timedelta(days=days)
    return _local_midnight(now.astimezone(timezone).date(), timezone).astimezone(now.tzinfo)


def _member_order(item: tuple[int | None, int]) -> tuple[int, bool, int]:
    member, count = item
    return (-count, member is None, member or 0)


def build_report(
    records: Iterable[WaitRecord],
    *,
    since: datetime,
    until: datetime,
    now: datetime,
    timezone: ZoneInfo,
) -> SlaReport:
    """The figures of the waits that started in [since, until), as of `now`."""
    _require_aware(since=since, until=until, now=now)
    if until < since:
        raise ValueError("the period ends before it starts")
    bars = _Bars(since, until, timezone)
    bar_in_time = [0] * bars.count
    bar_late = [0] * bars.count
    counts: Counter[Outcome] = Counter()
    late_by_marketplace: dict[str, int] = {}
    late_by_member: Counter[int | None] = Counter()
    first_responses: list[timedelta] = []
    for record in records:
        marketplace_late = late_by_marketplace.setdefault(record.marketplace, 0)
        started_at = record.started_at
        if not since <= started_at < until:
            continue
        verdict = outcome(record, now)
        counts[verdict] += 1
        if verdict is Outcome.IN_TIME:
            bar_in_time[bars.index(started_at)] += 1
        elif verdict is Outcome.LATE:
            bar_late[bars.index(started_at)] += 1
            late_by_marketplace[record.marketplace] = marketplace_late + 1
            late_by_member[record.answered_by] += 1
        if record.answered_at is not None and record.metric == Metric.FIRST.value:
            first_responses.append(record.answered_at - started_at)
    first_responses.sort()
    in_time, late = counts[Outcome.IN_TIME], counts[Outcome.LATE]
    return SlaReport(
        since=since,
        until=until,
        waits=counts.total(),
        in_time=in_time,
        late=late,
        pending=counts[Outcome.PENDING],
        share_in_time=in_time / (in_time + late) if in_time + late else None,
        first_response_median=percentile_cont(first_responses, 5),
        first_response_p90=percentile_cont(first_responses, 9),
        late_by_marketplace=dict(sorted(late_by_marketplace.items())),
        late_by_member=dict(sorted(late_by_member.items(), key=_member_order)),
        buckets=[
            Bucket(start=bars.start(index), in_time=bar_in_time[index], late=bar_late[index])
            for index in range(bars.count)
        ],
    )


# --- The chart ----------------------------------------------------------------------------------


def tick_label(start: datetime, *, hourly: bool) -> str:
    return f"{start.hour:02d}:00" if hourly else f"{start.day:02d}.{start.month:02d}"


def render_chart(report: SlaReport, labels: ChartLabels) -> bytes:
    """A PNG of about 900x500 px: stacked bars per bucket (in time green, late red) and the
    share answered in time as a line on a second 0-100 % axis (a gap where a bar is empty)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    buckets = report.buckets
    positions = list(range(len(buckets)))
    in_time = [bucket.in_time for bucket in buckets]
    late = [bucket.late for bucket in buckets]
    shares = [
        math.nan if bucket.share_in_time is None else bucket.share_in_time * 100
        for bucket in buckets
    ]

    figure = new_figure()
    axes = figure.add_subplot()
    axes.bar(positions, in_time, width=0.7, color=GOOD_COLOR)
    axes.bar(positions, late, width=0.7, bottom=in_time, color=POOR_COLOR)
    axes.set_xlim(-0.6, max(len(buckets), 1) - 0.4)
    axes.set_ylim(0, max([a + b for a, b in zip(in_time, late, strict=True)] + [1]) * 1.1)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))

    ticks = [tick_label(bucket.start, hourly=report.hourly) for bucket in buckets]
    thinned_ticks(axes, positions, ticks, MAX_TICK_LABELS)

    share_axes = axes.twinx()
    share_axes.plot(
        positions, shares, color=LINE_COLOR, linewidth=2, marker="o", markersize=3.5, zorder=3
    )
    share_axes.set_ylim(0, 105)
    share_axes.set_yticks(range(0, 101, 20))
    share_axes.set_ylabel(labels.share, fontsize=9)
    share_axes.spines["top"].set_visible(False)

    figure.legend(
        handles=[
            Patch(color=GOOD_COLOR, label=labels.in_time),
            Patch(color=POOR_COLOR, label=labels.late),
            Line2D([], [], color=LINE_COLOR, linewidth=2, label=labels.share),
        ],
        loc="lower center",
        ncols=3,
        frameon=False,
        fontsize=9,
    )
    # The right spine carries the share axis.
    return finish_chart_png(
        figure, axes, title=labels.title, hidden_spines=("top",), legend_band=LEGEND_BAND
    )
