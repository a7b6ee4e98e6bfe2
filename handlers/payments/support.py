"""/paysupport: the terms, and a refund request for a recent payment (decided in the admin
group, see admin.py)."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from handlers.filters import PLAIN_TEXT
from handlers.payments.callbacks import RefundPick
from handlers.payments.keyboards import refund_decision, refundable_menu
from handlers.payments.states import RefundRequestFlow
from services.models import User
from services.payments.catalog import format_amount, product_title
from services.payments.refunds import (
    RefundRefused,
    refundable_payments,
    request_refund,
    set_refund_message,
)

logger = logging.getLogger(__name__)

MAX_REASON_CHARS = 500
PAYMENT_ID = "refund_payment_id"


async def paysupport(
    message: Message, i18n: I18nContext, session: AsyncSession, settings: Settings, user: User
) -> None:
    payments = await refundable_payments(
        session, user.telegram_id, window_days=settings.refund_window_days
    )
    terms = i18n.get("paysupport-terms", days=settings.refund_window_days)
    if not payments:
        await message.answer(terms + "\n\n" + i18n.get("paysupport-nothing-to-refund"))
        return
    labels = [
        (
            payment.payment_id,
            i18n.get(
                "paysupport-payment-button",
                date=payment.created_at.strftime("%d.%m"),
                title=await product_title(session, payment.product_id, i18n.locale),
                price=format_amount(payment.amount, payment.currency),
            ),
        )
        for payment in payments
    ]
    await message.answer(
        terms + "\n\n" + i18n.get("paysupport-pick"), reply_markup=refundable_menu(i18n, labels)
    )


async def pick_payment(
    query: CallbackQuery, callback_data: RefundPick, i18n: I18nContext, state: FSMContext
) -> None:
    await query.answer()
    await state.set_state(RefundRequestFlow.reason)
    await state.update_data({PAYMENT_ID: callback_data.payment})
    await query.bot.send_message(query.from_user.id, i18n.get("paysupport-ask-reason"))  # type: ignore[union-attr]


async def refund_reason(
    message: Message, bot: Bot, i18n: I18nContext, session: AsyncSession, state: FSMContext,
    settings: Settings, user: User,
) -> None:  # fmt: skip
    payment_id = (await state.get_data()).get(PAYMENT_ID)
    reason = (message.text or "").strip()[:MAX_REASON_CHARS]
    await state.clear()
    try:
        request = await request_refund(
            session,
            user_id=user.telegram_id,
            payment_id=int(payment_id or 0),
            reason=reason,
            window_days=settings.refund_window_days,
        )
    except RefundRefused as refused:
        await message.answer(i18n.get(f"refund-refused-{refused.problem}"))
        return
    await session.commit()
    await message.answer(i18n.get("paysupport-requested", request=str(request.id)))
    if settings.admin_chat_id is None:
        logger.warning("refund request %s: no ADMIN_CHAT_ID to decide it", request.id)
        return
    text = i18n.core.get(
        "refund-admin-request",
        settings.default_language,
        request=str(request.id),
        user=str(user.telegram_id),
        name=escape(user.first_name or ""),
        payment=str(request.payment_id),
        reason=escape(reason),
    )
    labels = {
        action: i18n.core.get(f"refund-admin-{action}", settings.default_language)
        for action in ("approve", "reject")
    }
    posted = await bot.send_message(
        settings.admin_chat_id, text, reply_markup=refund_decision(labels, request.id)
    )
    await set_refund_message(session, request.id, posted.message_id)


def register(router: Router) -> None:
    router.message.register(paysupport, Command("paysupport"))
    router.callback_query.register(pick_payment, RefundPick.filter())
    router.message.register(refund_reason, StateFilter(RefundRequestFlow.reason), PLAIN_TEXT)
