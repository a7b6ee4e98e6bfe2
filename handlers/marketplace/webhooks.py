"""Ozon's push notifications at POST /webhooks/ozon.

TYPE_PING is answered with the service's name, version and time; TYPE_NEW_MESSAGE wakes the
sync of the accounts with that Client-Id (`seller_id`); the other types need nothing of the
desk yet. Ozon wants an answer within 5 s: the sync runs in the background, and even waking it
is given at most WAKE_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime

from aiohttp import web

from bot.config import Settings
from bot.registration import MODULE_CONTEXT_KEY
from handlers.marketplace.syncing import desk_sync
from services.marketplace.models import Marketplace
from services.marketplace.ozon import OZON_PUSH_PATH

logger = logging.getLogger(__name__)

SERVICE_NAME = "easyflow"
SERVICE_VERSION = "1.0"
WAKE_TIMEOUT_SECONDS = 3.0
WAKING_TYPES = {"TYPE_NEW_MESSAGE", "TYPE_UPDATE_MESSAGE"}


def web_routes(settings: Settings) -> list[web.RouteDef]:
    del settings
    return [web.post(OZON_PUSH_PATH, ozon_push)]


def _ozon_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message, "details": None}}, status=status
    )


async def ozon_push(request: web.Request) -> web.Response:
    try:
        push = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return _ozon_error(400, "ERROR_PARAMETER_VALUE_MISSED", "the body is not JSON")
    if not isinstance(push, dict) or not isinstance(push.get("message_type"), str):
        return _ozon_error(400, "ERROR_PARAMETER_VALUE_MISSED", "message_type is missing")
    kind = push["message_type"]
    if kind == "TYPE_PING":
        return web.json_response(
            {
                "version": SERVICE_VERSION,
                "name": SERVICE_NAME,
                "time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            }
        )
    if kind in WAKING_TYPES:
        seller_id = push.get("seller_id")
        if seller_id is None or str(seller_id).strip() == "":
            return _ozon_error(400, "ERROR_PARAMETER_VALUE_MISSED", "seller_id is missing")
        try:
            desk = desk_sync(request.app[MODULE_CONTEXT_KEY])
            await asyncio.wait_for(
                desk.wake(Marketplace.OZON, str(seller_id)), WAKE_TIMEOUT_SECONDS
            )
        except Exception:  # the push is still answered: the next poll picks the message up
            logger.exception("an Ozon push could not wake the sync of seller %s", seller_id)
    return web.json_response({"result": True})
