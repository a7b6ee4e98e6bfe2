"""One HTTP call to a marketplace, the way every connector makes it: within the request rate,
with a timeout, retried through the platform's retry policy, every failure a `MarketplaceError`.

A call that is not idempotent (sending a message or a file) is retried only when the marketplace
cannot have acted on it: a 429, no connection at all, or a 5xx answer. A timeout or a connection
lost mid-way may have delivered it, and a buyer must not get a reply twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypedDict

import aiohttp
from multidict import CIMultiDictProxy

from services.marketplace.errors import FailureReason, MarketplaceError, masked
from services.marketplace.pacing import InProcessRequestPacer, RequestPacer, RequestRate, wait_turn
from services.retry_policy import RetryPolicy

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 15.0
MARKETPLACE_RETRY_POLICY = RetryPolicy(attempts=3, base_delay=0.5, max_delay=30.0)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def json_object(self, path: str) -> dict[str, Any]:
        """The answer's JSON object; anything else means the marketplace is not itself."""
        data = self.json()
        if not isinstance(data, dict):
            raise MarketplaceError(FailureReason.UNAVAILABLE, f"{path} answered no JSON object")
        return data

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


# Reads an answer and returns the failure it means, or None for a success.
FailureOf = Callable[[Answer], MarketplaceError | None]


class MarketplaceTransport:
    def __init__(
        self,
        *,
        base_url: str,
        headers: dict[str, str],
        secrets: tuple[str, ...],
        pacer: RequestPacer,
        rate: RequestRate,
        failure_of: FailureOf,
        retry_policy: RetryPolicy = MARKETPLACE_RETRY_POLICY,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = headers
        self._secrets = secrets
        self.pacer = pacer
        self.rate = rate
        self._failure_of = failure_of
        self.retry_policy = retry_policy
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session = session
        self._owns_session = session is None

    def __repr__(self) -> str:  # the headers hold credentials
        return f"MarketplaceTransport({self.base_url!r})"

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def is_api_url(self, url: str) -> bool:
        return url == self.base_url or url.startswith(self.base_url + "/")

    async def call(
        self,
        http_method: str,
        path: str,
        *,
        pace_key: str,
        idempotent: bool,
        url: str | None = None,
        **request: Any,
    ) -> Answer:
        """`request`: aiohttp's `json`, `data` or `params`. `url` replaces base_url + path (a
        link the marketplace gave); the credentials go only to the marketplace's own API."""
        target = url or f"{self.base_url}{path}"
        request["headers"] = self._headers if self.is_api_url(target) else {}
        return await self.retry_policy.call(
            lambda: self._attempt(
                http_method, target, pace_key=pace_key, idempotent=idempotent, **request
            ),
            retry_on=lambda error: isinstance(error, MarketplaceError) and error.retryable,
            purpose=f"{http_method} {path}",
            log=logger,
        )

    async def _attempt(
        self, http_method: str, url: str, *, pace_key: str, idempotent: bool, **request: Any
    ) -> Answer:
        await wait_turn(self.pacer, pace_key, self.rate)
        try:
            async with self.session.request(
                http_method, url, timeout=self._timeout, **request
            ) as response:
                answer = Answer(response.status, response.headers, await response.read())
        except TimeoutError:
            raise MarketplaceError(
                FailureReason.UNAVAILABLE,
                f"no answer within {self._timeout.total:g} s",
                retryable=idempotent,
            ) from None
        except aiohttp.ClientConnectorError as error:
            # Never connected: nothing was delivered, any call may be repeated.
            raise MarketplaceError(
                FailureReason.UNAVAILABLE, f"cannot connect: {error.os_error}", retryable=True
            ) from None
        except aiohttp.ClientError as error:
            raise MarketplaceError(
                FailureReason.UNAVAILABLE,
                f"connection failed: {type(error).__name__}",
                retryable=idempotent,
            ) from None
        failure = self._failure_of(answer)
        if failure is None:
            return answer
        failure.detail = masked(failure.detail, self._secrets)
        if failure.reason is FailureReason.RATE_LIMITED:
            await self.pacer.pause(pace_key, failure.retry_after or self.rate.interval)
            logger.warning("%s asked to wait %.1fs (429)", url, failure.retry_after or 0)
        raise failure


class ConnectorOptions(TypedDict, total=False):
    """What every connector takes besides its credentials (defaults: `HttpConnector`'s)."""

    base_url: str
    pacer: RequestPacer | None
    rate: RequestRate
    timeout_seconds: float
    retry_policy: RetryPolicy
    session: aiohttp.ClientSession | None


class HttpConnector:
    """What every connector shares: its transport, a repr without credentials, closing.

    A connector names its marketplace's `api_url` and `request_rate` (the defaults of
    `base_url` and `rate`) and gives its credentials and the way it reads failures."""

    api_url: ClassVar[str]
    request_rate: ClassVar[RequestRate]

    def __init__(
        self,
        *,
        headers: dict[str, str],
        secrets: tuple[str, ...],
        failure_of: FailureOf,
        base_url: str | None = None,
        pacer: RequestPacer | None = None,
        rate: RequestRate | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        retry_policy: RetryPolicy = MARKETPLACE_RETRY_POLICY,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._http = MarketplaceTransport(
            base_url=self.api_url if base_url is None else base_url,
            headers=headers,
            secrets=secrets,
            pacer=pacer or InProcessRequestPacer(),
            rate=self.request_rate if rate is None else rate,
            failure_of=failure_of,
            timeout_seconds=timeout_seconds,
            retry_policy=retry_policy,
            session=session,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._http.base_url!r})"

    async def close(self) -> None:
        await self._http.close()


def header_seconds(answer: Answer, *names: str) -> float | None:
    """The first of `names` that holds a number of seconds."""
    for name in names:
        try:
            return float(answer.headers[name])
        except (KeyError, ValueError):
            continue
    return None


def server_failure(answer: Answer, detail: str) -> MarketplaceError | None:
    """5xx: the marketplace is down or broken; it did not do what was asked."""
    if answer.status >= 500:
        return MarketplaceError(
            FailureReason.UNAVAILABLE, f"HTTP {answer.status}: {detail}", retryable=True
        )
    return None
