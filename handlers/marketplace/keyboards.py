"""Callback data and inline keyboards of /connect (in private), and /seller, /templates, /sla and
/chats (in the group)."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from handlers.core.keyboards import built_once_per_language
from services.marketplace.intents import Intent
from services.marketplace.models import Marketplace
from services.marketplace.seller_templates import SavedTemplate
from services.marketplace.sellers import REPLY_TONES, SellerView
from services.marketplace.sla import ChatFilter
from services.marketplace.sla_input import REPORT_PERIODS


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


class SellerOption(CallbackData, prefix="mpo"):
    """A /seller button for the seller's replies: auto-suggest (on | off) or tone (a REPLY_TONES
    value). It carries the value to set, so a press on an old screen sets, never flips back."""

    option: str
    value: str


class TemplatesAction(CallbackData, prefix="mpt"):
    """A /templates button in the group: list | intent | add | edit | delete | confirm.

    `intent` is an Intent value ("" for the list), `template` a template id (0 for none)."""

    action: str
    intent: str = ""
    template: int = 0


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


def next_tone(tone: str) -> str:
    position = REPLY_TONES.index(tone) if tone in REPLY_TONES else -1
    return REPLY_TONES[(position + 1) % len(REPLY_TONES)]


def account_controls(i18n: I18nContext, seller: SellerView) -> InlineKeyboardMarkup | None:
    """Per account: pause or resume, and disconnect (which asks first); then, once anything is
    connected, the replies' options: auto suggestions on or off, and the tone (cycles)."""
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
    suggest = "on" if seller.auto_suggest else "off"
    builder.button(
        text=i18n.get("seller-button-auto-suggest", suggest=suggest),
        callback_data=SellerOption(
            option="auto-suggest", value="off" if seller.auto_suggest else "on"
        ),
    )
    builder.button(
        text=i18n.get("seller-button-tone", tone=i18n.get(f"seller-tone-{seller.reply_tone}")),
        callback_data=SellerOption(option="tone", value=next_tone(seller.reply_tone)),
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


def intent_label(i18n: I18nContext, intent: Intent) -> str:
    """The category's name, as /templates and the suggestions show it."""
    return i18n.get(f"templates-intent-{intent.value}")


def templates_intents(i18n: I18nContext, counts: dict[Intent, int]) -> InlineKeyboardMarkup:
    """One button per intent, with how many templates it has."""
    builder = InlineKeyboardBuilder()
    for intent in Intent:
        builder.button(
            text=i18n.get(
                "templates-intent-button",
                intent=intent_label(i18n, intent),
                count=counts.get(intent, 0),
            ),
            callback_data=TemplatesAction(action="intent", intent=intent.value),
        )
    builder.adjust(1)
    return builder.as_markup()


def templates_of_intent(
    i18n: I18nContext, intent: Intent, templates: list[SavedTemplate]
) -> InlineKeyboardMarkup:
    """Edit and delete per template (numbered as shown), then add and back."""
    builder = InlineKeyboardBuilder()
    for number, template in enumerate(templates, start=1):
        builder.button(
            text=i18n.get("templates-button-edit", number=number),
            callback_data=TemplatesAction(action="edit", intent=intent.value, template=template.id),
        )
        builder.button(
            text=i18n.get("templates-button-delete", number=number),
            callback_data=TemplatesAction(
                action="delete", intent=intent.value, template=template.id
            ),
        )
    builder.button(
        text=i18n.get("templates-button-add"),
        callback_data=TemplatesAction(action="add", intent=intent.value),
    )
    builder.button(
        text=i18n.get("templates-button-back"), callback_data=TemplatesAction(action="list")
    )
    builder.adjust(*([2] * len(templates)), 2)
    return builder.as_markup()


def template_delete_confirm(
    i18n: I18nContext, intent: Intent, template_id: int
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=i18n.get("templates-button-delete-yes"),
        callback_data=TemplatesAction(action="confirm", intent=intent.value, template=template_id),
    )
    builder.button(
        text=i18n.get("templates-button-delete-keep"),
        callback_data=TemplatesAction(action="intent", intent=intent.value),
    )
    builder.adjust(2)
    return builder.as_markup()


class SlaReportPick(CallbackData, prefix="msr"):
    """/sla report for a period: 0 = today, else the last `days` days."""

    days: int


class ChatsPage(CallbackData, prefix="msl"):
    """/chats with a filter (`shown`: a ChatFilter value), at a page (from 0)."""

    shown: str
    page: int


CHAT_FILTERS = tuple(chat_filter.value for chat_filter in ChatFilter)


def sla_controls(i18n: I18nContext) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for days in REPORT_PERIODS:
        builder.button(
            text=i18n.get("sla-button-report", days=days), callback_data=SlaReportPick(days=days)
        )
    builder.button(text=i18n.get("sla-button-chats"), callback_data=ChatsPage(shown="all", page=0))
    builder.adjust(len(REPORT_PERIODS), 1)
    return builder.as_markup()


def chats_controls(i18n: I18nContext, current: str, page: int, pages: int) -> InlineKeyboardMarkup:
    """The filters (the current one ticked) and, when there is more than a page, paging."""
    builder = InlineKeyboardBuilder()
    for name in CHAT_FILTERS:
        label = i18n.get(f"chats-filter-{name}")
        builder.button(
            text=f"✓ {label}" if name == current else label,
            callback_data=ChatsPage(shown=name, page=0),
        )
    sizes = [3, 2]
    if pages > 1:
        builder.button(text="‹", callback_data=ChatsPage(shown=current, page=(page - 1) % pages))
        builder.button(
            text=f"{page + 1}/{pages}", callback_data=ChatsPage(shown=current, page=page)
        )
        builder.button(text="›", callback_data=ChatsPage(shown=current, page=(page + 1) % pages))
        sizes.append(3)
    builder.adjust(*sizes)
    return builder.as_markup()
