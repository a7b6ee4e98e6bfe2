"""The desk's outbox over the one sender: topics, texts and files into the seller's group,
and private notices. Telegram's answers become the desk's plain `Delivery` values."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Any

from aiogram.methods import (
    CreateForumTopic,
    EditMessageReplyMarkup,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
)
from aiogram.types import BufferedInputFile, ReplyParameters

from bot.sender import OutgoingText, SendFailure, SendOutcome, TelegramSender
from handlers.marketplace.suggestion_buttons import suggest_keyboard
from services.marketplace.models import OutgoingFile
from services.marketplace.outbox import Delivery, DeliveryProblem, SuggestButton

CAPTION_LIMIT = 1024


def delivery(outcome: SendOutcome) -> Delivery:
    if outcome.sent:
        thread = getattr(outcome.result, "message_thread_id", None)
        message_id = outcome.message_id if outcome.message_id is not None else thread
        return Delivery(message_id=message_id)
    return Delivery(problem=_problem(outcome), detail=outcome.detail)


def _problem(outcome: SendOutcome) -> DeliveryProblem:
    failure = outcome.failure
    if failure is SendFailure.THREAD_NOT_FOUND:
        return DeliveryProblem.TOPIC_GONE
    if failure in {
        SendFailure.FORBIDDEN,
        SendFailure.CHAT_NOT_FOUND,
        SendFailure.BLOCKED,
        SendFailure.NO_RIGHTS,
    }:
        return DeliveryProblem.NO_RIGHTS
    if failure in {SendFailure.UNAVAILABLE, SendFailure.STOPPED, SendFailure.UNANSWERED}:
        return DeliveryProblem.UNAVAILABLE
    return DeliveryProblem.REJECTED


class TelegramDeskOutbox:
    def __init__(self, sender: TelegramSender) -> None:
        self.sender = sender

    async def open_topic(self, chat_id: int, name: str) -> Delivery:
        return delivery(await self.sender.send(CreateForumTopic(chat_id=chat_id, name=name)))

    def post_text(
        self,
        chat_id: int,
        topic_id: int | None,
        text: str,
        *,
        author: str | None = None,
        written_at: datetime | None = None,
        suggest: SuggestButton | None = None,
    ) -> Awaitable[Delivery]:
        attributed = author is not None and written_at is not None
        item = OutgoingText(
            chat_id,
            text,
            message_thread_id=topic_id,
            author=author,
            attributed=attributed,
            reply_markup=suggest_keyboard(suggest) if suggest is not None else None,
            **({"sent_at": written_at} if written_at is not None else {}),
        )
        return self._delivered(self.sender.submit(item))

    async def post_file(
        self,
        chat_id: int,
        topic_id: int | None,
        file: OutgoingFile,
        *,
        as_photo: bool,
        caption: str | None = None,
        reply_to: int | None = None,
        suggest: SuggestButton | None = None,
    ) -> Delivery:
        upload = BufferedInputFile(file.content, filename=file.name)
        reply = reply_parameters(reply_to)
        common: dict[str, Any] = {
            "chat_id": chat_id,
            "message_thread_id": topic_id,
            "caption": caption[:CAPTION_LIMIT] if caption else None,
            "parse_mode": None,  # the buyer's name and the note are plain text
            "reply_parameters": reply,
            "reply_markup": suggest_keyboard(suggest) if suggest is not None else None,
        }
        method = (
            SendPhoto(photo=upload, **common)
            if as_photo
            else SendDocument(document=upload, **common)
        )
        return delivery(await self.sender.send(method))

    async def tell_user(self, user_id: int, text: str) -> Delivery:
        return delivery(await self.sender.send(OutgoingText(user_id, text)))

    @staticmethod
    async def _delivered(pending: Awaitable[SendOutcome]) -> Delivery:
        return delivery(await pending)


def reply_parameters(reply_to: int | None) -> ReplyParameters | None:
    """A reply to that message, or a plain message when it is gone."""
    if reply_to is None:
        return None
    return ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)


def topic_text(
    chat_id: int,
    topic_id: int | None,
    text: str,
    *,
    reply_to: int | None = None,
    keyboard: Any = None,
    parse_mode: str | None = None,
) -> SendMessage:
    """A bot message in a topic of the group, plain text unless told, maybe as a reply."""
    return SendMessage(
        chat_id=chat_id,
        message_thread_id=topic_id,
        text=text,
        parse_mode=parse_mode,
        reply_markup=keyboard,
        reply_parameters=reply_parameters(reply_to),
    )


def edited_text(chat_id: int, message_id: int, text: str, keyboard: Any = None) -> EditMessageText:
    """A bot message's new plain text, with `keyboard` or none."""
    return EditMessageText(
        chat_id=chat_id, message_id=message_id, text=text, parse_mode=None, reply_markup=keyboard
    )


def without_buttons(chat_id: int, message_id: int) -> EditMessageReplyMarkup:
    """The message stays; its inline buttons go."""
    return EditMessageReplyMarkup(chat_id=chat_id, message_id=message_id, reply_markup=None)
