"""Who may do what in a seller's group: its administrators steer the desk, and the bot works
there only as an administrator that manages topics."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

# Re-exported: the group filter lives with the other chat filters, rights.py imports it here.
from handlers.filters import GROUP_CHAT as GROUP_CHAT
from services.marketplace.sellers import SellerView, seller_of_group

logger = logging.getLogger(__name__)

GROUP_ADMIN_STATUSES = frozenset({ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR})


def is_admin(member: object) -> bool:
    return getattr(member, "status", None) in GROUP_ADMIN_STATUSES


def manages_topics(member: object) -> bool:
    """An administrator with "Manage topics" (the creator has every right)."""
    status = getattr(member, "status", None)
    if status == ChatMemberStatus.CREATOR:
        return True
    return status == ChatMemberStatus.ADMINISTRATOR and bool(
        getattr(member, "can_manage_topics", False)
    )


async def is_group_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except (TelegramBadRequest, TelegramForbiddenError) as error:
        logger.info("no admin check of %s in %s: %s", user_id, chat_id, error.message)
        return False
    return is_admin(member)


async def pressed_message(query: CallbackQuery, i18n: I18nContext) -> Message | None:
    """The message under the pressed button; None, with the press answered, when it is too
    old for Telegram to say."""
    if isinstance(query.message, Message):
        return query.message
    await query.answer(i18n.get("callback-stale"))
    return None


async def refused_unless_admin(
    query: CallbackQuery, bot: Bot, i18n: I18nContext, chat_id: int
) -> bool:
    """True, with an alert, when whoever pressed is not an administrator of the group."""
    if await is_group_admin(bot, chat_id, query.from_user.id):
        return False
    await query.answer(i18n.get("seller-admins-only"), show_alert=True)
    return True


async def pressed_by_admin(query: CallbackQuery, bot: Bot, i18n: I18nContext) -> Message | None:
    """`pressed_message`, when whoever pressed is an administrator of its group; None, with the
    press answered, otherwise."""
    message = await pressed_message(query, i18n)
    if message is None or await refused_unless_admin(query, bot, i18n, message.chat.id):
        return None
    return message


async def group_seller(
    message: Message, i18n: I18nContext, session: AsyncSession
) -> SellerView | None:
    """The seller whose group this is; None, with the group told, when it is nobody's desk."""
    seller = await seller_of_group(session, message.chat.id)
    if seller is None:
        await message.answer(i18n.get("seller-status-none"))
    return seller


async def pressed_in_seller_group(
    query: CallbackQuery, i18n: I18nContext, session: AsyncSession
) -> tuple[Message, SellerView] | None:
    """The message under the pressed button and the seller of its group; None, with the press
    answered, when either is gone."""
    message = await pressed_message(query, i18n)
    if message is None:
        return None
    seller = await seller_of_group(session, message.chat.id)
    if seller is None:
        await query.answer(i18n.get("seller-status-none"), show_alert=True)
        return None
    return message, seller
