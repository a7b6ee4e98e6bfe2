"""Two bot processes sending one broadcast: one emulator that enforces the bot's overall limit
(it answers 429 over it), one Redis with the shared sending budgets, one database whose
recipient rows each process claims from. Together they stay inside the limit, every recipient
gets the message exactly once, and both processes take part."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from sqlalchemy import select

from sandbox.telegram.limits import RateLimits, Window
from sandbox.yookassa import DEFAULT_SECRET_KEY, DEFAULT_SHOP_ID
from services.broadcasts.control import RecipientState
from services.broadcasts.drafts import Audience, AudienceKind, BroadcastStatus
from services.models.broadcast import BroadcastRecipient
from tests.e2e.admin_chat import AdminChat, admin_group
from tests.e2e.broadcasts import add_crowd, broadcast_now, deliveries, wait_for_status
from tests.e2e.harness import BotHarness, HarnessFactory
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


class QuietProcess(BotHarness):
    """Another process of the same bot: its own Bot, Dispatcher (`build_dispatcher`), Redis
    and database connections, started so that its startup hooks make its sender and start its
    scheduled jobs (the broadcast tick among them). It does not poll: Telegram gives a bot's
    updates to one poller (a second one gets 409), and a webhook would take them from the
    first process; sending broadcasts needs no updates."""

    def __init__(self, factory: HarnessFactory, **overrides: Any) -> None:
        assert factory.emulator is not None and factory.client is not None
        settings = factory.settings(
            yookassa_shop_id=DEFAULT_SHOP_ID,
            yookassa_secret_key=DEFAULT_SECRET_KEY,
            yookassa_api_url=factory.emulator.yookassa_api_url,
            **overrides,
        )
        # The webhook mode's start and stop without setting a webhook (see _start_webhook).
        super().__init__(settings, factory.emulator, factory.client, webhook=True)
        factory.harnesses.append(self)  # stopped with the others, before the emulator

    async def _start_webhook(self) -> None:
        self.workflow = {"dispatcher": self.dispatcher, "bots": [self.bot], "bot": self.bot}
        await self.dispatcher.emit_startup(**self.workflow, **self.dispatcher.workflow_data)


class AcceptedSends(BaseRequestMiddleware):
    """Counts a process's sendMessage calls that Telegram accepted, per chat."""

    def __init__(self) -> None:
        self.chats: Counter[int] = Counter()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        response = await make_request(bot, method)  # raises when Telegram refuses
        if isinstance(method, SendMessage):
            self.chats[int(method.chat_id)] += 1
        return response


def counted(harness: BotHarness) -> AcceptedSends:
    counter = AcceptedSends()
    harness.bot.session.middleware(counter)
    return counter


async def _wake(harness: BotHarness) -> None:
    """Starts sending now instead of at the next tick (the first tick makes the runner)."""
    desk = harness.dispatcher.workflow_data["broadcasts"]
    for _ in range(100):
        if desk.runner is not None:
            desk.wake()
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the process made no broadcast runner")


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
    sent_by = {"first": counted(first), "second": counted(second)}
    factory = first.resources.session_factory
    users = await add_crowd(admin_chat.client, factory, FIRST_ID, CROWD_SIZE, language="ru")
    broadcast_id = await broadcast_now(
        factory, admin_chat.admin["id"], admin_chat.chat_id, "Two processes, one sale", CROWD
    )
    await asyncio.gather(_wake(first), _wake(second))

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
    shares = {
        name: sum(count for chat, count in counter.chats.items() if chat in crowd)
        for name, counter in sent_by.items()
    }
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
