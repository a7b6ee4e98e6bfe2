"""Starts the bot: against the built-in sandbox, Telegram by long polling, or by webhook."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from contextlib import suppress
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Resources, build_dispatcher, create_bot, warm_up_modules
from bot.config import Module, Settings
from bot.modules import module_tree
from bot.web import build_web_app, webhook_secret
from services.metrics import forget_this_process

logger = logging.getLogger(__name__)

SANDBOX_BOT_TOKEN = "1000000001:easyflow-sandbox"


def with_sandbox_yookassa(settings: Settings) -> Settings:
    """In the sandbox without YooKassa keys, YooKassa links go to the sandbox's emulator."""
    if not settings.uses_sandbox or settings.yookassa_shop_id:
        return settings
    from pydantic import SecretStr

    from sandbox.yookassa import API_PREFIX, DEFAULT_SECRET_KEY, DEFAULT_SHOP_ID, loopback_url

    return settings.model_copy(
        update={
            "yookassa_shop_id": DEFAULT_SHOP_ID,
            "yookassa_secret_key": SecretStr(DEFAULT_SECRET_KEY),
            "yookassa_api_url": loopback_url(
                settings.sandbox_host, settings.sandbox_port, API_PREFIX
            ),
        }
    )


SANDBOX_MARKETPLACE_POLL_SECONDS = 5.0


def with_sandbox_marketplaces(settings: Settings) -> Settings:
    """In the sandbox, Ozon and Wildberries calls go to the sandbox's emulators unless their
    API URLs are set; and unless MARKETPLACE_POLL_SECONDS is set, accounts are polled every
    5 s, so what the buyer panel writes on Wildberries (which has no pushes) shows soon."""
    if not settings.uses_sandbox:
        return settings
    from sandbox.ozon import API_PREFIX as OZON_PREFIX
    from sandbox.wildberries import API_PREFIX as WILDBERRIES_PREFIX
    from sandbox.yookassa import loopback_url

    host, port = settings.sandbox_host, settings.sandbox_port
    update = {}
    if settings.ozon_api_url is None:
        update["ozon_api_url"] = loopback_url(host, port, OZON_PREFIX)
    if settings.wildberries_api_url is None:
        update["wildberries_api_url"] = loopback_url(host, port, WILDBERRIES_PREFIX)
    if "marketplace_poll_seconds" not in settings.model_fields_set:
        update["marketplace_poll_seconds"] = SANDBOX_MARKETPLACE_POLL_SECONDS
    return settings.model_copy(update=update) if update else settings


SANDBOX_ADMIN_GROUP = "EasyFlow admins"
SANDBOX_OPERATOR = {"id": 1000, "first_name": "Operator", "language_code": "en", "is_bot": False}


async def with_sandbox_admin_group(settings: Settings, sandbox_url: str) -> Settings:
    """Without ADMIN_CHAT_ID, the sandbox gets an admin group with one operator in it, so prices
    and refund decisions can be tried without any account."""
    from sandbox import SandboxClient

    async with SandboxClient(sandbox_url) as client:
        group = await client.create_group(
            SANDBOX_ADMIN_GROUP, members=[{"user": SANDBOX_OPERATOR, "status": "creator"}]
        )
        # The chat page's "Act as operator" switches to this group's owner.
        await client.set_admin_group(group["id"])
    return settings.model_copy(
        update={
            "admin_chat_id": group["id"],
            "admin_ids": [*settings.admin_ids, SANDBOX_OPERATOR["id"]],
        }
    )


SANDBOX_DEMO_SHOP = "EasyFlow Demo Shop"
SANDBOX_DEMO_GROUP = f"{SANDBOX_DEMO_SHOP} — support"
# What the demo's buyers have written when the sandbox starts: (marketplace, fields of
# MarketplaceControl.buyer_writes, the messages in order).
SANDBOX_DEMO_BUYER_CHATS: tuple[tuple[str, dict[str, str], tuple[str, ...]], ...] = (
    (
        "ozon",
        {"buyer_name": "Anna", "order": "24219509-0020", "product": "1487256390"},
        (
            "Hello! My order 24219509-0020 was due yesterday and still has not arrived. "
            "Where is it?",
        ),
    ),
    (
        "ozon",
        {"buyer_name": "Ирина", "order": "31874412-0047", "product": "1520033417"},
        (
            "Здравствуйте! Кружка из заказа 31874412-0047 пришла с трещиной.",
            "Как оформить возврат?",
        ),
    ),
    (
        "wb",
        {"buyer_name": "Дмитрий", "order": "96213547310", "product": "178934512"},
        ("Добрый день! Подойдёт ли этот чехол к iPhone 15 Pro? И есть ли он в чёрном?",),
    ),
    (
        "wb",
        {"buyer_name": "Maria", "order": "96213550984", "product": "201148776"},
        ("Hi! Can I still change the delivery address of my order 96213550984?",),
    ),
)


@dataclass(frozen=True)
class SandboxDemoShop:
    seller_id: int
    forum_chat_id: int
    title: str


async def set_up_sandbox_demo_shop(
    settings: Settings, sandbox_url: str, session_factory: async_sessionmaker[AsyncSession]
) -> SandboxDemoShop | None:
    """With the marketplace module on, the sandbox gets a demo seller: a forum group (the
    operator owns it, the bot manages its topics), the seller registered for it with both
    marketplaces connected on the emulators' demo credentials, and a few buyers who wrote
    already. Each start makes a new group (the emulators start empty), and the seller kept in
    the database moves to it. ``settings`` must point the marketplace APIs at the sandbox
    (:func:`with_sandbox_marketplaces`)."""
    if not settings.module_enabled(Module.MARKETPLACE):
        return None
    from handlers.marketplace.tools import build_tools
    from sandbox import SandboxClient
    from services.marketplace.demo import move_demo_seller
    from services.marketplace.models import Marketplace
    from services.marketplace.sellers import connect_account

    async with SandboxClient(sandbox_url) as client:
        overview = await client.marketplaces()
        group = await client.create_forum(
            SANDBOX_DEMO_GROUP, members=[{"user": SANDBOX_OPERATOR, "status": "creator"}]
        )
        for key, chat, texts in SANDBOX_DEMO_BUYER_CHATS:
            control = client.marketplace(key)
            chat_id = None
            for text in texts:
                if chat_id is None:
                    started = await control.buyer_starts_chat(text, **chat)
                    chat_id = started["chat_id"]
                else:
                    await control.buyer_writes(chat_id, text)
        tools = build_tools(settings)
        try:
            async with session_factory() as session:
                seller = await move_demo_seller(
                    session,
                    title=SANDBOX_DEMO_GROUP,
                    forum_chat_id=group["id"],
                    language=settings.default_language,
                    user_id=SANDBOX_OPERATOR["id"],
                )
                for marketplace in (Marketplace.OZON, Marketplace.WILDBERRIES):
                    await connect_account(
                        session,
                        seller_id=seller.id,
                        marketplace=marketplace,
                        values=overview["marketplaces"][marketplace.value]["credentials"],
                        user_id=SANDBOX_OPERATOR["id"],
                        vault=tools.vault,
                        connectors=tools.connectors,
                    )
        finally:
            await tools.close()
        await client.set_marketplace_demo(SANDBOX_DEMO_SHOP, group["id"])
    return SandboxDemoShop(seller.id, group["id"], SANDBOX_DEMO_GROUP)


def _stop_starting_on_sigterm() -> None:
    """Until polling (or the webhook) takes the signals over, SIGTERM cancels start-up the way
    Ctrl-C does, so what was already started is stopped in order rather than killed."""
    task = asyncio.current_task()
    assert task is not None
    with suppress(NotImplementedError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)


async def run(settings: Settings) -> None:
    _stop_starting_on_sigterm()
    settings = with_sandbox_marketplaces(with_sandbox_yookassa(settings))
    resources = Resources.open(settings)
    emulator = None
    demo_shop: SandboxDemoShop | None = None
    try:
        if settings.uses_sandbox:
            from sandbox import TelegramEmulator

            emulator = TelegramEmulator(
                spec_path=settings.telegram_spec_path, bot_username=settings.sandbox_bot_username
            )
            sandbox_url = await emulator.start(settings.sandbox_host, settings.sandbox_port)
            from sandbox.yookassa import loopback_url

            emulator.yookassa.set_notification_url(
                loopback_url(settings.web_host, settings.web_port)
            )
            if settings.admin_chat_id is None:
                settings = await with_sandbox_admin_group(settings, sandbox_url)
                resources.settings = settings
            demo_shop = await _sandbox_demo_shop(settings, sandbox_url, resources)
            # Set after the demo's buyers wrote: the bot's web server is not up before
            # _serve, and its sync finds those messages anyway.
            from services.marketplace.ozon import OZON_PUSH_PATH

            emulator.ozon.set_push_url(
                loopback_url(settings.web_host, settings.web_port, OZON_PUSH_PATH)
            )
            bot = create_bot(
                SANDBOX_BOT_TOKEN, settings, api_base_url=sandbox_url, redis=resources.redis
            )
            logger.info("BOT_TOKEN is not set: running against the built-in Telegram sandbox")
            operator = "in the page, press 🛡 Act as operator"
            demo_line = (
                f'\n  Demo shop: "{demo_shop.title}" ({operator}): buyer chats from the Ozon and'
                " Wildberries emulators as topics; write as a buyer in the page's buyer panel"
                if demo_shop is not None
                else ""
            )
            print(
                f"\n  EasyFlow sandbox is up: open {sandbox_url}/ to chat with the bot"
                f'\n  Admin group: "{SANDBOX_ADMIN_GROUP}" ({operator}): prices, refunds'
                f"{demo_line}\n",
                flush=True,
            )
        else:
            assert settings.bot_token is not None
            bot = create_bot(settings.bot_token.get_secret_value(), settings, redis=resources.redis)
        dispatcher = build_dispatcher(resources)
        logger.info("%s", module_tree(settings))
        warming = warm_up_modules(dispatcher)
        use_webhook = settings.webhook_url is not None and not settings.uses_sandbox
        try:
            await _serve(settings, resources, dispatcher, bot, use_webhook)
        finally:
            for task in warming:
                task.cancel()
    finally:
        if demo_shop is not None:
            await _forget_sandbox_demo_shop(resources)
        if emulator is not None:
            await emulator.stop()
        await resources.close()
        forget_this_process()  # its live gauges (the sender's queues) stop counting
        logger.info("stopped")


async def _sandbox_demo_shop(
    settings: Settings, sandbox_url: str, resources: Resources
) -> SandboxDemoShop | None:
    """The demo shop, or None (logged) when it cannot be set up: the sandbox runs without it."""
    try:
        demo_shop = await set_up_sandbox_demo_shop(settings, sandbox_url, resources.session_factory)
    except Exception:
        logger.exception("the sandbox's demo shop could not be set up; running without it")
        return None
    if demo_shop is not None:
        logger.info(
            "sandbox demo shop: seller %s in the forum group %s (%s)",
            demo_shop.seller_id,
            demo_shop.forum_chat_id,
            demo_shop.title,
        )
    return demo_shop


async def _forget_sandbox_demo_shop(resources: Resources) -> None:
    """Its group goes with the emulator; left in the database, the seller's accounts would be
    synced by any later run that shares it (the tests' runs too) into a group that is gone."""
    from services.marketplace.demo import forget_demo_seller

    try:
        async with resources.session_factory() as session:
            await forget_demo_seller(session, title=SANDBOX_DEMO_GROUP)
    except Exception as error:  # the next start moves the row to its new group anyway
        logger.warning("the sandbox's demo seller could not be forgotten: %s", error)


async def _serve(
    settings: Settings, resources: Resources, dispatcher: Dispatcher, bot: Bot, use_webhook: bool
) -> None:
    web_app = build_web_app(resources, dispatcher, bot, telegram_webhook=use_webhook)
    runner = web.AppRunner(web_app)
    await runner.setup()
    # Bound now, so a port in use stops the start before anything started; listening only
    # once the sender and the jobs are there (below).
    address = _bound_socket(settings.web_host, settings.web_port)

    async def start_web_server() -> None:
        # The last start-up hook: requests (updates the load balancer hands this replica
        # while another one sets the webhook, payment notifications, marketplace pushes) are
        # taken only once the sender and the jobs are there.
        await web.SockSite(runner, address).start()
        logger.info(
            "web server on http://%s:%s (health: /healthz)", settings.web_host, settings.web_port
        )

    dispatcher.startup.register(start_web_server)
    try:
        if use_webhook:
            await _serve_webhook(settings, dispatcher, bot, runner)
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            await dispatcher.start_polling(
                bot,
                allowed_updates=dispatcher.resolve_used_update_types(),
                tasks_concurrency_limit=settings.max_concurrent_updates,
            )
    finally:
        if runner.server is not None:  # the webhook mode stops it earlier
            await runner.cleanup()
        address.close()  # if the server never took it over
        await bot.session.close()


def _bound_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to the web server's address, not listening yet."""
    family, kind, protocol, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    bound = socket.socket(family, kind, protocol)
    try:
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        bound.bind(address)
    except OSError:
        bound.close()
        raise
    bound.setblocking(False)
    return bound


async def _serve_webhook(
    settings: Settings, dispatcher: Dispatcher, bot: Bot, web_runner: web.AppRunner
) -> None:
    """Every replica sets the same webhook (the load balancer's URL) and serves until SIGTERM
    or Ctrl-C. On the way out the webhook stays set, since other replicas may still serve
    it; this one stops taking requests first (the balancer sends the next ones elsewhere),
    finishes the updates it took, and only then stops its jobs and its sender."""
    assert settings.webhook_url is not None
    url = settings.webhook_url.rstrip("/") + settings.webhook_path
    workflow = {"dispatcher": dispatcher, "bots": [bot], "bot": bot, **dispatcher.workflow_data}
    await dispatcher.emit_startup(**workflow)
    await bot.set_webhook(
        url,
        secret_token=webhook_secret(settings, bot.token),
        allowed_updates=dispatcher.resolve_used_update_types(),
    )
    logger.info("receiving updates by webhook at %s", url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await web_runner.cleanup()
        await dispatcher.emit_shutdown(**workflow)
