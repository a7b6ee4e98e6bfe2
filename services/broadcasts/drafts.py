"""A broadcast being composed: its message (text, photo, one URL button) and its audience.

Drafts are rows, not FSM data, so any admin sees the same draft and "confirm" is decided once
by the database: the first confirm turns the draft into a running broadcast, a second one finds
it no longer a draft.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, and_, exists, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from services.models.base import utcnow
from services.models.broadcast import Broadcast
from services.models.payments import Payment
from services.models.user import User
from services.telegram_text import (
    TELEGRAM_CAPTION_LIMIT,
    TELEGRAM_PHOTO_LIMIT_BYTES,
    TELEGRAM_TEXT_LIMIT,
)

BUTTON_LABEL_LIMIT = 64
BUTTON_URL_LIMIT = 2048
MAX_INACTIVE_DAYS = 3650
URL_SCHEMES = ("http", "https", "tg")
# "Label | https://…", "Label - https://…" or the label and the address on two lines.
BUTTON_SPEC = re.compile(r"^\s*(?P<label>.+?)\s*(?:\||\n|\s-\s)\s*(?P<url>\S+)\s*$", re.DOTALL)
TAG = re.compile(r"<[^>]+>")


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    FINISHED = "finished"

    @property
    def over(self) -> bool:
        return self in {BroadcastStatus.CANCELLED, BroadcastStatus.FINISHED}


class DraftProblem(StrEnum):
    EMPTY_TEXT = "empty_text"
    TEXT_TOO_LONG = "text_too_long"  # over 4096 characters
    CAPTION_TOO_LONG = "caption_too_long"  # over 1024 characters with a photo
    PHOTO_TOO_BIG = "photo_too_big"  # over Telegram's 10 MB for a photo
    NOT_A_PHOTO = "not_a_photo"  # a file that is not an image
    BAD_BUTTON = "bad_button"  # not "label | address"
    BUTTON_LABEL_TOO_LONG = "button_label_too_long"
    BAD_URL = "bad_url"
    BAD_DAYS = "bad_days"  # inactive for N days: N not a whole number of 1-3650
    NOT_A_DRAFT = "not_a_draft"  # it was confirmed (or discarded) meanwhile
    CHANGED = "changed"  # Send under a preview of an older version of the draft
    EMPTY_AUDIENCE = "empty_audience"


class DraftRefused(Exception):
    def __init__(self, problem: DraftProblem, **details: object) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.details = details


class AudienceKind(StrEnum):
    ALL = "all"
    LANGUAGE = "language"
    PAID = "paid"
    NEVER_PAID = "never_paid"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind = AudienceKind.ALL
    language: str | None = None
    inactive_days: int | None = None

    @classmethod
    def of(cls, broadcast: Broadcast) -> Audience:
        return cls(
            AudienceKind(broadcast.audience),
            broadcast.audience_language,
            broadcast.audience_inactive_days,
        )


@dataclass(frozen=True)
class BroadcastMessage:
    """What every recipient gets: Telegram HTML, with an optional photo (the text is then its
    caption) and an optional URL button."""

    text: str
    photo_file_id: str | None = None
    button_text: str | None = None
    button_url: str | None = None

    @classmethod
    def of(cls, broadcast: Broadcast) -> BroadcastMessage:
        return cls(
            broadcast.text, broadcast.photo_file_id, broadcast.button_text, broadcast.button_url
        )


def visible_length(telegram_html: str) -> int:
    """The characters Telegram counts against its limits: the text without its formatting."""
    return len(html.unescape(TAG.sub("", telegram_html)))


def check_message_fits(telegram_html: str, with_photo: bool) -> None:
    length = visible_length(telegram_html)
    if not telegram_html.strip() or length == 0:
        raise DraftRefused(DraftProblem.EMPTY_TEXT)
    if with_photo and length > TELEGRAM_CAPTION_LIMIT:
        raise DraftRefused(
            DraftProblem.CAPTION_TOO_LONG, length=length, limit=TELEGRAM_CAPTION_LIMIT
        )
    if length > TELEGRAM_TEXT_LIMIT:
        raise DraftRefused(DraftProblem.TEXT_TOO_LONG, length=length, limit=TELEGRAM_TEXT_LIMIT)


def check_photo_size(size_bytes: int | None) -> None:
    if size_bytes is not None and size_bytes > TELEGRAM_PHOTO_LIMIT_BYTES:
        raise DraftRefused(
            DraftProblem.PHOTO_TOO_BIG, size=size_bytes, limit=TELEGRAM_PHOTO_LIMIT_BYTES
        )


def parse_button(spec: str) -> tuple[str, str]:
    """("label", "address") from "label | address"; refuses what Telegram would not show."""
    match = BUTTON_SPEC.match(spec or "")
    if match is None:
        raise DraftRefused(DraftProblem.BAD_BUTTON)
    label, url = match["label"].strip(), match["url"].strip()
    if len(label) > BUTTON_LABEL_LIMIT:
        raise DraftRefused(DraftProblem.BUTTON_LABEL_TOO_LONG, limit=BUTTON_LABEL_LIMIT)
    if not is_valid_button_url(url):
        raise DraftRefused(DraftProblem.BAD_URL, url=url[:100])
    return label, url


def is_valid_button_url(url: str) -> bool:
    if len(url) > BUTTON_URL_LIMIT or any(char.isspace() for char in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in URL_SCHEMES:
        return False
    host = parts.netloc.rsplit("@", 1)[-1].split(":", 1)[0]
    if parts.scheme == "tg":
        return bool(host)
    return "." in host.strip(".") or host == "localhost"


def parse_inactive_days(text: str) -> int:
    days = text.strip()
    if not (days.isascii() and days.isdigit()) or not 1 <= int(days) <= MAX_INACTIVE_DAYS:
        raise DraftRefused(DraftProblem.BAD_DAYS, limit=MAX_INACTIVE_DAYS)
    return int(days)


def reachable_users() -> ColumnElement[bool]:
    """Users a broadcast can reach: not blocked by an admin, the bot not blocked by them, the
    account not deleted."""
    return and_(User.banned_at.is_(None), ~User.is_blocked, User.deactivated_at.is_(None))


def audience_filter(audience: Audience, now: datetime | None = None) -> ColumnElement[bool]:
    paid = exists().where(Payment.user_id == User.telegram_id)
    match audience.kind:
        case AudienceKind.ALL:
            chosen: ColumnElement[bool] = true()
        case AudienceKind.LANGUAGE:
            chosen = User.language == (audience.language or "")
        case AudienceKind.PAID:
            chosen = paid
        case AudienceKind.NEVER_PAID:
            chosen = ~paid
        case AudienceKind.INACTIVE:
            days = audience.inactive_days or 0
            chosen = User.last_seen_at < (now or utcnow()) - timedelta(days=days)
    return and_(reachable_users(), chosen)


async def count_audience(session: AsyncSession, audience: Audience) -> int:
    query = select(func.count()).select_from(User).where(audience_filter(audience))
    return int(await session.scalar(query) or 0)


async def create_draft(
    session: AsyncSession, admin_id: int, admin_chat_id: int, admin_thread_id: int | None
) -> Broadcast:
    draft = Broadcast(
        created_by=admin_id,
        status=BroadcastStatus.DRAFT,
        text="",
        audience=AudienceKind.ALL,
        admin_chat_id=admin_chat_id,
        admin_thread_id=admin_thread_id,
        recipient_count=0,
        revision=0,
    )
    session.add(draft)
    await session.flush()
    return draft


async def get_broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id, populate_existing=True)


async def draft_for_change(session: AsyncSession, broadcast_id: int) -> Broadcast:
    """The draft, locked for this transaction and at its next revision; refused once it is a
    draft no more."""
    draft = await session.scalar(
        select(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if draft is None or draft.status != BroadcastStatus.DRAFT:
        raise DraftRefused(DraftProblem.NOT_A_DRAFT)
    draft.revision += 1
    return draft


async def set_text(session: AsyncSession, broadcast_id: int, telegram_html: str) -> Broadcast:
    draft = await draft_for_change(session, broadcast_id)
    check_message_fits(telegram_html, with_photo=draft.photo_file_id is not None)
    draft.text = telegram_html
    return draft


async def set_photo(
    session: AsyncSession, broadcast_id: int, file_id: str | None, size_bytes: int | None = None
) -> Broadcast:
    """Sets (or with None removes) the photo; the text must then fit a caption."""
    draft = await draft_for_change(session, broadcast_id)
    if file_id is not None:
        check_photo_size(size_bytes)
        if draft.text:
            check_message_fits(draft.text, with_photo=True)
    draft.photo_file_id = file_id
    return draft


async def set_button(session: AsyncSession, broadcast_id: int, spec: str | None) -> Broadcast:
    """Sets the button from "label | address" (or with None removes it)."""
    draft = await draft_for_change(session, broadcast_id)
    label, url = parse_button(spec) if spec is not None else (None, None)
    draft.button_text, draft.button_url = label, url
    return draft


async def set_audience(session: AsyncSession, broadcast_id: int, audience: Audience) -> Broadcast:
    draft = await draft_for_change(session, broadcast_id)
    draft.audience = audience.kind
    draft.audience_language = audience.language if audience.kind is AudienceKind.LANGUAGE else None
    draft.audience_inactive_days = (
        audience.inactive_days if audience.kind is AudienceKind.INACTIVE else None
    )
    return draft


async def discard_draft(session: AsyncSession, broadcast_id: int) -> None:
    draft = await draft_for_change(session, broadcast_id)
    await session.delete(draft)
