"""What the update being handled is, for everything that runs inside it (logs, metrics).

The update's middleware sets it once per update; the handler's name is filled in when a
handler takes the update. A context variable: each update's task sees its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from contextvars import ContextVar, copy_context
from dataclasses import dataclass
from typing import Any, TypeVar

Result = TypeVar("Result")

NO_HANDLER = "none"


@dataclass
class UpdateContext:
    update_id: int
    type: str
    user_id: int | None = None
    handler: str = NO_HANDLER


_current: ContextVar[UpdateContext | None] = ContextVar("easyflow_update", default=None)


def current_update() -> UpdateContext | None:
    return _current.get()


def enter_update(context: UpdateContext) -> object:
    """Makes `context` the current update's; returns the token `leave_update` takes."""
    return _current.set(context)


def leave_update(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def outside_any_update(
    work: Coroutine[Any, Any, Result], *, name: str | None = None
) -> asyncio.Task[Result]:
    """A task for work that outlives the update that started it (a queue's worker, a sync, a
    broadcast): it would otherwise inherit the update, and every later line it logs would
    name that update and its user."""
    context = copy_context()
    context.run(_current.set, None)
    return asyncio.create_task(work, name=name, context=context)
