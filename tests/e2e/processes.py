"""More than one process of the same bot in one test (or bench): one emulator, one database,
one Redis; each process its own Bot, Dispatcher, sender and scheduled jobs."""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import Response, TelegramType

from sandbox.yookassa import DEFAULT_SECRET_KEY, DEFAULT_SHOP_ID
from tests.e2e.harness import BotHarness, HarnessFactory


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
        # The webhook mode's start and stop, without setting a webhook (see _start_webhook).
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

    def share(self, chats: set[int]) -> int:
        return sum(count for chat, count in self.chats.items() if chat in chats)


def count_sends(harness: BotHarness) -> AcceptedSends:
    counter = AcceptedSends()
    harness.bot.session.middleware(counter)
    return counter
