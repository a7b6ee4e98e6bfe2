"""Each update's trace: its context for the logs (update id, user id, handler) and its
metrics (count, handling time, unhandled errors), by update type and handler."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.types import TelegramObject, Update, User

from services.metrics import UNHANDLED_ERRORS, UPDATE_SECONDS, UPDATES
from services.update_context import UpdateContext, current_update, enter_update, leave_update

# The attribute an unhandled error carries its update's context in, for the error handlers.
FAILED_UPDATE_CONTEXT = "easyflow_update_context"

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateObserver(BaseMiddleware):
    """Outermost of the platform's update middlewares: everything after it runs inside the
    update's context and is timed."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user: User | None = data.get("event_from_user")
        context = UpdateContext(
            update_id=event.update_id,
            type=event.event_type,
            user_id=user.id if user is not None else None,
        )
        token = enter_update(context)
        started = time.perf_counter()
        try:
            return await handler(event, data)
        except Exception as error:
            UNHANDLED_ERRORS.labels(context.type, context.handler, type(error).__name__).inc()
            # aiogram's error handlers run outside this middleware, after the context is left:
            # the error carries it to them (`ErrorContext`), so their logs name the update.
            with suppress(AttributeError):
                setattr(error, FAILED_UPDATE_CONTEXT, context)
            raise
        finally:
            UPDATES.labels(context.type, context.handler).inc()
            UPDATE_SECONDS.labels(context.type, context.handler).observe(
                time.perf_counter() - started
            )
            leave_update(token)


class HandlerNamer(BaseMiddleware):
    """Inner middleware: names the handler that took the update (`module.function`)."""

    def __init__(self) -> None:
        self._names: dict[int, str] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        context = current_update()
        taken: HandlerObject | None = data.get("handler")
        if context is not None and taken is not None:
            name = self._names.get(id(taken))
            if name is None:
                name = self._names[id(taken)] = handler_name(taken.callback)
            context.handler = name
        return await handler(event, data)


def handler_name(callback: Callable[..., Any]) -> str:
    """`module.function` without the `handlers.` prefix (`core.menu.help_command`): for an
    update's handler, and for a module's reader in /metrics and /healthz."""
    module = getattr(callback, "__module__", "") or ""
    qualname = getattr(callback, "__qualname__", None) or type(callback).__name__
    return f"{module.removeprefix('handlers.')}.{qualname}".lstrip(".")


class ErrorContext(BaseMiddleware):
    """Outer middleware of the error handlers: they run (and log) inside the context of the
    update that failed."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        context = getattr(getattr(event, "exception", None), FAILED_UPDATE_CONTEXT, None)
        if not isinstance(context, UpdateContext):
            return await handler(event, data)
        token = enter_update(context)
        try:
            return await handler(event, data)
        finally:
            leave_update(token)


def observe_updates(dispatcher: Dispatcher) -> None:
    """Registers them: the observer around every update, the namer on every event type, the
    failed update's context around the error handlers.

    The observer goes in before the FSM's middleware (the last of those `Dispatcher()` adds),
    so the time an update waits for its chat's lock is in its handling time, and a failure
    there (Redis away) is counted and logged with the update."""
    fsm = dispatcher.fsm
    assert dispatcher.update.outer_middleware[-1] is fsm, "before the platform's middlewares"
    dispatcher.update.outer_middleware.unregister(fsm)
    dispatcher.update.outer_middleware(UpdateObserver())
    dispatcher.update.outer_middleware(fsm)
    dispatcher.errors.outer_middleware(ErrorContext())
    namer = HandlerNamer()
    for name, observer in dispatcher.observers.items():
        if name not in {"update", "error"}:
            observer.middleware(namer)
