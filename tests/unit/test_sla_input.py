"""What a seller types after /sla: durations, the warning share, working hours, the time zone and
holidays, each good form read to its exact value and each bad one refused with its exact code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from services.marketplace.sla_input import (
    REPORT_PERIODS,
    TARGET_LIMIT,
    HoursInput,
    InputError,
    InputProblem,
    check_target,
    format_clock,
    format_duration_parts,
    parse_date,
    parse_days,
    parse_duration,
    parse_hours,
    parse_period,
    parse_share,
    parse_timezone,
)

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def refused(call: Callable[[str], object], text: str) -> InputError:
    with pytest.raises(InputError) as caught:
        call(text)
    return caught.value


# --- durations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", 30 * MINUTE),
        ("2h", 2 * HOUR),
        ("1h30m", 90 * MINUTE),
        ("90", 90 * MINUTE),
        ("1d", DAY),
        ("30м", 30 * MINUTE),
        ("2ч", 2 * HOUR),
        ("1ч30м", 90 * MINUTE),
        ("1д", DAY),
        ("2 ч 15 мин", 2 * HOUR + 15 * MINUTE),
        ("2 ч. 15 мин.", 2 * HOUR + 15 * MINUTE),
        ("1.5h", 90 * MINUTE),
        ("1,5ч", 90 * MINUTE),
        ("0.25h", 15 * MINUTE),
        ("  45 MIN  ", 45 * MINUTE),
        ("1H", HOUR),
        ("1 hour 5 minutes", 65 * MINUTE),
        ("3 hours", 3 * HOUR),
        ("2 days", 2 * DAY),
        ("1d 2h 3m", DAY + 2 * HOUR + 3 * MINUTE),
        ("1дн 1ч", DAY + HOUR),
        ("2 дня", 2 * DAY),
        ("5 дней", 5 * DAY),
        ("1 день", DAY),
        ("1 час 30 минут", 90 * MINUTE),
        ("2 часа", 2 * HOUR),
        ("1h30", 90 * MINUTE),  # a bare number after hours is minutes
        ("1ч 30", 90 * MINUTE),
        ("1d12h", 36 * HOUR),
        ("1h90m", 150 * MINUTE),
        ("0.01h", MINUTE),  # 36 s rounds up to a minute
        ("0.5m", MINUTE),  # half a minute rounds up
        ("0.4m", timedelta(0)),
        ("0m", timedelta(0)),
        ("0", timedelta(0)),
        ("1.1h", 66 * MINUTE),  # no float drift: exactly 66
    ],
)
def test_durations_read_to_whole_minutes(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "m",
        "h30",
        "30s",  # seconds are not a unit
        "30 sec",
        "30 сек",
        "-30m",
        "+30m",
        "1.5",  # a bare number is whole minutes
        "30m 1h",  # units climb
        "1h 2h",  # a unit twice
        "1h30m15",  # a bare number after minutes
        "1d30",  # a bare number after days
        "30 90",
        "1h,30m",
        "1h-30m",
        "1.5.5h",
        "1..5h",
        ".5h",
        "1 week",
        "1 y",
        "ч",
        "1ч30мм",
        "1e3m",
        "９0m",  # a fullwidth digit: not what anyone types, and not a digit we read
        "99999999999999999999999999999999999999d",
    ],
)
def test_durations_that_are_not_one_clear_value_are_refused(text: str) -> None:
    error = refused(parse_duration, text)
    assert error.code is InputProblem.MALFORMED_DURATION
    assert error.values == {"text": text}


def test_a_target_within_every_window_is_kept() -> None:
    assert check_target(2 * HOUR, {"ozon": 48 * HOUR, "wildberries": 10 * DAY}) == 2 * HOUR
    assert check_target(48 * HOUR, {"ozon": 48 * HOUR}) == 48 * HOUR  # the window itself is fine
    assert check_target(TARGET_LIMIT, {}) == TARGET_LIMIT
    assert check_target(MINUTE, {}) == MINUTE


@pytest.mark.parametrize("target", [timedelta(0), -MINUTE])
def test_a_target_of_nothing_is_refused(target: timedelta) -> None:
    with pytest.raises(InputError) as caught:
        check_target(target, {"ozon": 48 * HOUR})
    assert caught.value.code is InputProblem.ZERO_TARGET


def test_a_target_over_the_tightest_window_names_that_marketplace() -> None:
    windows = {"wildberries": 72 * HOUR, "ozon": 48 * HOUR}
    with pytest.raises(InputError) as caught:
        check_target(49 * HOUR, windows)
    assert caught.value.code is InputProblem.OVER_WINDOW
    assert caught.value.values["window"] == 48 * HOUR
    assert caught.value.values["marketplace"] == "ozon"


def test_equal_windows_name_the_same_marketplace_every_time() -> None:
    for windows in (
        {"wildberries": 2 * DAY, "ozon": 2 * DAY},
        {"ozon": 2 * DAY, "wildberries": 2 * DAY},
    ):
        with pytest.raises(InputError) as caught:
            check_target(3 * DAY, windows)
        assert caught.value.values["marketplace"] == "ozon"


def test_without_windows_the_limit_is_a_week() -> None:
    with pytest.raises(InputError) as caught:
        check_target(TARGET_LIMIT + MINUTE, {})
    assert caught.value.code is InputProblem.OVER_LIMIT
    assert caught.value.values["limit"] == timedelta(days=7)


def test_a_window_wider_than_the_limit_leaves_the_limit_in_charge() -> None:
    assert check_target(7 * DAY, {"wildberries": 30 * DAY}) == 7 * DAY
    with pytest.raises(InputError) as caught:
        check_target(8 * DAY, {"wildberries": 30 * DAY})
    assert caught.value.code is InputProblem.OVER_LIMIT
    assert caught.value.values["limit"] == TARGET_LIMIT


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        (timedelta(0), (0, 0, 0)),
        (30 * MINUTE, (0, 0, 30)),
        (90 * MINUTE, (0, 1, 30)),
        (DAY + 2 * HOUR + 3 * MINUTE, (1, 2, 3)),
        (7 * DAY, (7, 0, 0)),
        (timedelta(minutes=59, seconds=30), (0, 1, 0)),
        (timedelta(minutes=59, seconds=29), (0, 0, 59)),
    ],
)
def test_durations_split_into_days_hours_minutes(
    value: timedelta, parts: tuple[int, int, int]
) -> None:
    assert format_duration_parts(value) == parts


def test_a_typed_duration_splits_back_to_what_was_typed() -> None:
    assert format_duration_parts(parse_duration("1d 2h 3m")) == (1, 2, 3)
    assert format_duration_parts(parse_duration("2 ч 15 мин")) == (0, 2, 15)


def test_a_negative_duration_has_no_parts() -> None:
    with pytest.raises(ValueError):
        format_duration_parts(-MINUTE)


# --- the warning share -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("80", 0.8),
        ("80%", 0.8),
        (" 80 % ", 0.8),
        ("10", 0.1),
        ("95%", 0.95),
        ("50", 0.5),
        ("75.5", 0.755),
        ("75,5%", 0.755),
        ("080", 0.8),
    ],
)
def test_shares_read_as_fractions(text: str, share: float) -> None:
    assert parse_share(text) == share


@pytest.mark.parametrize(
    "text", ["", "%", "eighty", "80%%", "%80", "-80", "80 percent", "0.8.0", "8 0", "1e2", "８0"]
)
def test_shares_that_are_not_numbers_are_refused(text: str) -> None:
    error = refused(parse_share, text)
    assert error.code is InputProblem.MALFORMED_SHARE
    assert error.values == {"text": text}


@pytest.mark.parametrize("text", ["9", "9.9", "0", "0.8", "95.1", "96%", "100", "150"])
def test_shares_outside_ten_to_ninety_five_percent_are_refused(text: str) -> None:
    error = refused(parse_share, text)
    assert error.code is InputProblem.SHARE_OUT_OF_RANGE
    assert error.values == {"text": text, "minimum": 10, "maximum": 95}


# --- working hours -----------------------------------------------------------------------------

WEEKDAYS = frozenset({1, 2, 3, 4, 5})
EVERY_DAY = frozenset(range(1, 8))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri 09:00-18:00", HoursInput(WEEKDAYS, 540, 1080)),
        ("9-18", HoursInput(WEEKDAYS, 540, 1080)),
        ("mon,wed,fri 10:00-19:30", HoursInput(frozenset({1, 3, 5}), 600, 1170)),
        ("пн-пт 9:00-18:00", HoursInput(WEEKDAYS, 540, 1080)),
        ("ПН-ПТ 9:00-18:00", HoursInput(WEEKDAYS, 540, 1080)),
        ("daily 08:00-20:00", HoursInput(EVERY_DAY, 480, 1200)),
        ("every day 08:00-20:00", HoursInput(EVERY_DAY, 480, 1200)),
        ("ежедневно 8-20", HoursInput(EVERY_DAY, 480, 1200)),
        ("каждый день 8-20", HoursInput(EVERY_DAY, 480, 1200)),
        ("00:00-24:00", HoursInput(WEEKDAYS, 0, 1440)),
        ("0-24", HoursInput(WEEKDAYS, 0, 1440)),
        ("1-5 9-18", HoursInput(WEEKDAYS, 540, 1080)),
        ("fri-mon 10-16", HoursInput(frozenset({5, 6, 7, 1}), 600, 960)),
        ("сб-вс 10:00-16:00", HoursInput(frozenset({6, 7}), 600, 960)),
        ("Mon - Fri   9:00 - 18:00", HoursInput(WEEKDAYS, 540, 1080)),
        ("mon, wed, fri 10-19", HoursInput(frozenset({1, 3, 5}), 600, 1140)),
        ("mon wed 10-19", HoursInput(frozenset({1, 3}), 600, 1140)),
        ("monday-friday 9-18", HoursInput(WEEKDAYS, 540, 1080)),
        ("пн,ср,пт 9.30-18.15", HoursInput(frozenset({1, 3, 5}), 570, 1095)),
        ("mon-fri 9:00–18:00", HoursInput(WEEKDAYS, 540, 1080)),  # the en dash phones type
        ("9-18 mon-fri", HoursInput(WEEKDAYS, 540, 1080)),
        ("9:00-18:00 сб,вс", HoursInput(frozenset({6, 7}), 540, 1080)),
        ("weekends 10-14", HoursInput(frozenset({6, 7}), 600, 840)),
        ("будни 9-18", HoursInput(WEEKDAYS, 540, 1080)),
        ("mon-fri,sat 9-18", HoursInput(frozenset(range(1, 7)), 540, 1080)),
        ("sun 9-18", HoursInput(frozenset({7}), 540, 1080)),
        ("mon-mon 9-18", HoursInput(frozenset({1}), 540, 1080)),
        ("09:05-09:06", HoursInput(WEEKDAYS, 545, 546)),
        ("23:59-24:00", HoursInput(WEEKDAYS, 1439, 1440)),
    ],
)
def test_working_hours_read_to_days_and_minutes(text: str, expected: HoursInput) -> None:
    assert parse_hours(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "off",
        "OFF",
        " off ",
        "24/7",
        "выкл",
        "Выкл",
        "круглосуточно",
        "daily 00:00-24:00",
        "ежедневно 0-24",
    ],
)
def test_around_the_clock_has_no_hours(text: str) -> None:
    assert parse_hours(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "mon-fri",
        "nine to six",
        "9",
        "9:00",
        "9:00-",
        "-18:00",
        "9:60-18:00",  # minutes over 59
        "9:00-18:75",
        "25-26",  # an hour over 24
        "9-25",
        "24:30-24:45",  # 24 with minutes
        "09:00-24:01",
        "9:5-18:00",  # one-digit minutes
        "123-18",
        "9:00:00-18:00:00",
        "mon-fri 9-18 sat",
    ],
)
def test_hours_that_are_not_a_span_are_refused(text: str) -> None:
    error = refused(parse_hours, text)
    assert error.code is InputProblem.MALFORMED_HOURS
    assert error.values == {"text": text}


@pytest.mark.parametrize(
    ("text", "opens", "closes"),
    [
        ("18-9", 1080, 540),  # overnight shifts are not supported
        ("22:00-06:00", 1320, 360),
        ("9-9", 540, 540),
        ("mon-fri 10:30-10:30", 630, 630),
        ("24:00-24:00", 1440, 1440),
    ],
)
def test_hours_that_close_before_they_open_are_refused(text: str, opens: int, closes: int) -> None:
    error = refused(parse_hours, text)
    assert error.code is InputProblem.EMPTY_HOURS
    assert error.values == {"text": text, "opens": opens, "closes": closes}


@pytest.mark.parametrize(
    ("text", "days_text"),
    [
        ("mon-fry 9-18", "mon-fry"),
        ("MONDAY-FR 9-18", "monday-fr"),
        ("0-5 9-18", "0-5"),
        ("1-8 9-18", "1-8"),
        ("mon--fri 9-18", "mon--fri"),
        ("mon-wed-fri 9-18", "mon-wed-fri"),
        ("понед 9-18", "понед"),
        ("weekly 9-18", "weekly"),
        ("9:00-18:00 extra", "extra"),
        ("mon,- 9-18", "mon,-"),
        ("9-18 10-19", "9-18"),  # the last span is the hours, so the first is read as days
    ],
)
def test_hours_with_days_that_are_not_days_are_refused(text: str, days_text: str) -> None:
    error = refused(parse_hours, text)
    assert error.code is InputProblem.MALFORMED_DAYS
    assert error.values == {"text": days_text}  # the part that is wrong, as read


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", WEEKDAYS),
        ("mon,wed,fri", frozenset({1, 3, 5})),
        ("1-5", WEEKDAYS),
        ("1,3,5", frozenset({1, 3, 5})),
        ("fri-mon", frozenset({5, 6, 7, 1})),
        ("sun-tue", frozenset({7, 1, 2})),
        ("sat-fri", EVERY_DAY),
        ("daily", EVERY_DAY),
        ("Every  Day", EVERY_DAY),
        ("ежедневно", EVERY_DAY),
        ("пн-пт", WEEKDAYS),
        ("ВТ,ЧТ", frozenset({2, 4})),
        ("вс", frozenset({7})),
        ("tue, thu;sat", frozenset({2, 4, 6})),
        ("mon,mon,1", frozenset({1})),
        ("thursday,thurs,thu,thur", frozenset({4})),
        ("понедельник-среда", frozenset({1, 2, 3})),
    ],
)
def test_days_read_to_iso_weekdays(text: str, days: frozenset[int]) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["", " , ", "mo", "fri-", "-fri", "7-8", "mon-fri-sat", "пн—"])
def test_days_that_are_not_days_are_refused(text: str) -> None:
    assert refused(parse_days, text).code is InputProblem.MALFORMED_DAYS


@pytest.mark.parametrize(
    ("minutes", "shown"), [(0, "00:00"), (540, "09:00"), (1170, "19:30"), (1440, "24:00")]
)
def test_clock_shown_as_hours_and_minutes(minutes: int, shown: str) -> None:
    assert format_clock(minutes) == shown


@pytest.mark.parametrize("minutes", [-1, 1441])
def test_clock_outside_a_day_is_not_shown(minutes: int) -> None:
    with pytest.raises(ValueError):
        format_clock(minutes)


@pytest.mark.parametrize(
    ("days", "opens", "closes"),
    [
        (frozenset(), 0, 60),
        (frozenset({0}), 0, 60),
        (frozenset({8}), 0, 60),
        (WEEKDAYS, 60, 60),
        (WEEKDAYS, -1, 60),
        (WEEKDAYS, 0, 1441),
    ],
)
def test_hours_cannot_be_built_broken(days: frozenset[int], opens: int, closes: int) -> None:
    with pytest.raises(ValueError):
        HoursInput(days, opens, closes)


# --- time zone and holidays --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Europe/Moscow", "Europe/Moscow"),
        ("europe/moscow", "Europe/Moscow"),
        ("  EUROPE/MOSCOW ", "Europe/Moscow"),
        ("Europe / Moscow", "Europe/Moscow"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("Asia/Yekaterinburg", "Asia/Yekaterinburg"),
        ("america/new york", "America/New_York"),
        ("America/New_York", "America/New_York"),
        ("MSK", "Europe/Moscow"),
        ("мск", "Europe/Moscow"),
    ],
)
def test_time_zones_read_to_their_canonical_name(text: str, key: str) -> None:
    assert parse_timezone(text).key == key


@pytest.mark.parametrize(
    "text",
    ["", "Moscow", "Europe/Moskva", "Mars/Olympus", "../../etc/passwd", "/etc/localtime", "+03:00"],
)
def test_unknown_time_zones_are_refused(text: str) -> None:
    error = refused(parse_timezone, text)
    assert error.code is InputProblem.UNKNOWN_TIMEZONE
    assert error.values == {"text": text}


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2027-01-07", date(2027, 1, 7)),
        ("07.01.2027", date(2027, 1, 7)),
        ("7.1.2027", date(2027, 1, 7)),
        (" 2028-02-29 ", date(2028, 2, 29)),
        ("31.12.2026", date(2026, 12, 31)),
    ],
)
def test_dates_read_day_first_or_iso(text: str, day: date) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorrow",
        "2027-13-01",
        "2027-02-29",  # not a leap year
        "32.01.2027",
        "00.01.2027",
        "07/01/2027",  # slashes read differently in different countries
        "07.01.27",  # two-digit years too
        "07.01",
        "2027-01-07T10:00",
        "2027.01.07",
        "20270107",
    ],
)
def test_dates_that_are_not_dates_are_refused(text: str) -> None:
    error = refused(parse_date, text)
    assert error.code is InputProblem.MALFORMED_DATE
    assert error.values == {"text": text}


def test_the_error_is_a_value_error_with_its_code_and_values() -> None:
    error = InputError(InputProblem.OVER_LIMIT, limit=TARGET_LIMIT)
    assert isinstance(error, ValueError)
    assert error.code == "over-limit"
    assert error.values == {"limit": timedelta(days=7)}


@pytest.mark.parametrize(
    ("text", "days"),
    [("", 0), ("today", 0), ("Сегодня", 0), ("7", 7), ("week", 7), ("неделя", 7),
     (" 30 ", 30), ("месяц", 30), ("12", None), ("year", None)],
)  # fmt: skip
def test_report_periods_read_in_english_and_russian(text: str, days: int | None) -> None:
    assert parse_period(text) == days
    assert days is None or days in REPORT_PERIODS
