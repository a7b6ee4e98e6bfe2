"""Opt-in public links to an interview's summary: t.me/<bot>?start=r_<token>.

One row per interview (`report_shares.session_id` is unique). Sharing again while a link is
active returns the same link; revoking stamps `revoked_at`, after which the token opens nothing,
and sharing again issues a new token (an old, revoked link must never come back to life).
The functions flush but do not commit: the caller's request-scoped session owns the transaction.
The summary a link shows is `services.interview.report.render_shared_summary_html`: scores,
skills and question titles, never the answers.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.database import dialect_insert
from services.models import InterviewSession, ReportShare
from services.models.base import utcnow

SHARE_PAYLOAD_PREFIX = "r_"
# 16 random bytes → 22 URL-safe characters: "r_" + token is 24, within Telegram's 64-character
# deep-link payload of [A-Za-z0-9_-], and within the 32-character token column.
TOKEN_BYTES = 16
TOKEN_MAX_CHARS = 32
_PAYLOAD = re.compile(rf"{SHARE_PAYLOAD_PREFIX}([A-Za-z0-9_-]{{1,{TOKEN_MAX_CHARS}}})")
_BOT_USERNAME = re.compile(r"[A-Za-z0-9_]{1,64}")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


async def _share_row(session: AsyncSession, interview_id: int) -> ReportShare | None:
    statement = select(ReportShare).where(ReportShare.session_id == interview_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def create_share(session: AsyncSession, interview_id: int) -> str:
    """The interview's active share token, creating one if there is none (idempotent).

    Raises LookupError when the interview does not exist. Ownership is the caller's check.
    """
    existing = await _share_row(session, interview_id)
    if existing is not None and existing.revoked_at is None:
        return existing.token
    if existing is None and await session.get(InterviewSession, interview_id) is None:
        raise LookupError(f"interview {interview_id} does not exist")
    if existing is not None:
        # Revoked: replace the row, so the old token stays dead and the new one is fresh.
        await session.delete(existing)
        await session.flush()
    # ON CONFLICT DO NOTHING: when a concurrent request (a double tap) shares the interview
    # first, this insert yields to it and both answer with the same token, with no error that
    # would spoil the caller's transaction.
    insert = dialect_insert(session)
    for _ in range(3):
        values = {"token": new_token(), "session_id": interview_id, "created_at": utcnow()}
        await session.execute(insert(ReportShare).values(**values).on_conflict_do_nothing())
        row = await _share_row(session, interview_id)
        if row is not None and row.revoked_at is None:
            return row.token
    raise RuntimeError(f"could not create a share for interview {interview_id}")


async def revoke_share(session: AsyncSession, interview_id: int) -> bool:
    """Disables the interview's link; False when it had no active link."""
    existing = await _share_row(session, interview_id)
    if existing is None or existing.revoked_at is not None:
        return False
    existing.revoked_at = utcnow()
    await session.flush()
    return True


async def active_share_token(session: AsyncSession, interview_id: int) -> str | None:
    existing = await _share_row(session, interview_id)
    return existing.token if existing is not None and existing.revoked_at is None else None


async def shared_interview(session: AsyncSession, token: str) -> InterviewSession | None:
    """The interview behind an active token; None when the token is unknown or revoked."""
    if not token or len(token) > TOKEN_MAX_CHARS:
        return None
    statement = (
        select(InterviewSession)
        .join(ReportShare, ReportShare.session_id == InterviewSession.id)
        .where(ReportShare.token == token, ReportShare.revoked_at.is_(None))
    )
    return (await session.execute(statement)).scalar_one_or_none()


def share_payload(token: str) -> str:
    return SHARE_PAYLOAD_PREFIX + token


def share_link(bot_username: str, token: str) -> str:
    username = bot_username.removeprefix("@")
    if not _BOT_USERNAME.fullmatch(username):
        raise ValueError(f"not a bot username: {bot_username!r}")
    return f"https://t.me/{username}?start={share_payload(token)}"


def parse_share_payload(payload: str | None) -> str | None:
    """The token from a /start payload `r_<token>`, or None when the payload is something else."""
    if not payload:
        return None
    match = _PAYLOAD.fullmatch(payload.strip())
    return match.group(1) if match else None
