"""The buyer-chat API's refusals, shaped as the spec's examples (``buyer-chat.yaml``)."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from http import HTTPStatus
from typing import Any

from aiohttp import web

from sandbox.marketplace_common import ApiRefusal
from sandbox.wildberries.state import iso_seconds, new_request_id

PROBLEM_JSON = "application/problem+json"
# The chat service answers request errors; the gateway in front of it answers auth and limits.
CHAT_ORIGIN = "proxy-chats"
GATEWAY_ORIGIN = "s2s-api-auth-catalog"
MISSING_TOKEN = "empty Authorization header"
UNKNOWN_TOKEN = (
    "token problem; token is malformed: could not base64 decode signature: "
    "illegal base64 data at input byte 84"
)
TOKEN_WITHDRAWN = "token withdrawn"
INVALID_SIGNATURE = "Invalid signature"
INVALID_MESSAGE = 'Invalid value for "message"'
INVALID_NEXT = 'Invalid value for "next"'
INVALID_NUMBER = "Invalid number"
INVALID_FILE_ID = "invalid fileID"
NOT_MULTIPART = "request Content-Type isn't multipart/form-data"


class Refusal(ApiRefusal):
    """Ends an API call with ``response``."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response

    def to_response(self) -> web.Response:
        return self.response


def _status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _answer(
    body: dict[str, Any],
    status: int,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> web.Response:
    return web.json_response(body, status=status, content_type=content_type, headers=headers)


def bad_request(detail: str, content_type: str = PROBLEM_JSON) -> web.Response:
    """The chat service's 400 (``application/json`` for events, as the spec lists it)."""
    body = {
        "status": 400,
        "title": "Bad Request",
        "origin": CHAT_ORIGIN,
        "detail": detail,
        "requestId": new_request_id(),
        "error": detail,
    }
    return _answer(body, 400, content_type)


def invalid_file_id() -> web.Response:
    body = {
        "status": 400,
        "title": INVALID_FILE_ID,
        "origin": CHAT_ORIGIN,
        "detail": INVALID_FILE_ID,
        "requestId": new_request_id(),
        "error": INVALID_FILE_ID,
    }
    return _answer(body, 400, "application/json")


def _gateway_code() -> str:
    # Opaque in the spec (``07e4668e-ac2242c5c8c5-[UK-4dx7JUdskGZ]``); only its look matters.
    return f"{secrets.token_hex(4)}-{secrets.token_hex(6)}-[sandbox]"


def _gateway_problem(title: str, detail: str, status: int, now: datetime) -> dict[str, Any]:
    return {
        "title": title,
        "detail": detail,
        "code": _gateway_code(),
        "requestId": new_request_id(),
        "origin": GATEWAY_ORIGIN,
        "status": status,
        "statusText": _status_text(status),
        "timestamp": iso_seconds(now),
    }


def unauthorized(detail: str, now: datetime) -> web.Response:
    return _answer(_gateway_problem("unauthorized", detail, 401, now), 401, PROBLEM_JSON)


def too_many_requests(
    retry_seconds: int, reset_seconds: int, limit: int, now: datetime
) -> web.Response:
    """WB's 429: the body from the spec, the wait in ``X-Ratelimit-*`` and ``Retry-After``."""
    body = _gateway_problem("too many requests", f"limited by {uuid.uuid4()}", 429, now)
    headers = {
        "X-Ratelimit-Retry": str(retry_seconds),
        "X-Ratelimit-Limit": str(limit),
        "X-Ratelimit-Reset": str(reset_seconds),
        "Retry-After": str(retry_seconds),
    }
    return _answer(body, 429, PROBLEM_JSON, headers)


def server_error(status: int) -> web.Response:
    """An injected 5xx; the spec shows none, so the chat service's problem shape is used."""
    body = {
        "status": status,
        "title": _status_text(status),
        "origin": CHAT_ORIGIN,
        "detail": "sandbox fault",
        "requestId": new_request_id(),
        "error": "sandbox fault",
    }
    return _answer(body, status, PROBLEM_JSON)
