"""Ozon's push notifications, as the emulator sends them to the seller's push URL.

Ozon POSTs JSON to the URL the seller set up: ``TYPE_PING`` to check it (answered with
``{"version", "name", "time"}``), ``TYPE_NEW_MESSAGE`` when a buyer writes, ``TYPE_CHAT_CLOSED``
when a chat closes. Ids are strings there (``"message_id": "3000000000817031942"``,
``"seller_id": "7"``), unlike the API's numbers.

Pushes go out in the background, one at a time in the order they happened, each with a short
timeout; a target that is down, slow or answers an error loses that push (it is logged and kept
in :attr:`OzonPushes.deliveries`) and never fails or holds up the buyer's write.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from datetime import datetime
from typing import Any

import aiohttp

from sandbox.control import ControlError
from sandbox.ozon.model import OzonChat, OzonMessage, iso_utc

logger = logging.getLogger(__name__)

PUSH_TIMEOUT_SECONDS = 3.0
MAX_QUEUED_PUSHES = 1000
MAX_KEPT_DELIVERIES = 200
CHAT_TYPE = "Buyer_Seller"


def new_message_push(chat: OzonChat, message: OzonMessage, data: list[str]) -> dict[str, Any]:
    """``TYPE_NEW_MESSAGE`` for a buyer's message; ``data`` is the message as the chat history
    shows it (text, or ``![](<url>)`` for an image)."""
    return {
        "message_type": "TYPE_NEW_MESSAGE",
        "chat_id": chat.chat_id,
        "chat_type": CHAT_TYPE,
        "message_id": str(message.message_id),
        "created_at": iso_utc(message.created_at),
        "user": {"id": message.author_id, "type": "Customer"},
        "data": data,
        "seller_id": chat.seller,
    }


def chat_closed_push(chat: OzonChat) -> dict[str, Any]:
    return {
        "message_type": "TYPE_CHAT_CLOSED",
        "chat_id": chat.chat_id,
        "chat_type": CHAT_TYPE,
        "user": {"id": chat.buyer_id, "type": "Customer"},
        "seller_id": chat.seller,
    }


def ping_push(moment: datetime) -> dict[str, Any]:
    return {"message_type": "TYPE_PING", "time": iso_utc(moment)}


class OzonPushes:
    """The push URL and the queue of pushes to it (none are sent while the URL is unset)."""

    def __init__(self, timeout_seconds: float = PUSH_TIMEOUT_SECONDS) -> None:
        self.url: str | None = None
        self.timeout_seconds = timeout_seconds
        # The latest deliveries, oldest first: {"message_type", "chat_id"?, "message_id"?,
        # "status"} or {..., "error"}.
        self.deliveries: deque[dict[str, Any]] = deque(maxlen=MAX_KEPT_DELIVERIES)
        self._queue: asyncio.Queue[dict[str, Any]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None

    def set_url(self, url: object) -> None:
        if url is not None and (
            not isinstance(url, str) or not url.startswith(("http://", "https://"))
        ):
            raise ControlError(400, "the push URL must be an http(s) URL or null")
        self.url = url if isinstance(url, str) else None

    def send_later(self, body: dict[str, Any]) -> None:
        """Queues a push (dropped while no URL is set); returns at once."""
        if self.url is None:
            return
        if self._queue is None:
            self._queue = asyncio.Queue(MAX_QUEUED_PUSHES)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._deliver_queued())
        try:
            self._queue.put_nowait(body)
        except asyncio.QueueFull:
            logger.warning("Ozon emulator: push dropped, %d are waiting", MAX_QUEUED_PUSHES)
            self._record(body, error="dropped: the queue is full")

    async def drain(self) -> None:
        """Waits until every queued push was delivered or given up (for tests)."""
        if self._queue is not None:
            await self._queue.join()

    async def send_now(self, body: dict[str, Any]) -> dict[str, Any]:
        """POSTs one push and answers ``{"status", "answer"}`` or ``{"error"}`` (the ping)."""
        if self.url is None:
            raise ControlError(409, "no push URL is set")
        return await self._post(self.url, body)

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._worker
            self._worker = None
        self._queue = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    def view(self) -> dict[str, Any]:
        return {"url": self.url, "deliveries": list(self.deliveries)}

    async def _deliver_queued(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            body = await queue.get()
            try:
                if self.url is not None:
                    await self._post(self.url, body)
            except Exception:  # a push must never take the worker down
                logger.exception("Ozon emulator: push failed")
            finally:
                queue.task_done()

    async def _post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        timeout = aiohttp.ClientTimeout(total=self.timeout_seconds)
        try:
            async with self._http.post(url, json=body, timeout=timeout) as response:
                text = await response.text()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            reason = f"{type(error).__name__}: {error}".rstrip(": ")
            logger.info(
                "Ozon emulator: %s push to %s failed (%s)", body["message_type"], url, reason
            )
            self._record(body, error=reason)
            return {"error": reason}
        if status >= 300:
            logger.info(
                "Ozon emulator: %s push to %s answered %s", body["message_type"], url, status
            )
        self._record(body, status=status)
        try:
            answer: Any = json.loads(text) if text else None
        except ValueError:
            answer = text
        return {"status": status, "answer": answer}

    def _record(self, body: dict[str, Any], **outcome: Any) -> None:
        entry = {key: body[key] for key in ("message_type", "chat_id", "message_id") if key in body}
        self.deliveries.append({**entry, **outcome})
