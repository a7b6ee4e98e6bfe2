"""The bot's own aiohttp server: Telegram webhook (in webhook mode), health, and module routes."""

from __future__ import annotations

import hashlib
import logging

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.app import Resources, module_context
from bot.config import Settings
from bot.modules import enabled_registrations
from bot.registration import MODULE_CONTEXT_KEY

logger = logging.getLogger(__name__)

RESOURCES_KEY = web.AppKey("resources", Resources)


def webhook_secret(settings: Settings, token: str) -> str:
    """The configured secret, or one derived from the token so that every replica agrees."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    return hashlib.sha256(f"easyflow-webhook:{token}".encode()).hexdigest()


def build_web_app(
    resources: Resources, dispatcher: Dispatcher, bot: Bot, *, telegram_webhook: bool = True
) -> web.Application:
    """Health, the enabled modules' routes and, with `telegram_webhook`, Telegram updates at
    WEBHOOK_PATH (secret checked)."""
    settings = resources.settings
    app = web.Application()
    app[RESOURCES_KEY] = resources
    app[MODULE_CONTEXT_KEY] = module_context(resources, dispatcher, bot)
    app.router.add_get("/healthz", healthz)
    if telegram_webhook:
        SimpleRequestHandler(
            dispatcher, bot, secret_token=webhook_secret(settings, bot.token)
        ).register(app, path=settings.webhook_path)
    for part in enabled_registrations(settings):
        for routes in part.web_routes:
            app.add_routes(routes(settings))
    return app


async def healthz(request: web.Request) -> web.Response:
    report = await request.app[RESOURCES_KEY].health_checks.run()
    return web.json_response(
        {"status": "ok" if report.healthy else "degraded", **report.checks},
        status=200 if report.healthy else 503,
    )
