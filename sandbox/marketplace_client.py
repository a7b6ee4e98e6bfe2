"""The control API of one marketplace emulator, as the buyer and the test see it:
``client.ozon.buyer_writes(...)``, ``client.wildberries.fault(...)``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

# SandboxClient._request: (HTTP method, path under /sandbox/api, json_body/data/params) -> JSON.
ControlRequest = Callable[..., Awaitable[Any]]


class MarketplaceControl:
    def __init__(self, request: ControlRequest, key: str) -> None:
        self._request = request
        self.key = key  # "ozon" | "wb"

    async def _call(self, method: str, path: str, **request: Any) -> Any:
        return await self._request(method, f"/{self.key}{path}", **request)

    async def buyer_writes(
        self,
        chat_id: str,
        text: str | None = None,
        *,
        buyer_name: str | None = None,
        order: str | None = None,
        product: str | None = None,
        seller: str | None = None,
        image: tuple[str, bytes, str] | None = None,
    ) -> dict[str, Any]:
        """A buyer writes into ``chat_id`` (created when new); ``image`` is (name, bytes, type).
        Returns the chat as the marketplace holds it."""
        fields = _buyer_fields(text, buyer_name, order, product, seller)
        return await self._write(f"/chats/{chat_id}/messages", fields, image)

    async def buyer_starts_chat(
        self,
        text: str | None = None,
        *,
        buyer_name: str | None = None,
        order: str | None = None,
        product: str | None = None,
        seller: str | None = None,
        image: tuple[str, bytes, str] | None = None,
    ) -> dict[str, Any]:
        """A buyer writes into a new chat, whose id the marketplace makes up (``chat_id`` of the
        answer)."""
        fields = _buyer_fields(text, buyer_name, order, product, seller)
        return await self._write("/chats", fields, image)

    async def _write(
        self, path: str, fields: dict[str, str | None], image: tuple[str, bytes, str] | None
    ) -> dict[str, Any]:
        present = {name: value for name, value in fields.items() if value is not None}
        if image is None:
            return await self._call("POST", path, json_body=present)
        form = aiohttp.FormData()
        for name, value in present.items():
            form.add_field(name, value)
        name, content, content_type = image
        form.add_field("image", content, filename=name, content_type=content_type)
        return await self._call("POST", path, data=form)

    async def chat(self, chat_id: str) -> dict[str, Any]:
        return await self._call("GET", f"/chats/{chat_id}/messages")

    async def close_chat(self, chat_id: str) -> dict[str, Any]:
        return await self._call("POST", f"/chats/{chat_id}/close")

    async def seller(self, **fields: Any) -> dict[str, Any]:
        """Creates or updates a seller (Ozon: client_id, api_key, premium_plus, revoked;
        Wildberries: seller_id, token, revoked)."""
        return await self._call("POST", "/sellers", json_body=fields)

    async def sellers(self) -> Any:
        return await self._call("GET", "/sellers")

    async def fault(self, kind: str, **fields: Any) -> Any:
        """kind: rate_limited, server_error, slow, revoked, premium_required; fields: seller,
        method (an API path such as "/v3/chat/list"), times (None: until cleared), status,
        delay_seconds, retry_after_seconds."""
        return await self._call("POST", "/faults", json_body={"kind": kind, **fields})

    async def clear_faults(self) -> None:
        await self._call("DELETE", "/faults")

    async def requests(self, method: str | None = None) -> list[dict[str, Any]]:
        return (await self._call("GET", "/requests", params={"method": method}))["requests"]

    async def clear_requests(self) -> None:
        await self._call("DELETE", "/requests")

    async def set_limit(self, limit: int | None, period_seconds: float = 1.0) -> Any:
        body = {"limit": limit, "period_seconds": period_seconds}
        return await self._call("PUT", "/limits", json_body=body)


class OzonControl(MarketplaceControl):
    """Ozon's control API, with its push notifications."""

    def __init__(self, request: ControlRequest) -> None:
        super().__init__(request, "ozon")

    async def set_push_url(self, url: str | None) -> dict[str, Any]:
        """Where pushes go (None: nowhere); answers :meth:`pushes`."""
        return await self._call("PUT", "/push", json_body={"url": url})

    async def pushes(self) -> dict[str, Any]:
        """``{"url", "deliveries": [{"message_type", "chat_id"?, "message_id"?, "status" |
        "error"}, ...]}``, oldest first."""
        return await self._call("GET", "/push")

    async def ping(self) -> dict[str, Any]:
        """Sends ``TYPE_PING`` now: ``{"status", "answer"}`` or ``{"error"}``."""
        return await self._call("POST", "/push/ping")


def _buyer_fields(
    text: str | None,
    buyer_name: str | None,
    order: str | None,
    product: str | None,
    seller: str | None,
) -> dict[str, str | None]:
    return {
        "text": text,
        "buyer_name": buyer_name,
        "order": order,
        "product": product,
        "seller": seller,
    }
