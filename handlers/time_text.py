"""Durations ("1 h 30 min") and moments ("15:30", "05.12 15:30") as the bot writes them, in
any module. `translate` is `i18n.get` in a handler, or a translator for one language in a job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.marketplace.sla_input import format_duration_parts

Translate = Callable[..., str]
DURATION_UNITS = ("duration-days", "duration-hours", "duration-minutes")


def duration_text(translate: Translate, value: timedelta, *, units: int = 3) -> str:
    """The size of `value` in days, hours and minutes, from the largest unit that is not zero
    and at most `units` units from there, zeros left out ("0 min" under a minute)."""
    counts = format_duration_parts(abs(value))
    start = next((index for index, count in enumerate(counts) if count), len(counts))
    parts = [
        translate(key, count=count)
        for key, count in list(zip(DURATION_UNITS, counts, strict=True))[start : start + units]
        if count
    ]
    return " ".join(parts) or translate("duration-minutes", count=0)


def seconds_text(translate: Translate, seconds: int) -> str:
    """A short wait: "45 s" under a minute, else as `duration_text` in two units."""
    if seconds < 60:
        return translate("duration-seconds", count=max(0, seconds))
    return duration_text(translate, timedelta(seconds=seconds), units=2)


def local_moment(moment: datetime, timezone: ZoneInfo, now: datetime) -> str:
    """ "15:30" today, "05.12 15:30" another day this year, "05.12.2025 15:30" before (all in
    `timezone`)."""
    local = moment.astimezone(timezone)
    today = now.astimezone(timezone)
    if local.date() == today.date():
        return local.strftime("%H:%M")
    if local.year == today.year:
        return local.strftime("%d.%m %H:%M")
    return local.strftime("%d.%m.%Y %H:%M")
