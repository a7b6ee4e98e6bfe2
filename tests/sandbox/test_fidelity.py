"""Details other Bot API clients notice: tokens, unknown parameters, chat actions, photo sizes."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile

from sandbox import SandboxClient
from sandbox.telegram.media import image_size
from tests.sandbox.helpers import BOT_ID, BOT_TOKEN, png, raw_call

NewUser = Callable[..., dict[str, Any]]
UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}


def jpeg_header(width: int, height: int) -> bytes:
    """The start of a baseline JPEG: SOI, an APP0 segment, then SOF0 with the size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def webp_vp8x(width: int, height: int) -> bytes:
    body = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00"
    body += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def webp_vp8l(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    body = b"VP8L" + struct.pack("<I", 5) + b"\x2f" + bits.to_bytes(4, "little")
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


@pytest.fixture
async def chat_id(client: SandboxClient, bot: Bot, new_user: NewUser) -> int:
    user = new_user()
    await client.send_text(user["id"], user, "hi")
    return user["id"]


async def test_wrong_secret_is_unauthorized(
    bot: Bot, http: aiohttp.ClientSession, base_url: str, chat_id: int
) -> None:
    forged = f"{BOT_ID}:not-the-registered-secret"
    for method, params in (("getMe", {}), ("sendMessage", {"chat_id": chat_id, "text": "x"})):
        status, body = await raw_call(http, base_url, method, token=forged, **params)
        assert (status, body) == (401, UNAUTHORIZED)
    status, body = await raw_call(http, base_url, "getMe")
    assert status == 200 and body["result"]["id"] == BOT_ID
    sent = await bot.send_document(chat_id, BufferedInputFile(b"data", "a.txt"))
    assert sent.document is not None
    file = await bot.get_file(sent.document.file_id)
    async with http.get(f"{base_url}/file/bot{forged}/{file.file_path}") as response:
        assert response.status == 401 and await response.json() == UNAUTHORIZED
    async with http.get(f"{base_url}/file/bot{BOT_TOKEN}/{file.file_path}") as response:
        assert response.status == 200 and await response.read() == b"data"


async def test_unknown_parameter_is_ignored_with_a_warning(
    client: SandboxClient, http: aiohttp.ClientSession, base_url: str, chat_id: int
) -> None:
    status, body = await raw_call(
        http, base_url, "sendMessage", chat_id=chat_id, text="hello", colour="red"
    )
    assert status == 200 and body["result"]["text"] == "hello"
    assert "colour" not in body["result"]
    [entry] = await client.requests(method="sendMessage")
    assert entry["ok"] and entry["warnings"] == ['unknown parameter "colour" ignored']
    assert entry["params"]["colour"] == "red"
    # The rest of the validation still holds.
    status, body = await raw_call(
        http, base_url, "sendMessage", chat_id=chat_id, text="x", disable_notification="maybe"
    )
    assert status == 400
    assert (
        body["description"] == 'Bad Request: field "disable_notification" must be of type Boolean'
    )
    status, body = await raw_call(http, base_url, "getMe", extra=1)
    assert status == 200


async def test_unknown_chat_action(
    bot: Bot, http: aiohttp.ClientSession, base_url: str, chat_id: int
) -> None:
    status, body = await raw_call(
        http, base_url, "sendChatAction", chat_id=chat_id, action="dancing"
    )
    assert (status, body) == (
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: wrong parameter action in request",
        },
    )
    for action in ("typing", "upload_photo", "record_voice", "record_video_note", "record_audio"):
        assert await bot.send_chat_action(chat_id, action)


def test_image_size_from_headers() -> None:
    assert image_size(png(37, 5)) == (37, 5)
    assert image_size(jpeg_header(640, 480)) == (640, 480)
    assert image_size(webp_vp8x(1024, 77)) == (1024, 77)
    assert image_size(webp_vp8l(300, 200)) == (300, 200)
    assert image_size(b"GIF89a" + struct.pack("<HH", 12, 34) + b"\x00" * 8) == (12, 34)
    assert image_size(b"not an image") is None
    assert image_size(b"\x89PNG") is None


def test_image_size_of_images_pillow_writes() -> None:
    image_module = pytest.importorskip("PIL.Image")
    for image_format in ("PNG", "JPEG", "WEBP", "GIF", "BMP"):
        for size in ((123, 45), (1, 1)):
            buffer = io.BytesIO()
            image_module.new("RGB", size, (200, 10, 10)).save(buffer, format=image_format)
            assert image_size(buffer.getvalue()) == size, image_format
    buffer = io.BytesIO()
    image_module.new("RGB", (64, 32)).save(buffer, format="JPEG", progressive=True)
    assert image_size(buffer.getvalue()) == (64, 32)


async def test_photo_sizes_come_from_the_image(
    bot: Bot, client: SandboxClient, new_user: NewUser, chat_id: int
) -> None:
    sent = await bot.send_photo(chat_id, BufferedInputFile(png(320, 180), "wide.png"))
    assert sent.photo is not None
    assert (sent.photo[-1].width, sent.photo[-1].height) == (320, 180)
    again = await bot.send_photo(chat_id, sent.photo[-1].file_id)
    assert again.photo is not None and (again.photo[-1].width, again.photo[-1].height) == (
        320,
        180,
    )
    with pytest.raises(TelegramBadRequest, match="PHOTO_INVALID_DIMENSIONS"):
        await bot.send_photo(chat_id, BufferedInputFile(jpeg_header(4000, 100), "strip.jpg"))
    user = new_user()
    written = await client.send_file(
        user["id"], user, "photo", webp_vp8x(800, 600), "cat.webp", "image/webp"
    )
    [update] = [u for u in await bot.get_updates(timeout=0) if u.update_id == written["update_id"]]
    assert update.message is not None and update.message.photo is not None
    assert (update.message.photo[-1].width, update.message.photo[-1].height) == (800, 600)
