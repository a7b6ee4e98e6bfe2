"""What a seller types after `/sla <subcommand>`, read into plain values: a reply target, the
warning share, working hours, a time zone, a holiday.

Liberal with spaces, case, English and Russian words; strict with nonsense: anything that is
not clearly one value raises `InputError` with an `InputProblem` code (the handler translates
it), never a guess. Pure: no database, no aiogram, no clock.

Rules kept here:
- durations are whole minutes (rounded half up), built from days, hours and minutes, each unit
  at most once and from the largest down; a bare number is minutes; seconds are not a unit;
- a target is more than zero and within the tightest marketplace answer window, or within
  `TARGET_LIMIT` when no window binds;
- the warning comes at 10..95 % of the target;
- working hours are one span within a day (`opens` < `closes`, `closes` may be 24:00), no
  overnight shifts; days are ISO weekdays 1=Mon..7=Sun, mon-fri when not given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from services.marketplace.sla_time import MINUTES_PER_DAY

TARGET_LIMIT = timedelta(days=7)
SHARE_MIN_PERCENT = 10
SHARE_MAX_PERCENT = 95
ALL_DAYS = frozenset(range(1, 8))
WEEKDAYS = frozenset(range(1, 6))


class InputProblem(StrEnum):
    MALFORMED_DURATION = "malformed-duration"
    ZERO_TARGET = "zero-target"
    OVER_WINDOW = "over-window"  # values: window (timedelta), marketplace (str)
    OVER_LIMIT = "over-limit"  # values: limit (timedelta) when no marketplace window applies
    MALFORMED_SHARE = "malformed-share"
    SHARE_OUT_OF_RANGE = "share-out-of-range"  # values: minimum, maximum (percent)
    MALFORMED_HOURS = "malformed-hours"  # not HH:MM-HH:MM, minutes not 0-59, hour > 24, ...
    EMPTY_HOURS = "empty-hours"  # opens >= closes (overnight shifts are not supported)
    MALFORMED_DAYS = "malformed-days"
    UNKNOWN_TIMEZONE = "unknown-timezone"
    MALFORMED_DATE = "malformed-date"


class InputError(ValueError):
    """`code` says what is wrong; `values` carry what the explanation needs (`text`: the bad
    text as typed; `limit`, `window`, `marketplace`, `minimum`, `maximum` where they apply)."""

    def __init__(self, code: InputProblem, **values: object) -> None:
        super().__init__(code, values)
        self.code = code
        self.values = values

    def __str__(self) -> str:
        return f"{self.code.value}: {self.values!r}"


# --- durations ---------------------------------------------------------------------------------

_DAY_UNITS = ("d", "day", "days", "д", "дн", "день", "дня", "дней")
_HOUR_UNITS = ("h", "hr", "hrs", "hour", "hours", "ч", "час", "часа", "часов")
_MINUTE_UNITS = (
    *("m", "min", "mins", "minute", "minutes"),
    *("м", "мин", "минута", "минуты", "минут", "минуту"),
)
_MINUTES_PER_UNIT: dict[str, int] = {
    **dict.fromkeys(_DAY_UNITS, MINUTES_PER_DAY),
    **dict.fromkeys(_HOUR_UNITS, 60),
    **dict.fromkeys(_MINUTE_UNITS, 1),
}
# A number, then a word (the unit, maybe with a dot: "2 ч. 15 мин."), or no word at all.
_DURATION_PART = re.compile(r"\s*([0-9]+(?:[.,][0-9]+)?)\s*(?:([^\W\d_]+)\.?)?\s*")
_MAX_MINUTES = timedelta.max // timedelta(minutes=1)


def parse_duration(text: str) -> timedelta:
    """ "30m", "2h", "1h30m", "1ч30м", "2 ч 15 мин", "1.5h", "1d", "90" (minutes), "1h30".
    May return zero ("0m", "0.2m"): `check_target` refuses it with its own code."""
    normalized = text.strip().lower()
    parts = _duration_parts(normalized)
    if not parts:
        raise InputError(InputProblem.MALFORMED_DURATION, text=text)
    total = Decimal(0)
    previous_size: int | None = None
    for index, (number, unit) in enumerate(parts):
        size = _unit_size(unit, previous_size, is_last=index == len(parts) - 1, number=number)
        if size is None or (previous_size is not None and size >= previous_size):
            # Units repeat or climb ("30m 1h", "1h 2h"): not one clear duration.
            raise InputError(InputProblem.MALFORMED_DURATION, text=text)
        total += Decimal(number.replace(",", ".")) * size
        previous_size = size
    # Checked before rounding: a number longer than Decimal's precision cannot be quantized.
    if total > _MAX_MINUTES:
        raise InputError(InputProblem.MALFORMED_DURATION, text=text)
    return timedelta(minutes=int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def _duration_parts(text: str) -> list[tuple[str, str]]:
    """(number, unit) pairs covering all of `text`; [] when anything is left over."""
    parts: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _DURATION_PART.match(text, position)
        if match is None:
            return []
        parts.append((match.group(1), match.group(2) or ""))
        position = match.end()
    return parts


def _unit_size(unit: str, previous_size: int | None, *, is_last: bool, number: str) -> int | None:
    if unit:
        return _MINUTES_PER_UNIT.get(unit)
    # No unit means whole minutes: the whole text ("90") or after hours ("1h30").
    if not number.isdigit() or not is_last or previous_size not in (None, 60):
        return None
    return 1


def check_target(target: timedelta, windows: Mapping[str, timedelta]) -> timedelta:
    """`target` if a seller may set it; `windows`: marketplace -> its hard answer window (the
    seller's marketplaces only). The tightest window binds unless `TARGET_LIMIT` is tighter."""
    if target <= timedelta(0):
        raise InputError(InputProblem.ZERO_TARGET, target=target)
    if windows:
        # Ties go to the first name alphabetically, so the message never changes between runs.
        marketplace, window = min(windows.items(), key=lambda item: (item[1], item[0]))
        if window <= TARGET_LIMIT and target > window:
            raise InputError(
                InputProblem.OVER_WINDOW, target=target, window=window, marketplace=marketplace
            )
    if target > TARGET_LIMIT:
        raise InputError(InputProblem.OVER_LIMIT, target=target, limit=TARGET_LIMIT)
    return target


def format_duration_parts(value: timedelta) -> tuple[int, int, int]:
    """(days, hours, minutes) of `value`, rounded to the minute, for the handler to word."""
    if value < timedelta(0):
        raise ValueError(f"a negative duration: {value}")
    minutes = (value + timedelta(seconds=30)) // timedelta(minutes=1)
    days, minutes = divmod(minutes, MINUTES_PER_DAY)
    hours, minutes = divmod(minutes, 60)
    return days, hours, minutes


# --- the warning share -------------------------------------------------------------------------

_SHARE = re.compile(r"([0-9]+(?:[.,][0-9]+)?)\s*%?")


def parse_share(text: str) -> float:
    """ "80" or "80%" -> 0.8; 10..95 % only."""
    match = _SHARE.fullmatch(text.strip())
    if match is None:
        raise InputError(InputProblem.MALFORMED_SHARE, text=text)
    percent = Decimal(match.group(1).replace(",", "."))
    if not SHARE_MIN_PERCENT <= percent <= SHARE_MAX_PERCENT:
        raise InputError(
            InputProblem.SHARE_OUT_OF_RANGE,
            text=text,
            minimum=SHARE_MIN_PERCENT,
            maximum=SHARE_MAX_PERCENT,
        )
    return float(percent / 100)


# --- working hours -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HoursInput:
    days: frozenset[int]  # ISO weekdays 1=Mon..7=Sun
    opens: int  # minutes after midnight
    closes: int  # minutes after midnight, <= 1440

    def __post_init__(self) -> None:
        if not self.days or not self.days <= ALL_DAYS:
            raise ValueError(f"days must be ISO weekdays 1..7: {sorted(self.days)}")
        if not 0 <= self.opens < self.closes <= MINUTES_PER_DAY:
            raise ValueError(f"not a span within a day: {self.opens}..{self.closes}")


_AROUND_THE_CLOCK = frozenset(
    {"off", "24/7", "24x7", "none", "выкл", "выключить", "нет", "круглосуточно"}
)
_DAY_NUMBERS: dict[str, int] = {
    **dict.fromkeys(("mon", "monday", "пн", "понедельник"), 1),
    **dict.fromkeys(("tue", "tues", "tuesday", "вт", "вторник"), 2),
    **dict.fromkeys(("wed", "wednesday", "ср", "среда"), 3),
    **dict.fromkeys(("thu", "thur", "thurs", "thursday", "чт", "четверг"), 4),
    **dict.fromkeys(("fri", "friday", "пт", "пятница"), 5),
    **dict.fromkeys(("sat", "saturday", "сб", "суббота"), 6),
    **dict.fromkeys(("sun", "sunday", "вс", "воскресенье"), 7),
    **{str(number): number for number in range(1, 8)},
}
_DAY_SETS: dict[str, frozenset[int]] = {
    **dict.fromkeys(
        ("daily", "every day", "everyday", "all", "ежедневно", "каждый день"), ALL_DAYS
    ),
    **dict.fromkeys(("weekdays", "workdays", "будни"), WEEKDAYS),
    **dict.fromkeys(("weekends", "weekend", "выходные"), frozenset({6, 7})),
}
_CLOCK = r"([0-9]{1,2})(?:[:.]([0-9]{2}))?"
_DASH = r"\s*[-–—]\s*"
_SPAN_AT_END = re.compile(rf"(?:^|\s){_CLOCK}{_DASH}{_CLOCK}$")
_SPAN_AT_START = re.compile(rf"^{_CLOCK}{_DASH}{_CLOCK}(?:\s|$)")


def parse_hours(text: str) -> HoursInput | None:
    """ "mon-fri 09:00-18:00", "9-18" (mon-fri), "пн,ср,пт 10:00-19:30", "daily 08:00-20:00",
    "9-18 mon-fri"; None for "off" / "24/7" / "выкл" or "daily 00:00-24:00" (around the clock). A MALFORMED_DAYS
    error's `text` is the days part only (lowercased), the part the seller has to fix."""
    normalized = " ".join(text.lower().split())
    if normalized in _AROUND_THE_CLOCK:
        return None
    span = _SPAN_AT_END.search(normalized) or _SPAN_AT_START.search(normalized)
    if span is None:
        raise InputError(InputProblem.MALFORMED_HOURS, text=text)
    opens = _clock_minutes(span.group(1), span.group(2), text)
    closes = _clock_minutes(span.group(3), span.group(4), text)
    days_text = (normalized[: span.start()] + " " + normalized[span.end() :]).strip()
    days = parse_days(days_text) if days_text else WEEKDAYS
    if opens >= closes:
        raise InputError(InputProblem.EMPTY_HOURS, text=text, opens=opens, closes=closes)
    if days == ALL_DAYS and (opens, closes) == (0, MINUTES_PER_DAY):
        return None  # every minute of every day: around the clock, stored as such
    return HoursInput(days=days, opens=opens, closes=closes)


def _clock_minutes(hours_text: str, minutes_text: str | None, text: str) -> int:
    hours = int(hours_text)
    minutes = int(minutes_text) if minutes_text is not None else 0
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise InputError(InputProblem.MALFORMED_HOURS, text=text)
    return hours * 60 + minutes


def parse_days(text: str) -> frozenset[int]:
    """ "mon-fri", "mon,wed,fri", "пн-пт", "1-5", "daily", "fri-mon" (wraps: 5,6,7,1)."""
    normalized = " ".join(text.lower().split())
    if normalized in _DAY_SETS:
        return _DAY_SETS[normalized]
    pieces = [piece for piece in re.split(r"[,;\s]+", re.sub(_DASH, "-", normalized)) if piece]
    if not pieces:
        raise InputError(InputProblem.MALFORMED_DAYS, text=text)
    days: set[int] = set()
    for piece in pieces:
        days |= _day_piece(piece, text)
    return frozenset(days)


def _day_piece(piece: str, text: str) -> frozenset[int]:
    if piece in _DAY_SETS:
        return _DAY_SETS[piece]
    ends = piece.split("-")
    if len(ends) > 2 or any(end not in _DAY_NUMBERS for end in ends):
        raise InputError(InputProblem.MALFORMED_DAYS, text=text)
    first, last = _DAY_NUMBERS[ends[0]], _DAY_NUMBERS[ends[-1]]
    length = (last - first) % 7 + 1  # "fri-mon" goes on through the weekend
    return frozenset((first - 1 + step) % 7 + 1 for step in range(length))


def format_clock(minutes: int) -> str:
    """ "09:00" for 540, "24:00" for 1440 (the end of the day)."""
    if not 0 <= minutes <= MINUTES_PER_DAY:
        raise ValueError(f"not a time of day: {minutes} minutes")
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --- time zone and holidays --------------------------------------------------------------------

_ZONE_ALIASES = {"msk": "Europe/Moscow", "мск": "Europe/Moscow"}


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def parse_timezone(text: str) -> ZoneInfo:
    """An IANA zone, any case: "Europe/Moscow", "europe/moscow", "UTC", "America/New York";
    "MSK"/"МСК" for Moscow. Only names the zone database lists ever reach `ZoneInfo`."""
    words = re.sub(r"\s*/\s*", "/", text.strip()).split()
    folded = "_".join(words).casefold()
    name = _ZONE_ALIASES.get(folded) or _zones_by_folded_name().get(folded)
    if name is None:
        raise InputError(InputProblem.UNKNOWN_TIMEZONE, text=text)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InputError(InputProblem.UNKNOWN_TIMEZONE, text=text) from error


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DOTTED_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")


# The report's periods: today (0) and the last 7 and 30 days.
REPORT_PERIODS = (0, 7, 30)
_PERIOD_WORDS = {
    **dict.fromkeys(("", "today", "сегодня", "0"), 0),
    **dict.fromkeys(("7", "week", "неделя"), 7),
    **dict.fromkeys(("30", "month", "месяц"), 30),
}


def parse_period(text: str) -> int | None:
    """The report's period in days (0: today) from "today", "7", "30", "week", "месяц"…;
    None for anything else."""
    return _PERIOD_WORDS.get(" ".join(text.lower().split()))


def parse_date(text: str) -> date:
    """ "2027-01-07" or "07.01.2027" (day first). No two-digit years, no slashes: both are
    read differently in different countries."""
    stripped = text.strip()
    if match := _ISO_DATE.fullmatch(stripped):
        year, month, day = match.groups()
    elif match := _DOTTED_DATE.fullmatch(stripped):
        day, month, year = match.groups()
    else:
        raise InputError(InputProblem.MALFORMED_DATE, text=text)
    try:
        return date(int(year), int(month), int(day))
    except ValueError as error:
        raise InputError(InputProblem.MALFORMED_DATE, text=text) from error
