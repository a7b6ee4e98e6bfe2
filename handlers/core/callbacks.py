from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class MenuCallback(CallbackData, prefix="menu"):
    """A main-menu entry: a module name, or one of the core sections."""

    section: str


class LanguageCallback(CallbackData, prefix="lang"):
    language: str
