"""Starts the bot: against the built-in sandbox, Telegram by long polling, or by webhook."""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress

from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.app import Resources, build_dispatcher, create_bot, warm_up_modules
from bot.config import Settings
from bot.modules import module_tree
from bot.web import build_web_app, webhook_secret

logger = logging.getLogger(__name__)

SANDBOX_BOT_TOKEN = "1000000001:easyflow-sandbox"


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # aiogram logs every handled update at INFO; that is noise at our default level.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)


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


SANDBOX_ADMIN_GROUP = "EasyFlow admins"
SANDBOX_OPERATOR = {"id": 1000, "first_name": "Operator", "language_code": "en", "is_bot": False}


async def with_sandbox_admin_group(settings: Settings, sandbox_url: str) -> Settings:
    """Without ADMIN_CHAT_ID, the sandbox gets an admin group with one operator in it, so prices
    and refund decisions can be tried without any account."""
    from sandbox import SandboxClient

    async with SandboxClient(sandbox_url) as client:
        group = await client.create_group(SANDBOX_ADMIN_GROUP, members=[SANDBOX_OPERATOR])
    return settings.model_copy(
        update={
            "admin_chat_id": group["id"],
            "admin_ids": [*settings.admin_ids, SANDBOX_OPERATOR["id"]],
        }
    )


def _stop_starting_on_sigterm() -> None:
    """Until polling (or the webhook) takes the signals over, SIGTERM cancels start-up the way
    Ctrl-C does, so what was already started is stopped in order rather than killed."""
    task = asyncio.current_task()
    assert task is not None
    with suppress(NotImplementedError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)


async def run(settings: Settings) -> None:
    _stop_starting_on_sigterm()
    settings = with_sandbox_yookassa(settings)
    resources = Resources.open(settings)
    emulator = None
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
            bot = create_bot(
                SANDBOX_BOT_TOKEN, settings, api_base_url=sandbox_url, redis=resources.redis
            )
            logger.info("BOT_TOKEN is not set: running against the built-in Telegram sandbox")
            print(
                f"\n  EasyFlow sandbox is up: open {sandbox_url}/ to chat with the bot"
                f'\n  Admin group: "{SANDBOX_ADMIN_GROUP}" (act as {SANDBOX_OPERATOR["first_name"]},'
                f" id {SANDBOX_OPERATOR['id']}): prices, refunds\n",
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
        if emulator is not None:
            await emulator.stop()
        await resources.close()
        logger.info("stopped")


async def _serve(
    settings: Settings, resources: Resources, dispatcher: Dispatcher, bot: Bot, use_webhook: bool
) -> None:
    web_app = build_web_app(resources, dispatcher, bot, telegram_webhook=use_webhook)
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    logger.info(
        "web server on http://%s:%s (health: /healthz)", settings.web_host, settings.web_port
    )
    try:
        if use_webhook:
            await _serve_webhook(settings, dispatcher, bot)
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            await dispatcher.start_polling(
                bot,
                allowed_updates=dispatcher.resolve_used_update_types(),
                tasks_concurrency_limit=settings.max_concurrent_updates,
            )
    finally:
        await runner.cleanup()
        await bot.session.close()


async def _serve_webhook(settings: Settings, dispatcher: Dispatcher, bot: Bot) -> None:
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
        await dispatcher.emit_shutdown(**workflow)
