"""YooKassa notifications at /webhooks/yookassa on the bot's web server.

Notifications are not signed, so a notification is only a hint: it is accepted from YooKassa's
networks (the sandbox's loopback emulator too), and the payment is fetched again from the API
before anything is credited. Crediting is idempotent by the payment id, so YooKassa's retries
and duplicates change nothing. Anything but 200 makes YooKassa retry for a day: a failure
that a retry can fix (the database or the API unreachable) answers 500/503.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from bot.config import Settings
from bot.registration import MODULE_CONTEXT_KEY
from bot.sender import OutgoingText
from handlers.payments.receipts import announce_payment
from services.models import User
from services.networks import is_trusted_address
from services.payments.catalog import product_title
from services.payments.crediting import PaymentMismatch, Provider, credit_payment
from services.payments.orders import (
    Method,
    PaymentEvent,
    cancel_order,
    count_payment,
    order_by_provider_payment,
)
from services.payments.yookassa_gateway import (
    YooKassaError,
    YooKassaGateway,
    parse_notification,
)

logger = logging.getLogger(__name__)

SANDBOX_SENDERS = ("127.0.0.1", "::1")  # the sandbox's YooKassa emulator


def trusted_sender(settings: Settings, address: str | None) -> bool:
    if address is None:
        return False
    if settings.uses_sandbox and address in SANDBOX_SENDERS:
        return True
    return is_trusted_address(address, settings.yookassa_trusted_networks)


async def yookassa_notification(request: web.Request) -> web.Response:
    context = request.app[MODULE_CONTEXT_KEY]
    settings = context.settings
    if not trusted_sender(settings, request.remote):
        logger.warning("YooKassa notification from untrusted %s refused", request.remote)
        return web.Response(status=403)
    gateway: YooKassaGateway | None = context.workflow_data.get("yookassa")
    if gateway is None:
        return web.Response(status=404)
    try:
        notification = parse_notification(await request.json())
    except ValueError:
        return web.Response(status=400, text="not a YooKassa notification")
    if not notification.event.startswith("payment."):
        return web.Response(status=200)  # refunds are confirmed when they are made
    try:
        payment = await gateway.find_payment(notification.object_id)
    except YooKassaError as error:
        logger.warning("YooKassa re-check of %s failed: %s", notification.object_id, error)
        return web.Response(status=503)
    sender = context.sender
    core = context.i18n_core
    async with context.session_factory() as session:
        order = await order_by_provider_payment(session, payment.id)
        if order is None:
            logger.error("YooKassa payment %s names no order", payment.id)
            count_payment(Method.YOOKASSA_LINK, PaymentEvent.MISMATCH)
            return web.Response(status=200)
        user = await session.get(User, order.user_id)
        language = user.language if user else settings.default_language
        if payment.status == "succeeded" and payment.paid:
            try:
                credited = await credit_payment(
                    session, order=order, provider=Provider.YOOKASSA, charge_id=payment.id,
                    amount=payment.amount, currency=payment.currency,
                )  # fmt: skip
            except PaymentMismatch:
                logger.exception("YooKassa payment %s does not match its order", payment.id)
                return web.Response(status=200)
            await session.commit()
            if credited.created:
                title = await product_title(session, credited.product_id, language)
                payer = (user.first_name if user else "") or str(order.user_id)
                _in_background(
                    announce_payment(sender, settings, core, language, credited, title, payer)
                )
        elif payment.status == "canceled":
            if await cancel_order(session, order):
                await session.commit()
                canceled = core.get("paid-canceled", language)
                _in_background(
                    sender.send(OutgoingText(order.user_id, canceled, parse_mode="HTML"))
                )
        else:
            logger.info(
                "YooKassa says %s for %s while the notification said %s: nothing credited",
                payment.status, payment.id, notification.event,
            )  # fmt: skip
    return web.Response(status=200)


_background: set[asyncio.Task[Any]] = set()


def _in_background(work: Any) -> None:
    """Telling people must not hold YooKassa's request open (it wants a quick 200)."""
    task = asyncio.ensure_future(work)
    _background.add(task)
    task.add_done_callback(_background.discard)


def web_routes(settings: Settings) -> list[web.RouteDef]:
    return [web.post("/webhooks/yookassa", yookassa_notification)]
