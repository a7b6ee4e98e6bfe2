"""How a screen replaces the previous one: edit the message the button was under, or send anew."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Message


async def show(
    query: CallbackQuery,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    preview: bool = True,
) -> None:
    """Shows `text` in place of the message whose button was pressed.

    Pressing the same button twice is not an error. Messages too old to edit (or gone) still
    get the screen, as a new message in the same chat.
    """
    await query.answer()
    message = query.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup, disable_web_page_preview=not preview)
            return
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                return
    # Anew in the chat the button was in (a group's screen stays in the group); a press under
    # a message Telegram no longer shows at all is answered in private.
    chat_id = message.chat.id if message is not None else query.from_user.id
    in_topic = isinstance(message, Message) and message.is_topic_message
    await query.bot.send_message(  # type: ignore[union-attr]
        chat_id,
        text,
        message_thread_id=message.message_thread_id if in_topic else None,  # type: ignore[union-attr]
        reply_markup=markup,
        **_previews(preview),
    )


def _previews(preview: bool) -> dict[str, LinkPreviewOptions]:
    """No link previews under a screen that lists links (the bot's default otherwise)."""
    return {} if preview else {"link_preview_options": LinkPreviewOptions(is_disabled=True)}
