"""The track catalogue as the bot shows it: specializations, levels, topics and skill names."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.interview.bank import localized_text
from services.models import Specialization

LENGTHS = (3, 5, 10)


async def specializations(session: AsyncSession) -> list[Specialization]:
    return list(
        (
            await session.scalars(
                select(Specialization).order_by(Specialization.position, Specialization.id)
            )
        ).all()
    )


async def get_specialization(
    session: AsyncSession, specialization_id: str
) -> Specialization | None:
    return await session.get(Specialization, specialization_id)


async def skill_titles(session: AsyncSession, language: str) -> dict[str, str]:
    """Every skill key of every specialization → its title in `language`."""
    titles: dict[str, str] = {}
    for specialization in await specializations(session):
        for key, texts in specialization.skills.items():
            titles.setdefault(key, localized_text(texts, language))
    return titles
