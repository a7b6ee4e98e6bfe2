"""The platform's one retry policy: what it retries, how long it waits, when it gives up."""

from __future__ import annotations

import pytest

from services.retry_policy import RetryPolicy


class Flaky(Exception):
    def __init__(self, wait: float | None = None) -> None:
        super().__init__("flaky")
        self.wait = wait


async def run(policy: RetryPolicy, outcomes: list[object]) -> tuple[object, list[float]]:
    """Runs a call failing as `outcomes` say; returns its result and the waits asked for."""
    waits: list[float] = []
    retrying = policy.retrying(
        retry_on=lambda error: isinstance(error, Flaky),
        purpose="test",
        server_wait=lambda error: getattr(error, "wait", None),
    )

    async def record(seconds: float) -> None:
        waits.append(seconds)

    retrying.sleep = record  # type: ignore[method-assign]
    calls = iter(outcomes)
    async for attempt in retrying:
        with attempt:
            outcome = next(calls)
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome, waits
    raise AssertionError("unreachable")


def test_the_backoff_doubles_with_at_most_one_base_of_jitter_and_is_capped() -> None:
    policy = RetryPolicy(attempts=6, base_delay=0.5, max_delay=3.0)
    for failed, low in ((1, 0.5), (2, 1.0), (3, 2.0)):
        for _ in range(50):
            assert low <= policy.delay(failed, None) <= min(low + 0.5, 3.0)
    assert policy.delay(5, None) == 3.0


def test_the_servers_own_wait_wins_but_never_past_the_cap() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=20.0)
    assert policy.delay(1, 7.0) == 7.0
    assert policy.delay(3, 0.0) == 0.0
    assert policy.delay(1, 90.0) == 20.0


async def test_retries_what_the_predicate_allows_then_succeeds() -> None:
    result, waits = await run(RetryPolicy(attempts=4, base_delay=0.1), [Flaky(2.0), Flaky(), "ok"])
    assert result == "ok"
    assert waits[0] == 2.0 and 0.2 <= waits[1] <= 0.3


async def test_gives_up_after_the_last_attempt_with_the_last_error() -> None:
    last = Flaky()
    with pytest.raises(Flaky) as raised:
        await run(RetryPolicy(attempts=3, base_delay=0), [Flaky(), Flaky(), last, "never"])
    assert raised.value is last


async def test_an_error_the_predicate_refuses_is_raised_at_once() -> None:
    with pytest.raises(ValueError):
        await run(RetryPolicy(attempts=5, base_delay=0), [ValueError("bad request"), "never"])


def test_a_stored_pause_doubles_up_to_its_ceiling_however_many_failures() -> None:
    from datetime import timedelta

    from services.retry_policy import doubling_pause

    first, longest = timedelta(seconds=15), timedelta(minutes=10)
    pauses = [doubling_pause(n, first, longest) for n in (0, 1, 2, 3, 6, 7, 500)]
    assert pauses == [first, first, 2 * first, 4 * first, 32 * first, longest, longest]
