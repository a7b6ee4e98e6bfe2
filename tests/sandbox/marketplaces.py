"""What the connector contract tests share: connectors pointed at the sandbox's emulators with a
fast retry policy, and a look at what the emulator received."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest

from sandbox import SandboxClient, TelegramEmulator
from services.marketplace import (
    MarketplaceError,
    OzonConnector,
    OzonCredentials,
    RequestRate,
    WildberriesConnector,
    WildberriesCredentials,
)
from services.retry_policy import RetryPolicy

FAST_RETRIES = RetryPolicy(attempts=3, base_delay=0.05, max_delay=5.0)
# A rate far above any marketplace's limit: the connector does not pace its calls.
UNPACED = RequestRate(100_000, 1.0)


def ozon_connector(emulator: TelegramEmulator, **options: Any) -> OzonConnector:
    assert emulator.base_url is not None
    credentials = options.pop("credentials", None) or OzonCredentials(
        **emulator.ozon.demo_credentials()
    )
    options.setdefault("retry_policy", FAST_RETRIES)
    options.setdefault("rate", UNPACED)
    return OzonConnector(credentials, base_url=emulator.ozon.api_url(emulator.base_url), **options)


def wildberries_connector(emulator: TelegramEmulator, **options: Any) -> WildberriesConnector:
    assert emulator.base_url is not None
    credentials = options.pop("credentials", None) or WildberriesCredentials(
        **emulator.wildberries.demo_credentials()
    )
    options.setdefault("retry_policy", FAST_RETRIES)
    options.setdefault("rate", UNPACED)
    return WildberriesConnector(
        credentials, base_url=emulator.wildberries.api_url(emulator.base_url), **options
    )


async def refusal(call: Awaitable[object]) -> MarketplaceError:
    """The `MarketplaceError` the call ends with."""
    with pytest.raises(MarketplaceError) as raised:
        await call
    return raised.value


async def statuses(control: Any, method: str | None = None) -> list[int]:
    """The HTTP statuses the emulator answered, in order (optionally for one API path)."""
    return [entry["status"] for entry in await control.requests(method)]


async def buyer_chats(control: Any, chats: int, messages: int, prefix: str) -> list[str]:
    """`chats` buyer chats of `messages` messages each; returns the texts in writing order."""
    texts = []
    for chat in range(chats):
        for number in range(messages):
            text = f"{prefix} chat {chat} message {number}"
            await control.buyer_writes(f"{prefix}-{chat}", text, buyer_name=f"Buyer {chat}")
            texts.append(text)
    return texts


__all__ = [
    "FAST_RETRIES",
    "UNPACED",
    "SandboxClient",
    "buyer_chats",
    "ozon_connector",
    "refusal",
    "statuses",
    "wildberries_connector",
]
