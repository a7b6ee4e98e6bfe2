"""Reply suggestions in a buyer's topic: 💡 under forwarded buyer messages (or automatically,
when the seller turned it on in /seller) posts a suggestion with Send as is / Edit / Another
one. Nothing reaches the buyer without a member's press: "Send as is" puts the text in the
outbox, "Edit" asks for the corrected text as a reply, which goes like any answer."""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Iterable, Iterator

from aiogram import Router
from aiogram.types import CallbackQuery, ForceReply
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.registration import Translations
from bot.sender import TelegramSender
from handlers.marketplace.outbox import edited_text, topic_text, without_buttons
from handlers.marketplace.replies import reply_delivery
from handlers.marketplace.suggestion_buttons import (
    SuggestionAction,
    SuggestPress,
    suggestion_keyboard,
)
from handlers.marketplace.tools import MarketplaceTools, translations_for
from services.marketplace.forwarding import Translate
from services.marketplace.replies import MemberReply, ReplyKind, record_reply
from services.marketplace.suggestions import (
    Closed,
    ShownSuggestion,
    Suggester,
    Suggestion,
    SuggestionContext,
    SuggestionSource,
    chats_to_suggest_in,
    claim_sending,
    close_open_suggestions,
    place_suggestion,
    record_suggestion,
    shown_suggestion,
    suggestion_context,
)

logger = logging.getLogger(__name__)


def suggestion_text(t: Translate, suggestion: Suggestion | ShownSuggestion) -> str:
    """The suggestion as the team sees it: where it comes from, then the text itself."""
    if suggestion.source is SuggestionSource.TEMPLATE:
        intent = suggestion.intent.value if suggestion.intent else "other"
        heading = t("desk-suggestion-template", intent=t(f"templates-intent-{intent}"))
    else:
        heading = t("desk-suggestion-ai")
    return f"{heading}\n\n{suggestion.text}"


class SuggestionPoster:
    """Makes a suggestion for a buyer chat and shows it in the chat's topic."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        suggester: Suggester,
        sender: TelegramSender,
        translations: Translations,
        busy: set[int],
    ) -> None:
        self.session_factory = session_factory
        self.suggester = suggester
        self.busy = busy
        self.sender = sender
        self.translate_for = translations_for(translations)

    async def context(self, buyer_chat_id: int) -> SuggestionContext | None:
        async with self.session_factory() as session:
            return await suggestion_context(session, buyer_chat_id)

    async def post(self, context: SuggestionContext, reply_to: int | None = None) -> bool:
        """A new suggestion under `reply_to` (the pressed message); False when there is none
        to make (no templates and no model). Telegram's refusals are the sender's to log."""
        if context.topic_id is None:
            return True  # the topic is being opened again: nowhere to show it yet
        suggestion = await self.suggester.suggest(context)
        if suggestion is None:
            return False
        async with self.session_factory() as session:
            suggestion_id = await record_suggestion(session, context.buyer_chat_id, suggestion)
            older = await close_open_suggestions(session, context.buyer_chat_id, Closed.REPLACED)
        for message_id in older:  # one live suggestion per chat: the newest
            await self.sender.send(without_buttons(context.group_chat_id, message_id))
        t = self.translate_for(context.language)
        shown = await self.sender.send(
            topic_text(
                context.group_chat_id,
                context.topic_id,
                suggestion_text(t, suggestion),
                reply_to=reply_to,
                keyboard=suggestion_keyboard(t, suggestion_id),
            )
        )
        if shown.message_id is not None:
            async with self.session_factory() as session:
                await place_suggestion(
                    session, context.buyer_chat_id, suggestion_id, shown.message_id
                )
        return True

    async def replace(self, context: SuggestionContext, shown: ShownSuggestion) -> bool:
        """Another suggestion in place of the shown one ("Another one"); False when there is
        none to make."""
        suggestion = await self.suggester.suggest(context)
        if suggestion is None or shown.telegram_message_id is None:
            return False
        async with self.session_factory() as session:
            suggestion_id = await record_suggestion(session, context.buyer_chat_id, suggestion)
            placed = await place_suggestion(
                session, context.buyer_chat_id, suggestion_id, shown.telegram_message_id
            )
            if not placed:
                return True  # sent as is meanwhile: the message says so already
        t = self.translate_for(context.language)
        await self.sender.send(
            edited_text(
                shown.group_chat_id,
                shown.telegram_message_id,
                suggestion_text(t, suggestion),
                suggestion_keyboard(t, suggestion_id),
            )
        )
        return True

    async def post_automatic(self, buyer_chat_ids: Iterable[int]) -> None:
        """After buyer messages were forwarded: a suggestion in each chat whose seller wants
        them without a press."""
        async with self.session_factory() as session:
            chats = await chats_to_suggest_in(session, list(buyer_chat_ids))
        for chat_id in chats:
            with one_at_a_time(self.busy, chat_id) as mine:
                if not mine:
                    continue  # a member's 💡 is making one right now
                try:
                    context = await self.context(chat_id)
                    if context is not None:
                        await self.post(context)
                except Exception:  # one chat's trouble holds up no other
                    logger.exception("an automatic suggestion in buyer chat %s failed", chat_id)


def suggestion_poster(
    tools: MarketplaceTools,
    session_factory: async_sessionmaker[AsyncSession],
    sender: TelegramSender,
    translations: Translations,
) -> SuggestionPoster:
    return SuggestionPoster(
        session_factory, tools.suggester, sender, translations, busy=tools.suggesting
    )


@contextlib.contextmanager
def one_at_a_time(busy: set[int], buyer_chat_id: int) -> Iterator[bool]:
    """False while a suggestion for this chat is being made already in this process (a
    double press, or a press during an automatic one)."""
    if buyer_chat_id in busy:
        yield False
        return
    busy.add(buyer_chat_id)
    try:
        yield True
    finally:
        busy.discard(buyer_chat_id)


async def suggest_pressed(
    callback: CallbackQuery,
    callback_data: SuggestPress,
    session_factory: async_sessionmaker[AsyncSession],
    sender: TelegramSender,
    i18n: I18nContext,
    marketplace: MarketplaceTools,
) -> None:
    assert callback.message is not None
    poster = suggestion_poster(marketplace, session_factory, sender, i18n.core)
    context = await poster.context(callback_data.chat)
    if context is None or context.group_chat_id != callback.message.chat.id:
        await callback.answer(i18n.get("desk-suggestion-gone"), show_alert=True)
        return
    t = poster.translate_for(context.language)
    with one_at_a_time(marketplace.suggesting, context.buyer_chat_id) as mine:
        await callback.answer(t("desk-suggestion-preparing" if mine else "desk-suggestion-busy"))
        if mine and not await poster.post(context, reply_to=callback.message.message_id):
            none = t("desk-suggestion-none")
            await sender.send(topic_text(context.group_chat_id, context.topic_id, none))


async def suggestion_action(
    callback: CallbackQuery,
    callback_data: SuggestionAction,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    sender: TelegramSender,
    i18n: I18nContext,
    marketplace: MarketplaceTools,
) -> None:
    assert callback.message is not None
    shown = await shown_suggestion(session, callback.message.chat.id, callback_data.suggestion)
    if shown is None or shown.topic_id is None or shown.telegram_message_id is None:
        await callback.answer(i18n.get("desk-suggestion-gone"), show_alert=True)
        return
    t = translations_for(i18n.core)(shown.language)
    if not shown.current:  # a press on a suggestion "Another one" has replaced
        await callback.answer(t("desk-suggestion-replaced"), show_alert=True)
        return
    action = callback_data.action
    if action == "edit":
        await callback.answer()
        await _ask_for_an_edit(callback, shown, t, sender)
        return
    if shown.closed is not None:
        await callback.answer(t(f"desk-suggestion-closed-{shown.closed}"), show_alert=True)
        return
    if action == "send":
        if not await claim_sending(session, shown, callback.from_user.id):
            await callback.answer(t("desk-suggestion-closed-sent"), show_alert=True)
            return
        await callback.answer(t("desk-suggestion-sending"))
        await _send_as_is(callback, shown, t, session, sender)
        delivery = reply_delivery(marketplace, session_factory, sender, i18n.core)
        delivery.deliver_soon(shown.buyer_chat_id)
        return
    poster = suggestion_poster(marketplace, session_factory, sender, i18n.core)
    with one_at_a_time(marketplace.suggesting, shown.buyer_chat_id) as mine:
        await callback.answer(t("desk-suggestion-preparing" if mine else "desk-suggestion-busy"))
        if not mine:
            return
        context = await poster.context(shown.buyer_chat_id)
        if context is None or not await poster.replace(context, shown):
            none = t("desk-suggestion-none")
            await sender.send(topic_text(shown.group_chat_id, shown.topic_id, none))


async def _ask_for_an_edit(
    callback: CallbackQuery, shown: ShownSuggestion, t: Translate, sender: TelegramSender
) -> None:
    """The suggestion to copy, and a reply field opened for whoever pressed (a selective
    ForceReply opens for the users a message mentions)."""
    member = callback.from_user
    mention = f'<a href="tg://user?id={member.id}">{html.escape(member.full_name)}</a>'
    await sender.send(
        topic_text(
            shown.group_chat_id,
            shown.topic_id,
            t("desk-suggestion-edit", member=mention, text=html.escape(shown.text)),
            reply_to=shown.telegram_message_id,
            keyboard=ForceReply(
                selective=True, input_field_placeholder=t("desk-suggestion-edit-placeholder")
            ),
            parse_mode="HTML",
        )
    )


async def _send_as_is(
    callback: CallbackQuery,
    shown: ShownSuggestion,
    t: Translate,
    session: AsyncSession,
    sender: TelegramSender,
) -> None:
    """Into the outbox under the suggestion's message (the 👌 shows there), and the message
    says who sent it, without its buttons."""
    assert shown.topic_id is not None and shown.telegram_message_id is not None
    member = callback.from_user
    await record_reply(
        session,
        MemberReply(
            group_chat_id=shown.group_chat_id,
            topic_id=shown.topic_id,
            telegram_message_id=shown.telegram_message_id,
            member_id=member.id,
            kind=ReplyKind.TEXT,
            text=shown.text,
        ),
    )
    sent_by = t(
        "desk-suggestion-sent-by", name=member.full_name, marketplace=shown.marketplace.label
    )
    text = f"{suggestion_text(t, shown)}\n\n{sent_by}"
    await sender.send(edited_text(shown.group_chat_id, shown.telegram_message_id, text))


def register(router: Router) -> None:
    router.callback_query.register(suggest_pressed, SuggestPress.filter())
    router.callback_query.register(suggestion_action, SuggestionAction.filter())
