"""The bot's own aiohttp server: Telegram webhook (in webhook mode), health, and module routes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from aiohttp.typedefs import Handler

from bot.app import Resources, finish_taken_updates, module_context
from bot.config import Settings
from bot.modules import enabled_health_sections, enabled_registrations, enabled_state_readers
from bot.registration import MODULE_CONTEXT_KEY, HealthSection, ModuleContext
from bot.scheduler import JOB_SCHEDULER_KEY
from middlewares.observability import handler_name
from services.metrics import CONTENT_TYPE_LATEST, StateGauge, render
from services.networks import client_address

logger = logging.getLogger(__name__)

RESOURCES_KEY = web.AppKey("resources", Resources)
Result = TypeVar("Result")


def webhook_secret(settings: Settings, token: str) -> str:
    """The configured secret, or one derived from the token so that every replica agrees."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    return hashlib.sha256(f"easyflow-webhook:{token}".encode()).hexdigest()


class DrainingRequestHandler(SimpleRequestHandler):
    """aiogram's webhook handler, which answers Telegram at once and handles each update in a
    task of its own; at shutdown (after the server stopped listening) it lets the updates it
    took finish before the bot's session closes. Telegram had its 200 for them: cancelled,
    they would be lost."""

    async def _handle_close(self, *args: Any, **kwargs: Any) -> None:
        await finish_taken_updates(self._background_feed_update_tasks)
        await super()._handle_close(*args, **kwargs)


def build_web_app(
    resources: Resources, dispatcher: Dispatcher, bot: Bot, *, telegram_webhook: bool = True
) -> web.Application:
    """Health, the enabled modules' routes and, with `telegram_webhook`, Telegram updates at
    WEBHOOK_PATH (secret checked)."""
    settings = resources.settings
    app = web.Application(middlewares=[behind_trusted_proxies] if settings.trusted_proxies else [])
    app[RESOURCES_KEY] = resources
    app[MODULE_CONTEXT_KEY] = module_context(resources, dispatcher, bot)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    if telegram_webhook:
        DrainingRequestHandler(
            dispatcher, bot, secret_token=webhook_secret(settings, bot.token)
        ).register(app, path=settings.webhook_path)
    for part in enabled_registrations(settings):
        for routes in part.web_routes:
            app.add_routes(routes(settings))
    return app


@web.middleware
async def behind_trusted_proxies(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A request a trusted load balancer passed on is seen as coming from its client."""
    proxies = request.app[RESOURCES_KEY].settings.trusted_proxies
    address = client_address(request.remote, request.headers.get("X-Forwarded-For"), proxies)
    if address != request.remote:
        request = request.clone(remote=address)
    return await handler(request)


# What modules and the scheduler add to /healthz or /metrics is read within this, at the same
# time as the rest: a hanging database leaves that part out ("unknown"), the answer still comes
# (under a load balancer's few seconds).
MODULE_READ_TIMEOUT_SECONDS = 2.0


async def healthz(request: web.Request) -> web.Response:
    """200 when this process's dependencies answer (503 when one is down), with the
    scheduler's jobs and the modules' sections (a seller's last sync, say) for monitors."""
    resources = request.app[RESOURCES_KEY]
    context = request.app[MODULE_CONTEXT_KEY]
    sections = [SCHEDULER_SECTION, *enabled_health_sections(resources.settings)]
    report, *values = await asyncio.gather(
        resources.health_checks.run(),
        *(_read_bounded(section.read, context) for section in sections),
    )
    body: dict[str, Any] = {"status": "ok" if report.healthy else "degraded", **report.checks}
    for section, value in zip(sections, values, strict=True):
        body[section.name] = value if value is not None else "unknown"
    return web.json_response(body, status=200 if report.healthy else 503)


async def scheduler_health(context: ModuleContext) -> dict[str, Any]:
    scheduler = context.workflow_data.get(JOB_SCHEDULER_KEY)
    if scheduler is None:
        return {"state": "not started", "jobs": {}}
    jobs = await scheduler.health()
    return {"state": scheduler.state, "jobs": {name: job.as_json() for name, job in jobs.items()}}


SCHEDULER_SECTION = HealthSection("scheduler", scheduler_health)


async def metrics(request: web.Request) -> web.Response:
    settings = request.app[RESOURCES_KEY].settings
    if settings.metrics_token is not None:
        expected = f"Bearer {settings.metrics_token.get_secret_value()}"
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return web.Response(
                status=401, text="a valid bearer token is required\n",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )  # fmt: skip
    context = request.app[MODULE_CONTEXT_KEY]
    readers = enabled_state_readers(settings)
    # State not read in time is left out (`state_read_ok` says which); the process's own
    # counters are always there.
    results = await asyncio.gather(*(_read_bounded(reader, context) for reader in readers))
    health = StateGauge(
        "state_read_ok", "1 when a module's state gauges were read for this scrape.", ("source",)
    )
    state: list[StateGauge] = [health]
    for reader, gauges in zip(readers, results, strict=True):
        health.add(0 if gauges is None else 1, handler_name(reader))
        state.extend(gauges or ())
    body = await asyncio.to_thread(render, state)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _read_bounded(
    reader: Callable[[ModuleContext], Awaitable[Result]], context: ModuleContext
) -> Result | None:
    try:
        return await asyncio.wait_for(reader(context), MODULE_READ_TIMEOUT_SECONDS)
    except Exception as error:  # a hanging or failing database: the answer still comes
        logger.warning("%s not read: %r", handler_name(reader), error)
        return None
