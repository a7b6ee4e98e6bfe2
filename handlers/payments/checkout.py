"""Telegram payments: the pre-checkout check (answered within Telegram's 10 seconds) and the
`successful_payment` that credits the order, once."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import Message, PreCheckoutQuery
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.sender import TelegramSender
from handlers.filters import Magic
from handlers.payments.receipts import announce_payment, tell_admins
from services.models import User
from services.payments.catalog import product_title
from services.payments.crediting import PaymentMismatch, Provider, credit_payment
from services.payments.orders import (
    METHOD_CURRENCY,
    Method,
    PaymentEvent,
    PreCheckoutRefused,
    check_pre_checkout,
    count_payment,
    order_by_payload,
)

logger = logging.getLogger(__name__)


async def pre_checkout(query: PreCheckoutQuery, i18n: I18nContext, session: AsyncSession) -> None:
    try:
        await check_pre_checkout(
            session,
            payload=query.invoice_payload,
            user_id=query.from_user.id,
            total_amount=query.total_amount,
            currency=query.currency,
        )
    except PreCheckoutRefused as refused:
        logger.info("pre-checkout refused (%s) for user %s", refused.problem, query.from_user.id)
        await query.answer(ok=False, error_message=i18n.get(f"checkout-refused-{refused.problem}"))
        return
    await query.answer(ok=True)


async def successful_payment(
    message: Message, i18n: I18nContext, session: AsyncSession, settings: Settings, user: User,
    sender: TelegramSender,
) -> None:  # fmt: skip
    paid = message.successful_payment
    assert paid is not None
    order = await order_by_payload(session, paid.invoice_payload)
    if order is None:
        logger.error("payment %s names no order", paid.telegram_payment_charge_id)
        method = (
            Method.STARS if paid.currency == METHOD_CURRENCY[Method.STARS] else Method.TELEGRAM_CARD
        )
        count_payment(method, PaymentEvent.MISMATCH)
        await message.answer(i18n.get("paid-unmatched"))
        await tell_admins(
            sender,
            settings,
            i18n.core.get(
                "paid-unmatched-admin",
                settings.default_language,
                user=user.telegram_id,
                charge=paid.telegram_payment_charge_id,
            ),
        )
        return
    try:
        credited = await credit_payment(
            session,
            order=order,
            provider=Provider.TELEGRAM_STARS
            if paid.currency == "XTR"
            else Provider.TELEGRAM_PROVIDER,
            charge_id=paid.telegram_payment_charge_id,
            provider_charge_id=paid.provider_payment_charge_id or None,
            amount=paid.total_amount,
            currency=paid.currency,
            # A Stars subscription renews with the first invoice's payload: a new order then.
            recurring=bool(paid.is_recurring),
        )
    except PaymentMismatch:
        logger.exception("payment %s does not match its order", paid.telegram_payment_charge_id)
        await message.answer(i18n.get("paid-unmatched"))
        return
    if not credited.created:  # Telegram delivered the same payment again
        logger.info("duplicate successful_payment %s ignored", paid.telegram_payment_charge_id)
        return
    await session.commit()  # credited before anyone is told so
    title = await product_title(session, credited.product_id, i18n.locale)
    await announce_payment(
        sender,
        settings, i18n.core, i18n.locale, credited, title, user.first_name or str(user.telegram_id),
    )  # fmt: skip


def register(router: Router) -> None:
    router.pre_checkout_query.register(pre_checkout)
    router.message.register(successful_payment, Magic(F.successful_payment))
