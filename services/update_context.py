"""What the update being handled is, for everything that runs inside it (logs, metrics).

The update's middleware sets it once per update; the handler's name is filled in when a
handler takes the update. A context variable: each update's task sees its own.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

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
