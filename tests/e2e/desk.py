"""A seller's desk in the test sandbox: a forum group with its operator, the seller and its
Ozon and Wildberries accounts connected to the emulators, and ways to watch the group."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet

from handlers.marketplace.tools import TOOLS_KEY, MarketplaceTools
from sandbox.marketplace_client import MarketplaceControl
from services.marketplace.models import Marketplace
from services.marketplace.sellers import connect_account, register_seller
from tests.e2e.harness import BotHarness, HarnessFactory, new_user


def desk_settings(factory: HarnessFactory, **overrides: Any) -> dict[str, Any]:
    emulator = factory.emulator
    assert emulator is not None and emulator.base_url is not None
    return {
        "ozon_api_url": emulator.ozon.api_url(emulator.base_url),
        "wildberries_api_url": emulator.wildberries.api_url(emulator.base_url),
        "marketplace_poll_seconds": 1,
        "marketplace_credentials_key": Fernet.generate_key().decode(),
        **overrides,
    }


@dataclass
class Desk:
    factory: HarnessFactory
    harness: BotHarness
    operator: dict[str, Any]
    group_id: int
    seller_id: int
    overrides: dict[str, Any]

    @property
    def client(self):  # type: ignore[no-untyped-def]
        return self.harness.client

    @property
    def tools(self) -> MarketplaceTools:
        return self.harness.dispatcher.workflow_data[TOOLS_KEY]

    def control(self, marketplace: Marketplace) -> MarketplaceControl:
        return self.client.marketplace(marketplace)

    async def connect(self, marketplace: Marketplace, harness: BotHarness | None = None) -> Any:
        harness = harness or self.harness
        tools: MarketplaceTools = harness.dispatcher.workflow_data[TOOLS_KEY]
        assert self.factory.emulator is not None
        credentials = self.factory.emulator.marketplace(marketplace).demo_credentials()
        async with harness.resources.session_factory() as session:
            connected = await connect_account(
                session,
                seller_id=self.seller_id,
                marketplace=marketplace,
                values=credentials,
                user_id=self.operator["id"],
                vault=tools.vault,
                connectors=tools.connectors,
            )
        return connected

    async def topics(self) -> list[dict[str, Any]]:
        """The group's topics, each with its messages (service messages left out)."""
        topics = await self.client.topics(self.group_id, with_messages=True)
        for topic in topics:
            topic["messages"] = [m for m in topic["messages"] if not m["service"]]
        return topics

    async def wait_for_topics(
        self, predicate: Any, timeout: float = 15.0, what: str = "topics"
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        topics: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            topics = await self.topics()
            if predicate(topics):
                return topics
            await asyncio.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the group has {topics}")

    async def wait_for_messages(
        self, topic_name_part: str, count: int, timeout: float = 15.0
    ) -> list[dict[str, Any]]:
        """The messages of the topic whose name contains `topic_name_part`, once it has at
        least `count` (the card included)."""

        def ready(topics: list[dict[str, Any]]) -> bool:
            return any(topic_name_part in t["name"] and len(t["messages"]) >= count for t in topics)

        topics = await self.wait_for_topics(ready, timeout, f"{count} messages in a topic")
        return next(t for t in topics if topic_name_part in t["name"])["messages"]


async def start_desk_bot(
    factory: HarnessFactory, **overrides: Any
) -> tuple[BotHarness, dict[str, Any]]:
    """The bot with the marketplace module on the emulators, and the settings it started with."""
    client = await factory.sandbox()
    # The marketplaces' own limits are the connectors' tests' subject; here they would slow.
    await client.ozon.set_limit(None)
    await client.wildberries.set_limit(None)
    settings = desk_settings(factory, **overrides)
    return await factory.start(**settings), settings


async def open_desk(
    factory: HarnessFactory,
    marketplaces: tuple[Marketplace, ...] = (Marketplace.OZON, Marketplace.WILDBERRIES),
    **overrides: Any,
) -> Desk:
    """A running bot with the marketplace module, and a seller with `marketplaces` connected."""
    harness, settings = await start_desk_bot(factory, **overrides)
    client = harness.client
    operator = new_user(first_name="Olga")
    # The operator has talked to the bot (as after /connect): private notices reach them.
    await harness.say(operator, "/start")
    group = await client.create_forum(
        "Shop support", members=[{"user": operator, "status": "creator"}]
    )
    async with harness.resources.session_factory() as session:
        seller = await register_seller(session, group["id"], "Shop support", "en", operator["id"])
    desk = Desk(factory, harness, operator, group["id"], seller.id, settings)
    for marketplace in marketplaces:
        await desk.connect(marketplace)
    return desk


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in messages]
