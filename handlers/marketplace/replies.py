"""Answers from a buyer's topic to the marketplace: a member's text, photo or file in the topic
goes into the outbox and on to the buyer (services/marketplace/replies.py); the member sees
the outcome on their own message, a 👌 reaction or a notice with the reason and 🔁 Retry.

Commands, bots' messages and service messages are never sent; a sticker, voice note or video,
which no marketplace takes, is answered with a notice and sent nowhere. A member who is in the
middle of a flow (editing a template, say) is not answering the buyer either.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.methods import SetMessageReaction
from aiogram.types import CallbackQuery, Message, ReactionTypeEmoji
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.registration import ModuleContext, Translations
from bot.sender import TelegramSender
from handlers.filters import GROUP_CHAT, Magic
from handlers.marketplace.keyboards import ReplyRetry, retry_reply
from handlers.marketplace.outbox import edited_text, topic_text, without_buttons
from handlers.marketplace.tools import TOOLS_KEY, MarketplaceTools, translations_for
from services.marketplace.errors import FailureReason
from services.marketplace.replies import (
    MemberReply,
    ReplyDelivery,
    ReplyKind,
    ReplyOutcome,
    buyer_chat_of_topic,
    record_reply,
)
from services.marketplace.sellers import seller_of_group
from services.marketplace.suggestions import Closed, close_open_suggestions

logger = logging.getLogger(__name__)

# Telegram takes reactions from a fixed list, and ✅ is not on it: 👌 says "done" there.
DELIVERED_REACTION = "👌"
# What no marketplace takes, by the key of its name in locales/ (desk-kind-*). Service
# messages (topics opened, members joining, pins) are none of these, and pass in silence.
UNSENDABLE_KINDS = (
    "sticker", "voice", "video", "video_note", "animation", "audio",
    "location", "venue", "contact", "poll", "dice", "game", "story",
)  # fmt: skip
IN_A_TOPIC = Magic(F.is_topic_message & F.message_thread_id)
# A member's own words: text that is no command, a photo or a document (a GIF is sent as a
# document too, with `animation` set: not one of these).
ANSWER = Magic((F.text & ~F.text.startswith("/")) | F.photo | (F.document & ~F.animation))
UNSENDABLE = Magic(F.content_type.in_(set(UNSENDABLE_KINDS)))
COMMAND = Magic(F.text.startswith("/"))


async def from_a_member(message: Message) -> bool:
    """Written by a person of the group: not by a bot, except the group's anonymous admins
    (Telegram shows them as a bot, with the group itself as the sender)."""
    if message.sender_chat is not None:
        return message.sender_chat.id == message.chat.id
    return message.from_user is not None and not message.from_user.is_bot


class TelegramFiles:
    """Downloads what members send, for the marketplace."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def read(self, file_id: str) -> bytes:
        downloaded = await self.bot.download(file_id)
        if downloaded is None:
            raise RuntimeError("Telegram gave no file")
        return downloaded.read()


class TelegramReplyNotices:
    """The outcome on the member's message, in the seller's language."""

    def __init__(self, sender: TelegramSender, translations: Translations) -> None:
        self.sender = sender
        self.translate_for = translations_for(translations)

    async def delivered(self, outcome: ReplyOutcome) -> None:
        reacted = await self.sender.send(
            SetMessageReaction(
                chat_id=outcome.group_chat_id,
                message_id=outcome.telegram_message_id,
                reaction=[ReactionTypeEmoji(emoji=DELIVERED_REACTION)],
            )
        )
        t = self.translate_for(outcome.language)
        text = t("desk-reply-delivered", marketplace=outcome.marketplace.label)
        if outcome.notice_message_id is not None:
            await self.sender.send(
                edited_text(outcome.group_chat_id, outcome.notice_message_id, text)
            )
        elif not reacted.sent:  # reactions are off in this group: say it in words
            await self._reply(outcome, text)

    async def problem(self, outcome: ReplyOutcome) -> int | None:
        t = self.translate_for(outcome.language)
        reason = t(f"marketplace-failure-{outcome.failure or 'rejected'}")
        label = outcome.marketplace.label
        if outcome.waiting:
            text = t("desk-reply-waiting", marketplace=label, reason=reason)
        elif outcome.failure is FailureReason.MAYBE_DELIVERED:
            text = t("desk-reply-uncertain", reason=reason)
        elif outcome.gave_up:
            text = t("desk-reply-gave-up", marketplace=label)
        else:
            text = t("desk-reply-failed", marketplace=label, reason=reason)
        if 0 < outcome.parts_sent < outcome.parts:
            text += "\n" + t("desk-reply-partly", sent=outcome.parts_sent, total=outcome.parts)
        if outcome.attempts > 1 and not outcome.waiting:  # a 🔁 that failed again
            text += "\n" + t("desk-reply-attempts", count=outcome.attempts)
        # 🔁 where another try may go through (not for a closed chat or a refused file).
        keyboard = retry_reply(t, outcome.reply_id) if outcome.may_go_later else None
        if outcome.notice_message_id is not None:
            edited = await self.sender.send(
                edited_text(outcome.group_chat_id, outcome.notice_message_id, text, keyboard)
            )
            if edited.sent:
                return outcome.notice_message_id
        return await self._reply(outcome, text, keyboard)

    async def _reply(self, outcome: ReplyOutcome, text: str, keyboard: Any = None) -> int | None:
        sent = await self.sender.send(
            topic_text(
                outcome.group_chat_id,
                outcome.topic_id,
                text,
                reply_to=outcome.telegram_message_id,
                keyboard=keyboard,
            )
        )
        return sent.message_id


def reply_delivery(
    tools: MarketplaceTools,
    session_factory: async_sessionmaker[AsyncSession],
    sender: TelegramSender,
    translations: Translations,
) -> ReplyDelivery:
    """The process's one `ReplyDelivery`, made on first use (files come through the sender's
    bot)."""
    if tools.replies is None:
        tools.replies = ReplyDelivery(
            session_factory=session_factory,
            vault=tools.vault,
            connectors=tools.connectors,
            files=TelegramFiles(sender.bot),
            notices=TelegramReplyNotices(sender, translations),
        )
    return tools.replies


def member_reply(message: Message) -> MemberReply:
    """The outbox row's content of a member's message."""
    assert message.message_thread_id is not None
    member = message.from_user
    common: dict[str, Any] = {
        "group_chat_id": message.chat.id,
        "topic_id": message.message_thread_id,
        "telegram_message_id": message.message_id,
        # An anonymous admin is the group itself (`from_a_member` lets no other chat through).
        "member_id": member.id if message.sender_chat is None and member else message.chat.id,
    }
    if message.photo:
        largest = message.photo[-1]
        return MemberReply(
            kind=ReplyKind.PHOTO,
            text=message.caption or "",
            file_id=largest.file_id,
            file_name=f"photo-{message.message_id}.jpg",
            content_type="image/jpeg",
            file_size=largest.file_size,
            **common,
        )
    if message.document:
        document = message.document
        return MemberReply(
            kind=ReplyKind.DOCUMENT,
            text=message.caption or "",
            file_id=document.file_id,
            file_name=document.file_name,
            content_type=document.mime_type,
            file_size=document.file_size,
            **common,
        )
    return MemberReply(kind=ReplyKind.TEXT, text=message.text or "", **common)


async def member_answers(
    message: Message,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    sender: TelegramSender,
    i18n: I18nContext,
    marketplace: MarketplaceTools,
) -> None:
    reply = member_reply(message)
    buyer_chat_id = await record_reply(session, reply)
    if buyer_chat_id is None:
        return  # a topic that is no buyer's: the team's own talk
    delivery = reply_delivery(marketplace, session_factory, sender, i18n.core)
    delivery.deliver_soon(buyer_chat_id)
    # The buyer is answered: suggestions still on show would only answer twice.
    answered = await close_open_suggestions(
        session, buyer_chat_id, Closed.ANSWERED, reply.member_id
    )
    for message_id in answered:
        await sender.send(without_buttons(message.chat.id, message_id))


async def unsendable_in_topic(
    message: Message, session: AsyncSession, sender: TelegramSender, i18n: I18nContext
) -> None:
    kind = f"desk-kind-{message.content_type.replace('_', '-')}"
    await _notice_in_buyer_topic(message, session, sender, i18n, "desk-reply-unsendable", kind)


async def command_in_topic(
    message: Message, session: AsyncSession, sender: TelegramSender, i18n: I18nContext
) -> None:
    """A command no handler took ("/ size M", a typo): said, not sent."""
    await _notice_in_buyer_topic(message, session, sender, i18n, "desk-reply-command")


async def edited_in_topic(
    edited: Message, session: AsyncSession, sender: TelegramSender, i18n: I18nContext
) -> None:
    """The marketplaces keep what was sent: an edit here changes nothing for the buyer."""
    await _notice_in_buyer_topic(edited, session, sender, i18n, "desk-reply-edited")


async def _notice_in_buyer_topic(
    message: Message,
    session: AsyncSession,
    sender: TelegramSender,
    i18n: I18nContext,
    key: str,
    kind_key: str | None = None,
) -> None:
    """A notice on the member's message, in the seller's language, when the topic is a buyer's
    (in the team's own topics nothing is said)."""
    assert message.message_thread_id is not None
    chat = await buyer_chat_of_topic(session, message.chat.id, message.message_thread_id)
    if chat is None:
        return
    t = translations_for(i18n.core)(chat.language)
    kind = {"kind": t(kind_key)} if kind_key else {}
    text = t(key, marketplace=chat.marketplace.label, **kind)
    await sender.send(
        topic_text(message.chat.id, message.message_thread_id, text, reply_to=message.message_id)
    )


async def retry_pressed(
    callback: CallbackQuery,
    callback_data: ReplyRetry,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    sender: TelegramSender,
    i18n: I18nContext,
    marketplace: MarketplaceTools,
) -> None:
    assert callback.message is not None
    chat_id = callback.message.chat.id
    delivery = reply_delivery(marketplace, session_factory, sender, i18n.core)
    seller = await seller_of_group(session, chat_id)
    t = translations_for(i18n.core)(seller.language if seller else i18n.locale)
    buyer_chat_id = await delivery.requeue(chat_id, callback_data.reply)
    if buyer_chat_id is None:
        await callback.answer(t("desk-reply-retry-done"), show_alert=True)
        return
    await callback.answer(t("desk-reply-retrying"))
    delivery.deliver_soon(buyer_chat_id)


async def deliver_due_replies(context: ModuleContext) -> None:
    tools: MarketplaceTools = context.workflow_data[TOOLS_KEY]
    delivery = reply_delivery(tools, context.session_factory, context.sender, context.i18n_core)
    await delivery.deliver_due()


def register(router: Router) -> None:
    no_flow = StateFilter(None)
    in_topic = (GROUP_CHAT, IN_A_TOPIC, from_a_member, no_flow)
    router.message.register(member_answers, *in_topic, ANSWER)
    router.message.register(unsendable_in_topic, *in_topic, UNSENDABLE)
    router.message.register(command_in_topic, *in_topic, COMMAND)
    router.edited_message.register(edited_in_topic, *in_topic, ANSWER)
    router.callback_query.register(retry_pressed, ReplyRetry.filter())
