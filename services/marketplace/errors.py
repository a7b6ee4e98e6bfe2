"""Every marketplace failure as one error with a reason a seller understands.

`FailureReason` values are the keys of the translated explanations
(`marketplace-failure-<reason>` in `locales/`). `detail` is for the log: it is the
marketplace's own words with any credential masked, never shown to buyers.
"""

from __future__ import annotations

from enum import StrEnum


class FailureReason(StrEnum):
    CREDENTIALS = "credentials"  # wrong or revoked keys (401/403)
    PREMIUM_REQUIRED = "premium-required"  # Ozon: buyer chats need Premium Plus
    RATE_LIMITED = "rate-limited"
    UNAVAILABLE = "unavailable"  # 5xx, timeouts, no connection
    ANSWER_WINDOW_CLOSED = "answer-window-closed"  # Ozon: 48 h after the buyer's last message
    CHAT_CLOSED = "chat-closed"
    CHAT_NOT_FOUND = "chat-not-found"
    FILE_REFUSED = "file-refused"  # type or size
    TEXT_REFUSED = "text-refused"  # empty or longer than the marketplace takes
    NO_REPLY_SIGN = "no-reply-sign"  # Wildberries: the chat's reply signature is unknown
    # The connection broke while a reply was being sent: it may have reached the buyer.
    MAYBE_DELIVERED = "maybe-delivered"
    REJECTED = "rejected"  # any other refusal of the request


class MarketplaceError(Exception):
    """`retry_after`: seconds the marketplace asked to wait. `retryable`: another attempt may
    succeed and cannot do harm (the request was not processed, or repeating it is harmless)."""

    def __init__(
        self,
        reason: FailureReason,
        detail: str,
        *,
        retry_after: float | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail
        self.retry_after = retry_after
        self.retryable = retryable

    def __str__(self) -> str:
        return f"{self.reason.value}: {self.detail}"


def check_reply_text(text: str, limit: int, marketplace: str) -> None:
    """A reply the marketplace would refuse is refused here, before any request."""
    if not text.strip():
        raise MarketplaceError(FailureReason.TEXT_REFUSED, "the text is empty")
    if len(text) > limit:
        raise MarketplaceError(
            FailureReason.TEXT_REFUSED, f"{len(text)} characters; {marketplace} takes {limit}"
        )


def masked(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
