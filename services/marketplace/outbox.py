"""What the desk needs from Telegram, as plain values: the module hands an implementation
over the one sender (handlers/marketplace/outbox.py), so the desk itself knows no aiogram."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from services.marketplace.models import OutgoingFile


class DeliveryProblem(StrEnum):
    TOPIC_GONE = "topic_gone"  # the forum topic was deleted
    NO_RIGHTS = "no_rights"  # the bot was removed, demoted, or may not manage topics
    UNAVAILABLE = "unavailable"  # Telegram kept failing, or the sender stopped: try later
    REJECTED = "rejected"  # Telegram refused this very message: sending it again won't help


@dataclass(frozen=True)
class Delivery:
    """A message (or a topic: its thread id) that reached the group, or why it did not."""

    message_id: int | None = None
    problem: DeliveryProblem | None = None
    detail: str = ""

    @property
    def delivered(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class SuggestButton:
    """The 💡 button under a forwarded buyer message: suggests a reply in that buyer chat."""

    label: str
    buyer_chat_id: int


class DeskOutbox(Protocol):
    async def open_topic(self, chat_id: int, name: str) -> Delivery:
        """Creates a forum topic; `message_id` of the answer is its thread id."""
        ...

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
        """Queues the text at once (texts queued for one topic may go out merged, each under
        its author's line) and returns what to await for its delivery."""
        ...

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
    ) -> Delivery: ...

    async def tell_user(self, user_id: int, text: str) -> Delivery:
        """A notice in a private chat."""
        ...
