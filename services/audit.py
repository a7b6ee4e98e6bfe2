"""The audit of admin actions: who did what, on what, when, with the state before and after.

Every service that changes something on an admin's say-so writes its entry here, in the same
transaction as the change, so an entry exists exactly when the change does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.models.admin import AuditEntry
from services.models.base import aware

DEFAULT_AUDIT_PAGE = 15
CHANGE_SUMMARY_LIMIT = 160


class AuditAction(StrEnum):
    ADMIN_ADD = "admin_add"
    ADMIN_REMOVE = "admin_remove"
    PRICE_SET = "price_set"
    REFUND_APPROVE = "refund_approve"
    REFUND_REJECT = "refund_reject"
    CREDITS_GRANT = "credits_grant"
    CREDITS_TAKE = "credits_take"
    USER_BAN = "user_ban"
    USER_UNBAN = "user_unban"
    BANK_IMPORT = "bank_import"
    QUESTION_DISABLE = "question_disable"
    QUESTION_ENABLE = "question_enable"
    BROADCAST = "broadcast"  # started
    BROADCAST_PAUSE = "broadcast_pause"
    BROADCAST_RESUME = "broadcast_resume"
    BROADCAST_CANCEL = "broadcast_cancel"
    BROADCAST_FINISH = "broadcast_finish"  # its totals, by the admin who started it


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    admin_id: int
    action: AuditAction | str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime

    def change_summary(self, limit: int = CHANGE_SUMMARY_LIMIT) -> str:
        """`key: old → new` for each value that differs (`—` for a side that does not exist),
        cut to `limit` characters (a refusal's reason can be long)."""
        before, after = self.before or {}, self.after or {}
        parts = []
        for key in (*before, *(key for key in after if key not in before)):
            old, new = before.get(key, "—"), after.get(key, "—")
            if old != new:
                parts.append(f"{key}: {old} → {new}")
        summary = "; ".join(parts) or "—"
        return summary if len(summary) <= limit else summary[: limit - 1] + "…"


async def record(
    session: AsyncSession,
    admin_id: int,
    action: AuditAction,
    target: str | int = "",
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Adds the entry to the caller's transaction (the caller commits with its change)."""
    session.add(
        AuditEntry(
            admin_id=admin_id,
            action=action.value,
            target=str(target)[:128],
            before=before,
            after=after,
        )
    )


async def latest(
    session: AsyncSession,
    *,
    admin_id: int | None = None,
    action: AuditAction | None = None,
    before_id: int | None = None,
    limit: int = DEFAULT_AUDIT_PAGE,
) -> list[AuditRecord]:
    """The newest entries first, optionally one admin's or one action's, older than
    `before_id` (the next page)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if admin_id is not None:
        query = query.where(AuditEntry.admin_id == admin_id)
    if action is not None:
        query = query.where(AuditEntry.action == action.value)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return [
        AuditRecord(
            id=entry.id,
            admin_id=entry.admin_id,
            action=_action(entry.action),
            target=entry.target,
            before=entry.before,
            after=entry.after,
            at=aware(entry.created_at),
        )
        for entry in (await session.scalars(query)).all()
    ]


def _action(value: str) -> AuditAction | str:
    try:
        return AuditAction(value)
    except ValueError:  # written by a newer version of the bot
        return value
