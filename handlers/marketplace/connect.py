"""/connect: a seller links its Ozon and Wildberries accounts to its support team's forum group.

In the group the command only checks what must be true (a forum, the bot an admin that manages
topics, the caller an admin), registers the seller and sends the caller to a private chat:
credentials are never asked for in a group. In private the caller picks the marketplace and
types the credentials; the message holding a key or a token is deleted once read, the
credentials are checked with the marketplace's own call, then sealed. The caller's admin rights
are checked again at every step that acts for the group (a deep link or a button can be old).
"""

from __future__ import annotations

import logging
import re
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sender import OutgoingText, TelegramSender
from handlers.filters import GROUP_CHAT, PLAIN_TEXT, PRIVATE_CALLBACK, PRIVATE_CHAT
from handlers.marketplace.keyboards import (
    ConnectCancel,
    ConnectPick,
    cancel_only,
    marketplace_choice,
    open_private_chat,
    retry_or_cancel,
)
from handlers.marketplace.membership import is_admin, is_group_admin, manages_topics
from handlers.marketplace.states import ConnectFlow
from handlers.marketplace.tools import MarketplaceTools
from handlers.screens import show
from services.marketplace.connections import (
    CredentialsMalformed,
    normalized_client_id,
    normalized_credentials,
)
from services.marketplace.errors import FailureReason, MarketplaceError
from services.marketplace.models import Marketplace
from services.marketplace.sellers import (
    Connected,
    SellerView,
    connect_account,
    register_seller,
    seller_by_id,
)

logger = logging.getLogger(__name__)

CONNECT_PAYLOAD = re.compile(r"^connect-(\d{1,18})$")
# The marketplace's refusals that say "later", not "wrong": the key may be right.
TRY_LATER_REASONS = frozenset({FailureReason.UNAVAILABLE, FailureReason.RATE_LIMITED})

SELLER = "seller_id"
CLIENT_ID = "client_id"
# The state that waits for a marketplace's first credential, and which marketplace a secret
# belongs to by the state that waited for it.
ASK_FIRST = {
    Marketplace.OZON: (ConnectFlow.ozon_client_id, "seller-connect-ask-client-id"),
    Marketplace.WILDBERRIES: (ConnectFlow.wildberries_token, "seller-connect-ask-token"),
}
SECRET_OF = {
    ConnectFlow.ozon_api_key.state: Marketplace.OZON,
    ConnectFlow.wildberries_token.state: Marketplace.WILDBERRIES,
}


def connect_link(bot_username: str, seller_id: int) -> str:
    return f"https://t.me/{bot_username}?start=connect-{seller_id}"


# ----------------------------------------------------------------------------- in the group


async def connect_in_group(
    message: Message, bot: Bot, i18n: I18nContext, session: AsyncSession, sender: TelegramSender,
) -> None:  # fmt: skip
    chat = message.chat
    if not chat.is_forum:
        await message.answer(i18n.get("seller-connect-not-forum"))
        return
    if message.sender_chat is not None and message.sender_chat.id == chat.id:
        await message.answer(i18n.get("seller-connect-anonymous"))
        return
    caller = message.from_user
    if caller is None or not await is_group_admin(bot, chat.id, caller.id):
        await message.answer(i18n.get("seller-connect-caller-not-admin"))
        return
    rights = await bot.get_chat_member(chat.id, bot.id)
    if not is_admin(rights):
        await message.answer(i18n.get("seller-connect-bot-not-admin"))
        return
    if not manages_topics(rights):
        await message.answer(i18n.get("seller-connect-bot-no-topics"))
        return

    seller = await register_seller(session, chat.id, chat.title or "", i18n.locale, caller.id)
    offer = OutgoingText(
        caller.id,
        i18n.get("seller-connect-choose", group=escape(seller.title)),
        parse_mode="HTML",
        reply_markup=marketplace_choice(i18n, seller.id),
    )
    # Telegram lets a bot write first only to someone who has started it: otherwise the
    # group's button (a deep link) opens the private chat.
    written = await sender.send(offer)
    if not written.sent:
        logger.info("no private /connect offer to %s: %s", caller.id, written.failure)
    me = await bot.me()
    await message.answer(
        i18n.get("seller-connect-continue-private")
        if written.sent
        else i18n.get("seller-connect-open-private"),
        reply_markup=open_private_chat(i18n, connect_link(me.username or "", seller.id)),
    )


# ------------------------------------------------------------------------------ in private


async def connect_in_private(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("seller-connect-in-private"))


async def _admin_seller(
    bot: Bot, i18n: I18nContext, session: AsyncSession, seller_id: int, user_id: int
) -> tuple[SellerView | None, str]:
    """The seller when `user_id` is still an admin of its group; else None and why not."""
    seller = await seller_by_id(session, seller_id)
    if seller is None:
        return None, i18n.get("seller-connect-link-unknown")
    if not await is_group_admin(bot, seller.forum_chat_id, user_id):
        return None, i18n.get("seller-connect-not-admin-any-more", group=escape(seller.title))
    return seller, ""


async def connect_deep_link(
    message: Message, command: CommandObject, bot: Bot, i18n: I18nContext,
    session: AsyncSession, state: FSMContext,
) -> None:  # fmt: skip
    match = command.magic_result
    assert isinstance(match, re.Match)
    user_id = message.from_user.id if message.from_user else message.chat.id
    seller, refusal = await _admin_seller(bot, i18n, session, int(match.group(1)), user_id)
    if seller is None:
        await message.answer(refusal)
        return
    await state.clear()
    await message.answer(
        i18n.get("seller-connect-choose", group=escape(seller.title)),
        reply_markup=marketplace_choice(i18n, seller.id),
    )


async def pick_marketplace(
    query: CallbackQuery, callback_data: ConnectPick, bot: Bot, i18n: I18nContext,
    session: AsyncSession, state: FSMContext,
) -> None:  # fmt: skip
    try:
        chosen = Marketplace(callback_data.marketplace)
    except ValueError:
        await query.answer(i18n.get("callback-stale"))
        return
    seller, refusal = await _admin_seller(
        bot, i18n, session, callback_data.seller, query.from_user.id
    )
    if seller is None:
        await state.clear()
        await show(query, refusal)
        return
    waiting, ask = ASK_FIRST[chosen]
    await state.set_data({SELLER: seller.id})
    await state.set_state(waiting)
    await show(query, i18n.get(ask, group=escape(seller.title)), cancel_only(i18n))


async def cancel_connect(query: CallbackQuery, i18n: I18nContext, state: FSMContext) -> None:
    await state.clear()
    await show(query, i18n.get("seller-connect-cancelled"))


async def client_id_received(message: Message, i18n: I18nContext, state: FSMContext) -> None:
    try:
        client_id = normalized_client_id(message.text or "")
    except CredentialsMalformed:
        await message.answer(
            i18n.get("seller-connect-malformed-client-id"),
            reply_markup=cancel_only(i18n),
        )
        return
    await state.update_data({CLIENT_ID: client_id})
    await state.set_state(ConnectFlow.ozon_api_key)
    await message.answer(i18n.get("seller-connect-ask-api-key"), reply_markup=cancel_only(i18n))


async def _delete_credential_message(message: Message) -> None:
    try:
        await message.delete()
    except TelegramAPIError as error:
        logger.warning(
            "the message with a credential in chat %s stays: %s", message.chat.id, error.message
        )


def _refusal_text(i18n: I18nContext, chosen: Marketplace, reason: FailureReason) -> str:
    name = chosen.label
    # The generic texts of a later attempt promise a retry by the bot: here the seller retries.
    why = (
        i18n.get("seller-connect-try-later", marketplace=name)
        if reason in TRY_LATER_REASONS
        else i18n.get(f"marketplace-failure-{reason.value}")
    )
    return "\n\n".join(
        (
            i18n.get("seller-connect-refused", marketplace=name),
            why,
            i18n.get("seller-connect-send-again", marketplace=chosen.value),
        )
    )


async def secret_received(
    message: Message, bot: Bot, i18n: I18nContext, session: AsyncSession, state: FSMContext,
    sender: TelegramSender, marketplace: MarketplaceTools, raw_state: str | None,
) -> None:  # fmt: skip
    """The API key (Ozon) or the token (Wildberries): deleted from the chat first, then checked
    with the marketplace and sealed; it lives only in this call."""
    secret = message.text or ""
    await _delete_credential_message(message)
    data = await state.get_data()
    chosen = SECRET_OF[raw_state or ""]
    user_id = message.from_user.id if message.from_user else message.chat.id
    seller, refusal = await _admin_seller(bot, i18n, session, int(data.get(SELLER) or 0), user_id)
    if seller is None:
        await state.clear()
        await message.answer(refusal)
        return
    # The Client-Id was checked and stored when it was typed: here only the secret can be wrong.
    if chosen is Marketplace.OZON:
        values = {"client_id": str(data.get(CLIENT_ID, "")), "api_key": secret}
        malformed = "seller-connect-malformed-api-key"
    else:
        values = {"token": secret}
        malformed = "seller-connect-malformed-token"
    try:
        normalized_credentials(chosen, values)
    except CredentialsMalformed:
        await message.answer(i18n.get(malformed), reply_markup=cancel_only(i18n))
        return

    progress = await message.answer(i18n.get("seller-connect-checking", marketplace=chosen.label))
    try:
        connected = await connect_account(
            session,
            seller_id=seller.id,
            marketplace=chosen,
            values=values,
            user_id=user_id,
            vault=marketplace.vault,
            connectors=marketplace.connectors,
        )
    except MarketplaceError as error:
        logger.info(
            "seller %s: %s refused the credentials (%s)",
            seller.id,
            chosen.value,
            error.reason.value,
        )
        await progress.edit_text(
            _refusal_text(i18n, chosen, error.reason),
            reply_markup=retry_or_cancel(i18n, seller.id, chosen),
        )
        return
    await state.clear()
    await progress.edit_text(_connected_text(i18n, chosen, seller, connected))
    name = escape(message.from_user.full_name if message.from_user else "")
    await _tell_the_group(i18n, sender, chosen, connected, name)


def _connected_text(
    i18n: I18nContext, chosen: Marketplace, seller: SellerView, connected: Connected
) -> str:
    key = "seller-connect-done-resumed" if connected.resumed else "seller-connect-done"
    return i18n.get(key, marketplace=chosen.label, group=escape(seller.title))


async def _tell_the_group(
    i18n: I18nContext, sender: TelegramSender, chosen: Marketplace, connected: Connected,
    name: str,
) -> None:  # fmt: skip
    key = "seller-connect-group-resumed" if connected.resumed else "seller-connect-group-connected"
    text = i18n.get(key, connected.language, marketplace=chosen.label, name=name)
    told = await sender.send(OutgoingText(connected.forum_chat_id, text, parse_mode="HTML"))
    if not told.sent:
        logger.warning(
            "seller %s: the group was not told of the connection: %s",
            connected.seller_id,
            told.failure,
        )


def register(router: Router) -> None:
    router.message.register(connect_in_group, Command("connect"), GROUP_CHAT)
    router.message.register(connect_in_private, Command("connect"), PRIVATE_CHAT)
    router.message.register(
        connect_deep_link,
        CommandStart(deep_link=True, magic=F.args.regexp(CONNECT_PAYLOAD)),
        PRIVATE_CHAT,
    )
    router.callback_query.register(pick_marketplace, ConnectPick.filter(), PRIVATE_CALLBACK)
    router.callback_query.register(cancel_connect, ConnectCancel.filter(), PRIVATE_CALLBACK)
    router.message.register(
        client_id_received, StateFilter(ConnectFlow.ozon_client_id), PRIVATE_CHAT, PLAIN_TEXT
    )
    router.message.register(
        secret_received,
        StateFilter(ConnectFlow.ozon_api_key, ConnectFlow.wildberries_token),
        PRIVATE_CHAT,
        PLAIN_TEXT,
    )
