"""Reading API request bodies the way Ozon's gRPC gateway does: every refusal is a 400 with
rpcStatus code 3 and a message that names the field."""

from __future__ import annotations

import json
from typing import Any

from sandbox.ozon.model import MAX_PAGE_LIMIT, invalid_argument


def json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw) if raw.strip() else None
    except ValueError:
        raise invalid_argument("request body must be a JSON object") from None
    if not isinstance(body, dict):
        raise invalid_argument("request body must be a JSON object")
    return body


def required_text(body: dict[str, Any], name: str, label: str | None = None) -> str:
    value = body.get(name)
    label = label or name
    if value is None or value == "":
        raise invalid_argument(f"{label} is required")
    if not isinstance(value, str):
        raise invalid_argument(f"{label} must be a string")
    return value


def optional_text(body: dict[str, Any], name: str, label: str | None = None) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise invalid_argument(f"{label or name} must be a string")
    return value or None


def optional_integer(body: dict[str, Any], name: str, label: str | None = None) -> int | None:
    """An int64/uint64 field. The gateway takes them as JSON numbers or decimal strings (that is
    how protobuf's JSON mapping writes 64-bit values), never as booleans or fractions."""
    value = body.get(name)
    label = label or name
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_argument(f"{label} must be an integer")
    return value


def page_limit(body: dict[str, Any], default: int | None) -> int:
    """``limit``: required when ``default`` is None, always 1..1000."""
    value = optional_integer(body, "limit")
    if value is None:
        if default is None:
            raise invalid_argument("limit is required")
        return default
    if not 1 <= value <= MAX_PAGE_LIMIT:
        raise invalid_argument(f"limit must be between 1 and {MAX_PAGE_LIMIT}")
    return value


def optional_message_id(body: dict[str, Any], name: str, label: str | None = None) -> int | None:
    """A uint64 message id; 0 is protobuf's "not set"."""
    value = optional_integer(body, name, label)
    if value is not None and value < 0:
        raise invalid_argument(f"{label or name} must not be negative")
    return value or None


def optional_choice(
    body: dict[str, Any], name: str, allowed: tuple[str, ...], default: str, label: str
) -> str:
    value = body.get(name)
    if value is None or value == "":
        return default
    if value not in allowed:
        raise invalid_argument(f"{label} must be one of {', '.join(allowed)}")
    return str(value)


def optional_flag(body: dict[str, Any], name: str, label: str) -> bool:
    value = body.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid_argument(f"{label} must be a boolean")
    return value


def optional_object(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid_argument(f"{name} must be an object")
    return value


def optional_message_ids(filter_body: dict[str, Any]) -> set[int] | None:
    """``filter.message_ids``: uint64 ids as strings (or numbers); None when not given."""
    value = filter_body.get("message_ids")
    if value is None or value == []:
        return None
    if not isinstance(value, list):
        raise invalid_argument("filter.message_ids must be an array")
    ids: set[int] = set()
    for item in value:
        if isinstance(item, str) and item.isdigit():
            ids.add(int(item))
        elif isinstance(item, int) and not isinstance(item, bool) and item >= 0:
            ids.add(item)
        else:
            raise invalid_argument("filter.message_ids must hold message ids")
    return ids
