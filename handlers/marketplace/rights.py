"""The bot's own rights in a seller's group: removed, demoted or stripped of "Manage topics",
the seller's sync pauses and its admins are told in private how to fix it; given them back,
sync resumes and the group is told."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import ChatMemberUpdated
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sender import TelegramSender
from handlers.marketplace.membership import GROUP_CHAT, manages_topics
from handlers.marketplace.outbox import TelegramDeskOutbox
from handlers.marketplace.tools import translations_for
from services.marketplace.sellers import seller_of_group
from services.marketplace.sync import notify_rights_lost, notify_rights_restored


async def bot_rights_changed(
    event: ChatMemberUpdated,
    session: AsyncSession,
    sender: TelegramSender,
    i18n: I18nContext,
) -> None:
    seller = await seller_of_group(session, event.chat.id)
    if seller is None:
        return
    outbox, translate_for = TelegramDeskOutbox(sender), translations_for(i18n.core)
    if manages_topics(event.new_chat_member):
        await notify_rights_restored(session, outbox, translate_for, seller)
    else:
        await notify_rights_lost(session, outbox, translate_for, seller.id)


def register(router: Router) -> None:
    # Only groups can be a seller's: a private block or unblock costs no query.
    router.my_chat_member.register(bot_rights_changed, GROUP_CHAT)
