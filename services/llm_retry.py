"""JSON chat completions from an OpenAI-compatible API, retried the same way everywhere.

The answer evaluator and the tailored-interview planner both ask a model for one JSON object,
retry rate limits, server errors, timeouts and malformed replies through the platform's one
retry policy (`services.retry_policy`), and give up to an offline fallback after a few
attempts. This module owns what counts as retryable for those APIs; callers own the prompt,
the schema and the fallback. Speech (Groq's Whisper, text-to-speech) retries through
`with_retries` too, so every attempt at an AI API is counted and timed here, once
(`easyflow_ai_calls_total`, `easyflow_ai_call_seconds`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

import openai
from openai import AsyncOpenAI

from services.metrics import AI_CALLS, AI_FALLBACKS, AI_SECONDS
from services.retry_policy import RetryPolicy

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Retry-After from a rate limiter can be long; a user is waiting, so cap it.
DEFAULT_MAX_DELAY = 20.0


class AiKind(StrEnum):
    """The `kind` label of the AI metrics."""

    LLM = "llm"
    STT = "stt"  # speech to text
    TTS = "tts"  # text to speech


def count_fallback(kind: AiKind, engine: str) -> None:
    """An answer given offline because `engine` gave up."""
    AI_FALLBACKS.labels(kind=kind.value, engine=engine).inc()


def measured(
    attempt_once: Callable[[], Awaitable[T]], kind: AiKind, engine: str
) -> Callable[[], Awaitable[T]]:
    """`attempt_once`, counted (ok or error) and timed on every call."""
    calls_ok = AI_CALLS.labels(kind=kind.value, engine=engine, result="ok")
    calls_failed = AI_CALLS.labels(kind=kind.value, engine=engine, result="error")
    seconds = AI_SECONDS.labels(kind=kind.value, engine=engine)

    async def attempt() -> T:
        started = time.perf_counter()
        try:
            value = await attempt_once()
        except Exception:
            calls_failed.inc()
            raise
        finally:
            seconds.observe(time.perf_counter() - started)
        calls_ok.inc()
        return value

    return attempt


class RetryableLLMError(Exception):
    """A failure worth another attempt: rate limit, server error, timeout or a malformed reply."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def retry_after_seconds(response: Any) -> float | None:
    header = response.headers.get("retry-after") if response is not None else None
    if header is None:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        return None  # an HTTP date; the exponential backoff is good enough


@contextlib.contextmanager
def openai_failures_as_retryable() -> Iterator[None]:
    """Inside: an OpenAI SDK failure that another attempt may fix (rate limit, timeout, lost
    connection, 5xx/408/409) becomes `RetryableLLMError`; `openai.APIStatusError` for what it
    cannot fix (400/401/403/404: bad request, bad key, unknown model) passes through."""
    try:
        yield
    except openai.RateLimitError as error:
        raise RetryableLLMError("rate limited", retry_after_seconds(error.response)) from error
    except openai.APITimeoutError as error:
        raise RetryableLLMError("timed out") from error
    except openai.APIConnectionError as error:
        raise RetryableLLMError("connection failed") from error
    except openai.APIStatusError as error:
        if error.status_code >= 500 or error.status_code in (408, 409):
            raise RetryableLLMError(
                f"HTTP {error.status_code}", retry_after_seconds(error.response)
            ) from error
        raise


async def request_json_completion(
    client: AsyncOpenAI,
    *,
    model: str,
    messages: list[dict[str, str]],
    temperature: float | None = None,
) -> Any:
    """One chat completion in JSON mode, parsed.

    Raises `RetryableLLMError` for what another attempt may fix and lets `openai.APIStatusError`
    through for what it cannot (400/401/403/404: bad request, bad key, unknown model).
    """
    options: dict[str, Any] = {}
    if temperature is not None:
        options["temperature"] = temperature
    with openai_failures_as_retryable():
        completion = await client.chat.completions.create(
            model=model,
            messages=messages,  # type: ignore[arg-type]
            response_format={"type": "json_object"},
            **options,
        )
    content = completion.choices[0].message.content if completion.choices else None
    if not content:
        raise RetryableLLMError("empty reply")
    try:
        return json.loads(content)
    except json.JSONDecodeError as error:
        raise RetryableLLMError("reply is not JSON") from error


async def with_retries(
    attempt_once: Callable[[], Awaitable[T]],
    *,
    purpose: str,
    kind: AiKind,
    engine: str,
    attempts: int,
    base_delay: float,
    max_delay: float = DEFAULT_MAX_DELAY,
    permanent: tuple[type[Exception], ...] = (openai.APIStatusError,),
) -> T | None:
    """`attempt_once()`'s result, or None once retrying cannot help and the caller falls back.

    Retries `RetryableLLMError` up to `attempts` times in all under the platform's retry policy;
    a non-retryable HTTP status (`permanent`: openai's by default, another SDK's for another
    API) or any unexpected exception ends at once (the user is waiting: degrade, never crash).
    Every attempt is counted and timed under `kind` and `engine`.
    """
    policy = RetryPolicy(attempts=max(1, attempts), base_delay=base_delay, max_delay=max_delay)
    try:
        return await policy.call(
            measured(attempt_once, kind, engine),
            retry_on=lambda error: isinstance(error, RetryableLLMError),
            purpose=purpose,
            log=logger,
        )
    except RetryableLLMError as error:
        logger.warning(
            "%s failed %d times (last: %s); falling back offline", purpose, policy.attempts, error
        )
    except permanent as error:
        status = getattr(error, "status_code", None)
        logger.error("%s rejected (HTTP %s); falling back offline", purpose, status)
    except Exception:
        logger.exception("%s crashed; falling back offline", purpose)
    return None


@dataclass(frozen=True)
class JsonChat:
    """One model at one endpoint, asked for JSON objects under the retry policy above.

    `temperature` None leaves the model's default: reasoning models reject any other value.
    """

    client: AsyncOpenAI
    model: str
    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = DEFAULT_MAX_DELAY
    temperature: float | None = None

    @classmethod
    def connect(cls, api_key: str, base_url: str | None, model: str, timeout: float) -> JsonChat:
        # The SDK's own retries are off: `retrying` owns the policy (and the offline fallback).
        client = AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
        return cls(client, model)

    async def ask(self, messages: list[dict[str, str]]) -> Any:
        return await request_json_completion(
            self.client, model=self.model, messages=messages, temperature=self.temperature
        )

    async def retrying(self, attempt_once: Callable[[], Awaitable[T]], purpose: str) -> T | None:
        """`attempt_once()`'s result, or None (counted as a fallback: every caller then
        answers offline)."""
        result = await with_retries(
            attempt_once,
            purpose=purpose,
            kind=AiKind.LLM,
            engine=self.model,
            attempts=self.attempts,
            base_delay=self.base_delay,
            max_delay=self.max_delay,
        )
        if result is None:
            count_fallback(AiKind.LLM, self.model)
        return result
