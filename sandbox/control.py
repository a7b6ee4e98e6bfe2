"""What every emulator's control API shares: an error that becomes a JSON answer, and the
reading of a control call's body and numbers."""

from __future__ import annotations

from typing import Any

from aiohttp import web


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@web.middleware
async def control_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except ControlError as error:
        return web.json_response({"error": error.message}, status=error.status)


async def control_json(request: web.Request) -> dict[str, Any]:
    """A control call's JSON object body ({} when there is none)."""
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ControlError(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def control_int(value: Any, name: str) -> int:
    """A number a control call gave (in its path or body), or a 400 naming it."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(400, f"{name} must be an integer") from None
