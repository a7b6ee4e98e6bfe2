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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

logger = logging.getLogger(__name__)

T = TypeVar("T")


def retry_after(error: BaseException) -> float | None:
    """The wait the server asked for, as every failure of the platform carries it: a
    `retry_after` attribute (Telegram's, the marketplaces', the LLM's), None when it did not say."""
    seconds = getattr(error, "retry_after", None)
    return None if seconds is None else float(seconds)


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
        server_wait: Callable[[BaseException], float | None] = retry_after,
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

    async def call(
        self,
        attempt_once: Callable[[], Awaitable[T]],
        *,
        retry_on: Callable[[BaseException], bool],
        purpose: str,
        server_wait: Callable[[BaseException], float | None] = retry_after,
        log: logging.Logger = logger,
    ) -> T:
        """`attempt_once()`'s result, retried as `retrying` says; the last failure, or one that
        `retry_on` refuses, is raised as it was."""
        async for attempt in self.retrying(
            retry_on=retry_on, purpose=purpose, server_wait=server_wait, log=log
        ):
            with attempt:
                return await attempt_once()
        raise AssertionError("the retry policy ends with a result or an error")


def doubling_pause(failed_attempts: int, first: timedelta, longest: timedelta) -> timedelta:
    """The wait before work tried again later (an outbox row, a late attachment): `first`
    after one failure, doubling, at most `longest`. No jitter: the time is stored, and the
    job that takes it up runs on its own schedule."""
    doublings = 2 ** max(failed_attempts - 1, 0)
    return min(first * min(doublings, longest / first), longest)  # no overflow however many


def describe(error: BaseException | None) -> str:
    """A failure for a log line: its type and message, which never carry credentials."""
    if error is None:
        return "no error"
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


__all__ = ["RetryPolicy", "describe", "retry_after"]
