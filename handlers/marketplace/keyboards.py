"""Callback data and inline keyboards of /connect (in private) and /seller (in the group)."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from handlers.core.keyboards import built_once_per_language
from services.marketplace.models import Marketplace
from services.marketplace.sellers import SellerView


class ConnectPick(CallbackData, prefix="mpc"):
    """Connect this marketplace (a Marketplace value) to this seller; pressed in private."""

    seller: int
    marketplace: str


class ConnectCancel(CallbackData, prefix="mpx"):
    """Stop connecting; the flow's state says what there is to stop."""


class AccountAction(CallbackData, prefix="mpa"):
    """A /seller button in the group: pause | resume | disconnect | confirm | keep."""

    action: str
    account: int


class ReplyRetry(CallbackData, prefix="mpr"):
    """Send this outbox reply again (pressed on the notice about its failure)."""

    reply: int


def retry_reply(t: Callable[..., str], reply_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("desk-button-retry"), callback_data=ReplyRetry(reply=reply_id))
    return builder.as_markup()


def open_private_chat(i18n: I18nContext, url: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=i18n.get("seller-button-open-private"), url=url)
    return builder.as_markup()


def marketplace_choice(i18n: I18nContext, seller_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for marketplace in Marketplace:
        builder.button(
            text=marketplace.label,
            callback_data=ConnectPick(seller=seller_id, marketplace=marketplace.value),
        )
    builder.button(text=i18n.get("seller-button-cancel"), callback_data=ConnectCancel())
    builder.adjust(len(Marketplace), 1)
    return builder.as_markup()


@built_once_per_language
def cancel_only(i18n: I18nContext) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=i18n.get("seller-button-cancel"), callback_data=ConnectCancel())
    return builder.as_markup()


def retry_or_cancel(
    i18n: I18nContext, seller_id: int, marketplace: Marketplace
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=i18n.get("seller-button-retry"),
        callback_data=ConnectPick(seller=seller_id, marketplace=marketplace.value),
    )
    builder.button(text=i18n.get("seller-button-cancel"), callback_data=ConnectCancel())
    builder.adjust(2)
    return builder.as_markup()


def account_controls(i18n: I18nContext, seller: SellerView) -> InlineKeyboardMarkup | None:
    """Per account: pause or resume, and disconnect (which asks first)."""
    if not seller.accounts:
        return None
    builder = InlineKeyboardBuilder()
    for account in seller.accounts:
        name = account.marketplace.label
        if account.paused:
            builder.button(
                text=i18n.get("seller-button-resume", marketplace=name),
                callback_data=AccountAction(action="resume", account=account.id),
            )
        else:
            builder.button(
                text=i18n.get("seller-button-pause", marketplace=name),
                callback_data=AccountAction(action="pause", account=account.id),
            )
        builder.button(
            text=i18n.get("seller-button-disconnect", marketplace=name),
            callback_data=AccountAction(action="disconnect", account=account.id),
        )
    builder.adjust(2)
    return builder.as_markup()


def disconnect_confirm(i18n: I18nContext, account_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=i18n.get("seller-button-disconnect-yes"),
        callback_data=AccountAction(action="confirm", account=account_id),
    )
    builder.button(
        text=i18n.get("seller-button-disconnect-keep"),
        callback_data=AccountAction(action="keep", account=account_id),
    )
    builder.adjust(2)
    return builder.as_markup()
