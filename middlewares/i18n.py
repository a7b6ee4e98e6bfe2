from __future__ import annotations

from typing import Any

from aiogram_i18n import I18nMiddleware
from aiogram_i18n.cores import FluentRuntimeCore
from aiogram_i18n.managers import BaseManager
from sqlalchemy.ext.asyncio import AsyncSession

from services.languages import LOCALES_DIR, language_from_telegram
from services.models import User
from services.users import set_language


class UserLanguageManager(BaseManager):
    """Reads the language from the user row; /language writes it back to the database."""

    async def get_locale(
        self, event_from_user: Any = None, user: User | None = None, **_: Any
    ) -> str:
        if user is not None:
            return user.language
        language_code = getattr(event_from_user, "language_code", None)
        return language_from_telegram(language_code, self.default_locale or "en")

    async def set_locale(
        self, locale: str, session: AsyncSession, user: User | None = None, **_: Any
    ) -> None:
        if user is not None:
            await set_language(session, user.telegram_id, locale)
            user.language = locale


def identifier(value: Any, **_: Any) -> Any:
    """`{ ID($id) }` in the locales: an id (a user's, a payment's, an order's) as its digits,
    with no thousands separators (Fluent groups plain numbers: "1,000,000,002")."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int(value))
    return value


def create_translation_core(default_language: str) -> FluentRuntimeCore:
    return FluentRuntimeCore(
        path=LOCALES_DIR / "{locale}",
        default_locale=default_language,
        functions={"ID": identifier},
    )


def create_i18n_middleware(default_language: str) -> I18nMiddleware:
    return I18nMiddleware(
        core=create_translation_core(default_language),
        manager=UserLanguageManager(default_locale=default_language),
        default_locale=default_language,
    )
