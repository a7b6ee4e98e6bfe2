"""SLA deadline arithmetic: business hours across nights, weekends, holidays and DST changes; the
waits of a chat replayed from its events; the marketplace's hard window as the ceiling."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.marketplace.sla_time import (
    LONGEST_WAIT,
    BusinessHours,
    ChatEvent,
    Deadline,
    EventKind,
    Metric,
    SlaPolicy,
    WaitState,
    chat_waits,
    deadline,
    wait_state,
)

MOSCOW = ZoneInfo("Europe/Moscow")  # UTC+3 all year
BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = frozenset({1, 2, 3, 4, 5})
EVERY_DAY = frozenset(range(1, 8))
OZON_WINDOW = timedelta(hours=48)
# 2026-03-23 is a Monday.
MONDAY = date(2026, 3, 23)


def msk(day: date, hour: int, minute: int = 0) -> datetime:
    """A Moscow wall-clock time as the UTC datetime the module works with."""
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=MOSCOW)
    return local.astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def office(holidays: frozenset[date] = frozenset()) -> BusinessHours:
    """09:00-18:00 Moscow time, Monday to Friday."""
    return BusinessHours(
        timezone=MOSCOW, days=WEEKDAYS, opens=9 * 60, closes=18 * 60, holidays=holidays
    )


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


# --- business hours -------------------------------------------------------------------------


def test_an_hour_started_late_in_the_day_ends_the_next_morning() -> None:
    assert office().add(msk(day(0), 17, 30), timedelta(hours=1)) == msk(day(1), 9, 30)


def test_friday_evening_runs_on_into_monday() -> None:
    friday = day(4)
    assert office().add(msk(friday, 17, 30), timedelta(hours=1)) == msk(day(7), 9, 30)


def test_a_holiday_is_skipped() -> None:
    wednesday, thursday, friday = day(2), day(3), day(4)
    hours = office(holidays=frozenset({thursday}))
    assert hours.add(msk(wednesday, 17, 30), timedelta(hours=1)) == msk(friday, 9, 30)
    assert not hours.is_open(msk(thursday, 12))


def test_counting_starts_at_the_opening_when_started_before_it() -> None:
    assert office().add(msk(day(0), 7), timedelta(hours=1)) == msk(day(0), 10)


def test_a_start_exactly_at_closing_counts_from_the_next_opening() -> None:
    hours = office()
    assert not hours.is_open(msk(day(1), 18))
    assert hours.add(msk(day(1), 18), timedelta(hours=1)) == msk(day(2), 10)


def test_time_used_up_exactly_at_closing_ends_at_closing() -> None:
    assert office().add(msk(day(0), 17), timedelta(hours=1)) == msk(day(0), 18)


def test_zero_duration_is_the_start_when_open_else_the_next_opening() -> None:
    hours = office()
    assert hours.add(msk(day(0), 12), timedelta(0)) == msk(day(0), 12)
    assert hours.add(msk(day(5), 12), timedelta(0)) == msk(day(7), 9)
    # The closing moment itself is outside hours.
    assert hours.add(msk(day(1), 18), timedelta(0)) == msk(day(2), 9)


def test_is_open_from_opening_up_to_but_not_at_closing() -> None:
    hours = office()
    assert hours.is_open(msk(day(0), 9))
    assert hours.is_open(msk(day(0), 17, 59))
    assert not hours.is_open(msk(day(0), 8, 59))
    assert not hours.is_open(msk(day(5), 12))  # Saturday


def test_between_sums_the_working_time_of_each_day() -> None:
    hours = office()
    # Monday 17:00 to Wednesday 10:00: 1 h + 9 h + 1 h.
    assert hours.between(msk(day(0), 17), msk(day(2), 10)) == timedelta(hours=11)
    # Friday 17:00 to Monday 10:00: the weekend counts for nothing.
    assert hours.between(msk(day(4), 17), msk(day(7), 10)) == timedelta(hours=2)
    assert hours.between(msk(day(2), 10), msk(day(0), 17)) == timedelta(0)


def test_between_undoes_add() -> None:
    hours = office()
    start = msk(day(3), 16, 15)
    duration = timedelta(hours=13, minutes=20)
    assert hours.between(start, hours.add(start, duration)) == duration


def test_spring_forward_moves_the_next_morning_an_hour_earlier_in_utc() -> None:
    hours = BusinessHours(timezone=BERLIN, days=EVERY_DAY, opens=8 * 60, closes=20 * 60)
    # Saturday 2026-03-28 19:00 CET = 18:00 UTC: 1 h left that day; Sunday opens 08:00 CEST.
    start = datetime(2026, 3, 28, 19, tzinfo=BERLIN).astimezone(UTC)
    assert start == utc(2026, 3, 28, 18)
    assert hours.add(start, timedelta(hours=2)) == utc(2026, 3, 29, 7)


def test_fall_back_moves_the_next_morning_an_hour_later_in_utc() -> None:
    hours = BusinessHours(timezone=BERLIN, days=EVERY_DAY, opens=8 * 60, closes=20 * 60)
    # Saturday 2026-10-24 19:00 CEST = 17:00 UTC; Sunday opens 08:00 CET = 07:00 UTC.
    start = datetime(2026, 10, 24, 19, tzinfo=BERLIN).astimezone(UTC)
    assert start == utc(2026, 10, 24, 17)
    assert hours.add(start, timedelta(hours=2)) == utc(2026, 10, 25, 8)


def test_a_whole_day_is_23_hours_in_spring_and_25_in_autumn() -> None:
    hours = BusinessHours(timezone=BERLIN, days=EVERY_DAY, opens=0, closes=24 * 60)
    spring = hours.between(utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))
    autumn = hours.between(utc(2026, 10, 24, 22), utc(2026, 10, 25, 23))
    assert (spring, autumn) == (timedelta(hours=23), timedelta(hours=25))
    # Open around the clock: adding is plain wall-clock addition across the change.
    assert hours.add(utc(2026, 3, 28, 12), timedelta(hours=30)) == utc(2026, 3, 29, 18)


# --- deadlines ------------------------------------------------------------------------------


def test_around_the_clock_deadline_is_plain_addition() -> None:
    policy = SlaPolicy(first_response=timedelta(hours=2), next_response=timedelta(hours=4))
    started = utc(2026, 3, 23, 10)
    assert deadline(policy, Metric.FIRST, started, OZON_WINDOW) == Deadline(
        warn_at=utc(2026, 3, 23, 11, 30), due_at=utc(2026, 3, 23, 12), capped=False
    )
    assert deadline(policy, Metric.NEXT, started, None) == Deadline(
        warn_at=utc(2026, 3, 23, 13), due_at=utc(2026, 3, 23, 14), capped=False
    )


def test_business_hours_deadline_counts_the_warning_in_working_time_too() -> None:
    policy = SlaPolicy(
        first_response=timedelta(hours=2), next_response=timedelta(hours=2), hours=office()
    )
    # Monday 17:00: 1 h that day, 1 h on Tuesday; the warning at 1.5 h is Tuesday 09:30.
    assert deadline(policy, Metric.FIRST, msk(day(0), 17), None) == Deadline(
        warn_at=msk(day(1), 9, 30), due_at=msk(day(1), 10), capped=False
    )


def test_the_hard_window_caps_a_long_target_and_pulls_the_warning_with_it() -> None:
    policy = SlaPolicy(first_response=timedelta(hours=72), next_response=timedelta(hours=72))
    started = utc(2026, 3, 23, 10)
    assert deadline(policy, Metric.FIRST, started, OZON_WINDOW) == Deadline(
        warn_at=utc(2026, 3, 24, 22), due_at=utc(2026, 3, 25, 10), capped=True
    )
    assert deadline(policy, Metric.FIRST, started, None) == Deadline(
        warn_at=utc(2026, 3, 25, 16), due_at=utc(2026, 3, 26, 10), capped=False
    )


def test_the_hard_window_is_wall_clock_and_keeps_an_earlier_business_warning() -> None:
    policy = SlaPolicy(
        first_response=timedelta(hours=20), next_response=timedelta(hours=20), hours=office()
    )
    # Monday 09:00 + 20 working hours = Wednesday 11:00, past Ozon's 48 h (Wednesday 09:00).
    # The warning at 15 working hours (Tuesday 15:00) comes before 36 h (Tuesday 21:00).
    assert deadline(policy, Metric.FIRST, msk(day(0), 9), OZON_WINDOW) == Deadline(
        warn_at=msk(day(1), 15), due_at=msk(day(2), 9), capped=True
    )


def test_a_target_exactly_at_the_hard_window_is_not_capped() -> None:
    policy = SlaPolicy(first_response=OZON_WINDOW, next_response=OZON_WINDOW)
    result = deadline(policy, Metric.FIRST, utc(2026, 3, 23, 10), OZON_WINDOW)
    assert (result.due_at, result.capped) == (utc(2026, 3, 25, 10), False)


# --- waits in a chat ------------------------------------------------------------------------

POLICY = SlaPolicy(first_response=timedelta(hours=1), next_response=timedelta(hours=4))
T0 = utc(2026, 3, 23, 10)


def buyer(minutes: int, message: int) -> ChatEvent:
    return ChatEvent(at=T0 + timedelta(minutes=minutes), kind=EventKind.BUYER, message=message)


def answer(minutes: int, member: int | None = 7) -> ChatEvent:
    return ChatEvent(at=T0 + timedelta(minutes=minutes), kind=EventKind.ANSWER, member=member)


def test_a_reply_inside_the_window_is_in_time() -> None:
    [wait] = chat_waits([buyer(0, 101), answer(30)], POLICY, OZON_WINDOW)
    assert (wait.metric, wait.message, wait.started_at) == (Metric.FIRST, 101, T0)
    assert wait.deadline == Deadline(
        warn_at=T0 + timedelta(minutes=45), due_at=T0 + timedelta(hours=1), capped=False
    )
    assert (wait.answered_at, wait.answered_by) == (T0 + timedelta(minutes=30), 7)
    later = T0 + timedelta(days=3)
    assert wait_state(wait.deadline, wait.answered_at, later) is WaitState.ANSWERED_IN_TIME


def test_a_reply_after_the_window_is_late() -> None:
    [wait] = chat_waits([buyer(0, 101), answer(61, member=None)], POLICY, OZON_WINDOW)
    assert (wait.answered_at, wait.answered_by) == (T0 + timedelta(minutes=61), None)
    assert wait_state(wait.deadline, wait.answered_at, T0) is WaitState.ANSWERED_LATE


def test_a_buyer_writing_again_keeps_the_first_wait_and_its_deadline() -> None:
    waits = chat_waits([buyer(0, 101), buyer(20, 102), answer(90)], POLICY, None)
    assert len(waits) == 1
    assert (waits[0].metric, waits[0].message) == (Metric.FIRST, 101)
    assert waits[0].deadline.due_at == T0 + timedelta(hours=1)


def test_a_new_buyer_message_after_a_reply_starts_a_next_wait() -> None:
    events = [buyer(0, 101), answer(30), buyer(120, 103), answer(200, member=8)]
    first, following = chat_waits(events, POLICY, None)
    assert (first.metric, first.message) == (Metric.FIRST, 101)
    assert (following.metric, following.message) == (Metric.NEXT, 103)
    assert following.started_at == T0 + timedelta(minutes=120)
    assert following.deadline.due_at == T0 + timedelta(minutes=120 + 240)
    assert (following.answered_at, following.answered_by) == (T0 + timedelta(minutes=200), 8)


def test_a_seller_who_wrote_first_makes_the_buyers_message_a_next_wait() -> None:
    [wait] = chat_waits([answer(0), buyer(10, 104)], POLICY, None)
    assert (wait.metric, wait.message, wait.answered_at) == (Metric.NEXT, 104, None)
    assert wait.deadline.due_at == T0 + timedelta(minutes=10 + 240)


def test_events_are_replayed_in_time_order_buyer_first_at_one_instant() -> None:
    # Given out of order, and the answer stamped at the very instant of the message.
    [wait] = chat_waits([answer(5), buyer(5, 105), buyer(3, 106)], POLICY, None)
    assert (wait.message, wait.started_at) == (106, T0 + timedelta(minutes=3))
    assert wait.answered_at == T0 + timedelta(minutes=5)
    [same_instant] = chat_waits([answer(5), buyer(5, 105)], POLICY, None)
    assert (same_instant.metric, same_instant.answered_at) == (
        Metric.FIRST,
        T0 + timedelta(minutes=5),
    )


def test_an_open_wait_runs_then_warns_then_breaches() -> None:
    [wait] = chat_waits([buyer(0, 101)], POLICY, None)
    assert wait.answered_at is None
    states = [
        wait_state(wait.deadline, None, T0 + timedelta(minutes=minutes))
        for minutes in (44, 45, 59, 60)
    ]
    assert states == [WaitState.RUNNING, WaitState.WARNED, WaitState.WARNED, WaitState.BREACHED]


def test_an_answer_exactly_at_the_due_moment_is_in_time() -> None:
    due = Deadline(warn_at=T0, due_at=T0 + timedelta(hours=1), capped=False)
    assert wait_state(due, T0 + timedelta(hours=1), T0) is WaitState.ANSWERED_IN_TIME


def test_no_events_no_waits() -> None:
    assert chat_waits([], POLICY, OZON_WINDOW) == []
    assert chat_waits([answer(0), answer(5)], POLICY, OZON_WINDOW) == []


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "opens", "closes"),
    [
        (frozenset(), 540, 1080),
        (frozenset({0}), 540, 1080),
        (frozenset({8}), 540, 1080),
        (WEEKDAYS, 1080, 1080),
        (WEEKDAYS, 1080, 540),
        (WEEKDAYS, 0, 1441),
        (WEEKDAYS, -1, 540),
    ],
)
def test_impossible_business_hours_are_refused(
    days: frozenset[int], opens: int, closes: int
) -> None:
    with pytest.raises(ValueError):
        BusinessHours(timezone=MOSCOW, days=days, opens=opens, closes=closes)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 23, 10)
    with pytest.raises(ValueError):
        office().add(naive, timedelta(hours=1))
    with pytest.raises(ValueError):
        office().is_open(naive)
    with pytest.raises(ValueError):
        deadline(POLICY, Metric.FIRST, naive, None)
    with pytest.raises(ValueError):
        chat_waits([ChatEvent(at=naive, kind=EventKind.BUYER, message=1)], POLICY, None)
    with pytest.raises(ValueError):
        wait_state(Deadline(warn_at=T0, due_at=T0, capped=False), None, naive)


@pytest.mark.parametrize("share", [0.0, 1.0, 1.5])
def test_a_warning_share_outside_zero_to_one_is_refused(share: float) -> None:
    with pytest.raises(ValueError):
        SlaPolicy(
            first_response=timedelta(hours=1), next_response=timedelta(hours=1), warn_share=share
        )


def test_a_schedule_that_never_opens_gives_up_instead_of_looping() -> None:
    sundays_only = BusinessHours(
        timezone=MOSCOW,
        days=frozenset({7}),
        opens=540,
        closes=1080,
        holidays=frozenset(date(2026, 3, 29) + timedelta(weeks=n) for n in range(600)),
    )
    with pytest.raises(ValueError):
        sundays_only.add(msk(day(0), 12), timedelta(hours=1))


def close(minutes: int) -> ChatEvent:
    return ChatEvent(T0 + timedelta(minutes=minutes), EventKind.CLOSE)


def test_closing_ends_a_wait_unanswered_and_the_next_message_waits_anew() -> None:
    first, again = chat_waits([buyer(0, 1), close(10), buyer(30, 2)], POLICY, None)
    assert (first.metric, first.closed_at, first.answered_at) == (
        Metric.FIRST,
        T0 + timedelta(minutes=10),
        None,
    )
    assert first.settled and not again.settled
    # Nobody answered yet: the new wait is still for a first answer, from the new message.
    assert (again.metric, again.message, again.started_at) == (
        Metric.FIRST,
        2,
        T0 + timedelta(minutes=30),
    )
    assert chat_waits([close(0)], POLICY, None) == []  # closing a chat nobody waits in


def test_a_history_answered_before_makes_the_first_wait_a_next_one() -> None:
    [wait] = chat_waits([buyer(0, 1)], POLICY, None, answered_before=True)
    assert wait.metric is Metric.NEXT
    assert wait.deadline.due_at == T0 + timedelta(hours=4)


def test_sparse_hours_with_a_long_target_stop_at_the_longest_wait() -> None:
    fifteen_minutes_on_mondays = BusinessHours(
        timezone=MOSCOW, days=frozenset({1}), opens=9 * 60, closes=9 * 60 + 15
    )
    policy = SlaPolicy(
        first_response=timedelta(days=7),
        next_response=timedelta(days=7),
        hours=fifteen_minutes_on_mondays,
    )
    start = msk(day(0), 9)
    found = deadline(policy, Metric.FIRST, start, None)
    assert found == Deadline(
        warn_at=start + LONGEST_WAIT * 0.75, due_at=start + LONGEST_WAIT, capped=True
    )
    ozon = deadline(policy, Metric.FIRST, start, OZON_WINDOW)
    assert (ozon.due_at, ozon.capped) == (start + OZON_WINDOW, True)
    # Without a ceiling, the walk would need decades: it ends with an error, not a hang.
    with pytest.raises(ValueError):
        fifteen_minutes_on_mondays.add(start, timedelta(days=7))
