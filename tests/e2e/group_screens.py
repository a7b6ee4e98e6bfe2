"""A member's view of a group chat in the emulator: say something, wait for the bot's answer
(a new message, or a screen edited in place), press its buttons, read the alert."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sandbox.client import SandboxClient
from tests.e2e.harness import button_data

User = dict[str, Any]
Message = dict[str, Any]


def text_of(message: Message) -> str:
    return message.get("text") or message.get("caption") or ""


async def until(
    client: SandboxClient,
    chat_id: int,
    find: Callable[[list[Message]], Any],
    what: str,
    timeout: float = 15,
) -> Any:
    """What `find` finds in the chat, polled until `timeout` (then the transcript fails)."""
    deadline = time.monotonic() + timeout
    while True:
        found = find(await client.messages(chat_id))
        if found:
            return found
        if time.monotonic() > deadline:
            transcript = await client.transcript(chat_id)
            raise AssertionError(f"timed out waiting for {what}:\n{transcript}")
        await asyncio.sleep(0.05)


async def newest(client: SandboxClient, chat_id: int) -> int:
    listing = await client.messages(chat_id)
    return max((m["message_id"] for m in listing), default=0)


async def bot_text(
    client: SandboxClient, chat_id: int, expect: str, after: int = 0, same: int = 0
) -> Message:
    """The newest bot message (edits applied) after `after`, or message `same` edited, that
    contains `expect`."""

    def find(messages: list[Message]) -> Message | None:
        for m in reversed(messages):
            fresh = m["message_id"] > after or m["message_id"] == same
            if m["from_bot"] and expect in text_of(m) and fresh:
                return m
        return None

    return await until(client, chat_id, find, f"a bot message containing {expect!r}")


async def say(client: SandboxClient, chat_id: int, user: User, text: str, **fields: Any) -> int:
    sent = await client.send_text(chat_id, user, text, **fields)
    return sent["message"]["message_id"]


async def ask(
    client: SandboxClient, chat_id: int, user: User, text: str, expect: str, **fields: Any
) -> Message:
    """`user` writes `text`; returns the bot's answer containing `expect`."""
    said = await say(client, chat_id, user, text, **fields)
    return await bot_text(client, chat_id, expect, after=said)


async def press(
    client: SandboxClient, chat_id: int, user: User, message: Message, label: str
) -> str:
    pressed = await client.press(chat_id, user, message["message_id"], button_data(message, label))
    return pressed["callback_query_id"]


async def press_and_wait(
    client: SandboxClient, chat_id: int, user: User, message: Message, label: str, expect: str
) -> Message:
    """Presses a button; returns the screen (that message edited, or a new one) with
    `expect`."""
    after = await newest(client, chat_id)
    await press(client, chat_id, user, message, label)
    return await bot_text(client, chat_id, expect, after=after, same=message["message_id"])


async def alert(client: SandboxClient, callback_query_id: str) -> dict[str, Any]:
    """The answer to a press (an alert or a toast), once the bot has given it."""
    answer = await client.callback_answer(callback_query_id, wait=10)
    assert answer["answered"], answer
    return answer
