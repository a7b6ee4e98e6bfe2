"""What the admin group shows while a broadcast is composed: a draft with the size of its
audience, and the audiences to choose from, each with how many users it reaches now."""

from __future__ import annotations

import html
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.broadcasts.drafts import (
    TAG,
    Audience,
    AudienceKind,
    BroadcastStatus,
    count_audience,
    get_broadcast,
)
from services.languages import SUPPORTED_LANGUAGES
from services.models.broadcast import Broadcast


@dataclass(frozen=True)
class DraftSummary:
    broadcast: Broadcast
    audience: Audience
    recipients: int  # the audience's reachable users right now

    @property
    def is_draft(self) -> bool:
        return self.broadcast.status == BroadcastStatus.DRAFT


@dataclass(frozen=True)
class AudienceChoice:
    audience: Audience
    recipients: int


async def draft_summary(session: AsyncSession, broadcast_id: int) -> DraftSummary | None:
    broadcast = await get_broadcast(session, broadcast_id)
    if broadcast is None:
        return None
    audience = Audience.of(broadcast)
    return DraftSummary(broadcast, audience, await count_audience(session, audience))


async def audience_choices(session: AsyncSession) -> list[AudienceChoice]:
    """All users, each language, paid, never paid — the audiences that need no number typed."""
    audiences = [
        Audience(AudienceKind.ALL),
        *(Audience(AudienceKind.LANGUAGE, language=code) for code in SUPPORTED_LANGUAGES),
        Audience(AudienceKind.PAID),
        Audience(AudienceKind.NEVER_PAID),
    ]
    return [
        AudienceChoice(audience, await count_audience(session, audience)) for audience in audiences
    ]


def excerpt(telegram_html: str, limit: int = 120) -> str:
    """The start of the message as plain text (no formatting), to recognise a draft by."""
    plain = " ".join(html.unescape(TAG.sub("", telegram_html)).split())
    return plain if len(plain) <= limit else plain[: limit - 1].rstrip() + "…"
