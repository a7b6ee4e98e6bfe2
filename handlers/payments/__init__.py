"""The payments module: buying interview packs and the subscription (Telegram Stars, a card
through Telegram, YooKassa links), /balance, /paysupport refunds, and the admin group's prices
and refund decisions."""

from __future__ import annotations

from typing import Any

from aiogram import Router

from bot.config import Module, Settings
from bot.registration import ModuleRegistration


def build_router() -> Router:
    from handlers.payments import balance, buy, checkout, support

    router = Router(name="payments")
    for part in (checkout, buy, balance, support):
        part.register(router)
    return router


def build_admin_router() -> Router:
    from handlers.payments.admin import build_admin_router as admin_router

    return admin_router()


def workflow_data(settings: Settings) -> dict[str, Any]:
    """The YooKassa gateway when the shop's keys are set (the sandbox sets its emulator's)."""
    from services.payments.yookassa_gateway import YooKassaGateway

    gateway = None
    if settings.yookassa_shop_id and settings.yookassa_secret_key is not None:
        gateway = YooKassaGateway(
            settings.yookassa_shop_id,
            settings.yookassa_secret_key.get_secret_value(),
            api_url=settings.yookassa_api_url,
        )
    return {"yookassa": gateway}


def web_routes(settings: Settings) -> list[Any]:
    from handlers.payments.notifications import web_routes as routes

    return routes(settings)


REGISTRATION = ModuleRegistration(
    name=Module.PAYMENTS.value,
    menu_screen=True,
    # The admin part first: in the admin group, its commands win.
    routers=(build_admin_router, build_router),
    web_routes=(web_routes,),
    commands=("buy", "balance", "paysupport"),
    admin_chat_commands=("price",),
    workflow_data=(workflow_data,),
)
