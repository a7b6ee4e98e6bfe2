"""YooKassa emulator: a fake of the YooKassa API v3 that the real `yookassa` SDK can use, the
payment confirmation page, and notifications sent to the bot the way YooKassa sends them.

Mounted in the sandbox app (see :class:`sandbox.TelegramEmulator`):

- ``/yookassa/v3/payments`` (POST create, GET ``/{id}``, POST ``/{id}/capture``,
  ``/{id}/cancel``) and ``/yookassa/v3/refunds`` (POST create, GET ``/{id}``): Basic auth,
  ``Idempotence-Key`` required on POST and honoured (same key + same body → the same answer;
  same key + another body → 400), YooKassa's error format. Point the SDK at
  ``<base>/yookassa/v3``: it appends ``/payments`` and ``/refunds`` to ``api_url``.
- ``/yookassa/checkout/{id}``: the page ``confirmation_url`` leads to, with Pay and Cancel.
  Either one settles the payment, POSTs ``{"type": "notification", "event", "object"}`` to the
  notification URL (retrying non-200 answers with backoff) and redirects to ``return_url``.
- ``/sandbox/api/yookassa/...``: control routes for tests (settle a payment, list, faults,
  settings, the API request log).

Objects live in memory and are changed only from the event loop, so no locking is needed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import copy
import html
import json
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import aiohttp
from aiohttp import web

from sandbox.control import ControlError, control_json

DEFAULT_SHOP_ID = "sandbox-shop"
DEFAULT_SECRET_KEY = "sandbox-secret"
API_PREFIX = "/yookassa/v3"
CHECKOUT_PREFIX = "/yookassa/checkout"
CONTROL_PREFIX = "/sandbox/api/yookassa"
NOTIFICATION_PATH = "/webhooks/yookassa"
# Delays before the 2nd, 3rd, ... delivery attempt of a notification the bot did not take.
NOTIFICATION_RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0)
NOTIFICATION_TIMEOUT_SECONDS = 10.0
EVENTS = (
    "payment.succeeded",
    "payment.waiting_for_capture",
    "payment.canceled",
    "refund.succeeded",
)
MAX_IDEMPOTENCE_KEY = 64
MAX_DESCRIPTION = 128
COMMISSION_PER_MILLE = 35  # 3.5%, only to make income_amount look real
GATEWAY_ID = "100500"
AMOUNT_RE = re.compile(r"^\d{1,10}(\.\d{1,2})?$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
CANCEL_PARTIES = {"yoo_money", "payment_network", "merchant"}


class ApiFailure(Exception):
    """A YooKassa-style error answer."""

    def __init__(
        self, status: int, code: str, description: str, parameter: str | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description
        self.parameter = parameter

    def to_response(self) -> web.Response:
        body = {
            "type": "error",
            "id": str(uuid.uuid4()),
            "code": self.code,
            "description": self.description,
        }
        if self.parameter is not None:
            body["parameter"] = self.parameter
        return web.json_response(body, status=self.status)


def _bad(description: str, parameter: str | None = None) -> ApiFailure:
    return ApiFailure(400, "invalid_request", description, parameter)


def _iso(moment: datetime | None = None) -> str:
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _object_id(kind: str) -> str:
    """36 characters shaped like YooKassa's ids (``2419a771-000f-5000-9000-1edaf29243f2``)."""
    raw = secrets.token_hex(12)
    return f"{raw[:8]}-{kind}-5000-{secrets.choice('89ab')}000-{raw[8:20]}"


def _kopecks(value: Any, parameter: str) -> int:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _bad("Amount value must be a string like 490.00", parameter)
    text = str(value).strip()
    if not AMOUNT_RE.match(text):
        raise _bad(f"Invalid amount value: {text}", parameter)
    return int(Decimal(text) * 100)


def _value(kopecks: int) -> str:
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def _money(kopecks: int, currency: str) -> dict[str, str]:
    return {"value": _value(kopecks), "currency": currency}


def _amount(raw: Any, parameter: str = "amount") -> tuple[int, str]:
    if not isinstance(raw, dict):
        raise _bad("Amount is required", parameter)
    kopecks = _kopecks(raw.get("value"), f"{parameter}.value")
    if kopecks <= 0:
        raise _bad("Amount must be greater than zero", f"{parameter}.value")
    currency = raw.get("currency")
    if not isinstance(currency, str) or not CURRENCY_RE.match(currency):
        raise _bad("Invalid currency", f"{parameter}.currency")
    return kopecks, currency


def _fingerprint(body: Any) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)


@dataclass
class EmulatedPayment:
    shop_id: str
    data: dict[str, Any]  # the object as the API returns it
    amount: int  # kopecks
    currency: str
    capture: bool
    return_url: str
    receipt: dict[str, Any] | None = None
    refunded: int = 0  # kopecks
    notifications: list[dict[str, Any]] = field(default_factory=list)
    last_event: str | None = None

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def status(self) -> str:
        return str(self.data["status"])


@dataclass
class EmulatedRefund:
    shop_id: str
    data: dict[str, Any]


@dataclass
class ApiFault:
    """The next ``remaining`` API calls wait ``delay`` seconds, then answer ``status`` (None:
    answer normally). With ``after``, the call is carried out first and its answer replaced —
    the "result unknown" case an idempotency key is for."""

    remaining: int
    status: int | None
    delay: float = 0.0
    after: bool = False

    def to_view(self) -> dict[str, Any]:
        return {
            "remaining": self.remaining,
            "status": self.status,
            "delay": self.delay,
            "after": self.after,
        }


@dataclass
class Caller:
    shop_id: str
    secret_matches: bool


Handler = Callable[[web.Request, Caller, Any], Awaitable[tuple[int, dict[str, Any]]]]


class YooKassaEmulator:
    """State and routes of the fake YooKassa. ``strict_auth`` refuses credentials other than
    ``shop_id``/``secret_key``; by default (sandbox) any non-empty pair is accepted and
    recorded, and objects are visible only to the shop id that created them."""

    def __init__(
        self,
        shop_id: str = DEFAULT_SHOP_ID,
        secret_key: str = DEFAULT_SECRET_KEY,
        *,
        strict_auth: bool = False,
        notification_url: str | None = None,
        retry_delays: Sequence[float] = NOTIFICATION_RETRY_DELAYS,
    ) -> None:
        self.shop_id = shop_id
        self.secret_key = secret_key
        self.strict_auth = strict_auth
        self.notification_url = notification_url
        self.retry_delays = tuple(retry_delays)
        self.events: set[str] = set(EVENTS)
        # The address the confirmation pages are served at (the sandbox's base URL); when
        # unset, the origin of the API request that created the payment.
        self.public_url: str | None = None
        self.payments: dict[str, EmulatedPayment] = {}
        self.refunds: dict[str, EmulatedRefund] = {}
        self.idempotency: dict[tuple[str, str, str], tuple[str, int, dict[str, Any]]] = {}
        self.faults: list[ApiFault] = []
        self.requests: list[dict[str, Any]] = []
        self.http: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------ wiring
    def api_url(self, base_url: str) -> str:
        """What to give the SDK as ``api_url`` for a sandbox at ``base_url``."""
        return base_url.rstrip("/") + API_PREFIX

    def set_notification_url(self, url: str | None) -> None:
        """Where notifications go, e.g. ``http://127.0.0.1:8081/webhooks/yookassa``."""
        self.notification_url = url

    async def start(self) -> None:
        if self.http is None:
            self.http = aiohttp.ClientSession()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.http is not None:
            await self.http.close()
            self.http = None

    def routes(self) -> list[web.RouteDef]:
        api, control = API_PREFIX, CONTROL_PREFIX
        return [
            web.post(f"{api}/payments", self._api(self.create_payment)),
            web.get(f"{api}/payments/{{payment_id}}", self._api(self.get_payment)),
            web.post(f"{api}/payments/{{payment_id}}/capture", self._api(self.capture_payment)),
            web.post(f"{api}/payments/{{payment_id}}/cancel", self._api(self.cancel_payment)),
            web.post(f"{api}/refunds", self._api(self.create_refund)),
            web.get(f"{api}/refunds/{{refund_id}}", self._api(self.get_refund)),
            web.get(f"{CHECKOUT_PREFIX}/{{payment_id}}", self.checkout_page),
            web.post(f"{CHECKOUT_PREFIX}/{{payment_id}}", self.checkout_submit),
            web.get(f"{control}/payments", self.control_list),
            web.get(f"{control}/payments/{{payment_id}}", self.control_get),
            web.post(f"{control}/payments/{{payment_id}}/succeed", self.control_succeed),
            web.post(f"{control}/payments/{{payment_id}}/cancel", self.control_cancel),
            web.post(f"{control}/payments/{{payment_id}}/notify", self.control_notify),
            web.get(f"{control}/faults", self.control_list_faults),
            web.post(f"{control}/faults", self.control_add_fault),
            web.delete(f"{control}/faults", self.control_clear_faults),
            web.get(f"{control}/settings", self.control_get_settings),
            web.post(f"{control}/settings", self.control_set_settings),
            web.get(f"{control}/requests", self.control_list_requests),
            web.delete(f"{control}/requests", self.control_clear_requests),
        ]

    # ------------------------------------------------------------- API plumbing
    def _api(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def route(request: web.Request) -> web.StreamResponse:
            entry: dict[str, Any] = {
                "method": request.method,
                "path": request.path,
                "shop_id": None,
                "idempotence_key": request.headers.get("Idempotence-Key"),
                "status": None,
            }
            self.requests.append(entry)
            response = await self._serve_api(request, handler, entry)
            entry["status"] = response.status
            return response

        return route

    async def _serve_api(
        self, request: web.Request, handler: Handler, entry: dict[str, Any]
    ) -> web.StreamResponse:
        # The whole request arrives before a slow server gets to it: a client that gives up
        # during the delay still has its call carried out, as with a real timeout.
        await request.read()
        fault = self._next_fault()
        if fault is not None and fault.delay > 0:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.status is not None and not fault.after:
            return self._fault_response(fault.status)
        try:
            caller = self._authenticate(request)
            entry["shop_id"] = caller.shop_id
            entry["secret_matches"] = caller.secret_matches
            body: Any = None
            if request.method == "POST":
                body = await self._json_body(request)
                status, payload = await self._idempotent(request, caller, body, handler)
            else:
                status, payload = await handler(request, caller, body)
            response: web.StreamResponse = web.json_response(payload, status=status)
        except ApiFailure as failure:
            response = failure.to_response()
        if fault is not None and fault.status is not None:
            return self._fault_response(fault.status)
        return response

    def _next_fault(self) -> ApiFault | None:
        while self.faults and self.faults[0].remaining <= 0:
            self.faults.pop(0)
        if not self.faults:
            return None
        fault = self.faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            self.faults.pop(0)
        return fault

    @staticmethod
    def _fault_response(status: int) -> web.Response:
        if status == 500:
            return ApiFailure(
                500, "internal_server_error", "Internal server error (sandbox fault)"
            ).to_response()
        if status == 429:
            return ApiFailure(429, "too_many_requests", "Too many requests").to_response()
        # What a proxy in front of an API answers: HTML, not YooKassa's JSON.
        return web.Response(
            status=status,
            text=f"<html><body><h1>{status}</h1>sandbox fault</body></html>",
            content_type="text/html",
        )

    def _authenticate(self, request: web.Request) -> Caller:
        denied = ApiFailure(
            401, "invalid_credentials", "Authentication by given credentials failed"
        )
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic" or not token:
            raise denied
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise denied from None
        shop_id, separator, secret = decoded.partition(":")
        if not separator or not shop_id or not secret:
            raise denied
        matches = shop_id == self.shop_id and secrets.compare_digest(secret, self.secret_key)
        if self.strict_auth and not matches:
            raise denied
        return Caller(shop_id=shop_id, secret_matches=matches)

    @staticmethod
    async def _json_body(request: web.Request) -> dict[str, Any]:
        if not request.content_type.startswith("application/json"):
            raise ApiFailure(415, "invalid_request", "Content-Type must be application/json")
        try:
            body = await request.json()
        except ValueError:
            raise _bad("The request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise _bad("The request body must be a JSON object")
        return body

    async def _idempotent(
        self, request: web.Request, caller: Caller, body: dict[str, Any], handler: Handler
    ) -> tuple[int, dict[str, Any]]:
        key = request.headers.get("Idempotence-Key", "")
        if not key:
            raise _bad("Idempotence-Key header is required", "Idempotence-Key")
        if len(key) > MAX_IDEMPOTENCE_KEY:
            raise _bad(
                f"Idempotence-Key must be at most {MAX_IDEMPOTENCE_KEY} characters",
                "Idempotence-Key",
            )
        slot = (caller.shop_id, request.path, key)
        fingerprint = _fingerprint(body)
        stored = self.idempotency.get(slot)
        if stored is not None:
            if stored[0] != fingerprint:
                raise _bad(
                    "Idempotence key duplicated: the same key was used with other data",
                    "Idempotence-Key",
                )
            return stored[1], copy.deepcopy(stored[2])
        status, payload = await handler(request, caller, body)
        # Only carried-out requests are remembered: a refused one may be fixed and resent.
        self.idempotency[slot] = (fingerprint, status, copy.deepcopy(payload))
        return status, payload

    def _payment(self, caller: Caller | None, payment_id: str) -> EmulatedPayment:
        payment = self.payments.get(payment_id)
        if payment is None or (caller is not None and payment.shop_id != caller.shop_id):
            raise ApiFailure(404, "not_found", f"Payment {payment_id} not found")
        return payment

    # ------------------------------------------------------------- API handlers
    async def create_payment(
        self, request: web.Request, caller: Caller, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        amount, currency = _amount(body.get("amount"))
        capture = body.get("capture", False)
        if not isinstance(capture, bool):
            raise _bad("capture must be a boolean", "capture")
        confirmation = body.get("confirmation")
        if not isinstance(confirmation, dict):
            raise _bad("The sandbox supports payments with a confirmation only", "confirmation")
        if confirmation.get("type") != "redirect":
            raise _bad("The sandbox supports confirmation type redirect only", "confirmation.type")
        return_url = confirmation.get("return_url")
        if not isinstance(return_url, str) or not return_url:
            raise _bad("return_url is required for redirect", "confirmation.return_url")
        description = body.get("description")
        if description is not None and (
            not isinstance(description, str) or len(description) > MAX_DESCRIPTION
        ):
            raise _bad(
                f"description must be a string of at most {MAX_DESCRIPTION} characters",
                "description",
            )
        metadata = self._metadata(body.get("metadata"))
        receipt = body.get("receipt")
        if receipt is not None:
            self._check_receipt(receipt, amount, currency)

        payment_id = _object_id("000f")
        base = (self.public_url or str(request.url.origin())).rstrip("/")
        data: dict[str, Any] = {
            "id": payment_id,
            "status": "pending",
            "paid": False,
            "amount": _money(amount, currency),
            "confirmation": {
                "type": "redirect",
                "confirmation_url": f"{base}{CHECKOUT_PREFIX}/{payment_id}",
            },
            "created_at": _iso(),
            "metadata": metadata,
            "recipient": {"account_id": caller.shop_id, "gateway_id": GATEWAY_ID},
            "refundable": False,
            "test": True,
        }
        if description is not None:
            data["description"] = description
        if receipt is not None:
            data["receipt_registration"] = "pending"
        self.payments[payment_id] = EmulatedPayment(
            shop_id=caller.shop_id,
            data=data,
            amount=amount,
            currency=currency,
            capture=capture,
            return_url=return_url,
            receipt=copy.deepcopy(receipt),
        )
        return 200, copy.deepcopy(data)

    @staticmethod
    def _metadata(raw: Any) -> dict[str, str]:
        if raw is None:
            return {}
        if not isinstance(raw, dict) or len(raw) > 16:
            raise _bad("metadata must be an object of at most 16 keys", "metadata")
        metadata = {}
        for key, value in raw.items():
            if len(key) > 32 or value is None or len(str(value)) > 512:
                raise _bad(f"metadata.{key}: key ≤ 32 and value ≤ 512 characters", "metadata")
            metadata[key] = str(value)
        return metadata

    @staticmethod
    def _check_receipt(receipt: Any, amount: int, currency: str) -> None:
        """54-FZ receipt: items with description, quantity, amount and vat_code, a customer
        with an email or phone, and items adding up to the payment."""
        if not isinstance(receipt, dict):
            raise _bad("receipt must be an object", "receipt")
        customer = receipt.get("customer") or {}
        if not (receipt.get("email") or receipt.get("phone")) and not (
            isinstance(customer, dict) and (customer.get("email") or customer.get("phone"))
        ):
            raise _bad("The receipt needs the customer's email or phone", "receipt.customer")
        items = receipt.get("items")
        if not isinstance(items, list) or not items:
            raise _bad("The receipt needs items", "receipt.items")
        total = Decimal(0)
        for index, item in enumerate(items):
            where = f"receipt.items[{index}]"
            if not isinstance(item, dict):
                raise _bad("A receipt item must be an object", where)
            text = item.get("description")
            if not isinstance(text, str) or not 1 <= len(text) <= 128:
                raise _bad("Item description must be 1-128 characters", f"{where}.description")
            if item.get("vat_code") is None and receipt.get("tax_system_code") is None:
                raise _bad("Item vat_code is required", f"{where}.vat_code")
            price, item_currency = _amount(item.get("amount"), f"{where}.amount")
            if item_currency != currency:
                raise _bad("Item currency differs from the payment's", f"{where}.amount")
            try:
                quantity = Decimal(str(item.get("quantity")))
            except InvalidOperation:
                raise _bad("Invalid item quantity", f"{where}.quantity") from None
            if not quantity.is_finite() or quantity <= 0:
                raise _bad("Invalid item quantity", f"{where}.quantity")
            total += quantity * price
        if total != amount:
            raise _bad(
                f"The receipt adds up to {_value(int(total))}, the payment is {_value(amount)}",
                "receipt.items",
            )

    async def get_payment(
        self, request: web.Request, caller: Caller, body: Any
    ) -> tuple[int, dict[str, Any]]:
        payment = self._payment(caller, request.match_info["payment_id"])
        return 200, copy.deepcopy(payment.data)

    async def capture_payment(
        self, request: web.Request, caller: Caller, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        payment = self._payment(caller, request.match_info["payment_id"])
        if payment.status != "waiting_for_capture":
            raise _bad(f"Payment is {payment.status}; only waiting_for_capture can be captured")
        if body.get("amount") is not None:
            amount, currency = _amount(body["amount"])
            if currency != payment.currency or amount > payment.amount:
                raise _bad("Capture amount exceeds the payment's amount", "amount.value")
            payment.amount = amount
        self._succeed(payment)
        self._notify_later(payment, "payment.succeeded")
        return 200, copy.deepcopy(payment.data)

    async def cancel_payment(
        self, request: web.Request, caller: Caller, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        payment = self._payment(caller, request.match_info["payment_id"])
        if payment.status != "waiting_for_capture":
            raise _bad(f"Payment is {payment.status}; only waiting_for_capture can be canceled")
        self._cancel(payment, "merchant", "canceled_by_merchant")
        self._notify_later(payment, "payment.canceled")
        return 200, copy.deepcopy(payment.data)

    async def create_refund(
        self, request: web.Request, caller: Caller, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        payment_id = body.get("payment_id")
        if not isinstance(payment_id, str) or not payment_id:
            raise _bad("payment_id is required", "payment_id")
        payment = self.payments.get(payment_id)
        if payment is None or payment.shop_id != caller.shop_id:
            raise _bad(f"Payment {payment_id} not found", "payment_id")
        amount, currency = _amount(body.get("amount"))
        if payment.status != "succeeded":
            raise _bad(f"Payment is {payment.status}; only a succeeded payment can be refunded")
        if currency != payment.currency:
            raise _bad("Refund currency differs from the payment's", "amount.currency")
        available = payment.amount - payment.refunded
        if amount > available:
            raise _bad(
                f"Refund amount {_value(amount)} exceeds what is left to refund "
                f"({_value(available)})",
                "amount.value",
            )
        description = body.get("description")
        refund_id = _object_id("0016")
        data: dict[str, Any] = {
            "id": refund_id,
            "payment_id": payment_id,
            "status": "succeeded",
            "created_at": _iso(),
            "amount": _money(amount, currency),
        }
        if isinstance(description, str):
            data["description"] = description[:250]
        if body.get("receipt") is not None:
            data["receipt_registration"] = "succeeded"
        self.refunds[refund_id] = EmulatedRefund(shop_id=caller.shop_id, data=data)
        payment.refunded += amount
        payment.data["refunded_amount"] = _money(payment.refunded, currency)
        if payment.refunded >= payment.amount:
            payment.data["refundable"] = False
        self._notify_later(payment, "refund.succeeded", data)
        return 200, copy.deepcopy(data)

    async def get_refund(
        self, request: web.Request, caller: Caller, body: Any
    ) -> tuple[int, dict[str, Any]]:
        refund = self.refunds.get(request.match_info["refund_id"])
        if refund is None or refund.shop_id != caller.shop_id:
            raise ApiFailure(404, "not_found", "Refund not found")
        return 200, copy.deepcopy(refund.data)

    # ------------------------------------------------------------ state changes
    @staticmethod
    def _paid_by_card(payment: EmulatedPayment) -> None:
        data = payment.data
        data.pop("confirmation", None)
        data["paid"] = True
        data["payment_method"] = {
            "type": "bank_card",
            "id": payment.id,
            "saved": False,
            "status": "inactive",
            "title": "Bank card *4444",
            "card": {
                "first6": "555555",
                "last4": "4444",
                "expiry_month": "12",
                "expiry_year": "2030",
                "card_type": "MasterCard",
                "issuer_country": "RU",
            },
        }
        data["authorization_details"] = {
            "rrn": str(secrets.randbelow(10**12)).zfill(12),
            "auth_code": str(secrets.randbelow(10**6)).zfill(6),
            "three_d_secure": {"applied": False},
        }

    def _succeed(self, payment: EmulatedPayment) -> None:
        data = payment.data
        if data.get("payment_method") is None:
            self._paid_by_card(payment)
        commission = (payment.amount * COMMISSION_PER_MILLE + 500) // 1000
        data["status"] = "succeeded"
        data["amount"] = _money(payment.amount, payment.currency)
        data["income_amount"] = _money(payment.amount - commission, payment.currency)
        data["captured_at"] = _iso()
        data["refundable"] = True
        data["refunded_amount"] = _money(payment.refunded, payment.currency)
        data.pop("expires_at", None)
        if payment.receipt is not None:
            data["receipt_registration"] = "succeeded"

    def _wait_for_capture(self, payment: EmulatedPayment) -> None:
        self._paid_by_card(payment)
        payment.data["status"] = "waiting_for_capture"
        payment.data["expires_at"] = _iso(datetime.now(UTC) + timedelta(days=7))

    @staticmethod
    def _cancel(payment: EmulatedPayment, party: str, reason: str) -> None:
        data = payment.data
        data.pop("confirmation", None)
        data.pop("expires_at", None)
        data["status"] = "canceled"
        data["paid"] = False
        data["refundable"] = False
        data["cancellation_details"] = {"party": party, "reason": reason}
        if payment.receipt is not None:
            data["receipt_registration"] = "canceled"

    def settle(
        self,
        payment: EmulatedPayment,
        action: str,
        *,
        party: str = "yoo_money",
        reason: str = "expired_on_confirmation",
    ) -> str:
        """The payer pays (``action="pay"``) or gives up (``"cancel"``) on the confirmation
        page; returns the event to notify. Only a pending payment can be settled."""
        if payment.status != "pending":
            raise ControlError(409, f"payment {payment.id} is {payment.status}, not pending")
        if action == "pay":
            if payment.capture:
                self._succeed(payment)
                return "payment.succeeded"
            self._wait_for_capture(payment)
            return "payment.waiting_for_capture"
        self._cancel(payment, party, reason)
        return "payment.canceled"

    # ------------------------------------------------------------ notifications
    def _notify_later(
        self, payment: EmulatedPayment, event: str, obj: dict[str, Any] | None = None
    ) -> None:
        """Delivers in the background, as YooKassa does after an API call."""
        task = asyncio.get_running_loop().create_task(self.deliver(payment, event, obj))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def deliver(
        self, payment: EmulatedPayment, event: str, obj: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """POSTs the notification for ``obj`` (the payment by default) to the notification URL,
        retrying non-200 answers after :attr:`retry_delays`; returns the delivery record."""
        target = copy.deepcopy(obj if obj is not None else payment.data)
        record: dict[str, Any] = {
            "event": event,
            "object_id": target.get("id"),
            "url": self.notification_url,
            "delivered": False,
            "attempts": [],
        }
        payment.notifications.append(record)
        if obj is None:
            payment.last_event = event
        if event not in self.events:
            record["error"] = f"{event} is not subscribed to"
            return record
        url = self.notification_url
        if url is None:
            record["error"] = "no notification URL is set"
            return record
        body = {"type": "notification", "event": event, "object": target}
        await self.start()
        assert self.http is not None
        timeout = aiohttp.ClientTimeout(total=NOTIFICATION_TIMEOUT_SECONDS)
        for delay in (0.0, *self.retry_delays):
            if delay:
                await asyncio.sleep(delay)
            try:
                async with self.http.post(url, json=body, timeout=timeout) as response:
                    await response.read()
                    record["attempts"].append({"status": response.status})
                    if response.status == 200:
                        record["delivered"] = True
                        break
            except (aiohttp.ClientError, TimeoutError) as error:
                record["attempts"].append({"error": f"{type(error).__name__}: {error}"})
        return record

    # ------------------------------------------------------------ checkout page
    async def checkout_page(self, request: web.Request) -> web.Response:
        payment = self.payments.get(request.match_info["payment_id"])
        if payment is None:
            return _page("Payment not found", "<p>No such payment.</p>", status=404)
        return _page("YooKassa sandbox — payment", _checkout_body(payment))

    async def checkout_submit(self, request: web.Request) -> web.StreamResponse:
        payment = self.payments.get(request.match_info["payment_id"])
        if payment is None:
            return _page("Payment not found", "<p>No such payment.</p>", status=404)
        form = await request.post()
        action = form.get("action")
        if action not in {"pay", "cancel"}:
            return _page("Bad request", "<p>Choose Pay or Cancel.</p>", status=400)
        if payment.status == "pending":
            event = self.settle(payment, str(action))
            await self.deliver(payment, event)
        raise web.HTTPSeeOther(payment.return_url)

    # ------------------------------------------------------------- control API
    def _control_payment(self, request: web.Request) -> EmulatedPayment:
        payment_id = request.match_info["payment_id"]
        payment = self.payments.get(payment_id)
        if payment is None:
            raise ControlError(404, f"payment {payment_id} not found")
        return payment

    def _view(self, payment: EmulatedPayment) -> dict[str, Any]:
        return {
            "payment": copy.deepcopy(payment.data),
            "shop_id": payment.shop_id,
            "capture": payment.capture,
            "return_url": payment.return_url,
            "receipt": copy.deepcopy(payment.receipt),
            "refunds": [
                copy.deepcopy(refund.data)
                for refund in self.refunds.values()
                if refund.data["payment_id"] == payment.id
            ],
            "notifications": copy.deepcopy(payment.notifications),
        }

    async def control_list(self, request: web.Request) -> web.Response:
        """``GET /sandbox/api/yookassa/payments`` → ``{"payments": [view, ...]}``, oldest first;
        a view is ``{"payment": <API object>, "shop_id", "capture", "return_url", "receipt",
        "refunds": [...], "notifications": [delivery, ...]}``."""
        return web.json_response(
            {"payments": [self._view(payment) for payment in self.payments.values()]}
        )

    async def control_get(self, request: web.Request) -> web.Response:
        return web.json_response(self._view(self._control_payment(request)))

    async def control_succeed(self, request: web.Request) -> web.Response:
        """As if the payer pressed Pay: ``{"payment": ..., "notification": delivery}``."""
        payment = self._control_payment(request)
        event = self.settle(payment, "pay")
        delivery = await self.deliver(payment, event)
        return web.json_response({"payment": copy.deepcopy(payment.data), "notification": delivery})

    async def control_cancel(self, request: web.Request) -> web.Response:
        """As if the payer gave up: optional ``{"reason", "party"}`` for
        ``cancellation_details`` (default ``expired_on_confirmation`` by ``yoo_money``)."""
        payment = self._control_payment(request)
        body = await control_json(request)
        reason = body.get("reason", "expired_on_confirmation")
        party = body.get("party", "yoo_money")
        if not isinstance(reason, str) or not reason:
            raise ControlError(400, "reason must be a string")
        if party not in CANCEL_PARTIES:
            raise ControlError(400, f"party must be one of {sorted(CANCEL_PARTIES)}")
        event = self.settle(payment, "cancel", party=party, reason=reason)
        delivery = await self.deliver(payment, event)
        return web.json_response({"payment": copy.deepcopy(payment.data), "notification": delivery})

    async def control_notify(self, request: web.Request) -> web.Response:
        """Sends the payment's last notification again (a duplicate delivery), or
        ``{"event": ...}`` with the payment as it is now."""
        payment = self._control_payment(request)
        body = await control_json(request)
        event = body.get("event", payment.last_event)
        if not isinstance(event, str) or not event:
            raise ControlError(409, "the payment has had no notification yet; give an event")
        delivery = await self.deliver(payment, event)
        return web.json_response({"payment": copy.deepcopy(payment.data), "notification": delivery})

    async def control_list_faults(self, request: web.Request) -> web.Response:
        return web.json_response({"faults": [fault.to_view() for fault in self.faults]})

    async def control_add_fault(self, request: web.Request) -> web.Response:
        """``{"count": 1, "status": 503, "delay": 0, "after": false}``: the next ``count`` API
        calls (any route under /yookassa/v3) wait ``delay`` seconds and answer ``status``
        (``null`` with a delay: a slow but normal answer). 500 and 429 answer YooKassa's JSON
        error, other statuses an HTML page as a proxy would. ``after`` carries the call out
        before failing it."""
        body = await control_json(request)
        try:
            count = int(body.get("count", 1))
            delay = float(body.get("delay", 0))
        except (TypeError, ValueError):
            raise ControlError(400, "count must be an integer and delay a number") from None
        status = body.get("status", 500 if delay == 0 else None)
        if status is not None and (
            isinstance(status, bool)
            or not isinstance(status, int)
            or not (500 <= status <= 599 or status == 429)
        ):
            raise ControlError(400, "status must be 429, 5xx or null")
        if count < 1 or not 0 <= delay <= 60:
            raise ControlError(400, "count must be ≥ 1 and delay within 0-60 seconds")
        if status is None and delay == 0:
            raise ControlError(400, "a fault needs a status or a delay")
        fault = ApiFault(
            remaining=count, status=status, delay=delay, after=bool(body.get("after", False))
        )
        self.faults.append(fault)
        return web.json_response({"fault": fault.to_view()})

    async def control_clear_faults(self, request: web.Request) -> web.Response:
        self.faults.clear()
        return web.json_response({"ok": True})

    def _settings_view(self) -> dict[str, Any]:
        return {
            "shop_id": self.shop_id,
            "strict_auth": self.strict_auth,
            "notification_url": self.notification_url,
            "events": sorted(self.events),
            "retry_delays": list(self.retry_delays),
        }

    async def control_get_settings(self, request: web.Request) -> web.Response:
        """``{"shop_id", "strict_auth", "notification_url", "events", "retry_delays"}`` (the
        secret key is never shown)."""
        return web.json_response(self._settings_view())

    async def control_set_settings(self, request: web.Request) -> web.Response:
        """Changes any of ``notification_url`` (null: none), ``events``, ``strict_auth``,
        ``retry_delays``; answers the settings."""
        body = await control_json(request)
        if "notification_url" in body:
            url = body["notification_url"]
            if url is not None and (
                not isinstance(url, str) or not url.startswith(("http://", "https://"))
            ):
                raise ControlError(400, "notification_url must be an http(s) URL or null")
            self.notification_url = url
        if "events" in body:
            events = body["events"]
            if not isinstance(events, list) or not set(events) <= set(EVENTS):
                raise ControlError(400, f"events must be a list of {list(EVENTS)}")
            self.events = set(events)
        if "strict_auth" in body:
            self.strict_auth = bool(body["strict_auth"])
        if "retry_delays" in body:
            delays = body["retry_delays"]
            if not isinstance(delays, list) or not all(
                isinstance(delay, int | float) and 0 <= delay <= 60 for delay in delays
            ):
                raise ControlError(400, "retry_delays must be a list of seconds (0-60)")
            self.retry_delays = tuple(float(delay) for delay in delays)
        return web.json_response(self._settings_view())

    async def control_list_requests(self, request: web.Request) -> web.Response:
        """The API calls received: ``{"method", "path", "shop_id", "secret_matches",
        "idempotence_key", "status"}`` (never the secret)."""
        return web.json_response({"requests": list(self.requests)})

    async def control_clear_requests(self, request: web.Request) -> web.Response:
        self.requests.clear()
        return web.json_response({"ok": True})


def loopback_url(host: str, port: int, path: str = NOTIFICATION_PATH) -> str:
    """The URL at which a server bound to ``host:port`` is reached from this machine (a
    wildcard bind is reached at 127.0.0.1), e.g. for :meth:`YooKassaEmulator.set_notification_url`."""
    if host in {"", "0.0.0.0", "::", "[::]"}:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}{path}"


# ----------------------------------------------------------------------------- page
_STYLE = """
body { font-family: system-ui, sans-serif; background: #f2f3f5; margin: 0; }
main { max-width: 420px; margin: 48px auto; background: #fff; border-radius: 16px;
       padding: 28px; box-shadow: 0 4px 24px rgba(0,0,0,.08); }
h1 { font-size: 20px; margin: 0 0 4px; }
.badge { display: inline-block; background: #ffe08a; border-radius: 6px; padding: 2px 8px;
         font-size: 12px; margin-bottom: 16px; }
.amount { font-size: 32px; font-weight: 600; margin: 16px 0; }
.muted { color: #6b6f76; font-size: 14px; }
.card { border: 1px solid #dfe1e5; border-radius: 10px; padding: 12px; margin: 16px 0;
        font-family: monospace; }
form { display: flex; gap: 12px; margin-top: 20px; }
button { flex: 1; border: 0; border-radius: 10px; padding: 14px; font-size: 16px;
         cursor: pointer; }
button.pay { background: #2d7cf6; color: #fff; }
button.cancel { background: #eceef1; color: #222; }
"""


def _page(title: str, body: str, status: int = 200) -> web.Response:
    document = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return web.Response(text=document, content_type="text/html", status=status)


def _checkout_body(payment: EmulatedPayment) -> str:
    data = payment.data
    amount = data["amount"]
    description = html.escape(str(data.get("description") or "Payment"))
    shop = html.escape(payment.shop_id)
    parts = [
        "<h1>YooKassa</h1><span class='badge'>sandbox · test payment</span>",
        f"<div class='muted'>Shop {shop}</div>",
        f"<p>{description}</p>",
        f"<div class='amount'>{html.escape(amount['value'])} {html.escape(amount['currency'])}</div>",
    ]
    return_link = html.escape(payment.return_url, quote=True)
    if payment.status == "pending":
        parts += [
            "<div class='card'>5555 5555 5555 4444 · 12/30 · CVC 123</div>",
            "<form method='post'>",
            "<button class='pay' name='action' value='pay' type='submit'>Pay</button>",
            "<button class='cancel' name='action' value='cancel' type='submit'>Cancel</button>",
            "</form>",
            "<p class='muted'>Pay or Cancel sends the notification to the bot, then takes you"
            " back to the shop.</p>",
        ]
    else:
        status = html.escape(payment.status.replace("_", " "))
        parts.append(f"<p>This payment is <strong>{status}</strong>.</p>")
        parts.append(f"<p><a href='{return_link}'>Back to the shop</a></p>")
    return "".join(parts)
