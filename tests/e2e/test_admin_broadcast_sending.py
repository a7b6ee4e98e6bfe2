"""A confirmed broadcast going out: once per recipient through the bulk lane, through 429s,
blocked users and deleted accounts, pause, resume and cancel, and a restart half-way."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from sandbox.telegram.limits import RateLimits, Window
from services.audit import AuditAction
from services.broadcasts.drafts import Audience, AudienceKind, BroadcastStatus
from services.models import AuditEntry
from tests.e2e.admin_chat import AdminChat, bot_with_admin_group
from tests.e2e.broadcasts import add_crowd, broadcast_now, deliveries, wait_for_status
from tests.e2e.harness import BotHarness, HarnessFactory
from tests.servers import sending_settings

FIRST_ID = 8_100_000
CROWD = Audience(AudienceKind.LANGUAGE, language="ru")


def paced(per_second: int) -> dict[str, object]:
    """The bot's overall limit at `per_second` (the emulator does not enforce it here)."""
    return sending_settings(
        RateLimits(Window(10_000, 1.0), Window(10_000, 1.0), Window(per_second, 1.0))
    )


async def _wake(harness: BotHarness) -> None:
    """Starts sending now instead of at the next tick (the first tick makes the runner)."""
    desk = harness.dispatcher.workflow_data["broadcasts"]
    for _ in range(100):
        if desk.runner is not None:
            desk.wake()
            return
        await asyncio.sleep(0.05)


async def _started(
    harness: BotHarness, admin_chat: AdminChat, text: str, count: int
) -> tuple[int, list[int]]:
    factory = harness.resources.session_factory
    users = await add_crowd(admin_chat.client, factory, FIRST_ID, count, language="ru")
    # The crowd speaks Russian; the admin, who never started the bot in private, English.
    broadcast_id = await broadcast_now(
        factory, admin_chat.admin["id"], admin_chat.chat_id, text, CROWD
    )
    await _wake(harness)
    return broadcast_id, users


async def test_every_recipient_gets_it_once_and_the_end_is_reported(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    broadcast_id, users = await _started(harness, admin_chat, "Spring sale: <b>-20%</b>", 40)
    factory = harness.resources.session_factory

    progress = await wait_for_status(factory, broadcast_id, {BroadcastStatus.FINISHED})
    assert (progress.sent, progress.remaining, progress.total) == (40, 0, 40)
    received = deliveries(harness.emulator, "Spring sale")
    assert {user: received[user] for user in users} == {user: 1 for user in users}
    report = await admin_chat.wait_text(f"Broadcast #{broadcast_id} finished: 40 of 40 sent")
    assert report["from_bot"]
    shown = await admin_chat.wait_text(f"Broadcast #{broadcast_id} · finished")
    assert "Sent: 40 of 40" in shown["text"] and not shown.get("reply_markup")
    progress_messages = [
        message
        for message in await admin_chat.bot_messages_after(0)
        if f"Broadcast #{broadcast_id} ·" in (message.get("text") or "")
    ]
    assert len(progress_messages) == 1  # one message, edited
    async with factory() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.target == str(broadcast_id))
            )
        )
    assert actions == [AuditAction.BROADCAST, AuditAction.BROADCAST_FINISH]
