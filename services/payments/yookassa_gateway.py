"""A thin async adapter over the YooKassa SDK (`yookassa`, synchronous, `requests`-based).

No database and no aiogram: payments are created, looked up and refunded here; what they mean
for an order is the payments service's business.

The SDK keeps its settings (shop id, secret key, API URL) in the process-global
``yookassa.Configuration``. Each call configures it under :data:`_SDK_LOCK` inside the worker
thread and immediately snapshots it into its own ``ApiClient``, so two gateways in one process
(a test's and the sandbox's, say) never mix credentials; the HTTP request itself runs outside
the lock. Nothing else in the process should rely on ``Configuration``'s globals.

Money is kept in kopecks (integers) everywhere; :func:`kopecks_to_value` is the only place it
becomes YooKassa's string ("490.00") and :func:`value_to_kopecks` the only way back.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import requests
from yookassa import Configuration, Payment, Refund
from yookassa.client import ApiClient
from yookassa.domain.exceptions import ApiError
from yookassa.domain.notification import WebhookNotificationFactory

logger = logging.getLogger(__name__)
# The SDK blocks (requests): its calls get their own threads, so a burst of notifications
# (each re-checked with the API) neither waits behind nor starves asyncio's default executor.
_SDK_THREADS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="yookassa")

PRODUCTION_API_URL = "https://api.yookassa.ru/v3"
DEFAULT_TIMEOUT_SECONDS = 15.0
DEFAULT_ATTEMPTS = 3
DEFAULT_RETRY_DELAY_SECONDS = 0.5
# YooKassa answers these when the outcome is unknown or it is busy; a retry with the same
# idempotency key is safe.
RETRYABLE_STATUSES = frozenset({202, 429})
MAX_ERROR_TEXT = 300
_VALUE_RE = re.compile(r"\d+(\.\d+)?")

T = TypeVar("T")

_SDK_LOCK = threading.Lock()
_bound = threading.local()


# ------------------------------------------------------------------------------------ values
@dataclass(frozen=True)
class YooKassaPayment:
    id: str
    status: str  # "pending" | "waiting_for_capture" | "succeeded" | "canceled"
    paid: bool
    amount: int  # kopecks
    currency: str
    confirmation_url: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    cancellation_reason: str | None = None


@dataclass(frozen=True)
class YooKassaRefund:
    id: str
    payment_id: str
    status: str  # "pending" | "succeeded" | "canceled"
    amount: int  # kopecks
    currency: str


@dataclass(frozen=True)
class YooKassaNotification:
    event: str  # "payment.succeeded", "payment.canceled", "refund.succeeded", ...
    object_id: str  # the payment's id (the refund's for refund.* events)
    status: str | None
    metadata: dict[str, str] = field(default_factory=dict)


class YooKassaError(Exception):
    """The API call failed: transport error, timeout, 5xx after retries, or an API refusal.

    ``status`` is the HTTP status when there was a response; ``code`` YooKassa's error code
    ("invalid_request", "invalid_credentials", "not_found", ...). The message names the
    operation and YooKassa's description, never the credentials.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retryable = retryable


# ----------------------------------------------------------------------------- money
def kopecks_to_value(amount: int) -> str:
    """49000 → "490.00". The only place an amount becomes a string."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int number of kopecks, not {type(amount).__name__}")
    if amount < 0:
        raise ValueError("amount must not be negative")
    return f"{amount // 100}.{amount % 100:02d}"


def value_to_kopecks(value: str | Decimal) -> int:
    """ "490.00" → 49000, exactly (Decimal; floats are refused). Anything but digits with an
    optional fraction, or more than two decimals that are not zeros, is a ValueError."""
    if isinstance(value, float) or not isinstance(value, str | Decimal):
        raise TypeError(f"value must be a string or Decimal, not {type(value).__name__}")
    if isinstance(value, str):
        if not _VALUE_RE.fullmatch(value.strip()):
            raise ValueError(f"not an amount: {value!r}")
        number = Decimal(value.strip())
    else:
        number = value
    if not number.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    kopecks = number * 100
    if kopecks != kopecks.to_integral_value():
        raise ValueError(f"more than two decimals: {value!r}")
    if kopecks < 0:
        raise ValueError(f"negative amount: {value!r}")
    return int(kopecks)


# ----------------------------------------------------------------------- notifications
def parse_notification(body: Mapping[str, Any]) -> YooKassaNotification:
    """A notification body (already decoded JSON) → its event and object; ValueError when it
    is not a well-formed YooKassa notification."""
    if not isinstance(body, Mapping):
        raise ValueError("the notification must be a JSON object")
    if body.get("type") != "notification":
        raise ValueError('not a notification: "type" must be "notification"')
    event = body.get("event")
    if not isinstance(event, str) or not event:
        raise ValueError('the notification has no "event"')
    raw_object = body.get("object")
    if not isinstance(raw_object, Mapping) or not raw_object:
        raise ValueError('the notification has no "object"')
    try:
        notification = WebhookNotificationFactory().create(dict(body))
        obj = notification.object
        object_id = obj.id
        status = obj.status
        metadata = getattr(obj, "metadata", None)
    except (TypeError, ValueError, AttributeError, KeyError, ArithmeticError) as error:
        raise ValueError(f"malformed notification: {error}") from None
    if not isinstance(object_id, str) or not object_id:
        raise ValueError('the notification\'s object has no "id"')
    return YooKassaNotification(
        event=event,
        object_id=object_id,
        status=status if isinstance(status, str) else None,
        metadata=_metadata(metadata),
    )


# ----------------------------------------------------------------------------- SDK glue
class _Client(ApiClient):
    """The SDK's client with a request timeout (the SDK sets none) and a record of what the
    last request got, so that failures can be told apart (the SDK loses that for transport
    errors)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.http_timeout = timeout
        self.last_status: int | None = None
        self.transport_error: requests.RequestException | None = None

    def get_session(self) -> requests.Session:
        session = super().get_session()
        session.request = functools.partial(session.request, timeout=self.http_timeout)
        return session

    def execute(
        self,
        body: Any,
        method: str,
        path: str,
        query_params: Any,
        request_headers: dict[str, str],
    ) -> requests.Response:
        self.last_status = None
        self.transport_error = None
        try:
            response = super().execute(body, method, path, query_params, request_headers)
        except requests.RequestException as error:
            if error.response is not None:
                self.last_status = error.response.status_code
            else:
                self.transport_error = error
            raise
        self.last_status = response.status_code
        return response


def _bound_client() -> _Client:
    client = getattr(_bound, "client", None)
    if client is None:
        raise RuntimeError("YooKassa SDK used outside YooKassaGateway")
    return client


class _Payment(Payment):
    def __init__(self) -> None:
        self.client = _bound_client()


class _Refund(Refund):
    def __init__(self) -> None:
        self.client = _bound_client()


def _short(text: object) -> str:
    value = str(text)
    return value if len(value) <= MAX_ERROR_TEXT else value[: MAX_ERROR_TEXT - 1] + "…"


def _metadata(raw: object) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        return {}
    return {str(key): str(value) for key, value in raw.items() if value is not None}


def _amount(raw: Any) -> tuple[int, str]:
    if raw is None or raw.value is None:
        raise ValueError("YooKassa returned an object without an amount")
    return value_to_kopecks(Decimal(raw.value)), str(raw.currency)


def _to_payment(response: Any) -> YooKassaPayment:
    amount, currency = _amount(response.amount)
    confirmation = response.confirmation
    cancellation = response.cancellation_details
    return YooKassaPayment(
        id=str(response.id),
        status=str(response.status),
        paid=bool(response.paid),
        amount=amount,
        currency=currency,
        confirmation_url=getattr(confirmation, "confirmation_url", None) if confirmation else None,
        metadata=_metadata(response.metadata),
        cancellation_reason=getattr(cancellation, "reason", None) if cancellation else None,
    )


def _to_refund(response: Any) -> YooKassaRefund:
    amount, currency = _amount(response.amount)
    return YooKassaRefund(
        id=str(response.id),
        payment_id=str(response.payment_id),
        status=str(response.status),
        amount=amount,
        currency=currency,
    )


# ------------------------------------------------------------------------------ gateway
class YooKassaGateway:
    """Async YooKassa API calls for one shop. Transport failures, timeouts, 5xx, 429 and 202
    are retried (``attempts`` in all, backoff from ``retry_delay``) with the same idempotency
    key; anything else fails at once. Every failure is a :class:`YooKassaError`."""

    def __init__(
        self,
        shop_id: str,
        secret_key: str,
        api_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        attempts: int = DEFAULT_ATTEMPTS,
        retry_delay: float = DEFAULT_RETRY_DELAY_SECONDS,
    ) -> None:
        if not shop_id or not secret_key:
            raise ValueError("YooKassa needs a shop id and a secret key")
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.shop_id = shop_id
        self._secret_key = secret_key
        self.api_url = (api_url or PRODUCTION_API_URL).rstrip("/")
        self.timeout = timeout
        self.attempts = attempts
        self.retry_delay = retry_delay

    def __repr__(self) -> str:
        return f"YooKassaGateway(shop_id={self.shop_id!r}, api_url={self.api_url!r})"

    # ------------------------------------------------------------------ operations
    async def create_payment(
        self,
        *,
        amount: int,
        currency: str,
        description: str,
        order_id: int,
        return_url: str,
        idempotency_key: str,
        receipt: dict[str, Any] | None = None,
    ) -> YooKassaPayment:
        """A payment captured on success, paid on YooKassa's page (``confirmation_url``)."""
        if amount <= 0:
            raise ValueError("amount must be positive")
        if not idempotency_key:
            raise ValueError("an idempotency key is required")
        params: dict[str, Any] = {
            "amount": {"value": kopecks_to_value(amount), "currency": currency},
            "capture": True,
            "confirmation": {"type": "redirect", "return_url": return_url},
            "description": description,
            "metadata": {"order_id": str(order_id)},
        }
        if receipt is not None:
            params["receipt"] = receipt
        return await self._call(
            "create payment", lambda: _to_payment(_Payment.create(params, idempotency_key))
        )

    async def find_payment(self, payment_id: str) -> YooKassaPayment:
        if not payment_id:
            raise ValueError("payment_id is required")
        return await self._call("find payment", lambda: _to_payment(_Payment.find_one(payment_id)))

    async def create_refund(
        self, *, payment_id: str, amount: int, currency: str, idempotency_key: str
    ) -> YooKassaRefund:
        if not payment_id:
            raise ValueError("payment_id is required")
        if amount <= 0:
            raise ValueError("amount must be positive")
        if not idempotency_key:
            raise ValueError("an idempotency key is required")
        params = {
            "payment_id": payment_id,
            "amount": {"value": kopecks_to_value(amount), "currency": currency},
        }
        return await self._call(
            "create refund", lambda: _to_refund(_Refund.create(params, idempotency_key))
        )

    # ------------------------------------------------------------------- plumbing
    async def _call(self, what: str, operation: Callable[[], T]) -> T:
        delay = self.retry_delay
        for attempt in range(1, self.attempts + 1):
            try:
                return await asyncio.get_running_loop().run_in_executor(
                    _SDK_THREADS, functools.partial(self._run, what, operation)
                )
            except YooKassaError as error:
                if not error.retryable or attempt == self.attempts:
                    raise
                logger.warning(
                    "retrying in %.2fs (attempt %d of %d failed): %s",
                    delay,
                    attempt,
                    self.attempts,
                    error,
                )
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _client(self) -> _Client:
        """A client bound to this gateway's shop; ``Configuration`` is global, hence the lock."""
        with _SDK_LOCK:
            Configuration.configure(self.shop_id, self._secret_key, api_url=self.api_url)
            return _Client(self.timeout)

    def _run(self, what: str, operation: Callable[[], T]) -> T:
        """Runs in a worker thread."""
        client = self._client()
        _bound.client = client
        try:
            return operation()
        except YooKassaError:
            raise
        except Exception as error:
            raise self._error(what, client, error) from None
        finally:
            _bound.client = None

    @staticmethod
    def _error(what: str, client: _Client, error: Exception) -> YooKassaError:
        status = client.last_status
        if client.transport_error is not None:
            transport = client.transport_error
            return YooKassaError(
                f"YooKassa {what} failed: {type(transport).__name__}: {_short(transport)}",
                retryable=True,
            )
        if isinstance(error, ApiError):
            content = error.content if isinstance(error.content, dict) else {}
            code = content.get("code")
            description = content.get("description") or type(error).__name__
            parameter = content.get("parameter")
            text = f"YooKassa {what} failed: HTTP {status} {code or ''}: {description}"
            if parameter:
                text += f" (parameter {parameter})"
            return YooKassaError(
                _short(text),
                status=status,
                code=code if isinstance(code, str) else None,
                retryable=status is not None and (status >= 500 or status in RETRYABLE_STATUSES),
            )
        if status is not None and status != 200:
            # An error answer the SDK could not even read (an HTML 502 from a proxy, ...).
            return YooKassaError(
                f"YooKassa {what} failed: HTTP {status} with an unreadable body",
                status=status,
                retryable=status >= 500 or status in RETRYABLE_STATUSES,
            )
        return YooKassaError(
            f"YooKassa {what} failed: {type(error).__name__}: {_short(error)}", status=status
        )
