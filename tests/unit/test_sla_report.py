"""The desk's SLA report: verdicts, figures, buckets in a timezone, and the chart."""

from __future__ import annotations

import itertools
import struct
import warnings
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.marketplace.sla_report import (
    Bucket,
    ChartLabels,
    Outcome,
    WaitRecord,
    build_report,
    outcome,
    percentile_cont,
    period_start,
    render_chart,
)

MOSCOW = ZoneInfo("Europe/Moscow")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
DUE = T0 + timedelta(minutes=30)
RUSSIAN_LABELS = ChartLabels(
    title="Скорость ответов покупателям",
    in_time="Вовремя",
    late="С опозданием",
    share="Отвечено вовремя, %",
)


def wait(
    started_at: datetime = T0,
    *,
    due_in: timedelta = timedelta(minutes=30),
    answered_in: timedelta | None = None,
    answered_by: int | None = None,
    closed_in: timedelta | None = None,
    marketplace: str = "ozon",
    metric: str = "next",
) -> WaitRecord:
    return WaitRecord(
        marketplace=marketplace,
        metric=metric,
        started_at=started_at,
        due_at=started_at + due_in,
        answered_at=None if answered_in is None else started_at + answered_in,
        answered_by=answered_by,
        closed_at=None if closed_in is None else started_at + closed_in,
    )


def report_of(records: list[WaitRecord], *, days: float = 1, now: datetime | None = None):
    since = T0 - timedelta(hours=1)
    until = since + timedelta(days=days)
    return build_report(records, since=since, until=until, now=now or until, timezone=MOSCOW)


def png_size(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])  # IHDR: width, height


# --- Outcomes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "now", "expected"),
    [
        (wait(answered_in=timedelta(minutes=10)), DUE + timedelta(hours=5), Outcome.IN_TIME),
        (wait(answered_in=timedelta(minutes=30)), DUE + timedelta(hours=5), Outcome.IN_TIME),
        (
            wait(answered_in=timedelta(minutes=30, microseconds=1)),
            DUE + timedelta(hours=5),
            Outcome.LATE,
        ),
        # The answer decides even when the chat was closed before the due time.
        (
            wait(answered_in=timedelta(minutes=45), closed_in=timedelta(minutes=50)),
            DUE + timedelta(hours=5),
            Outcome.LATE,
        ),
        (wait(), DUE - timedelta(minutes=1), Outcome.PENDING),
        (wait(), DUE, Outcome.PENDING),  # due "now": an answer now is still in time
        (wait(), DUE + timedelta(microseconds=1), Outcome.LATE),
        (wait(closed_in=timedelta(minutes=20)), DUE + timedelta(hours=5), Outcome.CLOSED),
        (wait(closed_in=timedelta(minutes=30)), DUE + timedelta(hours=5), Outcome.CLOSED),
        (wait(closed_in=timedelta(minutes=31)), DUE + timedelta(hours=5), Outcome.LATE),
        (wait(closed_in=timedelta(minutes=20)), T0 + timedelta(minutes=25), Outcome.CLOSED),
        # A close "after now" (clock skew) is not known yet.
        (wait(closed_in=timedelta(minutes=20)), T0 + timedelta(minutes=10), Outcome.PENDING),
    ],
)
def test_outcome(record: WaitRecord, now: datetime, expected: Outcome) -> None:
    assert outcome(record, now) is expected


# --- Figures ----------------------------------------------------------------------------------


def test_share_median_and_p90_on_a_hand_computed_set() -> None:
    minutes = timedelta(minutes=1)
    records = [
        # Five answered first waits: 10, 20, 30, 40 (late), 100 (late) minutes.
        wait(T0, answered_in=10 * minutes, answered_by=1, metric="first"),
        wait(T0, answered_in=20 * minutes, answered_by=2, metric="first"),
        wait(T0, answered_in=30 * minutes, answered_by=1, metric="first"),
        wait(T0, answered_in=40 * minutes, answered_by=1, metric="first"),
        wait(T0, answered_in=100 * minutes, metric="first"),
        # Neither counts for the first-response times: unanswered first, answered next.
        wait(T0, metric="first"),
        wait(T0, answered_in=1 * minutes, answered_by=2),
        # Pending (due after now) and closed: counted as waits only.
        wait(T0, due_in=timedelta(days=2)),
        wait(T0, closed_in=5 * minutes),
    ]
    report = report_of(records)
    assert report.waits == 9
    assert (report.in_time, report.late, report.pending) == (4, 3, 1)
    assert report.share_in_time == 4 / 7
    assert report.first_response_median == timedelta(minutes=30)
    # Rank 0.9 * 4 = 3.6: 40 min + 0.6 * (100 - 40) min.
    assert report.first_response_p90 == timedelta(minutes=76)


def test_percentiles_interpolate_to_the_microsecond() -> None:
    seconds = [timedelta(seconds=1), timedelta(seconds=2)]
    assert percentile_cont(seconds, 5) == timedelta(seconds=1.5)
    assert percentile_cont(seconds, 9) == timedelta(seconds=1.9)
    odd = [timedelta(microseconds=1), timedelta(microseconds=2)]
    assert percentile_cont(odd, 5) == timedelta(microseconds=2)  # 1.5 us, half to even
    assert percentile_cont([timedelta(minutes=7)], 9) == timedelta(minutes=7)
    assert percentile_cont([], 5) is None


def test_late_by_marketplace_and_member() -> None:
    late = timedelta(hours=1)
    records = [
        wait(answered_in=late, answered_by=5, marketplace="wb"),
        wait(answered_in=late, answered_by=3, marketplace="wb"),
        wait(answered_in=late, answered_by=9, marketplace="wb"),
        wait(answered_in=late, answered_by=9, marketplace="wb"),
        wait(marketplace="wb"),  # unanswered past due
        wait(answered_in=late, marketplace="wb"),  # answered late on the site
        wait(answered_in=timedelta(minutes=1), answered_by=4, marketplace="ozon"),
        wait(T0 - timedelta(days=3), answered_in=late, answered_by=8, marketplace="yandex"),
    ]
    report = report_of(records)
    assert report.late_by_marketplace == {"ozon": 0, "wb": 6, "yandex": 0}
    assert list(report.late_by_marketplace) == ["ozon", "wb", "yandex"]
    assert report.late_by_member == {9: 2, None: 2, 3: 1, 5: 1}
    # Most first; ties by id, the unattributed last.
    assert list(report.late_by_member) == [9, None, 3, 5]
    assert 4 not in report.late_by_member and 8 not in report.late_by_member


def test_the_period_includes_since_and_excludes_until() -> None:
    since = datetime(2026, 3, 10, 0, 0, tzinfo=MOSCOW)
    until = since + timedelta(hours=6)
    micro = timedelta(microseconds=1)
    records = [
        wait(since - micro, answered_in=timedelta(minutes=1), answered_by=1),
        wait(since, answered_in=timedelta(minutes=2), answered_by=2),
        wait(until - micro, answered_in=timedelta(hours=2), answered_by=3),
        wait(until, answered_in=timedelta(minutes=1), answered_by=4),
    ]
    report = build_report(records, since=since, until=until, now=until, timezone=MOSCOW)
    assert (report.waits, report.in_time, report.late) == (2, 1, 1)
    assert report.late_by_member == {3: 1}
    assert report.buckets[0] == Bucket(start=since, in_time=1, late=0)
    assert report.buckets[-1] == Bucket(
        start=datetime(2026, 3, 10, 5, 0, tzinfo=MOSCOW), in_time=0, late=1
    )
    assert len(report.buckets) == 6


def test_hourly_buckets_in_moscow_cover_the_period_with_empty_ones() -> None:
    since = datetime(2026, 3, 10, 10, 30, tzinfo=MOSCOW)
    until = since + timedelta(days=1)  # exactly a day: still hourly
    records = [
        wait(since, answered_in=timedelta(minutes=1), answered_by=1),
        wait(datetime(2026, 3, 10, 12, 59, 59, tzinfo=MOSCOW)),
        wait(datetime(2026, 3, 10, 12, 0, tzinfo=MOSCOW), answered_in=timedelta(minutes=1)),
        wait(datetime(2026, 3, 11, 10, 29, tzinfo=MOSCOW), answered_in=timedelta(hours=1)),
    ]
    report = build_report(records, since=since, until=until, now=until, timezone=MOSCOW)
    assert report.hourly
    starts = [bucket.start for bucket in report.buckets]
    assert starts[0] == datetime(2026, 3, 10, 10, 0, tzinfo=MOSCOW)
    assert starts[-1] == datetime(2026, 3, 11, 10, 0, tzinfo=MOSCOW)
    assert len(starts) == 25
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(starts))
    assert all(start.tzinfo is MOSCOW for start in starts)
    counts = {i: (b.in_time, b.late) for i, b in enumerate(report.buckets) if b.in_time or b.late}
    assert counts == {0: (1, 0), 2: (1, 1), 24: (0, 1)}


def test_daily_buckets_are_local_days() -> None:
    since = datetime(2026, 3, 10, tzinfo=MOSCOW)
    until = datetime(2026, 3, 13, tzinfo=MOSCOW)
    records = [
        # 21:30 UTC on the 10th is 00:30 on the 11th in Moscow.
        wait(datetime(2026, 3, 10, 21, 30, tzinfo=UTC), answered_in=timedelta(minutes=1)),
        wait(datetime(2026, 3, 11, 20, 59, tzinfo=UTC), answered_in=timedelta(hours=1)),
        wait(datetime(2026, 3, 10, 20, 59, tzinfo=UTC), answered_in=timedelta(minutes=1)),
    ]
    report = build_report(records, since=since, until=until, now=until, timezone=MOSCOW)
    assert not report.hourly
    assert report.buckets == [
        Bucket(start=datetime(2026, 3, 10, tzinfo=MOSCOW), in_time=1, late=0),
        Bucket(start=datetime(2026, 3, 11, tzinfo=MOSCOW), in_time=1, late=1),
        Bucket(start=datetime(2026, 3, 12, tzinfo=MOSCOW), in_time=0, late=0),
    ]


def test_a_day_and_a_microsecond_is_daily() -> None:
    since = datetime(2026, 3, 10, 6, 0, tzinfo=MOSCOW)
    until = since + timedelta(days=1, microseconds=1)
    report = build_report([], since=since, until=until, now=until, timezone=MOSCOW)
    assert [bucket.start for bucket in report.buckets] == [
        datetime(2026, 3, 10, tzinfo=MOSCOW),
        datetime(2026, 3, 11, tzinfo=MOSCOW),
    ]


def test_an_empty_report_has_no_figures_but_renders() -> None:
    since = datetime(2026, 3, 10, tzinfo=MOSCOW)
    until = since + timedelta(days=7)
    report = build_report([], since=since, until=until, now=until, timezone=MOSCOW)
    assert (report.waits, report.in_time, report.late, report.pending) == (0, 0, 0, 0)
    assert report.share_in_time is None
    assert report.first_response_median is None
    assert report.first_response_p90 is None
    assert report.late_by_marketplace == {}
    assert report.late_by_member == {}
    assert report.buckets == [
        Bucket(start=datetime(2026, 3, 10 + day, tzinfo=MOSCOW), in_time=0, late=0)
        for day in range(7)
    ]
    assert render_chart(report, RUSSIAN_LABELS).startswith(PNG_SIGNATURE)

    nothing = build_report([], since=since, until=since, now=since, timezone=MOSCOW)
    assert nothing.buckets == []
    assert render_chart(nothing, RUSSIAN_LABELS).startswith(PNG_SIGNATURE)


def test_the_period_must_be_aware_and_ordered() -> None:
    naive = datetime(2026, 3, 10)
    with pytest.raises(ValueError, match="aware"):
        build_report([], since=naive, until=T0, now=T0, timezone=MOSCOW)
    with pytest.raises(ValueError, match="ends before"):
        build_report([], since=T0, until=T0 - timedelta(hours=1), now=T0, timezone=MOSCOW)


# --- Many records -------------------------------------------------------------------------------


def many_records(since: datetime, count: int) -> list[WaitRecord]:
    """A wait a minute, due in an hour. By i % 4: 0 answered in time after (i % 60) minutes by
    member i % 3 + 1; 1 answered 90 minutes late by member 7; 2 never answered; 3 answered on
    the site exactly at the due time. Odd i on Ozon, even on Wildberries; every tenth is a
    first wait."""
    records = []
    for i in range(count):
        started_at = since + timedelta(minutes=i)
        kind = i % 4
        answered_in = {0: timedelta(minutes=i % 60), 1: timedelta(minutes=90), 2: None}.get(
            kind, timedelta(hours=1)
        )
        records.append(
            WaitRecord(
                marketplace="ozon" if i % 2 else "wb",
                metric="first" if i % 10 == 0 else "next",
                started_at=started_at,
                due_at=started_at + timedelta(hours=1),
                answered_at=None if answered_in is None else started_at + answered_in,
                answered_by={0: i % 3 + 1, 1: 7}.get(kind),
            )
        )
    return records


def test_twenty_thousand_records_give_exact_figures() -> None:
    since = datetime(2026, 3, 1, tzinfo=MOSCOW)
    until = since + timedelta(minutes=20_000)  # 13 days 21:20
    report = build_report(
        many_records(since, 20_000), since=since, until=until, now=until, timezone=MOSCOW
    )
    # The never-answered started in the last hour (i = 19942, 19946, ..., 19998) are not due yet.
    assert (report.waits, report.in_time, report.late, report.pending) == (
        20_000,
        10_000,
        9_985,
        15,
    )
    assert report.share_in_time == 10_000 / 19_985
    # First waits answered: i = 0, 20, ..., 19980 after (i % 60) min: 334 x 0, 333 x 20, 333 x 40.
    assert report.first_response_median == timedelta(minutes=20)
    assert report.first_response_p90 == timedelta(minutes=40)
    assert report.late_by_marketplace == {"ozon": 5_000, "wb": 4_985}
    assert report.late_by_member == {7: 5_000, None: 4_985}
    assert len(report.buckets) == 14
    assert report.buckets[0] == Bucket(start=since, in_time=720, late=720)
    assert report.buckets[12] == Bucket(
        start=datetime(2026, 3, 13, tzinfo=MOSCOW), in_time=720, late=720
    )
    # The last day holds i = 18720 ... 19999.
    assert report.buckets[13] == Bucket(
        start=datetime(2026, 3, 14, tzinfo=MOSCOW), in_time=640, late=625
    )
    assert sum(bucket.in_time for bucket in report.buckets) == 10_000
    assert sum(bucket.late for bucket in report.buckets) == 9_985


# --- Chart --------------------------------------------------------------------------------------


def test_render_chart_draws_a_png_with_cyrillic_labels() -> None:
    since = datetime(2026, 3, 1, tzinfo=MOSCOW)
    for days in (1, 14, 90):
        until = since + timedelta(days=days)
        report = build_report(
            many_records(since, 2_000), since=since, until=until, now=until, timezone=MOSCOW
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a glyph missing from the font warns
            png = render_chart(report, RUSSIAN_LABELS)
        assert png.startswith(PNG_SIGNATURE)
        assert png_size(png) == (900, 500)


def test_a_period_starts_at_the_local_midnight_today_or_so_many_days_back() -> None:
    moscow = ZoneInfo("Europe/Moscow")
    now = datetime(2026, 12, 4, 22, 30, tzinfo=UTC)  # 01:30 on the 5th in Moscow
    assert period_start(0, now, moscow) == datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
    assert period_start(0, now, UTC) == datetime(2026, 12, 4, 0, 0, tzinfo=UTC)
    assert period_start(7, now, moscow) == now - timedelta(days=7)
