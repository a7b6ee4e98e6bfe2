"""Runs the real bot (aiogram Bot over HTTP) against the Telegram emulator, in-process."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Sequence
from typing import Any

from aiogram import Dispatcher, Router
from aiohttp import web

from bot.app import Resources, build_dispatcher, create_bot
from bot.config import Settings
from bot.web import build_web_app, webhook_secret
from sandbox import SandboxClient, TelegramEmulator
from sandbox.yookassa import DEFAULT_SECRET_KEY, DEFAULT_SHOP_ID
from tests.servers import UNTHROTTLED_SENDING, serve_locally

BOT_TOKEN = "1000000002:easyflow-tests"
_user_ids = itertools.count(random.randint(10_000_000, 900_000_000))


def new_user(language_code: str = "en", first_name: str = "Alex") -> dict[str, Any]:
    return {
        "id": next(_user_ids),
        "first_name": first_name,
        "language_code": language_code,
        "is_bot": False,
    }


class BotHarness:
    def __init__(
        self,
        settings: Settings,
        emulator: TelegramEmulator,
        client: SandboxClient,
        extra_routers: Sequence[Router] = (),
        webhook: bool = False,
    ) -> None:
        self.settings = settings
        self.emulator = emulator
        self.client = client
        self.extra_routers = extra_routers
        self.webhook = webhook
        self.web_url: str | None = None
        self._polling: asyncio.Task[None] | None = None
        self._web_runner: web.AppRunner | None = None

    async def start(self) -> BotHarness:
        self.resources = Resources.open(self.settings)
        self.bot = create_bot(
            BOT_TOKEN,
            self.settings,
            api_base_url=self.emulator.base_url,
            redis=self.resources.redis,
        )
        self.dispatcher: Dispatcher = build_dispatcher(self.resources, self.extra_routers)
        # The bot's web server runs in every mode, as in production (payment notifications).
        app = build_web_app(
            self.resources, self.dispatcher, self.bot, telegram_webhook=self.webhook
        )
        self._web_runner, self.web_url = await serve_locally(app)
        if self.webhook:
            await self._start_webhook()
        else:
            started = asyncio.Event()
            self.dispatcher.startup.register(lambda: started.set())
            self._polling = asyncio.create_task(
                self.dispatcher.start_polling(
                    self.bot, handle_signals=False, close_bot_session=False, polling_timeout=1
                )
            )
            await asyncio.wait_for(started.wait(), 15)
        return self

    async def _start_webhook(self) -> None:
        assert self.web_url is not None
        self.workflow = {"dispatcher": self.dispatcher, "bots": [self.bot], "bot": self.bot}
        await self.dispatcher.emit_startup(**self.workflow, **self.dispatcher.workflow_data)
        await self.bot.set_webhook(
            self.web_url + self.settings.webhook_path,
            secret_token=webhook_secret(self.settings, BOT_TOKEN),
            allowed_updates=self.dispatcher.resolve_used_update_types(),
        )

    async def stop(self) -> None:
        if self._polling is not None:
            await self.dispatcher.stop_polling()
            # Its shutdown lets the updates in flight finish (up to 20 s) first.
            await asyncio.wait_for(self._polling, 40)
            self._polling = None
        if self._web_runner is not None:
            if self.webhook:
                await self.bot.delete_webhook()
                await self.dispatcher.emit_shutdown(
                    **self.workflow, **self.dispatcher.workflow_data
                )
            await self._web_runner.cleanup()
            self._web_runner = None
        await self.bot.session.close()
        await self.resources.close()

    # What a user does, and what they then see.

    async def say(
        self, user: dict[str, Any], text: str, count: int = 1, timeout: float = 10.0
    ) -> list[dict]:
        """Sends `text` in the user's private chat and returns the next `count` bot messages."""
        sent = await self.client.send_text(user["id"], user, text)
        return await self.client.wait_for_bot_messages(
            user["id"], after=sent["message"]["message_id"], count=count, timeout=timeout
        )

    async def press(self, user: dict[str, Any], message: dict, data: str) -> dict:
        return await self.client.press(user["id"], user, message["message_id"], data)

    async def last_messages(self, user: dict[str, Any], count: int = 1) -> list[dict]:
        messages = await self.client.messages(user["id"])
        return messages[-count:]


def button_data(message: dict, text_contains: str) -> str:
    """The callback data of the inline button whose label contains `text_contains`."""
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if text_contains in button["text"]:
                return button["callback_data"]
    labels = [
        b["text"]
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
    ]
    raise AssertionError(f"no button containing {text_contains!r}; buttons: {labels}")


def _not_retries(requests: list[dict]) -> list[dict]:
    """Rejected requests, except a repeat of a call that had already succeeded: after a lost
    connection the bot retries, and Telegram refuses the duplicate (e.g. a callback answered
    twice). That refusal is Telegram's normal behaviour, not a request the bot got wrong."""
    succeeded: set[tuple[str, str]] = set()
    rejected = []
    for request in requests:
        signature = (request["method"], repr(sorted(request["params"].items())))
        if request["ok"]:
            succeeded.add(signature)
        elif signature not in succeeded:
            rejected.append(request)
    return rejected


class HarnessFactory:
    """One emulator per test; any number of bot harnesses (e.g. before and after a restart)."""

    def __init__(self, database_url: str, redis_url: str | None) -> None:
        self.database_url = database_url
        self.redis_url = redis_url
        self.emulator: TelegramEmulator | None = None
        self.client: SandboxClient | None = None
        self.harnesses: list[BotHarness] = []
        self.allow_rejected_requests = False

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": self.database_url,
            "redis_url": self.redis_url,
            "throttle_limit": 50,
            "web_port": 0,
            # Telegram's limits are the sender tests' subject; elsewhere they would only slow.
            **UNTHROTTLED_SENDING,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    async def sandbox(self) -> SandboxClient:
        """The emulator's control API, starting the emulator (no bot yet) if needed."""
        if self.emulator is None:
            self.emulator = TelegramEmulator(rate_limits=None)
            await self.emulator.start("127.0.0.1", 0)
            self.client = SandboxClient(self.emulator.base_url)
            self.emulator.yookassa.retry_delays = (0.01, 0.02, 0.04)
        assert self.client is not None
        return self.client

    async def start(
        self, extra_routers: Sequence[Router] = (), webhook: bool = False, **overrides: Any
    ) -> BotHarness:
        await self.sandbox()
        assert self.emulator is not None and self.client is not None
        # As in `make run`: without keys, YooKassa links go to the sandbox's emulator.
        overrides = {
            "yookassa_shop_id": DEFAULT_SHOP_ID,
            "yookassa_secret_key": DEFAULT_SECRET_KEY,
            "yookassa_api_url": self.emulator.yookassa_api_url,
            **overrides,
        }
        harness = BotHarness(
            self.settings(**overrides), self.emulator, self.client, extra_routers, webhook
        )
        self.harnesses.append(harness)
        await harness.start()
        assert harness.web_url is not None
        self.emulator.yookassa.set_notification_url(harness.web_url + "/webhooks/yookassa")
        return harness

    async def close_all(self) -> None:
        rejected: list[dict] = []
        for harness in self.harnesses:
            if harness._polling is not None or harness._web_runner is not None:
                await harness.stop()
        if self.client is not None:
            rejected = _not_retries(await self.client.requests())
            await self.client.close()
        if self.emulator is not None:
            await self.emulator.stop()
        if rejected and not self.allow_rejected_requests:
            raise AssertionError(f"the emulator rejected Bot API requests the bot made: {rejected}")
