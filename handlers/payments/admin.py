"""The payments part of the admin group: prices (/price) and refund decisions.

Only admins writing in ADMIN_CHAT_ID get here (`IsAdmin`); for anyone else these commands do
not exist.
"""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.sender import OutgoingText, TelegramSender
from handlers.admin_group import AdminInput, IsAdmin, admin_text, ask_admin
from handlers.filters import PLAIN_TEXT
from handlers.payments.callbacks import PriceConfirm, RefundDecision
from handlers.payments.keyboards import price_confirm
from services.models import User
from services.payments.catalog import (
    PriceProblem,
    PriceRejected,
    ProductKind,
    format_amount,
    get_product,
    offers,
    parse_amount,
    price_history,
    set_price,
)
from services.payments.crediting import Provider
from services.payments.refunds import (
    RefundPlan,
    RefundRefused,
    complete_refund,
    plan_refund,
    reject_refund,
)
from services.payments.yookassa_gateway import YooKassaError, YooKassaGateway

logger = logging.getLogger(__name__)

REJECTED_REQUEST = "rejected_request"


async def price_command(
    message: Message, command: CommandObject, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    args = (command.args or "").split()
    if not args:
        lines = [admin_text(i18n, settings, "price-list-title")]
        for offer in await offers(session):
            for currency, amount in sorted(offer.prices.items()):
                lines.append(
                    admin_text(
                        i18n,
                        settings,
                        "price-list-line",
                        product=offer.product.id,
                        currency=currency,
                        price=format_amount(amount, currency),
                    )
                )
        history = await price_history(session, limit=5)
        if history:
            lines.append(admin_text(i18n, settings, "price-history-title"))
            for change in history:
                lines.append(
                    admin_text(
                        i18n,
                        settings,
                        "price-history-line",
                        product=change.product_id,
                        currency=change.currency,
                        old=format_amount(change.old_amount, change.currency)
                        if change.old_amount is not None
                        else "—",
                        new=format_amount(change.new_amount, change.currency),
                        admin=str(change.changed_by or "—"),
                        date=change.changed_at.strftime("%d.%m.%Y %H:%M"),
                    )
                )
        lines.append(admin_text(i18n, settings, "price-usage"))
        await message.answer("\n".join(lines))
        return
    if len(args) != 3:
        await message.answer(admin_text(i18n, settings, "price-usage"))
        return
    product, currency, text = args[0], args[1].upper(), args[2]
    try:
        amount = parse_amount(text, currency)
        known = {offer.product.id for offer in await offers(session)}
        if product not in known:
            raise PriceRejected(PriceProblem.UNKNOWN_PRODUCT)
    except PriceRejected as rejected:
        await message.answer(admin_text(i18n, settings, f"price-rejected-{rejected.problem}"))
        return
    await message.answer(
        admin_text(
            i18n,
            settings,
            "price-confirm",
            product=escape(product),
            price=format_amount(amount, currency),
        ),
        reply_markup=price_confirm(i18n, product, currency, amount),
    )


async def price_confirmed(
    query: CallbackQuery, callback_data: PriceConfirm, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    message = query.message if isinstance(query.message, Message) else None
    if callback_data.action != "yes":
        await query.answer()
        if message is not None:
            await message.edit_text(admin_text(i18n, settings, "price-cancelled"))
        return
    try:
        change = await set_price(
            session,
            callback_data.product,
            callback_data.currency,
            callback_data.amount,
            changed_by=query.from_user.id,
        )
    except PriceRejected as rejected:
        await query.answer(
            admin_text(i18n, settings, f"price-rejected-{rejected.problem}"), show_alert=True
        )
        return
    await query.answer()
    if message is not None:
        await message.edit_text(
            admin_text(
                i18n,
                settings,
                "price-set",
                product=escape(change.product_id),
                price=format_amount(change.new_amount, change.currency),
            )
        )


async def _send_refund_notice(sender: TelegramSender, user_id: int, notice: str) -> None:
    """The decision stands whether or not the user gets the notice (blocked the bot, say)."""
    delivered = await sender.send(OutgoingText(user_id, notice, parse_mode="HTML"))
    if not delivered.sent:
        logger.warning("refund notice to %s not delivered: %s", user_id, delivered.detail)


async def refund_decision(
    query: CallbackQuery, callback_data: RefundDecision, bot: Bot, i18n: I18nContext,
    session: AsyncSession, state: FSMContext, settings: Settings,
    yookassa: YooKassaGateway | None, sender: TelegramSender,
) -> None:  # fmt: skip
    if callback_data.action == "reject":
        await query.answer()
        await state.set_state(AdminInput.refund_reason)
        await state.update_data({REJECTED_REQUEST: callback_data.request})
        await ask_admin(
            bot,
            i18n,
            settings,
            query.from_user,
            "refund-admin-ask-reason",
            request=str(callback_data.request),
        )
        return
    try:
        plan = await plan_refund(
            session, callback_data.request, max_used_interviews=settings.refund_max_used_interviews
        )
    except RefundRefused as refused:
        await query.answer(
            admin_text(i18n, settings, f"refund-refused-{refused.problem}"), show_alert=True
        )
        return
    try:
        product = await get_product(session, plan.product_id)
        subscription = product is not None and product.kind == ProductKind.SUBSCRIPTION
        outcome = await _refund_with_provider(bot, plan, yookassa, subscription=subscription)
    except (YooKassaError, RuntimeError) as error:
        logger.warning("refund %s failed at the provider: %s", plan.request_id, error)
        await query.answer(admin_text(i18n, settings, "refund-provider-failed"), show_alert=True)
        return
    await complete_refund(session, plan, decided_by=query.from_user.id)
    await session.commit()
    await query.answer()
    user = await session.get(User, plan.user_id)
    language = user.language if user else settings.default_language
    price = format_amount(plan.amount, plan.currency)
    notice = i18n.core.get(f"refund-user-approved-{outcome}", language, price=price)
    await _send_refund_notice(sender, plan.user_id, notice)
    if isinstance(query.message, Message):
        await query.message.edit_text(
            (query.message.html_text or "")
            + "\n\n"
            + admin_text(
                i18n,
                settings,
                f"refund-admin-approved-{outcome}",
                price=price,
                charge=escape(plan.provider_charge_id or plan.charge_id),
            ),
        )


async def _refund_with_provider(
    bot: Bot, plan: RefundPlan, yookassa: YooKassaGateway | None, *, subscription: bool
) -> str:
    """Gives the money back; returns how: "stars", "yookassa" or "manual" (a card paid through
    Telegram's provider is refunded by the operator in the provider's dashboard)."""
    if plan.provider is Provider.TELEGRAM_STARS:
        if not await bot.refund_star_payment(plan.user_id, plan.charge_id):
            raise RuntimeError("refundStarPayment returned false")
        if subscription:
            # Otherwise Telegram keeps renewing the refunded subscription.
            try:
                await bot.edit_user_star_subscription(plan.user_id, plan.charge_id, True)
            except TelegramAPIError as error:
                logger.warning("subscription %s not cancelled: %s", plan.charge_id, error)
        return "stars"
    if plan.provider is Provider.YOOKASSA:
        if yookassa is None:
            raise RuntimeError("YooKassa is not configured")
        await yookassa.create_refund(
            payment_id=plan.charge_id,
            amount=plan.amount,
            currency=plan.currency,
            idempotency_key=f"refund-{plan.request_id}",
        )
        return "yookassa"
    return "manual"


async def rejection_reason(
    message: Message, i18n: I18nContext, session: AsyncSession, state: FSMContext,
    settings: Settings, sender: TelegramSender,
) -> None:  # fmt: skip
    request_id = (await state.get_data()).get(REJECTED_REQUEST)
    await state.clear()
    reason = (message.text or "").strip()[:500]
    try:
        request = await reject_refund(
            session,
            int(request_id or 0),
            decided_by=message.from_user.id,
            reason=reason,  # type: ignore[union-attr]
        )
    except RefundRefused as refused:
        await message.answer(admin_text(i18n, settings, f"refund-refused-{refused.problem}"))
        return
    await session.commit()
    user = await session.get(User, request.user_id)
    language = user.language if user else settings.default_language
    notice = i18n.core.get("refund-user-rejected", language, reason=escape(reason))
    await _send_refund_notice(sender, request.user_id, notice)
    await message.answer(
        admin_text(i18n, settings, "refund-admin-rejected", request=str(request.id))
    )


def build_admin_router() -> Router:
    router = Router(name="payments.admin")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(price_command, Command("price"))
    router.callback_query.register(price_confirmed, PriceConfirm.filter())
    router.callback_query.register(refund_decision, RefundDecision.filter())
    router.message.register(rejection_reason, StateFilter(AdminInput.refund_reason), PLAIN_TEXT)
    return router
