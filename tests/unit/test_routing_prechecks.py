"""The routing prechecks refuse exactly what the filters they stand for refuse."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from itertools import product
from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.state import State, StatesGroup, any_state, default_state
from aiogram.types import CallbackQuery, Chat, Message, User

from bot.routing import command_precheck, prefilter_handlers, state_precheck

TEXTS = [
    "/start",
    "/start abc",
    "/Start",
    "/help",
    "/help extra words",
    "!help",
    "hello there",
    "/",
    "   ",
    " /help",
    "/helpme",
    "/settings@",
]


class Flow(StatesGroup):
    first = State()
    second = State()


class Other(StatesGroup):
    only = State()


def message(text: str | None = None, caption: str | None = None) -> Message:
    return Message(
        message_id=1,
        date=datetime(2026, 1, 1, tzinfo=UTC),
        chat=Chat(id=5, type="private"),
        from_user=User(id=5, is_bot=False, first_name="A"),
        text=text,
        caption=caption,
    )


COMMANDS = [
    Command("help"),
    Command("help", "settings"),
    Command("HELP", ignore_case=True),
    Command("help", prefix="!/"),
    CommandStart(),
]


async def test_a_command_precheck_refuses_only_what_the_command_filter_refuses() -> None:
    for command, text in product(COMMANDS, TEXTS):
        precheck = command_precheck(command)
        assert precheck is not None
        for event in (message(text=text), message(caption=text)):
            expected = bool(await command(event, bot=None))  # type: ignore[arg-type]
            assert precheck(event, {}) == expected, (command, text)
    assert command_precheck(Command("help"))(message(), {}) is False  # no text at all
    assert command_precheck(Command(re.compile(r"item_\d+"))) is None


async def test_a_command_precheck_leaves_mentions_and_other_events_to_the_filter() -> None:
    precheck = command_precheck(Command("start"))
    assert precheck is not None
    assert precheck(message(text="/start@some_bot"), {})  # the filter asks Telegram who we are
    query = CallbackQuery(
        id="1", from_user=User(id=5, is_bot=False, first_name="A"), chat_instance="c"
    )
    assert precheck(query, {}) is False
    assert await Command("start")(query, bot=None) is False  # type: ignore[arg-type]


async def test_a_state_precheck_refuses_only_what_the_state_filter_refuses() -> None:
    specs: list[tuple[Any, ...]] = [
        (None,),
        (default_state,),
        (Flow.first,),
        (Flow,),
        (Flow(),),
        (Flow.second, Other),
        ("Flow:first", None),
    ]
    raw_states = [None, "Flow:first", "Flow:second", "Other:only", "Elsewhere:x"]
    for states, raw_state in product(specs, raw_states):
        precheck = state_precheck(states)
        assert precheck is not None
        expected = bool(await StateFilter(*states)(message("x"), raw_state=raw_state))
        assert precheck(message("x"), {"raw_state": raw_state}) == expected, (states, raw_state)
    assert state_precheck([any_state]) is None
    assert state_precheck(["*"]) is None
    assert state_precheck([Flow.first])(message("x"), {}) is False  # no state given: None


async def test_prefiltered_handlers_still_get_their_filters_data() -> None:
    router = Router()
    seen: list[str] = []

    @router.message(Command("help"), StateFilter(None))
    async def help_handler(message: Message, command: Any) -> None:
        seen.append(f"help {command.args}")

    @router.message(Flow.first)
    async def in_flow(message: Message) -> None:
        seen.append("flow")

    @router.message()
    async def anything(message: Message) -> None:
        seen.append("anything")

    assert prefilter_handlers(router) == 2
    for text, raw_state in [("/help me", None), ("/help me", "Flow:first"), ("hi", None)]:
        await router.propagate_event("message", message(text), raw_state=raw_state, bot=None)
    assert seen == ["help me", "flow", "anything"]
