"""A crowd of users and a broadcast to them, as the broadcast tests and the bench set them up."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sandbox import SandboxClient, TelegramEmulator
from services.broadcasts.control import read_progress, start_broadcast
from services.broadcasts.drafts import (
    Audience,
    BroadcastStatus,
    create_draft,
    set_audience,
    set_text,
)
from services.models.base import utcnow
from services.models.user import User

SENDS = ("sendMessage", "sendPhoto")
# Crowds of different tests (sharing one database) never overlap.
_next_crowd = itertools.count(3_000_000_000 + random.randrange(10**6) * 10**4, 10**4)


def fresh_crowd_id() -> int:
    """The first id of a crowd of up to 10,000 users no other crowd of this run uses."""
    return next(_next_crowd)


async def add_crowd(
    client: SandboxClient,
    session_factory: async_sessionmaker[AsyncSession],
    first_id: int,
    count: int,
    language: str = "en",
) -> list[int]:
    """`count` users who started the bot long ago: their private chats in the emulator and
    their rows in the database."""
    ids = list(range(first_id, first_id + count))
    users = [{"id": user_id, "first_name": f"User {user_id}", "is_bot": False} for user_id in ids]
    for start in range(0, count, 500):
        await client.add_users(users[start : start + 500])
    now = utcnow()
    rows = [
        {
            "telegram_id": user_id,
            "first_name": f"User {user_id}",
            "language": language,
            "created_at": now,
            "last_seen_at": now,
        }
        for user_id in ids
    ]
    async with session_factory() as session, session.begin():
        await session.execute(insert(User), rows)
    return ids


async def broadcast_now(
    session_factory: async_sessionmaker[AsyncSession],
    admin_id: int,
    admin_chat_id: int,
    text: str,
    audience: Audience | None = None,
) -> int:
    """A broadcast composed and confirmed in one go (the compose screens have their own
    tests); it starts at the next tick of the runner."""
    async with session_factory() as session, session.begin():
        draft = await create_draft(session, admin_id, admin_chat_id, None)
        await set_text(session, draft.id, text)
        if audience is not None:
            await set_audience(session, draft.id, audience)
        await start_broadcast(session, draft.id, admin_id)
        return draft.id


async def wake_broadcasts(harness: Any) -> None:
    """Starts sending now instead of at the next tick (the first tick makes the runner)."""
    desk = harness.dispatcher.workflow_data["broadcasts"]
    for _ in range(100):
        if desk.runner is not None:
            desk.runner.wake()
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the process made no broadcast runner")


def deliveries(emulator: TelegramEmulator, text: str) -> Counter[int]:
    """How many times each chat was sent a message with `text` (accepted by the emulator)."""
    received: Counter[int] = Counter()
    for entry in emulator.world.request_log:
        params = entry["params"]
        shown = str(params.get("text") or params.get("caption") or "")
        if entry["method"] in SENDS and entry["ok"] and text in shown:
            received[int(params["chat_id"])] += 1
    return received


async def wait_for_status(
    session_factory: async_sessionmaker[AsyncSession],
    broadcast_id: int,
    statuses: set[BroadcastStatus],
    timeout: float = 60,
    reported: bool = True,
) -> Any:
    """The broadcast's progress once it is in one of `statuses` (and reported, if asked)."""
    from services.broadcasts.drafts import get_broadcast

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with session_factory() as session:
            progress = await read_progress(session, broadcast_id)
            broadcast = await get_broadcast(session, broadcast_id)
        if (
            progress is not None
            and broadcast is not None
            and progress.status in statuses
            and (not reported or broadcast.reported_at is not None)
        ):
            return progress
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"broadcast {broadcast_id} is still {progress}")
        await asyncio.sleep(0.1)
