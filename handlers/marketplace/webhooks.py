"""Placeholder: Ozon's push notifications."""

from __future__ import annotations

from typing import Any

from bot.config import Settings


def web_routes(settings: Settings) -> list[Any]:
    del settings
    return []
