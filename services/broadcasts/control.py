"""Starting a composed broadcast, pausing, resuming and cancelling it, and reading its progress.

Every change of state is one conditional UPDATE (from the states it may come from), so two
admins pressing at once, or a press after the broadcast ended, is decided by the database:
one wins, the other learns the state it found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.audit import AuditAction
from services.broadcasts.drafts import (
    Audience,
    BroadcastStatus,
    DraftProblem,
    DraftRefused,
    audience_filter,
    check_message_fits,
    count_audience,
    get_broadcast,
)
from services.metrics import BROADCAST_RECIPIENTS, StateGauge
from services.models.base import aware, utcnow
from services.models.broadcast import Broadcast, BroadcastRecipient
from services.models.user import User

# The recent rate (for the time left) is measured over this much of the latest sending.
RATE_WINDOW = timedelta(seconds=15)


class RecipientState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"  # a worker has it queued in its sender
    SENT = "sent"
    BLOCKED = "blocked"  # 403: the user blocked the bot
    DEACTIVATED = "deactivated"  # 403: the account was deleted
    FAILED = "failed"  # any other refusal, or Telegram kept failing
    # Its worker's process died while it was queued: it may or may not have gone out, and
    # sending it again could deliver it twice, so it is not sent again.
    UNCONFIRMED = "unconfirmed"


WAITING = (RecipientState.PENDING, RecipientState.CLAIMED)


class ControlRefused(Exception):
    """The broadcast was not in a state this change applies to; `status` is what it was."""

    def __init__(self, status: BroadcastStatus | None) -> None:
        super().__init__(status.value if status else "missing")
        self.status = status


async def start_broadcast(
    session: AsyncSession, broadcast_id: int, admin_id: int, revision: int | None = None
) -> int:
    """Turns the draft into a running broadcast to its audience as it is now; the number of
    recipients. Refused (DraftRefused) when it is no longer a draft, was changed since the
    preview at `revision`, or nobody would get it."""
    draft = await get_broadcast(session, broadcast_id)
    if draft is None or draft.status != BroadcastStatus.DRAFT:
        raise DraftRefused(DraftProblem.NOT_A_DRAFT, started_by=draft and draft.started_by)
    if revision is not None and revision != draft.revision:
        raise DraftRefused(DraftProblem.CHANGED)
    check_message_fits(draft.text, with_photo=draft.photo_file_id is not None)
    audience = Audience.of(draft)
    if await count_audience(session, audience) == 0:
        raise DraftRefused(DraftProblem.EMPTY_AUDIENCE)
    now = utcnow()
    claimed = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status == BroadcastStatus.DRAFT,
            Broadcast.revision == draft.revision,  # not changed meanwhile either
        )
        .values(status=BroadcastStatus.RUNNING, started_by=admin_id, started_at=now)
    )
    if claimed.rowcount != 1:  # another admin's confirm won meanwhile
        raise DraftRefused(DraftProblem.NOT_A_DRAFT)
    recipients = select(
        literal(broadcast_id), User.telegram_id, literal(RecipientState.PENDING.value)
    ).where(audience_filter(audience, now))
    inserted = await session.execute(
        insert(BroadcastRecipient).from_select(["broadcast_id", "user_id", "state"], recipients)
    )
    count = int(inserted.rowcount or 0)
    await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id).values(recipient_count=count)
    )
    await audit.record(
        session,
        admin_id,
        AuditAction.BROADCAST,
        str(broadcast_id),
        after={
            "audience": audience.kind.value,
            "language": audience.language,
            "inactive_days": audience.inactive_days,
            "recipients": count,
            "photo": draft.photo_file_id is not None,
            "button": draft.button_url,
            "text": draft.text[:200],
        },
    )
    return count


CHANGES: dict[AuditAction, tuple[tuple[BroadcastStatus, ...], BroadcastStatus]] = {
    AuditAction.BROADCAST_PAUSE: ((BroadcastStatus.RUNNING,), BroadcastStatus.PAUSED),
    AuditAction.BROADCAST_RESUME: ((BroadcastStatus.PAUSED,), BroadcastStatus.RUNNING),
    AuditAction.BROADCAST_CANCEL: (
        (BroadcastStatus.RUNNING, BroadcastStatus.PAUSED),
        BroadcastStatus.CANCELLED,
    ),
}


async def change_broadcast(
    session: AsyncSession, broadcast_id: int, admin_id: int, change: AuditAction
) -> BroadcastStatus:
    """Pauses, resumes or cancels; refused (ControlRefused) from any other state."""
    sources, target = CHANGES[change]
    values: dict[str, object] = {"status": target, "stopped_by": admin_id}
    if target is BroadcastStatus.CANCELLED:
        values["finished_at"] = utcnow()
    changed = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status.in_(sources))
        .values(**values)
    )
    if changed.rowcount != 1:
        found = await get_broadcast(session, broadcast_id)
        raise ControlRefused(BroadcastStatus(found.status) if found else None)
    await audit.record(session, admin_id, change, str(broadcast_id))
    return target


@dataclass(frozen=True)
class BroadcastProgress:
    broadcast_id: int
    status: BroadcastStatus
    total: int
    sent: int
    blocked: int
    deactivated: int
    failed: int
    unconfirmed: int
    remaining: int
    recent_per_second: float  # over the last RATE_WINDOW, 0 when nothing went lately
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def done(self) -> int:
        return self.total - self.remaining

    def counts(self) -> dict[str, int]:
        """The figures by name: the report's and the progress message's values, the audit's."""
        return {
            "total": self.total,
            "sent": self.sent,
            "blocked": self.blocked,
            "deactivated": self.deactivated,
            "failed": self.failed,
            "unconfirmed": self.unconfirmed,
            "remaining": self.remaining,
        }

    def seconds_left(self, fallback_per_second: float) -> int | None:
        """The time left at the recent rate (or the given one before any): None once over."""
        if self.remaining == 0 or self.status.over:
            return None
        rate = self.recent_per_second or fallback_per_second
        return math.ceil(self.remaining / rate) if rate > 0 else None


def recent_rate(done: int, since: datetime | None, now: datetime) -> float:
    """Sends per second over the part of RATE_WINDOW that saw any (a broadcast started or
    resumed five seconds ago is not averaged over fifteen); 0 before there are two."""
    if done < 2 or since is None:
        return 0.0
    seconds = (now - aware(since)).total_seconds()
    return done / seconds if seconds >= 1.0 else 0.0


async def recipients_gauge(session: AsyncSession) -> StateGauge:
    """For /metrics: the recipients of every running or paused broadcast by state (each state
    reported, 0 included, so that a dashboard sees a broadcast from its start)."""
    gauge = StateGauge(
        BROADCAST_RECIPIENTS,
        "Recipients of running and paused broadcasts, by state (pending, claimed, sent, "
        "blocked, deactivated, failed, unconfirmed).",
        ("broadcast", "status", "state"),
    )
    live = (BroadcastStatus.RUNNING, BroadcastStatus.PAUSED)
    broadcasts = await session.execute(
        select(Broadcast.id, Broadcast.status).where(Broadcast.status.in_(live))
    )
    counts = {
        (broadcast_id, status, state): 0
        for broadcast_id, status in broadcasts
        for state in RecipientState
    }
    if counts:
        rows = await session.execute(
            select(Broadcast.id, Broadcast.status, BroadcastRecipient.state, func.count())
            .join(BroadcastRecipient, BroadcastRecipient.broadcast_id == Broadcast.id)
            .where(Broadcast.status.in_(live))
            .group_by(Broadcast.id, Broadcast.status, BroadcastRecipient.state)
        )
        for broadcast_id, status, state, count in rows:
            counts[broadcast_id, status, RecipientState(state)] = int(count)
    for (broadcast_id, status, state), count in counts.items():
        gauge.add(count, str(broadcast_id), status, state.value)
    return gauge


async def read_progress(session: AsyncSession, broadcast_id: int) -> BroadcastProgress | None:
    broadcast = await get_broadcast(session, broadcast_id)
    if broadcast is None:
        return None
    rows = await session.execute(
        select(BroadcastRecipient.state, func.count())
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .group_by(BroadcastRecipient.state)
    )
    counts = {RecipientState(state): int(count) for state, count in rows.all()}
    now = utcnow()
    recent, since = (
        await session.execute(
            select(func.count(), func.min(BroadcastRecipient.done_at)).where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                BroadcastRecipient.done_at >= now - RATE_WINDOW,
            )
        )
    ).one()
    return BroadcastProgress(
        broadcast_id=broadcast_id,
        status=BroadcastStatus(broadcast.status),
        total=sum(counts.values()),
        sent=counts.get(RecipientState.SENT, 0),
        blocked=counts.get(RecipientState.BLOCKED, 0),
        deactivated=counts.get(RecipientState.DEACTIVATED, 0),
        failed=counts.get(RecipientState.FAILED, 0),
        unconfirmed=counts.get(RecipientState.UNCONFIRMED, 0),
        remaining=sum(counts.get(state, 0) for state in WAITING),
        recent_per_second=recent_rate(int(recent or 0), since, now),
        started_at=broadcast.started_at,
        finished_at=broadcast.finished_at,
    )
