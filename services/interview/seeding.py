"""Copy the YAML question bank into the database: `python -m bot seed`.

Idempotent: rows are matched by id, and a question is rewritten only when its checksum (a hash
of the YAML entry) changed, so a second run touches nothing. Questions that left the bank are
not deleted — answers and bookmarks point at them — but marked inactive, so no new interview
picks them. The caller owns the transaction and commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.interview.bank import (
    QuestionBank,
    bank_checksum,
    specialization_row_values,
    task_row_values,
)
from services.models.interview import Question, Specialization


@dataclass(frozen=True, slots=True)
class SeedReport:
    """Question counts (and specialization counts) of one seeding run."""

    created: int = 0
    updated: int = 0  # content changed, or a deactivated question came back
    unchanged: int = 0
    deactivated: int = 0
    specializations_created: int = 0
    specializations_updated: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.created
            or self.updated
            or self.deactivated
            or self.specializations_created
            or self.specializations_updated
        )

    def summary(self) -> str:
        return (
            f"questions: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.deactivated} deactivated; "
            f"specializations: {self.specializations_created} created, "
            f"{self.specializations_updated} updated"
        )


async def seed_bank(session: AsyncSession, bank: QuestionBank) -> SeedReport:
    """Upsert the bank's specializations and questions; deactivate questions no longer in it."""
    specializations_created, specializations_updated = await _seed_specializations(session, bank)
    # Questions reference specializations; make sure those rows exist first.
    await session.flush()

    existing = {row.id: row for row in (await session.scalars(select(Question))).all()}
    created = updated = unchanged = deactivated = 0
    seen: set[str] = set()
    for task in bank.tasks:
        if task.id in seen:  # a duplicate id is a validation problem; the first entry wins
            continue
        seen.add(task.id)
        checksum = bank_checksum(task)
        row = existing.get(task.id)
        if row is None:
            session.add(
                Question(id=task.id, checksum=checksum, is_active=True, **task_row_values(task))
            )
            created += 1
        elif row.checksum != checksum or not row.is_active:
            for column, value in task_row_values(task).items():
                setattr(row, column, value)
            row.checksum = checksum
            row.is_active = True
            updated += 1
        else:
            unchanged += 1
    for question_id, row in existing.items():
        if question_id not in seen and row.is_active:
            row.is_active = False
            deactivated += 1
    await session.flush()
    return SeedReport(
        created=created,
        updated=updated,
        unchanged=unchanged,
        deactivated=deactivated,
        specializations_created=specializations_created,
        specializations_updated=specializations_updated,
    )


async def _seed_specializations(session: AsyncSession, bank: QuestionBank) -> tuple[int, int]:
    existing = {row.id: row for row in (await session.scalars(select(Specialization))).all()}
    created = updated = 0
    seen: set[str] = set()
    for specialization in bank.specializations:
        if specialization.id in seen:
            continue
        seen.add(specialization.id)
        values = specialization_row_values(specialization)
        row = existing.get(specialization.id)
        if row is None:
            session.add(Specialization(id=specialization.id, **values))
            created += 1
        elif any(not _same_json(getattr(row, column), value) for column, value in values.items()):
            for column, value in values.items():
                setattr(row, column, value)
            updated += 1
    return created, updated


def _same_json(stored: Any, wanted: Any) -> bool:
    """Equal including key order: the order of topics and skills is the order the bot shows."""
    return json.dumps(stored, ensure_ascii=False) == json.dumps(wanted, ensure_ascii=False)


async def seed_database(database_url: str, bank: QuestionBank) -> SeedReport:
    """Seeds the bank into the (migrated) database at `database_url` and commits."""
    from services.database import create_engine, create_session_factory

    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            report = await seed_bank(session, bank)
            await session.commit()
        return report
    finally:
        await engine.dispose()
