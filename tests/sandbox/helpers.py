"""Helpers shared by the sandbox tests."""

from __future__ import annotations

from typing import Any

import aiohttp

BOT_TOKEN = "123456:sandbox-test-token"
BOT_ID = 123456


async def raw_call(
    http: aiohttp.ClientSession, base_url: str, method: str, token: str = BOT_TOKEN, **params: Any
) -> tuple[int, dict[str, Any]]:
    """A Bot API call with a JSON body, for requests aiogram would refuse to build."""
    async with http.post(f"{base_url}/bot{token}/{method}", json=params) as response:
        return response.status, await response.json()
