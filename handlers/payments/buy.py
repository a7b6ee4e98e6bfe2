"""Buying: /buy (and 💳 in the menu, and the "out of interviews" screen) → a product → a way
to pay → an invoice (Telegram Stars or a card through Telegram) or a YooKassa Pay button.

An order row exists before any invoice or link; the invoice's payload names it.
"""

from __future__ import annotations

import json
import logging
import secrets

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, LabeledPrice, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Module, Settings
from handlers.core.callbacks import MenuCallback
from handlers.payments.callbacks import BuyAction
from handlers.payments.keyboards import methods_menu, pay_link, products_menu
from handlers.screens import show
from services.models import User
from services.payments.catalog import Offer, format_amount, offers
from services.payments.orders import (
    METHOD_CURRENCY,
    Method,
    attach_provider_payment,
    create_order,
)
from services.payments.yookassa_gateway import YooKassaError, YooKassaGateway, kopecks_to_value

logger = logging.getLogger(__name__)

SUBSCRIPTION_PERIOD_SECONDS = 30 * 24 * 60 * 60  # Telegram accepts exactly 30 days


def available_methods(settings: Settings, yookassa: YooKassaGateway | None) -> list[Method]:
    """Stars always; a card through Telegram with a provider token; YooKassa with its keys."""
    methods = [Method.STARS]
    if settings.telegram_provider_token is not None:
        methods.append(Method.TELEGRAM_CARD)
    if yookassa is not None:
        methods.append(Method.YOOKASSA_LINK)
    return methods


async def _catalogue(i18n: I18nContext, session: AsyncSession) -> tuple[str, list[Offer]]:
    items = await offers(session)
    lines = [i18n.get("buy-title")]
    for offer in items:
        prices = " · ".join(
            format_amount(amount, currency) for currency, amount in sorted(offer.prices.items())
        )
        lines.append(
            i18n.get(
                "buy-product-line",
                title=offer.product.title(i18n.locale),
                description=offer.product.description(i18n.locale),
                prices=prices,
            )
        )
    if not items:
        lines.append(i18n.get("buy-nothing-on-sale"))
    return "\n\n".join(lines), items


async def _offer(session: AsyncSession, product_id: str) -> Offer | None:
    """The product on sale with its current prices; None once it is no longer sold."""
    return next((offer for offer in await offers(session) if offer.product.id == product_id), None)


async def buy_command(message: Message, i18n: I18nContext, session: AsyncSession) -> None:
    text, items = await _catalogue(i18n, session)
    await message.answer(text, reply_markup=products_menu(i18n, items))


async def buy_screen(query: CallbackQuery, i18n: I18nContext, session: AsyncSession) -> None:
    text, items = await _catalogue(i18n, session)
    await show(query, text, products_menu(i18n, items))


async def choose_method(
    query: CallbackQuery, callback_data: BuyAction, i18n: I18nContext, session: AsyncSession,
    settings: Settings, yookassa: YooKassaGateway | None,
) -> None:  # fmt: skip
    offer = await _offer(session, callback_data.product)
    if offer is None:
        await query.answer(i18n.get("callback-stale"))
        return
    methods = [
        method
        for method in available_methods(settings, yookassa)
        if METHOD_CURRENCY[method] in offer.prices
    ]
    text = i18n.get(
        "buy-choose-method",
        title=offer.product.title(i18n.locale),
        description=offer.product.description(i18n.locale),
    )
    await show(query, text, methods_menu(i18n, offer, methods))


async def pay(
    query: CallbackQuery, callback_data: BuyAction, bot: Bot, i18n: I18nContext,
    session: AsyncSession, settings: Settings, user: User, yookassa: YooKassaGateway | None,
) -> None:  # fmt: skip
    method = Method(callback_data.method)
    if method not in available_methods(settings, yookassa):
        await query.answer(i18n.get("callback-stale"))
        return
    offer = await _offer(session, callback_data.product)
    if offer is None or METHOD_CURRENCY[method] not in offer.prices:
        await query.answer(i18n.get("callback-stale"))
        return
    await query.answer()
    order = await create_order(session, user.telegram_id, offer.product.id, method)
    await session.commit()  # the order exists before any invoice or link names it
    title = offer.product.title(i18n.locale)
    description = offer.product.description(i18n.locale)
    chat_id = user.telegram_id
    if method is Method.STARS and offer.product.kind == "subscription":
        link = await bot.create_invoice_link(
            title=title,
            description=description,
            payload=order.payload,
            currency="XTR",
            prices=[LabeledPrice(label=title, amount=order.amount)],
            subscription_period=SUBSCRIPTION_PERIOD_SECONDS,
        )
        await bot.send_message(
            chat_id,
            i18n.get("buy-subscription-link", title=title),
            reply_markup=pay_link(i18n, link, format_amount(order.amount, "XTR")),
        )
    elif method is Method.STARS:
        await bot.send_invoice(
            chat_id,
            title=title,
            description=description,
            payload=order.payload,
            currency="XTR",
            prices=[LabeledPrice(label=title, amount=order.amount)],
        )
    elif method is Method.TELEGRAM_CARD:
        assert settings.telegram_provider_token is not None
        await bot.send_invoice(
            chat_id,
            title=title,
            description=description,
            payload=order.payload,
            provider_token=settings.telegram_provider_token.get_secret_value(),
            currency="RUB",
            prices=[LabeledPrice(label=title, amount=order.amount)],
            provider_data=json.dumps(receipt(description, order.amount), ensure_ascii=False),
            need_email=True,
            send_email_to_provider=True,
        )
    else:
        assert yookassa is not None
        try:
            payment = await yookassa.create_payment(
                amount=order.amount,
                currency="RUB",
                description=f"{title} (#{order.id})",
                order_id=order.id,
                return_url=await _return_url(bot, settings),
                idempotency_key=f"order-{order.id}-{secrets.token_hex(8)}",
            )
        except YooKassaError as error:
            logger.warning("YooKassa payment for order %s failed: %s", order.id, error)
            await bot.send_message(chat_id, i18n.get("buy-provider-unavailable"))
            return
        attach_provider_payment(order, payment.id)
        await session.commit()  # before the link: its notification may come at once
        assert payment.confirmation_url is not None
        await bot.send_message(
            chat_id,
            i18n.get("buy-yookassa-link", title=title),
            reply_markup=pay_link(
                i18n, payment.confirmation_url, format_amount(order.amount, "RUB")
            ),
        )


async def _return_url(bot: Bot, settings: Settings) -> str:
    """Where YooKassa's page sends the payer afterwards: back to the chat with the bot."""
    if settings.uses_sandbox:
        return f"http://{settings.sandbox_host}:{settings.sandbox_port}/"
    return f"https://t.me/{(await bot.me()).username}"


def receipt(description: str, amount: int) -> dict[str, object]:
    """The 54-FZ receipt YooKassa needs, as Telegram passes it in `provider_data`."""
    return {
        "receipt": {
            "items": [
                {
                    "description": description[:128],
                    "quantity": "1.00",
                    "amount": {"value": kopecks_to_value(amount), "currency": "RUB"},
                    "vat_code": 1,
                }
            ]
        }
    }


def register(router: Router) -> None:
    router.message.register(buy_command, Command("buy"))
    router.callback_query.register(buy_screen, MenuCallback.filter(F.section == Module.PAYMENTS))
    router.callback_query.register(choose_method, BuyAction.filter(F.method == ""))
    router.callback_query.register(pay, BuyAction.filter(F.method != ""))
