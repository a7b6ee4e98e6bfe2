"""Stored buyer messages into the seller's forum group: one topic per buyer chat, opened with
a card, then the messages in order, each under its author's line; images as photos, files as
documents.

Every message row records where it went (topic, message id) as soon as Telegram answers, so a
restart resumes with what was not forwarded. A topic deleted by hand is opened again (and the
chat's mapping updated) on the next pass. An attachment that cannot be downloaded does not hold
its message back: the text goes with a note, and the attachment follows, as a reply, when a
later try gets it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.marketplace import MarketplaceConnector
from services.marketplace.files import PHOTO_TYPES, sniffed_type
from services.marketplace.models import (
    Attachment,
    AttachmentKind,
    Author,
    Marketplace,
    OutgoingFile,
)
from services.marketplace.outbox import Delivery, DeliveryProblem, DeskOutbox, SuggestButton
from services.models.base import aware, utcnow
from services.models.marketplace import BuyerAttachment, BuyerChat, BuyerMessage
from services.retry_policy import doubling_pause
from services.telegram_text import TELEGRAM_PHOTO_LIMIT_BYTES, attribution_line

logger = logging.getLogger(__name__)

TOPIC_NAME_LIMIT = 128
# A pass queues all its texts at once, so each topic's go out merged while the group's budget
# is spent; a burst from many chats arrives interleaved, so a pass must hold several of each.
MESSAGES_PER_PASS = 500
MAX_PASSES = 100
# A failed attachment is tried again after 1, 2, 4 ... minutes, at most hourly, 12 times.
ATTACHMENT_RETRY_BASE = timedelta(minutes=1)
ATTACHMENT_RETRY_MAX = timedelta(hours=1)
MAX_ATTACHMENT_ATTEMPTS = 12

PRODUCT_LINKS = {
    Marketplace.OZON: "https://www.ozon.ru/product/{product}/",
    Marketplace.WILDBERRIES: "https://www.wildberries.ru/catalog/{product}/detail.aspx",
}
CHATS_LINKS = {
    Marketplace.OZON: "https://seller.ozon.ru/app/messenger/",
    Marketplace.WILDBERRIES: "https://seller.wildberries.ru/chat-with-clients",
}

Translate = Callable[..., str]  # (key, **values) -> text in the seller's language


@dataclass(frozen=True)
class DeskAccount:
    """The account a sync works on, and the seller's group it forwards into."""

    id: int
    marketplace: Marketplace
    seller_id: int
    forum_chat_id: int
    language: str


@dataclass
class ForwardReport:
    forwarded: int = 0
    problem: DeliveryProblem | None = None
    # The buyer chats that got new buyer messages in the group (auto suggestions follow).
    buyer_chats: set[int] = field(default_factory=set)


@dataclass
class _Chat:
    id: int
    chat_id: str
    buyer_name: str | None
    order_number: str | None
    product: str | None
    topic_id: int | None
    broken: bool = False  # its topic failed in this pass: the rest waits for the next


@dataclass
class _Message:
    id: int
    chat: _Chat
    author: Author
    text: str
    written_at: datetime
    attachments: list[BuyerAttachment] = field(default_factory=list)


def topic_name(marketplace: Marketplace, order: str | None, buyer: str) -> str:
    """`Ozon · #order · Buyer`, within Telegram's 1-128 characters."""
    parts = [marketplace.label, *([f"#{order}"] if order else []), buyer]
    name = " · ".join(part.strip() for part in parts if part.strip())
    return name[: TOPIC_NAME_LIMIT - 1] + "…" if len(name) > TOPIC_NAME_LIMIT else name


def looks_like_photo(content: bytes) -> bool:
    return len(content) <= TELEGRAM_PHOTO_LIMIT_BYTES and sniffed_type(content) in PHOTO_TYPES


def attachment_retry_delay(attempts: int) -> timedelta:
    return doubling_pause(attempts, ATTACHMENT_RETRY_BASE, ATTACHMENT_RETRY_MAX)


class Forwarding:
    """One account's forwarding run; `run()` forwards what is pending, pass after pass."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        outbox: DeskOutbox,
        connector: MarketplaceConnector,
        account: DeskAccount,
        translate: Translate,
        timezone: ZoneInfo,
        keep_alive: Callable[[], Awaitable[bool]],
    ) -> None:
        self.session_factory = session_factory
        self.outbox = outbox
        self.connector = connector
        self.account = account
        self.translate = translate
        self.timezone = timezone
        self.keep_alive = keep_alive
        self.report = ForwardReport()
        self._cards: list[tuple[_Chat, Awaitable[Delivery]]] = []

    async def run(self) -> ForwardReport:
        for _ in range(MAX_PASSES):
            if not await self._pass() or self.report.problem is not None:
                break
            if not await self.keep_alive():
                return self.report
        if self.report.problem is None:
            await self._retry_attachments()
        return self.report

    # ------------------------------------------------------------------ one pass
    async def _pass(self) -> bool:
        """Forwards up to MESSAGES_PER_PASS pending messages; False when none was pending."""
        messages = await self._pending()
        if not messages:
            return False
        forwarded_before = self.report.forwarded
        chats: dict[int, _Chat] = {}
        for message in messages:
            chats.setdefault(message.chat.id, message.chat)
        # New chats' topics open first, then every text of the pass is queued at once: while
        # the group's budget is spent, each topic's texts go out merged into one message. (Chat
        # by chat, each text would trail its own topic and card, and go alone more often: in
        # `python -m bench marketplace` that took a quarter more calls and doubled the p50.)
        for chat in chats.values():
            opened = chat.topic_id is not None or await self._open_topic(chat)
            if not opened and self.report.problem is not None:
                await self._settle_cards()
                return False
        in_flight: list[tuple[_Message, Awaitable[Delivery]]] = []
        for message in messages:
            if message.chat.broken:
                continue
            if message.attachments:
                if not await self._settle(in_flight) or not await self.keep_alive():
                    await self._settle_cards()
                    return False
                in_flight = []
                await self._forward_with_attachments(message)
            else:
                in_flight.append((message, self._post_text(message, message.text)))
            if self.report.problem is not None:
                break
        await self._settle(in_flight)
        await self._settle_cards()
        # Another pass when this one got somewhere, or found topics to open again.
        return self.report.forwarded > forwarded_before or any(c.broken for c in chats.values())

    async def _pending(self) -> list[_Message]:
        async with self.session_factory() as session:
            rows = (
                await session.execute(
                    select(BuyerMessage, BuyerChat)
                    .join(BuyerChat, BuyerChat.id == BuyerMessage.buyer_chat_id)
                    .where(
                        BuyerChat.account_id == self.account.id,
                        BuyerMessage.forwarded_at.is_(None),
                    )
                    .order_by(BuyerMessage.written_at, BuyerMessage.id)
                    .limit(MESSAGES_PER_PASS)
                )
            ).all()
            if not rows:
                return []
            attachments = (
                await session.scalars(
                    select(BuyerAttachment)
                    .where(BuyerAttachment.message_id.in_([row[0].id for row in rows]))
                    .order_by(BuyerAttachment.message_id, BuyerAttachment.position)
                )
            ).all()
        chats: dict[int, _Chat] = {}
        messages: list[_Message] = []
        for stored, chat in rows:
            snapshot = chats.setdefault(
                chat.id,
                _Chat(
                    chat.id,
                    chat.chat_id,
                    chat.buyer_name,
                    chat.order_number,
                    chat.product,
                    chat.topic_id,
                ),
            )
            messages.append(
                _Message(stored.id, snapshot, Author(stored.author), stored.text, stored.written_at)
            )
        by_id = {message.id: message for message in messages}
        for attachment in attachments:
            by_id[attachment.message_id].attachments.append(attachment)
        return messages

    # ------------------------------------------------------------------ topics
    async def _open_topic(self, chat: _Chat) -> bool:
        # Without a name or an order, the chat's id tells two buyers' topics apart.
        buyer = chat.buyer_name or self.translate("desk-buyer")
        if not chat.buyer_name and not chat.order_number:
            buyer = f"{buyer} {chat.chat_id[-6:]}"
        name = topic_name(self.account.marketplace, chat.order_number, buyer)
        opened = await self.outbox.open_topic(self.account.forum_chat_id, name)
        if not opened.delivered or opened.message_id is None:
            chat.broken = True
            self._note_problem(opened, f"topic for chat {chat.chat_id}")
            return False
        chat.topic_id = opened.message_id
        async with self.session_factory() as session:
            await session.execute(
                update(BuyerChat).where(BuyerChat.id == chat.id).values(topic_id=chat.topic_id)
            )
            await session.commit()
        # Not awaited: the chat's texts queue up behind the card, and while the group's budget
        # is spent they go out merged rather than one by one.
        card = self.outbox.post_text(self.account.forum_chat_id, chat.topic_id, self._card(chat))
        self._cards.append((chat, card))
        return True

    async def _settle_cards(self) -> None:
        cards, self._cards = self._cards, []
        for chat, pending in cards:
            card = await pending
            if not card.delivered:
                self._note_problem(card, f"card of chat {chat.chat_id}")

    def _card(self, chat: _Chat) -> str:
        marketplace = self.account.marketplace
        lines = [self.translate("desk-card-title", marketplace=self.account.marketplace.label)]
        if chat.buyer_name:
            lines.append(self.translate("desk-card-buyer", buyer=chat.buyer_name))
        if chat.order_number:
            lines.append(self.translate("desk-card-order", order=chat.order_number))
        if chat.product:
            lines.append(self.translate("desk-card-product", product=chat.product))
            link = PRODUCT_LINKS[marketplace].format(product=chat.product)
            lines.append(self.translate("desk-card-product-link", link=link))
        lines.append(self.translate("desk-card-chats-link", link=CHATS_LINKS[marketplace]))
        return "\n".join(lines)

    # ------------------------------------------------------------------ messages
    def _author(self, message: _Message) -> str:
        marketplace = self.account.marketplace.label
        if message.author is Author.BUYER:
            buyer = message.chat.buyer_name or self.translate("desk-buyer")
            return self.translate("desk-author-buyer", buyer=buyer, marketplace=marketplace)
        return self.translate("desk-author-marketplace", marketplace=marketplace)

    def _local(self, moment: datetime) -> datetime:
        return aware(moment).astimezone(self.timezone)

    def _post_text(self, message: _Message, text: str) -> Awaitable[Delivery]:
        return self.outbox.post_text(
            self.account.forum_chat_id,
            message.chat.topic_id,
            text,
            author=self._author(message),
            written_at=self._local(message.written_at),
            suggest=self._suggest_button(message),
        )

    def _suggest_button(self, message: _Message) -> SuggestButton | None:
        """💡 under what a buyer wrote (not under the marketplace's notices)."""
        if message.author is not Author.BUYER:
            return None
        return SuggestButton(self.translate("desk-button-suggest"), message.chat.id)

    async def _settle(self, in_flight: list[tuple[_Message, Awaitable[Delivery]]]) -> bool:
        """Awaits queued texts in order and records each; False when a problem stops the pass."""
        for message, pending in in_flight:
            delivery = await pending
            # A turn for the other accounts' syncs after each delivery (awaiting one already
            # done does not yield): without it, one account's forwarding queues ahead of the
            # others' and the group's budget goes to it alone (`python -m bench marketplace
            # --quick`: the burst took 13.4 s, not 7.7 s).
            await asyncio.sleep(0)
            # Awaited and recorded even if the lease is gone: these went out, by us.
            await self.keep_alive()
            if message.chat.broken:
                continue
            if delivery.delivered or delivery.problem is DeliveryProblem.REJECTED:
                if not delivery.delivered:
                    logger.error(
                        "Telegram refused buyer message %s of chat %s: %s",
                        message.id,
                        message.chat.chat_id,
                        delivery.detail,
                    )
                await self._record_message(message, delivery.message_id)
                continue
            self._note_problem(delivery, f"message {message.id}")
            if delivery.problem is DeliveryProblem.TOPIC_GONE:
                await self._forget_topic(message.chat)
        return self.report.problem is None

    async def _forward_with_attachments(self, message: _Message) -> None:
        downloaded: list[tuple[BuyerAttachment, OutgoingFile]] = []
        failed: list[tuple[BuyerAttachment, str]] = []
        for attachment in message.attachments:
            file, error = await self._download(attachment)
            if file is None:
                failed.append((attachment, error))
            else:
                downloaded.append((attachment, file))
        text = message.text
        if failed:
            note = self.translate(
                "desk-attachment-pending",
                count=len(failed),
                marketplace=self.account.marketplace.label,
            )
            text = f"{text}\n\n{note}" if text else note
        first_message_id: int | None = None
        if text:
            delivery = await self._post_text(message, text)
            if not delivery.delivered:
                await self._settle([(message, _done(delivery))])
                return
            first_message_id = delivery.message_id
        for attachment, file in downloaded:
            caption, suggest = None, None
            if first_message_id is None:  # no text: the first file carries the author line
                caption = attribution_line(self._author(message), self._local(message.written_at))
                suggest = self._suggest_button(message)
            delivery = await self._post_attachment(
                message.chat.topic_id, attachment, file, caption, suggest=suggest
            )
            if not delivery.delivered:
                if first_message_id is None:
                    await self._settle([(message, _done(delivery))])
                    return
                self._note_problem(delivery, f"attachment {attachment.id}")
                await self._record_attachment_failure(attachment, delivery.detail)
                continue
            if first_message_id is None:
                first_message_id = delivery.message_id
            await self._record_attachment(attachment, delivery.message_id)
        await self._record_message(message, first_message_id)
        for attachment, error in failed:
            await self._record_attachment_failure(attachment, error)

    async def _post_attachment(
        self,
        topic_id: int | None,
        attachment: BuyerAttachment,
        file: OutgoingFile,
        caption: str | None,
        reply_to: int | None = None,
        suggest: SuggestButton | None = None,
    ) -> Delivery:
        """An image that Telegram takes as a photo goes as one; anything else as a document."""
        return await self.outbox.post_file(
            self.account.forum_chat_id,
            topic_id,
            file,
            as_photo=attachment.kind == AttachmentKind.IMAGE.value
            and looks_like_photo(file.content),
            caption=caption,
            reply_to=reply_to,
            suggest=suggest,
        )

    async def _download(self, attachment: BuyerAttachment) -> tuple[OutgoingFile | None, str]:
        """The file, or None and why not."""
        try:
            content = await self.connector.download(
                Attachment(
                    AttachmentKind(attachment.kind),
                    attachment.reference,
                    attachment.name,
                    attachment.content_type,
                    attachment.size,
                )
            )
        except Exception as error:  # any failure: the message goes on, the file is retried
            reason = str(error)[:255] or type(error).__name__
            logger.warning(
                "%s attachment %s could not be downloaded: %s",
                self.account.marketplace.label,
                attachment.id,
                reason,
            )
            return None, reason
        file = OutgoingFile(
            attachment.name or "attachment",
            content,
            attachment.content_type or "application/octet-stream",
        )
        return file, ""

    # ------------------------------------------------------------------ late attachments
    async def _retry_attachments(self) -> None:
        async with self.session_factory() as session:
            rows = (
                await session.execute(
                    select(BuyerAttachment, BuyerMessage, BuyerChat)
                    .join(BuyerMessage, BuyerMessage.id == BuyerAttachment.message_id)
                    .join(BuyerChat, BuyerChat.id == BuyerMessage.buyer_chat_id)
                    .where(
                        BuyerChat.account_id == self.account.id,
                        BuyerMessage.forwarded_at.is_not(None),
                        BuyerAttachment.forwarded_at.is_(None),
                        BuyerAttachment.next_attempt_at.is_not(None),
                        BuyerAttachment.next_attempt_at <= utcnow(),
                    )
                    .order_by(BuyerAttachment.id)
                    .limit(MESSAGES_PER_PASS)
                )
            ).all()
        for attachment, stored, chat in rows:
            file, error = await self._download(attachment)
            if file is None:
                await self._record_attachment_failure(attachment, error)
                continue
            delivery = await self._post_attachment(
                chat.topic_id,
                attachment,
                file,
                self.translate("desk-attachment-late"),
                reply_to=stored.telegram_message_id,
            )
            if delivery.delivered:
                await self._record_attachment(attachment, delivery.message_id)
            elif delivery.problem is DeliveryProblem.REJECTED:
                await self._record_attachment_failure(attachment, delivery.detail)
            else:
                self._note_problem(delivery, f"attachment {attachment.id}")
                return

    # ------------------------------------------------------------------ records
    def _note_problem(self, delivery: Delivery, what: str) -> None:
        if delivery.problem is DeliveryProblem.TOPIC_GONE:
            logger.info("%s: its forum topic is gone; it is opened again", what)
            return
        if delivery.problem is DeliveryProblem.REJECTED:
            logger.error("%s: Telegram refused it: %s", what, delivery.detail)
            return
        logger.warning("%s not forwarded: %s (%s)", what, delivery.problem, delivery.detail)
        if self.report.problem is None:
            self.report.problem = delivery.problem

    async def _forget_topic(self, chat: _Chat) -> None:
        chat.broken = True
        async with self.session_factory() as session:
            await session.execute(
                update(BuyerChat)
                .where(BuyerChat.id == chat.id, BuyerChat.topic_id == chat.topic_id)
                .values(topic_id=None)
            )
            await session.commit()

    async def _record_message(self, message: _Message, telegram_message_id: int | None) -> None:
        async with self.session_factory() as session:
            await session.execute(
                update(BuyerMessage)
                .where(BuyerMessage.id == message.id)
                .values(
                    forwarded_at=utcnow(),
                    topic_id=message.chat.topic_id,
                    telegram_message_id=telegram_message_id,
                )
            )
            await session.commit()
        self.report.forwarded += 1
        if message.author is Author.BUYER:
            self.report.buyer_chats.add(message.chat.id)

    async def _record_attachment(self, attachment: BuyerAttachment, message_id: int | None) -> None:
        await self._update_attachment(
            attachment, forwarded_at=utcnow(), telegram_message_id=message_id, last_error=None
        )

    async def _record_attachment_failure(self, attachment: BuyerAttachment, error: str) -> None:
        attempts = attachment.attempts + 1
        retry = attempts < MAX_ATTACHMENT_ATTEMPTS
        await self._update_attachment(
            attachment,
            attempts=attempts,
            last_error=(error or "failed")[:255],
            next_attempt_at=utcnow() + attachment_retry_delay(attempts) if retry else None,
        )

    async def _update_attachment(self, attachment: BuyerAttachment, **values: Any) -> None:
        async with self.session_factory() as session:
            await session.execute(
                update(BuyerAttachment).where(BuyerAttachment.id == attachment.id).values(**values)
            )
            await session.commit()


async def _done(delivery: Delivery) -> Delivery:
    return delivery
