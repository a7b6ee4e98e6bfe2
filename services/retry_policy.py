"""The one retry policy of the platform, on tenacity: Telegram calls, the LLM, speech, the
marketplaces all retry through it.

A failure is retried when the caller's predicate says another attempt may fix it (a rate limit,
a 5xx, a timeout, a lost connection). The wait is what the server asked for when it said
(`Retry-After`, Telegram's `retry_after`, Ozon's per-second limit), otherwise an exponential
backoff with jitter, so that many clients failing together do not come back in lockstep.
Every wait is capped: a user or a queue is waiting.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

logger = logging.getLogger(__name__)


def no_hint(error: BaseException) -> float | None:
    return None


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` in all (the first one included); waits of `base_delay`·2ⁿ plus up to
    `base_delay` of jitter, or the server's own wait, never more than `max_delay`."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 20.0

    def delay(self, failed_attempts: int, server_wait: float | None) -> float:
        if server_wait is not None:
            return min(max(0.0, server_wait), self.max_delay)
        backoff = self.base_delay * 2 ** (failed_attempts - 1)
        return min(backoff + random.uniform(0, self.base_delay), self.max_delay)

    def retrying(
        self,
        *,
        retry_on: Callable[[BaseException], bool],
        purpose: str,
        server_wait: Callable[[BaseException], float | None] = no_hint,
        log: logging.Logger = logger,
    ) -> AsyncRetrying:
        """``async for attempt in policy.retrying(...): with attempt: ...``; the last failure,
        or one that `retry_on` refuses, is raised as it was."""

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome is not None else None
            hint = server_wait(error) if error is not None else None
            return self.delay(state.attempt_number, hint)

        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            seconds = state.next_action.sleep if state.next_action is not None else 0.0
            log.warning(
                "%s attempt %d failed (%s); retrying in %.2fs",
                purpose,
                state.attempt_number,
                describe(error),
                seconds,
            )

        return AsyncRetrying(
            stop=stop_after_attempt(max(1, self.attempts)),
            retry=retry_if_exception(retry_on),
            wait=wait,
            before_sleep=before_sleep,
            reraise=True,
        )


def describe(error: BaseException | None) -> str:
    """A failure for a log line: its type and message, which never carry credentials."""
    if error is None:
        return "no error"
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


__all__ = ["RetryPolicy", "describe", "no_hint"]
