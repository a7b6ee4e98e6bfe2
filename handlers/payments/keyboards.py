"""Inline keyboards of the payment screens."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from handlers.core.callbacks import MenuCallback
from handlers.core.keyboards import HOME_SECTION
from handlers.payments.callbacks import BuyAction, PriceConfirm, RefundDecision, RefundPick
from services.payments.catalog import Offer, format_amount
from services.payments.orders import METHOD_CURRENCY, Method


def products_menu(i18n: I18nContext, items: Sequence[Offer]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for offer in items:
        builder.button(
            text=offer.product.title(i18n.locale), callback_data=BuyAction(product=offer.product.id)
        )
    builder.button(
        text=i18n.get("button-main-menu"), callback_data=MenuCallback(section=HOME_SECTION)
    )
    builder.adjust(1)
    return builder.as_markup()


def methods_menu(
    i18n: I18nContext, offer: Offer, methods: Sequence[Method]
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for method in methods:
        currency = METHOD_CURRENCY[method]
        builder.button(
            text=i18n.get(
                f"buy-method-{method.value.replace('_', '-')}",
                price=format_amount(offer.prices[currency], currency),
            ),
            callback_data=BuyAction(product=offer.product.id, method=method.value),
        )
    builder.button(text=i18n.get("button-back"), callback_data=MenuCallback(section="payments"))
    builder.adjust(1)
    return builder.as_markup()


def pay_link(i18n: I18nContext, url: str, price: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=i18n.get("buy-pay-button", price=price), url=url)
    return builder.as_markup()


def refundable_menu(i18n: I18nContext, payments: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for payment_id, label in payments:
        builder.button(text=label, callback_data=RefundPick(payment=payment_id))
    builder.adjust(1)
    return builder.as_markup()


def refund_decision(labels: dict[str, str], request_id: int) -> InlineKeyboardMarkup:
    """Approve / Reject under a refund request in the admin group (`labels` by action)."""
    builder = InlineKeyboardBuilder()
    for action in ("approve", "reject"):
        builder.button(
            text=labels[action], callback_data=RefundDecision(action=action, request=request_id)
        )
    builder.adjust(2)
    return builder.as_markup()


def price_confirm(
    i18n: I18nContext, product: str, currency: str, amount: int
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in ("yes", "no"):
        builder.button(
            text=i18n.get(f"price-confirm-{action}"),
            callback_data=PriceConfirm(
                action=action, product=product, currency=currency, amount=amount
            ),
        )
    builder.adjust(2)
    return builder.as_markup()
