"""Marketplace times as aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime

from services.models.base import aware, utcnow


def parse_timestamp(value: object) -> datetime:
    """An ISO 8601 string or Unix milliseconds; what cannot be read is taken as now, so one odd
    field never loses a buyer's message. (Python 3.11 reads "Z" and cuts fractions longer than
    six digits, which Ozon and Wildberries sometimes send.)"""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str) and value:
        try:
            return aware(datetime.fromisoformat(value))
        except ValueError:
            return utcnow()
    return utcnow()
