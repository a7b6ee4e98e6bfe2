"""The languages EasyFlow speaks, and how Telegram's language tags map onto them."""

from __future__ import annotations

from pathlib import Path

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "ru")
# One folder per language, each holding Fluent (.ftl) files.
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


def language_from_telegram(language_code: str | None, fallback: str) -> str:
    """Maps Telegram's IETF tag ("ru", "ru-RU", "en-GB", "uk") to a language we speak."""
    if language_code:
        primary = language_code.split("-")[0].lower()
        if primary in SUPPORTED_LANGUAGES:
            return primary
    return fallback
