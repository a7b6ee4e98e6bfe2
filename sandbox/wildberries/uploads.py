"""Reading and checking the multipart body of ``POST /api/v1/seller/message``."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from urllib.parse import unquote

from aiohttp import BodyPartReader, MultipartReader, StreamReader, web

from sandbox.marketplace_common import body_read_first
from sandbox.wildberries.answers import (
    INVALID_MESSAGE,
    INVALID_SIGNATURE,
    NOT_MULTIPART,
    Refusal,
    bad_request,
)

MAX_REPLY_SIGN = 255
MAX_MESSAGE = 1000
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 30 * 1024 * 1024
FILE_FIELDS = frozenset({"file", "file[]"})
CHUNK_BYTES = 64 * 1024
# Declared types that say nothing about the file: its bytes decide.
GENERIC_TYPES = frozenset({"", "application/octet-stream"})
TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}
MAGIC_BYTES = {
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "application/pdf": b"%PDF-",
}


@dataclass
class Upload:
    name: str
    declared_type: str
    content: bytes  # the first MAX_FILE_BYTES + 1 bytes at most
    size: int
    # WB names the attachment in its refusals by an id of its own (``A24FA09844E: ...``).
    attachment_id: str = field(default_factory=lambda: secrets.token_hex(6).upper()[:11])

    def sniffed_type(self) -> str | None:
        for content_type, magic in MAGIC_BYTES.items():
            if self.content.startswith(magic):
                return content_type
        return None

    def accepted_type(self) -> str | None:
        """JPEG, PNG or PDF, when the declared type and the bytes agree (a generic declared type
        defers to the bytes); None otherwise."""
        declared = self.declared_type.split(";")[0].strip().lower()
        declared = TYPE_ALIASES.get(declared, declared)
        sniffed = self.sniffed_type()
        if sniffed is None or declared not in GENERIC_TYPES | {sniffed}:
            return None
        return sniffed


@dataclass
class OutgoingMessage:
    reply_sign: str | None = None
    text: str | None = None
    uploads: list[Upload] = field(default_factory=list)


async def read_outgoing_message(request: web.Request) -> OutgoingMessage:
    """The form's fields; refuses a body that is not multipart/form-data."""
    if request.content_type != "multipart/form-data":
        raise Refusal(bad_request(NOT_MULTIPART))
    outgoing = OutgoingMessage()
    try:
        if body_read_first(request):
            reader = _multipart(request, await request.read())
        else:
            reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart is not something WB's form has
            if part.name in FILE_FIELDS:
                outgoing.uploads.append(await _read_upload(part))
            elif part.name == "replySign":
                outgoing.reply_sign = await part.text()
            elif part.name == "message":
                outgoing.text = await part.text()
            else:
                await part.release()
    except (ValueError, AssertionError, UnicodeDecodeError):
        raise Refusal(bad_request("malformed multipart body")) from None
    return outgoing


def _multipart(request: web.Request, body: bytes) -> MultipartReader:
    """A reader of the body the API pipeline has read already."""
    stream = StreamReader(
        request.protocol, max(2**16, len(body) + 1), loop=asyncio.get_running_loop()
    )
    stream.feed_data(body)
    stream.feed_eof()
    return MultipartReader(request.headers, stream)


async def _read_upload(part: BodyPartReader) -> Upload:
    # Keeps at most one byte past the limit: enough to refuse, without holding a huge upload.
    kept = bytearray()
    size = 0
    while chunk := await part.read_chunk(CHUNK_BYTES):
        size += len(chunk)
        if len(kept) <= MAX_FILE_BYTES:
            kept += chunk[: MAX_FILE_BYTES + 1 - len(kept)]
    return Upload(
        # aiohttp's FormData percent-encodes a file name that is not ASCII; keep the real one.
        name=unquote(part.filename or "") or "file",
        declared_type=part.headers.get("Content-Type", ""),
        content=bytes(kept),
        size=size,
    )


def check_outgoing_message(outgoing: OutgoingMessage, sign_known: bool) -> None:
    """The spec's refusals, in the order WB reports them: the signature (``sign_known``: it
    names one of the seller's chats), the text, the files."""
    sign = outgoing.reply_sign
    if not sign or len(sign) > MAX_REPLY_SIGN or not sign_known:
        raise Refusal(bad_request(INVALID_SIGNATURE))
    text = outgoing.text or ""
    if len(text) > MAX_MESSAGE or (not text.strip() and not outgoing.uploads):
        raise Refusal(bad_request(INVALID_MESSAGE))
    for upload in outgoing.uploads:
        if upload.accepted_type() is None:
            raise Refusal(
                bad_request(f'{upload.attachment_id}: "{upload.name}" has unsupported mime type')
            )
        if upload.size > MAX_FILE_BYTES:
            raise Refusal(
                bad_request(f"{upload.attachment_id}: attachment too big. Max size: 5MiB")
            )
    if sum(upload.size for upload in outgoing.uploads) > MAX_TOTAL_BYTES:
        # The spec shows no example for the total; this follows the per-file one.
        raise Refusal(bad_request("attachments too big. Max total size: 30MiB"))
