"""A broadcast's message as the Telegram call that sends it: the preview and every recipient's
copy are built here, so the preview is exactly what users get."""

from __future__ import annotations

from aiogram.enums import ParseMode
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from services.broadcasts.drafts import BroadcastMessage


def broadcast_call(
    chat_id: int, message: BroadcastMessage, message_thread_id: int | None = None
) -> SendMessage | SendPhoto:
    markup = None
    if message.button_text and message.button_url:
        button = InlineKeyboardButton(text=message.button_text, url=message.button_url)
        markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
    if message.photo_file_id is not None:
        return SendPhoto(
            chat_id=chat_id,
            photo=message.photo_file_id,
            caption=message.text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            message_thread_id=message_thread_id,
        )
    return SendMessage(
        chat_id=chat_id,
        text=message.text,
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        message_thread_id=message_thread_id,
    )
