from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Module, Settings
from services.languages import language_from_telegram
from services.models import User
from services.users import is_valid_deep_link_payload, record_start_source


def test_modules_parse_from_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODULES", " Interview , admin")
    settings = Settings(_env_file=None)
    assert settings.modules == [Module.INTERVIEW, Module.ADMIN]
    assert settings.module_enabled(Module.ADMIN)
    assert not settings.module_enabled(Module.PAYMENTS)


def test_unknown_module_is_refused_with_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODULES", "interview,crm")
    with pytest.raises(ValidationError, match="unknown module"):
        Settings(_env_file=None)


def test_defaults_are_the_embedded_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "BOT_TOKEN", "MODULES"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.redis_url is None
    assert settings.uses_sandbox
    assert settings.modules == list(Module)
    assert settings.fsm_ttl_seconds == 24 * 3600


def test_env_example_copied_as_is_runs_the_embedded_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    names = re.findall(r"^([A-Z][A-Z0-9_]*)=", example.read_text(encoding="utf-8"), re.M)
    assert "BOT_TOKEN" in names
    for name in names:
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=example)
    assert settings.uses_sandbox  # BOT_TOKEN= is blank there
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.redis_url is None
    assert settings.ozon_api_url is None and settings.marketplace_credentials_key is None


def test_admin_ids_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "12, 34")
    assert Settings(_env_file=None).admin_ids == [12, 34]


@pytest.mark.parametrize(
    ("code", "expected"),
    [("ru", "ru"), ("ru-RU", "ru"), ("en-GB", "en"), ("uk", "en"), (None, "en"), ("", "en")],
)
def test_language_from_telegram(code: str | None, expected: str) -> None:
    assert language_from_telegram(code, fallback="en") == expected


@pytest.mark.parametrize(
    ("payload", "valid"),
    [("promo_2026", True), ("a-b", True), ("x" * 64, True), ("x" * 65, False), ("bad payload", False),
     ("<script>", False), ("", False)],
)  # fmt: skip
def test_deep_link_payload_validation(payload: str, valid: bool) -> None:
    assert is_valid_deep_link_payload(payload) is valid


def test_first_deep_link_wins() -> None:
    user = User(telegram_id=1, first_name="A", language="en")
    assert record_start_source(user, "ads_vk")
    assert not record_start_source(user, "ads_tg")
    assert user.start_source == "ads_vk"


@pytest.mark.asyncio
async def test_two_first_updates_of_one_person_at_once_both_succeed(
    migrated_database_url: str,
) -> None:
    """A new user's first updates can come from two chats at once: one row, no error."""
    import asyncio
    import random

    from services.database import create_engine, create_session_factory
    from services.users import TelegramProfile, upsert_user

    engine = create_engine(migrated_database_url)
    sessions = create_session_factory(engine)
    profile = TelegramProfile(random.randint(10**9, 2 * 10**9), "Twice", language_code="ru")

    async def first_contact() -> bool:
        async with sessions() as session:
            user, created = await upsert_user(session, profile, "en")
            await session.commit()
            assert user.language == "ru"
            return created

    try:
        created = await asyncio.gather(*(first_contact() for _ in range(4)))
    finally:
        await engine.dispose()
    assert sorted(created) == [False, False, False, True]
