"""/seller in the seller's group: its marketplace accounts, their last sync and last error (in
the seller's time zone), and buttons to pause, resume or disconnect each, for the group's
admins only (checked with Telegram at every press); and how replies are suggested in buyer
topics (automatically or on request, and in which tone)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import GROUP_CHAT, PRIVATE_CHAT
from handlers.marketplace.keyboards import (
    AccountAction,
    SellerOption,
    account_controls,
    disconnect_confirm,
)
from handlers.marketplace.membership import group_seller, pressed_by_admin
from handlers.marketplace.tools import MarketplaceTools
from handlers.screens import show
from services.marketplace.errors import FailureReason
from services.marketplace.sellers import (
    REPLY_TONES,
    AccountView,
    SellerView,
    account_of_group,
    disconnect,
    seller_of_group,
    set_auto_suggest,
    set_paused,
    set_reply_tone,
)
from services.models.base import aware


def _local_time(moment: datetime, timezone: ZoneInfo) -> str:
    return aware(moment).astimezone(timezone).strftime("%d.%m.%Y %H:%M")


def _error_text(i18n: I18nContext, error: str) -> str:
    try:
        reason = FailureReason(error)
    except ValueError:
        return escape(error)
    return i18n.get(f"marketplace-failure-{reason.value}")


def _account_lines(i18n: I18nContext, account: AccountView, timezone: ZoneInfo) -> list[str]:
    if account.refusal is not None:
        state = i18n.get("seller-status-refused")
    elif account.paused:
        state = i18n.get("seller-status-paused")
    else:
        state = i18n.get("seller-status-syncing")
    name = account.marketplace.label
    lines = [i18n.get("seller-status-account", marketplace=name, state=state)]
    if account.last_synced_at is None:
        lines.append(i18n.get("seller-status-never-synced"))
    else:
        lines.append(
            i18n.get("seller-status-last-sync", time=_local_time(account.last_synced_at, timezone))
        )
    if account.last_error:
        moment = _local_time(account.last_error_at, timezone) if account.last_error_at else "—"
        lines.append(
            i18n.get(
                "seller-status-last-error", time=moment, error=_error_text(i18n, account.last_error)
            )
        )
    return lines


def _replies_line(i18n: I18nContext, seller: SellerView) -> str:
    return i18n.get(
        "seller-status-replies",
        suggest="on" if seller.auto_suggest else "off",
        tone=i18n.get(f"seller-tone-{seller.reply_tone}"),
    )


def status_text(i18n: I18nContext, seller: SellerView, timezone: ZoneInfo, note: str = "") -> str:
    lines = [i18n.get("seller-status-title", group=escape(seller.title))]
    if seller.rights_lost:
        lines.append(i18n.get("seller-status-rights-lost"))
    if not seller.accounts:
        lines.append(i18n.get("seller-status-nothing-connected"))
    for account in seller.accounts:
        lines.append("")
        lines.extend(_account_lines(i18n, account, timezone))
    if seller.accounts:
        lines += ["", _replies_line(i18n, seller)]
        lines += ["", i18n.get("seller-status-timezone", timezone=timezone.key)]
    if note:
        lines += ["", note]
    return "\n".join(lines)


async def seller_in_group(
    message: Message, i18n: I18nContext, session: AsyncSession, marketplace: MarketplaceTools
) -> None:
    seller = await group_seller(message, i18n, session)
    if seller is None:
        return
    await message.answer(
        status_text(i18n, seller, marketplace.timezone),
        reply_markup=account_controls(i18n, seller),
    )


async def seller_in_private(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("seller-status-in-private"))


async def account_action(
    query: CallbackQuery, callback_data: AccountAction, bot: Bot, i18n: I18nContext,
    session: AsyncSession, marketplace: MarketplaceTools,
) -> None:  # fmt: skip
    message = await pressed_by_admin(query, bot, i18n)
    if message is None:
        return
    chat_id = message.chat.id
    found = await account_of_group(session, chat_id, callback_data.account)
    if found is None:  # disconnected meanwhile, or a button of another seller's group
        await query.answer(i18n.get("seller-account-gone"), show_alert=True)
        return
    account = found.account
    name = account.marketplace.label
    who = escape(query.from_user.full_name)
    action = callback_data.action
    if action == "disconnect":
        await show(
            query,
            i18n.get(
                "seller-disconnect-confirm", marketplace=name, group=escape(found.seller.title)
            ),
            disconnect_confirm(i18n, account.id),
        )
        return
    note = ""
    if action == "pause":
        await set_paused(session, account.id, True)
        note = i18n.get("seller-note-paused", marketplace=name, name=who)
    elif action == "resume":
        await set_paused(session, account.id, False)
        note = i18n.get("seller-note-resumed", marketplace=name, name=who)
    elif action == "confirm":
        await disconnect(session, account.id)
        note = i18n.get("seller-note-disconnected", marketplace=name, name=who)
    elif action != "keep":
        await query.answer(i18n.get("callback-stale"))
        return
    # "keep" changed nothing: the seller as loaded still holds.
    seller = found.seller if action == "keep" else await seller_of_group(session, chat_id)
    assert seller is not None  # the account was found through it
    await show(
        query,
        status_text(i18n, seller, marketplace.timezone, note),
        account_controls(i18n, seller),
    )


async def seller_option(
    query: CallbackQuery, callback_data: SellerOption, bot: Bot, i18n: I18nContext,
    session: AsyncSession, marketplace: MarketplaceTools,
) -> None:  # fmt: skip
    """Auto suggestions on or off, or the replies' tone; the button carries the value to set."""
    message = await pressed_by_admin(query, bot, i18n)
    if message is None:
        return
    chat_id = message.chat.id
    seller = await seller_of_group(session, chat_id)
    if seller is None:
        await query.answer(i18n.get("seller-status-none"), show_alert=True)
        return
    who = escape(query.from_user.full_name)
    option, value = callback_data.option, callback_data.value
    if option == "auto-suggest" and value in ("on", "off"):
        await set_auto_suggest(session, seller.id, value == "on")
        note = i18n.get("seller-note-auto-suggest", suggest=value, name=who)
    elif option == "tone" and value in REPLY_TONES:
        await set_reply_tone(session, seller.id, value)
        note = i18n.get("seller-note-tone", tone=i18n.get(f"seller-tone-{value}"), name=who)
    else:
        await query.answer(i18n.get("callback-stale"))
        return
    seller = await seller_of_group(session, chat_id)
    assert seller is not None  # found just above; sellers are never deleted here
    await show(
        query,
        status_text(i18n, seller, marketplace.timezone, note),
        account_controls(i18n, seller),
    )


def register(router: Router) -> None:
    router.message.register(seller_in_group, Command("seller"), GROUP_CHAT)
    router.message.register(seller_in_private, Command("seller"), PRIVATE_CHAT)
    router.callback_query.register(account_action, AccountAction.filter())
    router.callback_query.register(seller_option, SellerOption.filter())
