"""SLA deadlines for buyer chats, the Chatwoot/Zendesk model, as pure time arithmetic.

A seller's policy has a first-response target (the buyer's first wait in a chat) and a
next-response target (every wait after the seller has written), optionally counted in business
hours; a warning falls at a share of the target (75 % by default). The marketplace's own hard
window (Ozon: 48 h of wall-clock time) is the ceiling whatever the policy says.

Rules kept here:
- every datetime in and out is timezone-aware UTC; a naive one is a ValueError, an aware one in
  another zone is converted;
- a working day is the local interval [date + opens, date + closes) in the seller's zone, turned
  into UTC day by day, so a DST change moves the UTC times (a local time that does not exist or
  is ambiguous is read as zoneinfo reads fold=0);
- a deadline is never further than the marketplace's window (or `LONGEST_WAIT`) from its start,
  and the walk through working days stops there; a bare `add` stops after `MAX_DAYS` days with
  a ValueError instead of looping forever;
- no clock of its own: "now" is always a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
# About ten years: no real target needs longer, and a schedule with no reachable working day
# (e.g. holidays covering everything) must end somewhere.
MAX_DAYS = 3700
# No deadline lies further than this (wall clock) from the buyer's message where the marketplace
# sets no window: sparse working hours with a long target would otherwise put it months away.
LONGEST_WAIT = timedelta(days=30)
DEFAULT_WARN_SHARE = 0.75


class Metric(StrEnum):
    FIRST = "first"
    NEXT = "next"


def _utc(at: datetime, name: str = "datetime") -> datetime:
    """`at` in UTC; a naive datetime has no single meaning, so it is refused."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return at.astimezone(UTC)


@dataclass(frozen=True)
class BusinessHours:
    timezone: ZoneInfo
    days: frozenset[int]
    opens: int
    closes: int
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.timezone, ZoneInfo):
            raise ValueError("timezone must be a ZoneInfo")
        # Sets are accepted for convenience, but stored frozen so the hours stay hashable.
        object.__setattr__(self, "days", frozenset(self.days))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if not self.days:
            raise ValueError("days must not be empty")
        if any(not isinstance(day, int) or not 1 <= day <= 7 for day in self.days):
            raise ValueError("days must be ISO weekdays 1..7")
        if not isinstance(self.opens, int) or not 0 <= self.opens < MINUTES_PER_DAY:
            raise ValueError("opens must be minutes 0..1439")
        if not isinstance(self.closes, int) or not self.opens < self.closes <= MINUTES_PER_DAY:
            raise ValueError("closes must be after opens and at most 1440")
        if any(not isinstance(day, date) for day in self.holidays):
            raise ValueError("holidays must be dates")

    def is_open(self, at: datetime) -> bool:
        at = _utc(at, "at")
        local_day = at.astimezone(self.timezone).date()
        # Neighbouring days too: a DST shift can move a period's UTC edges across local midnight.
        for offset in (-1, 0, 1):
            period = self._period(local_day + timedelta(days=offset))
            if period is not None and period[0] <= at < period[1]:
                return True
        return False

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time has passed since `start`; counting begins at the
        next opening when `start` is outside hours. A zero duration gives `start` when open,
        else the next opening."""
        end = self.add_within(start, duration, until=None)
        assert end is not None  # without `until`, only MAX_DAYS ends the walk (ValueError)
        return end

    def add_within(
        self, start: datetime, duration: timedelta, until: datetime | None
    ) -> datetime | None:
        """`add`, or None when the moment would come after `until` (the walk stops there)."""
        start = _utc(start, "start")
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        remaining = duration
        for opens_at, closes_at in self._periods_from(self._local_date(start)):
            if until is not None and opens_at > until:
                return None
            if closes_at <= start:
                continue
            begin = max(opens_at, start)
            available = closes_at - begin
            # `<=` with a positive remainder lands on the closing moment rather than the next
            # opening: the time is used up at the end of the day, not the next morning.
            if remaining == timedelta(0) or remaining <= available:
                end = begin + remaining
                return None if until is not None and end > until else end
            remaining -= available
        raise AssertionError("unreachable: _periods_from raises when it runs out")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time inside [start, end); zero when `end` is not after `start`."""
        start = _utc(start, "start")
        end = _utc(end, "end")
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        for opens_at, closes_at in self._periods_from(self._local_date(start)):
            if opens_at >= end:
                break
            overlap = min(closes_at, end) - max(opens_at, start)
            if overlap > timedelta(0):
                total += overlap
        return total

    def _local_date(self, at: datetime) -> date:
        # One day early, so a period that began the local day before is never missed.
        return at.astimezone(self.timezone).date() - timedelta(days=1)

    def _periods_from(self, first_day: date) -> Iterator[tuple[datetime, datetime]]:
        """Working periods in UTC, day by day from `first_day`; ValueError after MAX_DAYS."""
        for offset in range(MAX_DAYS):
            period = self._period(first_day + timedelta(days=offset))
            if period is not None:
                yield period
        raise ValueError(f"no end within {MAX_DAYS} days of business hours")

    def _period(self, day: date) -> tuple[datetime, datetime] | None:
        if day.isoweekday() not in self.days or day in self.holidays:
            return None
        opens_at = self._local_moment(day, self.opens)
        closes_at = self._local_moment(day, self.closes)
        # Inside a spring-forward gap, fold=0 can put the closing before the opening: no work.
        if closes_at <= opens_at:
            return None
        return opens_at, closes_at

    def _local_moment(self, day: date, minutes: int) -> datetime:
        # Wall-clock arithmetic on a naive value, then the zone (fold=0), then UTC.
        wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
        return wall.replace(tzinfo=self.timezone).astimezone(UTC)


@dataclass(frozen=True)
class SlaPolicy:
    first_response: timedelta
    next_response: timedelta
    warn_share: float = DEFAULT_WARN_SHARE
    hours: BusinessHours | None = None

    def __post_init__(self) -> None:
        if self.first_response <= timedelta(0) or self.next_response <= timedelta(0):
            raise ValueError("response targets must be positive")
        if not 0 < self.warn_share < 1:
            raise ValueError("warn_share must be between 0 and 1")

    def target(self, metric: Metric) -> timedelta:
        return self.first_response if metric is Metric.FIRST else self.next_response


@dataclass(frozen=True)
class Deadline:
    warn_at: datetime
    due_at: datetime
    capped: bool  # by the marketplace's window (or LONGEST_WAIT), not the policy


def deadline(
    policy: SlaPolicy, metric: Metric, started_at: datetime, hard_window: timedelta | None
) -> Deadline:
    """When a wait that began at `started_at` warns and falls due. The hard window is wall-clock
    time: the marketplace does not care about the seller's office hours."""
    started_at = _utc(started_at, "started_at")
    if hard_window is not None and hard_window <= timedelta(0):
        raise ValueError("hard_window must be positive")
    target = policy.target(metric)
    warn_after = target * policy.warn_share
    window = hard_window if hard_window is not None else LONGEST_WAIT
    ceiling = started_at + window
    due_at: datetime | None
    warn_at: datetime | None
    if policy.hours is None:
        due_at = started_at + target
        warn_at = started_at + warn_after
    else:  # the walk through working days stops at the ceiling
        due_at = policy.hours.add_within(started_at, target, until=ceiling)
        warn_at = policy.hours.add_within(started_at, warn_after, until=ceiling)
    if due_at is None or due_at > ceiling:
        hard_warn = started_at + window * policy.warn_share
        return Deadline(
            warn_at=hard_warn if warn_at is None else min(warn_at, hard_warn),
            due_at=ceiling,
            capped=True,
        )
    assert warn_at is not None  # it comes before the due time
    return Deadline(warn_at=warn_at, due_at=due_at, capped=False)


class EventKind(StrEnum):
    BUYER = "buyer"
    ANSWER = "answer"
    CLOSE = "close"  # the team closed the chat: the wait ends unanswered, nobody is late


@dataclass(frozen=True)
class ChatEvent:
    at: datetime
    kind: EventKind
    message: int | None = None
    member: int | None = None


@dataclass(frozen=True)
class Wait:
    metric: Metric
    message: int
    started_at: datetime
    deadline: Deadline
    answered_at: datetime | None
    answered_by: int | None
    closed_at: datetime | None = None  # ended by closing the chat, unanswered

    @property
    def settled(self) -> bool:
        return self.answered_at is not None or self.closed_at is not None


@dataclass(frozen=True)
class _OpenWait:
    metric: Metric
    message: int
    started_at: datetime
    deadline: Deadline

    def closed(
        self,
        answered_at: datetime | None,
        answered_by: int | None,
        closed_at: datetime | None = None,
    ) -> Wait:
        return Wait(
            metric=self.metric,
            message=self.message,
            started_at=self.started_at,
            deadline=self.deadline,
            answered_at=answered_at,
            answered_by=answered_by,
            closed_at=closed_at,
        )


# At one instant the buyer's message goes first, so an answer or a close stamped alike ends
# the wait it started.
_ORDER_AT_AN_INSTANT = {EventKind.BUYER: 0, EventKind.ANSWER: 1, EventKind.CLOSE: 2}


def _replay_order(event: ChatEvent) -> tuple[datetime, int]:
    return _utc(event.at, "event.at"), _ORDER_AT_AN_INSTANT[event.kind]


def chat_waits(
    events: Iterable[ChatEvent],
    policy: SlaPolicy,
    hard_window: timedelta | None,
    answered_before: bool = False,
) -> list[Wait]:
    """Every wait of one chat, oldest first. A wait opens at the buyer message that finds no wait
    open (FIRST if nobody has answered in this chat yet, else NEXT) and ends at the next answer
    or close; further buyer messages meanwhile keep the first deadline. The last wait may be
    open. `answered_before`: the events continue a history in which the chat was answered."""
    waits: list[Wait] = []
    open_wait: _OpenWait | None = None
    for event in sorted(events, key=_replay_order):
        at = _utc(event.at, "event.at")
        if event.kind is EventKind.BUYER:
            if event.message is None:
                raise ValueError("a buyer event needs its message id")
            if open_wait is None:
                metric = Metric.NEXT if answered_before else Metric.FIRST
                open_wait = _OpenWait(
                    metric=metric,
                    message=event.message,
                    started_at=at,
                    deadline=deadline(policy, metric, at, hard_window),
                )
        elif event.kind is EventKind.ANSWER:
            answered_before = True
            if open_wait is not None:
                waits.append(open_wait.closed(at, event.member))
                open_wait = None
        elif open_wait is not None:  # closed
            waits.append(open_wait.closed(None, None, closed_at=at))
            open_wait = None
    if open_wait is not None:
        waits.append(open_wait.closed(None, None))
    return waits


class WaitState(StrEnum):
    ANSWERED_IN_TIME = "in-time"
    ANSWERED_LATE = "late"
    RUNNING = "running"
    WARNED = "warned"
    BREACHED = "breached"


def wait_state(deadline: Deadline, answered_at: datetime | None, now: datetime) -> WaitState:
    now = _utc(now, "now")
    if answered_at is not None:
        answered_at = _utc(answered_at, "answered_at")
        if answered_at <= deadline.due_at:
            return WaitState.ANSWERED_IN_TIME
        return WaitState.ANSWERED_LATE
    if now >= deadline.due_at:
        return WaitState.BREACHED
    if now >= deadline.warn_at:
        return WaitState.WARNED
    return WaitState.RUNNING
