"""Placeholder: filled in by the marketplace desk work."""

from __future__ import annotations

from aiogram import Router


def register(router: Router) -> None:
    del router
