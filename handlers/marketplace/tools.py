"""The marketplace module's long-lived objects, built once from settings: the credential vault,
the connector factory (one HTTP session, one request pacer) and the Redis client that paces
requests and leases syncs across processes. Handlers get it as `marketplace`; jobs and web
routes as `context.workflow_data[TOOLS_KEY]`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from bot.config import GENERATED_MARKETPLACE_KEY_PATH, Settings
from bot.registration import Translations
from services.marketplace.connections import ConnectorFactory, MarketplaceEndpoints
from services.marketplace.forwarding import Translate
from services.marketplace.ozon import OZON_API_URL
from services.marketplace.pacing import create_request_pacer
from services.marketplace.replies import ReplyDelivery
from services.marketplace.suggestions import Suggester, create_suggester
from services.marketplace.sync import DeskSync
from services.marketplace.vault import CredentialVault, load_or_create_key
from services.marketplace.wildberries import WILDBERRIES_API_URL
from services.models.base import utcnow

logger = logging.getLogger(__name__)

TOOLS_KEY = "marketplace"


@dataclass
class MarketplaceTools:
    vault: CredentialVault
    connectors: ConnectorFactory
    redis: Redis | None
    timezone: ZoneInfo
    poll_seconds: float
    suggester: Suggester
    # Made on first use by handlers/marketplace/syncing.py, once the sender exists.
    desk: DeskSync | None = None
    # Made on first use by handlers/marketplace/replies.py.
    replies: ReplyDelivery | None = None
    # Buyer chats a suggestion is being made for now (a second press waits its turn).
    suggesting: set[int] = field(default_factory=set)
    # "Now" for SLA deadlines, alerts and reports (tests move it).
    clock: Callable[[], datetime] = utcnow

    async def wind_down(self) -> None:
        """Running syncs end while the sender and the translations still work."""
        if self.desk is not None:
            await self.desk.wind_down()
        if self.replies is not None:
            await self.replies.wind_down()

    async def close(self) -> None:
        if self.desk is not None:
            await self.desk.close()
        if self.replies is not None:  # what still runs ends before the HTTP session closes
            await self.replies.wind_down(timeout=0)
        await self.connectors.close()
        if self.redis is not None:
            await self.redis.aclose()


def translations_for(translations: Translations) -> Callable[[str], Translate]:
    """The desk's texts in a seller's language."""

    def translate_for(language: str) -> Translate:
        def translate(key: str, **values: Any) -> str:
            return translations.get(key, language, **values)

        return translate

    return translate_for


def build_tools(settings: Settings) -> MarketplaceTools:
    if settings.marketplace_credentials_key is not None:
        key = settings.marketplace_credentials_key.get_secret_value().encode()
    else:
        key = load_or_create_key(GENERATED_MARKETPLACE_KEY_PATH)
        logger.info(
            "MARKETPLACE_CREDENTIALS_KEY is not set: marketplace credentials are sealed with the "
            "key in %s",
            GENERATED_MARKETPLACE_KEY_PATH,
        )
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    endpoints = MarketplaceEndpoints(
        ozon_url=settings.ozon_api_url or OZON_API_URL,
        wildberries_url=settings.wildberries_api_url or WILDBERRIES_API_URL,
    )
    return MarketplaceTools(
        vault=CredentialVault(key),
        connectors=ConnectorFactory(endpoints, create_request_pacer(redis)),
        redis=redis,
        timezone=ZoneInfo(settings.marketplace_timezone),
        poll_seconds=settings.marketplace_poll_seconds,
        suggester=create_suggester(
            settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
            settings.openai_base_url,
            settings.llm_model,
            settings.llm_timeout_seconds,
        ),
    )
