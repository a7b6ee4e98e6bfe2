"""/broadcast: composing a broadcast (being written)."""

from __future__ import annotations

from aiogram import Router


def register(router: Router) -> None:
    pass
