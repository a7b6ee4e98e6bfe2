"""Rendering stored state as Bot API objects (what the bot sees) and as chat views (the user)."""

from __future__ import annotations

from typing import Any

from sandbox.telegram.state import BotState, Chat, StoredMessage

DEFAULT_PHOTO_SIZE = (1280, 720)


def media_to_api(media: dict[str, Any]) -> tuple[str, Any]:
    """Returns the Message field name and value for a stored media description."""
    kind = media["kind"]
    base = {"file_id": media["file_id"], "file_unique_id": media["file_unique_id"]}
    if media.get("file_size") is not None:
        base["file_size"] = media["file_size"]
    if kind == "photo":
        width, height = (
            media.get("width") or DEFAULT_PHOTO_SIZE[0],
            media.get("height") or (DEFAULT_PHOTO_SIZE[1]),
        )
        return "photo", [{**base, "width": width, "height": height}]
    if kind == "sticker":
        return "sticker", {
            **base,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": media.get("emoji") or "🙂",
        }
    if kind == "video_note":
        return "video_note", {**base, "length": 240, "duration": int(media.get("duration") or 0)}
    result = dict(base)
    if kind in {"voice", "audio", "video", "animation"}:
        result["duration"] = int(media.get("duration") or 0)
    if kind in {"video", "animation"}:
        result["width"] = media.get("width") or DEFAULT_PHOTO_SIZE[0]
        result["height"] = media.get("height") or DEFAULT_PHOTO_SIZE[1]
    if media.get("mime_type"):
        result["mime_type"] = media["mime_type"]
    if kind != "voice" and media.get("file_name"):
        result["file_name"] = media["file_name"]
    return kind, result


def invoice_to_api(invoice: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": invoice["title"],
        "description": invoice["description"],
        "start_parameter": invoice.get("start_parameter") or "",
        "currency": invoice["currency"],
        "total_amount": invoice["total_amount"],
    }


def message_to_api(chat: Chat, message: StoredMessage, with_reply: bool = True) -> dict[str, Any]:
    """The Message object as the Bot API returns / delivers it."""
    result: dict[str, Any] = {
        "message_id": message.message_id,
        "from": message.sender,
        "chat": chat.to_api(),
        "date": message.date,
    }
    if message.sender_chat is not None:
        result["sender_chat"] = message.sender_chat
    if message.message_thread_id is not None:
        result["message_thread_id"] = message.message_thread_id
        if chat.is_forum:
            result["is_topic_message"] = True
    if message.forward_origin:
        result["forward_origin"] = message.forward_origin
    replied_id = message.reply_to_message_id
    in_topic = chat.is_forum and message.message_thread_id is not None
    if replied_id is None and in_topic and message.message_id != message.message_thread_id:
        # Like Telegram: a message in a topic that replies to nothing else replies to the
        # topic's forum_topic_created message (whose id is the thread id).
        replied_id = message.message_thread_id
    if with_reply and replied_id is not None:
        replied = chat.messages.get(replied_id)
        if replied is not None and not replied.deleted:
            result["reply_to_message"] = message_to_api(chat, replied, with_reply=False)
    if message.edit_date is not None:
        result["edit_date"] = message.edit_date
    if message.text is not None:
        result["text"] = message.text
        if message.entities:
            result["entities"] = message.entities
    if message.media is not None:
        key, value = media_to_api(message.media)
        result[key] = value
        if message.media.get("media_group_id"):
            result["media_group_id"] = message.media["media_group_id"]
    if message.caption is not None:
        result["caption"] = message.caption
        if message.caption_entities:
            result["caption_entities"] = message.caption_entities
    if message.invoice is not None:
        result["invoice"] = invoice_to_api(message.invoice)
    if message.successful_payment is not None:
        result["successful_payment"] = message.successful_payment
    result.update(message.service)
    # Only inline keyboards are part of a Message; reply keyboards live in the client.
    if message.reply_markup and "inline_keyboard" in message.reply_markup:
        result["reply_markup"] = message.reply_markup
    return result


# Telegram's currencies whose amounts have no minor units (the rest here have two), and the
# signs its apps show; an amount is in the smallest units of its currency.
CURRENCIES_WITHOUT_MINOR_UNITS = frozenset({"XTR", "JPY", "KRW", "VND", "CLP", "ISK", "UGX"})
CURRENCY_SIGNS = {"XTR": "⭐", "RUB": "₽", "USD": "$", "EUR": "€", "GBP": "£", "UAH": "₴"}


def price_text(total_amount: int, currency: str) -> str:
    """An amount as Telegram's apps show it: "⭐ 50" for Stars, "590.00 ₽" for 59000 kopecks."""
    sign = CURRENCY_SIGNS.get(currency, currency)
    if currency == "XTR":
        return f"{sign} {total_amount}"
    if currency in CURRENCIES_WITHOUT_MINOR_UNITS:
        return f"{total_amount} {sign}"
    return f"{total_amount // 100}.{total_amount % 100:02d} {sign}"


def message_to_view(chat: Chat, message: StoredMessage) -> dict[str, Any]:
    """The message as the user sees it in the chat page / tests."""
    media = None
    if message.media is not None:
        media = {
            key: message.media.get(key)
            for key in ("kind", "file_id", "file_name", "mime_type", "file_size", "duration")
        }
        media["url"] = f"/sandbox/api/files/{message.media['file_id']}"
        if message.media.get("emoji"):
            media["emoji"] = message.media["emoji"]
    invoice = None
    if message.invoice is not None:
        invoice = {
            key: message.invoice.get(key)
            for key in (
                "title",
                "description",
                "currency",
                "total_amount",
                "prices",
                "payload",
                "subscription_period",
            )
        }
        invoice["price_text"] = price_text(invoice["total_amount"], invoice["currency"])
    payment = message.successful_payment
    if payment is not None:
        payment = {
            **payment,
            "price_text": price_text(payment["total_amount"], payment["currency"]),
        }
    return {
        "message_id": message.message_id,
        "chat_id": chat.id,
        "from_bot": message.from_bot,
        "from": message.sender,
        "sender_chat": message.sender_chat,
        "date": message.date,
        "text": message.text,
        "raw_text": message.raw_text,
        "entities": message.entities,
        "caption": message.caption,
        "caption_entities": message.caption_entities,
        "parse_mode": message.parse_mode,
        "reply_markup": message.reply_markup,
        "media": media,
        "message_thread_id": message.message_thread_id,
        "reply_to_message_id": message.reply_to_message_id,
        "edited": message.edit_date is not None,
        "edit_date": message.edit_date,
        "invoice": invoice,
        "successful_payment": payment,
        "service": message.service or None,
        "reactions": [
            {"actor_id": actor, "reaction": reaction}
            for actor, reaction in message.reactions.items()
        ],
    }


def chat_to_view(bot: BotState, chat: Chat, users: dict[int, dict[str, Any]]) -> dict[str, Any]:
    last = chat.live_messages()[-1:] if chat.messages else []
    return {
        **chat.to_api(),
        "bot_id": bot.bot_id,
        "members": [
            {"user": users.get(user_id, {"id": user_id}), "status": status}
            for user_id, status in chat.members.items()
        ],
        "bot_status": chat.bot_status,
        "bot_can_manage_topics": chat.bot_can_manage_topics,
        "bot_can_delete_messages": chat.bot_can_delete_messages,
        "topics": [topic.to_view() for topic in chat.topics.values() if not topic.is_deleted],
        "last_message": message_to_view(chat, last[0]) if last else None,
        "blocked": chat.type == "private" and chat.id in bot.blocked_by,
        "pinned_message_id": chat.pinned_message_id,
    }


def chat_member(
    user: dict[str, Any],
    status: str,
    can_manage_topics: bool | None = True,
    can_delete_messages: bool = True,
) -> dict[str, Any]:
    """A ChatMember object of the given status with all fields aiogram requires
    (``can_manage_topics`` None leaves it out, as for basic groups)."""
    if status == "creator":
        return {"status": "creator", "user": user, "is_anonymous": False}
    if status == "administrator":
        rights: dict[str, Any] = {
            "can_be_edited": False,
            "is_anonymous": False,
            "can_manage_chat": True,
            "can_delete_messages": can_delete_messages,
            "can_manage_video_chats": True,
            "can_restrict_members": True,
            "can_promote_members": False,
            "can_change_info": True,
            "can_invite_users": True,
            "can_post_stories": False,
            "can_edit_stories": False,
            "can_delete_stories": False,
            # Not in every spec version, but aiogram 3.31 requires it.
            "can_send_welcome_messages": False,
            "can_pin_messages": True,
        }
        if can_manage_topics is not None:
            rights["can_manage_topics"] = can_manage_topics
        return {"status": "administrator", "user": user, **rights}
    if status == "kicked":
        return {"status": "kicked", "user": user, "until_date": 0}
    if status == "left":
        return {"status": "left", "user": user}
    return {"status": "member", "user": user}


def bot_member(bot: BotState, chat: Chat, status: str | None = None) -> dict[str, Any]:
    """The bot's ChatMember in ``chat`` (its current status unless another is given)."""
    return chat_member(
        bot.user,
        status or chat.bot_status,
        chat.bot_can_manage_topics if chat.type == "supergroup" else None,
        chat.bot_can_delete_messages,
    )
