"""Two bot processes sending one broadcast: one emulator that enforces the bot's overall limit
(it answers 429 over it), one Redis with the shared sending budgets, one database whose
recipient rows each process claims from. Together they stay inside the limit, every recipient
gets the message exactly once, and both processes take part."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from sandbox.telegram.limits import RateLimits, Window
from services.broadcasts.control import RecipientState
from services.broadcasts.drafts import Audience, AudienceKind, BroadcastStatus
from services.models.broadcast import BroadcastRecipient
from tests.e2e.admin_chat import AdminChat, admin_group
from tests.e2e.broadcasts import (
    add_crowd,
    broadcast_now,
    deliveries,
    wait_for_status,
    wake_broadcasts,
)
from tests.e2e.harness import BotHarness, HarnessFactory
from tests.e2e.processes import QuietProcess, count_sends
from tests.servers import sending_settings

FIRST_ID = 8_300_000
CROWD_SIZE = 1_000
# Telegram's limits with the bot's overall one at 100 a second (Telegram's is 30): the same
# pacing, a third of the run time. The emulator enforces exactly what the bot is told.
LIMITS = RateLimits(
    private_chat=Window(3, 3.0), group_chat=Window(20, 60.0), overall=Window(100, 1.0)
)
# The crowd speaks Russian; the admin, who never started the bot in private, English.
CROWD = Audience(AudienceKind.LANGUAGE, language="ru")


async def two_processes(factory: HarnessFactory) -> tuple[BotHarness, BotHarness, AdminChat]:
    client = await factory.sandbox()
    await client.set_rate_limits(LIMITS)
    admin_chat = await admin_group(factory)
    overrides = {
        "admin_chat_id": admin_chat.chat_id,
        "admin_ids": [admin_chat.admin["id"]],
        **sending_settings(LIMITS),
    }
    first = await factory.start(**overrides)
    second = await QuietProcess(factory, **overrides).start()
    return first, second, admin_chat


async def test_two_processes_send_a_broadcast_to_each_once_and_never_over_the_limit_together(
    harness_factory: HarnessFactory, real_backend: object
) -> None:
    first, second, admin_chat = await two_processes(harness_factory)
    sent_by = {"first": count_sends(first), "second": count_sends(second)}
    factory = first.resources.session_factory
    users = await add_crowd(admin_chat.client, factory, FIRST_ID, CROWD_SIZE, language="ru")
    broadcast_id = await broadcast_now(
        factory, admin_chat.admin["id"], admin_chat.chat_id, "Two processes, one sale", CROWD
    )
    await asyncio.gather(wake_broadcasts(first), wake_broadcasts(second))

    progress = await wait_for_status(factory, broadcast_id, {BroadcastStatus.FINISHED}, 60)
    assert (progress.sent, progress.remaining, progress.total) == (CROWD_SIZE, 0, CROWD_SIZE)
    received = deliveries(first.emulator, "Two processes, one sale")
    assert {user: received[user] for user in users} == {user: 1 for user in users}
    assert set(received) == set(users)
    # The emulator enforced the overall limit and never had to refuse: together the two
    # processes stayed inside it.
    floods = [entry for entry in first.emulator.world.request_log if entry["error_code"] == 429]
    assert floods == []
    # Both took part, and what each process sent is what the emulator accepted.
    crowd = set(users)
    shares = {name: counter.share(crowd) for name, counter in sent_by.items()}
    assert all(share > 0 for share in shares.values()), shares
    assert sum(shares.values()) == CROWD_SIZE, shares
    async with factory() as session:
        workers = set(
            await session.scalars(
                select(BroadcastRecipient.claimed_by).where(
                    BroadcastRecipient.broadcast_id == broadcast_id,
                    BroadcastRecipient.state == RecipientState.SENT,
                )
            )
        )
    assert len(workers) >= 2 and None not in workers
    await admin_chat.wait_text(f"Broadcast #{broadcast_id} finished: {CROWD_SIZE:,} of")
