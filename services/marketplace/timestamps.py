"""Marketplace times as aware UTC datetimes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# Python takes at most six fractional digits; Ozon and Wildberries sometimes send nine.
LONG_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_timestamp(value: object) -> datetime:
    """An ISO 8601 string or Unix milliseconds; what cannot be read is taken as now, so one odd
    field never loses a buyer's message."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(LONG_FRACTION.sub(r"\1", value.replace("Z", "+00:00")))
        except ValueError:
            return datetime.now(UTC)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)
