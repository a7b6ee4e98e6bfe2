"""Questions a user saved during an interview to practise later."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.models import Bookmark, Question

MAX_LISTED = 10


async def toggle_bookmark(session: AsyncSession, user_id: int, question_id: str) -> bool:
    """Saves the question, or removes it when already saved. Returns whether it is saved now."""
    existing = await session.get(Bookmark, (user_id, question_id))
    if existing is not None:
        await session.delete(existing)
        await session.flush()
        return False
    session.add(Bookmark(user_id=user_id, question_id=question_id))
    await session.flush()
    return True


async def remove_bookmark(session: AsyncSession, user_id: int, question_id: str) -> bool:
    result = await session.execute(
        delete(Bookmark).where(Bookmark.user_id == user_id, Bookmark.question_id == question_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def bookmarked_questions(
    session: AsyncSession, user_id: int, limit: int = MAX_LISTED
) -> list[Question]:
    return list(
        (
            await session.scalars(
                select(Question)
                .join(Bookmark, Bookmark.question_id == Question.id)
                .where(
                    Bookmark.user_id == user_id,
                    Question.in_rotation,
                )
                .order_by(Bookmark.created_at.desc())
                .limit(limit)
            )
        ).all()
    )


async def is_bookmarked(session: AsyncSession, user_id: int, question_id: str) -> bool:
    return await session.get(Bookmark, (user_id, question_id)) is not None
