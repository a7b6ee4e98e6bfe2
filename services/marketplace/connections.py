"""Connectors for stored accounts: credentials from what a seller typed, and one shared HTTP
session and request pacer for every account's connector."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from services.marketplace import MarketplaceConnector
from services.marketplace.models import Marketplace
from services.marketplace.ozon import OZON_API_URL, OzonConnector, OzonCredentials
from services.marketplace.pacing import RequestPacer
from services.marketplace.transport import DEFAULT_TIMEOUT_SECONDS
from services.marketplace.wildberries import (
    WILDBERRIES_API_URL,
    WildberriesConnector,
    WildberriesCredentials,
)

OZON_CLIENT_ID_MAX_DIGITS = 20
CREDENTIAL_MAX_LENGTH = 2048


class CredentialsMalformed(ValueError):
    """What the seller typed cannot be a credential of this marketplace (checked before any
    call); `field` names which one: client_id, api_key or token."""

    def __init__(self, field: str) -> None:
        super().__init__(f"malformed {field}")
        self.field = field


def normalized_client_id(text: str) -> str:
    """An Ozon Client-Id as stored (digits, trimmed); checked the moment it is typed too."""
    client_id = text.strip()
    if not client_id.isdigit() or len(client_id) > OZON_CLIENT_ID_MAX_DIGITS:
        raise CredentialsMalformed("client_id")
    return client_id


def normalized_credentials(marketplace: Marketplace, values: dict[str, str]) -> dict[str, str]:
    """The credentials as stored: trimmed and checked for shape."""
    if marketplace is Marketplace.OZON:
        client_id = normalized_client_id(values.get("client_id", ""))
        api_key = values.get("api_key", "").strip()
        if not api_key or len(api_key) > CREDENTIAL_MAX_LENGTH or any(c.isspace() for c in api_key):
            raise CredentialsMalformed("api_key")
        return {"client_id": client_id, "api_key": api_key}
    token = values.get("token", "").strip()
    if not token or len(token) > CREDENTIAL_MAX_LENGTH or any(c.isspace() for c in token):
        raise CredentialsMalformed("token")
    return {"token": token}


def external_id(marketplace: Marketplace, credentials: dict[str, str]) -> str:
    """What names the account without its secret: Ozon's Client-Id (pushes carry it), or the
    Wildberries token's fingerprint."""
    if marketplace is Marketplace.OZON:
        return credentials["client_id"]
    return WildberriesCredentials(credentials["token"]).fingerprint


@dataclass(frozen=True)
class MarketplaceEndpoints:
    ozon_url: str = OZON_API_URL
    wildberries_url: str = WILDBERRIES_API_URL


class ConnectorFactory:
    """Builds the connector of an account. Connectors share one HTTP session (closed by
    `close()`, not by the connectors) and one pacer, so every request to a marketplace counts
    against the same limit, in every process when the pacer is Redis's."""

    def __init__(
        self,
        endpoints: MarketplaceEndpoints,
        pacer: RequestPacer,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.endpoints = endpoints
        self.pacer = pacer
        self.timeout_seconds = timeout_seconds
        self._session: aiohttp.ClientSession | None = None

    def _shared_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    def connector(
        self, marketplace: Marketplace, credentials: dict[str, str]
    ) -> MarketplaceConnector:
        session = self._shared_session()
        if marketplace is Marketplace.OZON:
            return OzonConnector(
                OzonCredentials(credentials["client_id"], credentials["api_key"]),
                base_url=self.endpoints.ozon_url,
                pacer=self.pacer,
                timeout_seconds=self.timeout_seconds,
                session=session,
            )
        return WildberriesConnector(
            WildberriesCredentials(credentials["token"]),
            base_url=self.endpoints.wildberries_url,
            pacer=self.pacer,
            timeout_seconds=self.timeout_seconds,
            session=session,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
