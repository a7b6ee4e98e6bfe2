"""Helpers shared by the sandbox tests."""

from __future__ import annotations

import struct
import zlib
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


def png(width: int, height: int) -> bytes:
    """A real (grey) PNG image of the given size."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
