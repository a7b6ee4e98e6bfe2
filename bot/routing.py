"""Cheap refusals in front of aiogram's handler filters, with the same outcome.

aiogram offers an update to every handler in turn, and each handler's filters are called
through its generic machinery (the update's whole data copied into keyword arguments twice per
filter, a Command filter raising and catching an exception to say no). With every module on, a
text in a private chat is offered to some forty handlers before one takes it: that was the
biggest share of the bot's CPU per update after the Bot API call itself.

Most handlers start from a `Command` or a `StateFilter` (or a bare `State`). What those two
check can be told from the update's text and its `raw_state` in a few plain Python operations;
`prefilter_handlers` puts that test in front of such a handler's filters, so a handler that
cannot match is refused at once. A handler that passes the test still runs all of its filters
as before, so what matches, and what the filters hand to the handler, does not change. A filter
the test cannot mirror (a regular expression command, a state filter open to any state) gets
no test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message, TelegramObject

# Whether the handler may match: False only when its filter would refuse the update.
Precheck = Callable[[TelegramObject, dict[str, Any]], bool]
ANY_STATE = "*"


def command_precheck(command: Command) -> Precheck | None:
    """What `Command.__call__` refuses before asking Telegram who the bot is: no text or
    caption, another prefix, another command name."""
    if not all(isinstance(name, str) for name in command.commands):
        return None  # a pattern: aiogram matches it
    names = frozenset(command.commands)  # already case-folded when ignore_case
    prefixes = command.prefix
    ignore_case = command.ignore_case

    def may_match(event: TelegramObject, _data: dict[str, Any]) -> bool:
        if not isinstance(event, Message):
            return False
        text = event.text or event.caption
        if not text:
            return False
        words = text.split(maxsplit=1)
        if not words or words[0][0] not in prefixes:
            return False
        name = words[0][1:].partition("@")[0]
        return (name.casefold() if ignore_case else name) in names

    return may_match


def _states_of(spec: Any) -> Iterator[str | None]:
    """The raw states a StateFilter's argument lets through (`ANY_STATE` for any state)."""
    if isinstance(spec, str) or spec is None:
        yield spec
    elif isinstance(spec, State):
        yield spec.state
    elif isinstance(spec, StatesGroup):
        yield from type(spec).__all_states_names__
    elif isinstance(spec, type) and issubclass(spec, StatesGroup):
        yield from spec.__all_states_names__
    else:
        yield ANY_STATE  # something else: no test


def state_precheck(states: Iterable[Any]) -> Precheck | None:
    """What `StateFilter(*states)` (or a bare `State`) refuses: another raw state."""
    allowed = frozenset(state for spec in states for state in _states_of(spec))
    if ANY_STATE in allowed:
        return None

    def may_match(_event: TelegramObject, data: dict[str, Any]) -> bool:
        return data.get("raw_state") in allowed

    return may_match


def handler_prechecks(handler: HandlerObject) -> list[Precheck]:
    prechecks: list[Precheck | None] = []
    for event_filter in handler.filters or ():
        callback = event_filter.callback
        if isinstance(callback, Command):
            prechecks.append(command_precheck(callback))
        elif isinstance(callback, StateFilter):
            prechecks.append(state_precheck(callback.states))
        elif isinstance(callback, State):
            prechecks.append(state_precheck([callback]))
    return [precheck for precheck in prechecks if precheck is not None]


def prefilter_handler(handler: HandlerObject) -> bool:
    """Puts the handler's prechecks in front of its filters; False when it has none."""
    prechecks = handler_prechecks(handler)
    if not prechecks:
        return False
    full_check = handler.check

    async def check(event: TelegramObject, **data: Any) -> tuple[bool, dict[str, Any]]:
        for may_match in prechecks:
            if not may_match(event, data):
                return False, data
        return await full_check(event, **data)

    handler.check = check  # type: ignore[method-assign]
    return True


def prefilter_handlers(router: Router) -> int:
    """Every handler of `router` and its sub-routers, on every event type; how many got
    prechecks."""
    count = 0
    for observer in router.observers.values():
        for handler in getattr(observer, "handlers", ()):
            count += prefilter_handler(handler)
    for sub_router in router.sub_routers:
        count += prefilter_handlers(sub_router)
    return count
