"""The middleware that silences users an admin blocked (middlewares/banned.py), on a scratch
database: what still passes (a payment already taken, an owner or admin), the one notice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest_asyncio
from aiogram.types import Chat, Message, SuccessfulPayment, Update
from aiogram.types import User as TelegramUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from middlewares.banned import BannedUserMiddleware
from services.admins import add_admin
from services.database import create_engine, create_session_factory
from services.models import User
from services.models.base import utcnow

BANNED, OWNER = 501, 1


class Translations:
    def get(self, key: str, language: str, **values: Any) -> str:
        return f"{key}:{language}"


class I18nMiddleware:
    core = Translations()


class RecordingBot:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        self.sent.append((chat_id, text))


@pytest_asyncio.fixture
async def sessions(fresh_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(fresh_database_url)
    factory = create_session_factory(engine)
    async with factory() as session:
        session.add(
            User(
                telegram_id=BANNED, first_name="Bo", language="ru", banned_at=utcnow(), banned_by=1
            )
        )
        await session.commit()
    yield factory
    await engine.dispose()


def _update(text: str | None = None, payment: bool = False) -> Update:
    person = TelegramUser(id=BANNED, is_bot=False, first_name="Bo")
    message = Message(
        message_id=7,
        date=datetime.now(UTC),
        chat=Chat(id=BANNED, type="private"),
        from_user=person,
        text=text,
        successful_payment=SuccessfulPayment(
            currency="XTR",
            total_amount=100,
            invoice_payload="order-1",
            telegram_payment_charge_id="charge-1",
            provider_payment_charge_id="",
        )
        if payment
        else None,
    )
    return Update(update_id=1, message=message)


async def _passes(
    sessions: async_sessionmaker[AsyncSession], update: Update, bot: RecordingBot
) -> bool:
    reached: list[Update] = []

    async def handler(event: Any, data: dict[str, Any]) -> None:
        reached.append(event)

    async with sessions() as session:
        user = await session.get(User, BANNED)
        data = {
            "user": user,
            "session": session,
            "bot": bot,
            "settings": Settings(_env_file=None, admin_ids=[OWNER]),
            "i18n_middleware": I18nMiddleware(),
        }
        await BannedUserMiddleware()(handler, update, data)
        await session.commit()
    return bool(reached)


async def test_a_blocked_user_gets_one_notice_and_nothing_else(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    bot = RecordingBot()
    assert not await _passes(sessions, _update("hello"), bot)
    assert not await _passes(sessions, _update("/start"), bot)
    assert bot.sent == [(BANNED, "card-banned-notice:ru")]


async def test_a_payment_already_taken_is_still_credited(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert await _passes(sessions, _update(payment=True), RecordingBot())


async def test_a_blocked_user_made_admin_passes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await add_admin(session, BANNED, by=OWNER, owners=[OWNER])
        await session.commit()
    bot = RecordingBot()
    assert await _passes(sessions, _update("/health"), bot)
    assert bot.sent == []
