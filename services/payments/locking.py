"""Row locks that work on both databases, and savepoints that are safe on SQLite.

PostgreSQL: `SELECT ... FOR UPDATE` locks the row until the transaction ends, so two sessions
crediting (or refunding) the same order take turns.

SQLite has no row locks, and its Python driver opens a transaction only at the first write:
a savepoint taken before any write becomes the outermost transaction, and releasing it
commits — a later rollback would not undo it. So on SQLite `lock_row` writes first (a no-op
UPDATE of the row): that takes the database's write lock (other writers wait, as for a row
lock) and opens the transaction, making savepoints after it nest properly.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.models import Base

ModelT = TypeVar("ModelT", bound=Base)


async def lock_row(session: AsyncSession, model: type[ModelT], row_id: Any) -> ModelT | None:
    """The row with primary key `row_id`, locked until the transaction ends and freshly read
    (changes committed by others while we waited are seen). None when it does not exist."""
    (key,) = inspect(model).primary_key
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        await session.execute(
            update(model).where(key == row_id).values({key.name: key}),
            execution_options={"synchronize_session": False},
        )
    return await session.scalar(
        select(model)
        .where(key == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
