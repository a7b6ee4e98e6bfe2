"""/balance: interviews left, the subscription, the last payments."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from services.models import User
from services.payments.catalog import format_amount
from services.payments.refunds import balance_view


async def balance_command(
    message: Message, i18n: I18nContext, session: AsyncSession, settings: Settings, user: User
) -> None:
    view = await balance_view(
        session, user.telegram_id, settings.free_interviews, language=i18n.locale
    )
    lines = [i18n.get("balance-title", free=view.free_left, credits=view.credits)]
    if view.subscription_until is not None:
        lines.append(
            i18n.get("balance-subscription", until=view.subscription_until.strftime("%d.%m.%Y"))
        )
    if view.payments:
        lines.append(i18n.get("balance-payments-header"))
        for line in view.payments:
            lines.append(
                i18n.get(
                    "balance-payment-line",
                    date=line.created_at.strftime("%d.%m.%Y"),
                    title=line.title,
                    price=format_amount(line.amount, line.currency),
                    refunded="yes" if line.refunded else "no",
                )
            )
    else:
        lines.append(i18n.get("balance-no-payments"))
    await message.answer("\n".join(lines))


def register(router: Router) -> None:
    router.message.register(balance_command, Command("balance"))
