"""How SLA figures read in the group, and that every key built at run time (an input problem,
a chat filter, a weekday) is translated in every language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from handlers.marketplace.keyboards import CHAT_FILTERS
from handlers.marketplace.sla_text import buyer_label, topic_link
from handlers.time_text import duration_text, local_moment
from services.languages import SUPPORTED_LANGUAGES
from services.marketplace.sla import ChatFilter
from services.marketplace.sla_input import InputProblem
from tests.unit.test_locales import message_ids

UNITS = {"duration-days": "d", "duration-hours": "h", "duration-minutes": "min"}


def english(key: str, **values: Any) -> str:
    if key in UNITS:
        return f"{values['count']} {UNITS[key]}"
    if key == "sla-buyer-order":
        return f"{values['buyer']}, order {values['order']}"
    return {"sla-buyer-unnamed": "Buyer"}[key]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (timedelta(0), "0 min"),
        (timedelta(seconds=29), "0 min"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(hours=1, minutes=30), "1 h 30 min"),
        (timedelta(days=2), "2 d"),
        (timedelta(days=1, hours=2, minutes=5), "1 d 2 h 5 min"),
        (-timedelta(minutes=15), "15 min"),  # how late: the size, not the sign
    ],
)
def test_durations_read_in_days_hours_and_minutes(value: timedelta, expected: str) -> None:
    assert duration_text(english, value) == expected


def test_moments_are_local_and_name_the_day_when_not_today() -> None:
    moscow = ZoneInfo("Europe/Moscow")
    now = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)  # 23:00 in Moscow
    assert local_moment(datetime(2026, 12, 4, 20, 30, tzinfo=UTC), moscow, now) == "23:30"
    assert local_moment(datetime(2026, 12, 4, 21, 30, tzinfo=UTC), moscow, now) == "05.12 00:30"
    assert local_moment(datetime(2026, 12, 4, 20, 30, tzinfo=UTC), UTC, now) == "20:30"
    assert local_moment(datetime(2026, 12, 4, 12, 5, tzinfo=UTC), moscow, now) == "15:05"


def test_a_buyer_is_named_with_the_order() -> None:
    assert buyer_label(english, "Irina", "A-1") == "Irina, order A-1"
    assert buyer_label(english, None, "A-1") == "Buyer, order A-1"
    assert buyer_label(english, "Irina", None) == "Irina"


def test_topic_links_drop_the_supergroup_prefix() -> None:
    assert topic_link(-1001234567890, 42) == "https://t.me/c/1234567890/42"
    assert topic_link(-4242, 7) == "https://t.me/c/4242/7"


def test_keys_built_at_run_time_are_translated() -> None:
    assert set(CHAT_FILTERS) == {f.value for f in ChatFilter}
    wanted = (
        {f"sla-error-{problem.value}" for problem in InputProblem}
        | {f"chats-filter-{name}" for name in CHAT_FILTERS}
        | {f"sla-weekday-{day}" for day in range(1, 8)}
        | set(UNITS)
    )
    for language in SUPPORTED_LANGUAGES:
        missing = wanted - set(message_ids(language))
        assert not missing, f"{language}: {sorted(missing)}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (timedelta(days=2, minutes=5), "2 d"),  # from the largest unit, two units at most
        (timedelta(days=1, hours=2, minutes=5), "1 d 2 h"),
        (timedelta(hours=1, minutes=5), "1 h 5 min"),
        (timedelta(minutes=7), "7 min"),
        (timedelta(seconds=20), "0 min"),
    ],
)
def test_durations_in_the_two_largest_units(value: timedelta, expected: str) -> None:
    assert duration_text(english, value, units=2) == expected


def test_a_moment_of_another_year_shows_the_year() -> None:
    now = datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
    assert local_moment(datetime(2025, 12, 31, 9, 15, tzinfo=UTC), UTC, now) == "31.12.2025 09:15"
