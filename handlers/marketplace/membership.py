"""Who may do what in a seller's group: its administrators steer the desk, and the bot works
there only as an administrator that manages topics."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

# Re-exported: the group filter lives with the other chat filters, rights.py imports it here.
from handlers.filters import GROUP_CHAT as GROUP_CHAT

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
