"""The bot's own rights in a seller's group: removed, demoted or stripped of "Manage topics",
the seller's sync pauses and its admins are told in private how to fix it; given them back,
sync resumes and the group is told."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import ChatMemberUpdated
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sender import OutgoingText, TelegramSender
from handlers.marketplace.membership import manages_topics
from handlers.marketplace.outbox import TelegramDeskOutbox
from handlers.marketplace.syncing import translations_for
from services.marketplace.sellers import mark_rights_restored, seller_of_group
from services.marketplace.sync import notify_rights_lost


async def bot_rights_changed(
    event: ChatMemberUpdated,
    session: AsyncSession,
    sender: TelegramSender,
    i18n: I18nContext,
) -> None:
    seller = await seller_of_group(session, event.chat.id)
    if seller is None:
        return
    if manages_topics(event.new_chat_member):
        if await mark_rights_restored(session, seller.id):
            text = i18n.core.get("desk-rights-restored", seller.language)
            await sender.send(OutgoingText(seller.forum_chat_id, text))
        return
    await notify_rights_lost(
        session, TelegramDeskOutbox(sender), translations_for(i18n.core), seller.id
    )


def register(router: Router) -> None:
    router.my_chat_member.register(bot_rights_changed)
