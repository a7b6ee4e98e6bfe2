"""The Telegram emulator as one aiohttp application: Bot API, file downloads, control API, page."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import aiohttp
from aiohttp import web

from sandbox.control import control_errors
from sandbox.marketplace_common import (
    MarketplaceClock,
    MarketplaceDemo,
    MarketplaceEmulator,
    MarketplaceOverview,
)
from sandbox.ozon import OzonEmulator
from sandbox.telegram.botapi import BotApi
from sandbox.telegram.control import ControlApi
from sandbox.telegram.limits import RateLimits
from sandbox.telegram.page import PageApi
from sandbox.telegram.spec import load_spec
from sandbox.telegram.state import World
from sandbox.wildberries import WildberriesEmulator
from sandbox.yookassa import YooKassaEmulator

STATIC_DIR = Path(__file__).parent / "telegram" / "static"
TELEGRAM_RATE_LIMITS = RateLimits.telegram()


class TelegramEmulator:
    """A stateful fake of the Telegram Bot API server that aiogram's real ``Bot`` can use.

    Point aiogram at it with ``AiohttpSession(api=TelegramAPIServer.from_base(base_url))``.
    ``app`` can be run by :meth:`start` or mounted/run by the caller's own ``AppRunner``.
    The same app serves the YooKassa emulator (:attr:`yookassa`, API at
    :attr:`yookassa_api_url`) and the marketplace emulators (:attr:`ozon`, :attr:`wildberries`,
    APIs at ``<base>/ozon`` and ``<base>/wb``, sharing :attr:`marketplace_clock`; the demo
    seller they show is set by :meth:`set_marketplace_demo`).
    """

    def __init__(
        self,
        spec_path: Path | None = None,
        bot_username: str = "easyflow_sandbox_bot",
        files_dir: Path | None = None,
        rate_limits: RateLimits | None = TELEGRAM_RATE_LIMITS,
    ) -> None:
        self.spec = load_spec(spec_path)
        self.world = World(bot_username=bot_username, files_dir=files_dir)
        self.bot_api = BotApi(self.world, self.spec, rate_limits)
        self.control = ControlApi(self.world, self.bot_api)
        self.page = PageApi(self.world, self.control)
        self.yookassa = YooKassaEmulator()
        self.marketplace_clock = MarketplaceClock()
        self.ozon = OzonEmulator(self.marketplace_clock)
        self.wildberries = WildberriesEmulator(self.marketplace_clock)
        self.marketplaces: list[MarketplaceEmulator] = [self.ozon, self.wildberries]
        self.marketplace_overview = MarketplaceOverview(
            self.marketplace_clock, self.marketplaces, lambda: self.base_url or ""
        )
        self.base_url: str | None = None
        self._runner: web.AppRunner | None = None
        self.app = self._build_app()

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[control_errors], client_max_size=60 * 1024 * 1024)
        app.add_routes(
            [
                web.route("*", "/bot{token}/{method}", self.bot_api.handle_http),
                web.get("/file/bot{token}/{path:.+}", self.bot_api.handle_file_download),
                web.get("/", self._index),
                web.get("/favicon.svg", self._favicon),
                web.get("/favicon.ico", self._favicon),
                *self.control.routes(),
                *self.page.routes(),
                *self.yookassa.routes(),
                *self.marketplace_overview.routes(),
                *(route for emulator in self.marketplaces for route in emulator.routes()),
            ]
        )
        app.on_startup.append(self._on_startup)
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def _index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "index.html")

    async def _favicon(self, request: web.Request) -> web.FileResponse:
        # An SVG, also for browsers that ask for /favicon.ico before reading the page's <link>.
        return web.FileResponse(
            STATIC_DIR / "favicon.svg", headers={"Content-Type": "image/svg+xml"}
        )

    async def _on_startup(self, app: web.Application) -> None:
        self.bot_api.stopping.clear()
        # Webhook deliveries go out through one shared client session.
        self.bot_api.http = aiohttp.ClientSession()
        await self.yookassa.start()

    async def _on_shutdown(self, app: web.Application) -> None:
        # Long polls and webhook loops must end promptly, or shutdown waits for them.
        self.bot_api.stopping.set()
        for bot in self.world.bots.values():
            bot.updates_changed.notify()
            if bot.webhook_task is not None:
                bot.webhook_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await bot.webhook_task
        self.world.changed.notify()
        if self.bot_api.http is not None:
            await self.bot_api.http.close()
            self.bot_api.http = None
        await self.yookassa.close()
        await self.ozon.close()

    def marketplace(self, key: str) -> MarketplaceEmulator:
        """The emulator of the marketplace ``key`` (``"ozon"`` | ``"wb"``)."""
        for emulator in self.marketplaces:
            if emulator.key == key:
                return emulator
        raise ValueError(f"no marketplace {key!r}")

    def set_admin_group(self, chat_id: int | None) -> None:
        """Names the bot's admin group: the chat page's "operator" is its owner (``None``: the
        group the bot gave a command menu of its own)."""
        self.world.admin_chat_id = chat_id
        self.world.changed.notify()

    def set_marketplace_demo(self, seller: str, forum_chat_id: int) -> None:
        """Names the demo seller whose buyer chats go to the forum group ``forum_chat_id``
        (the chat page shows its buyer panel then)."""
        self.marketplace_overview.demo = MarketplaceDemo(seller, forum_chat_id)

    @property
    def rate_limits(self) -> RateLimits | None:
        return self.bot_api.limiter.limits

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits | None) -> None:
        """New limits (or ``None``: unlimited); the windows start empty."""
        self.bot_api.limiter.limits = limits

    @property
    def yookassa_api_url(self) -> str:
        """The YooKassa SDK's ``api_url`` for this emulator (once started)."""
        if self.base_url is None:
            raise RuntimeError("the emulator is not started")
        return self.yookassa.api_url(self.base_url)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Starts serving and returns the base URL, e.g. ``http://127.0.0.1:40123``."""
        self._runner = web.AppRunner(self.app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        actual_port = sockets[0].getsockname()[1] if sockets else port
        self.base_url = f"http://{host}:{actual_port}"
        # Confirmation pages open in a browser, and pushes' file links are fetched by the bot:
        # neither can go to a wildcard address.
        public_host = "127.0.0.1" if host in {"", "0.0.0.0", "::"} else host
        if self.yookassa.public_url is None:
            self.yookassa.public_url = f"http://{public_host}:{actual_port}"
        if self.ozon.public_url is None:
            self.ozon.public_url = f"http://{public_host}:{actual_port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
