"""The sending budgets: which calls count, the sliding windows, pauses; in process and in Redis."""

from __future__ import annotations

import asyncio
import secrets
import time

import pytest
from redis.asyncio import Redis

from services.send_budgets import (
    InProcessSendBudgets,
    RedisSendBudgets,
    SendLimits,
    Window,
    counts_against_budget,
    take,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


NO_MARGIN = {"margin": 0.0, "min_margin_seconds": 0.0}


def test_which_calls_count() -> None:
    assert counts_against_budget("sendMessage", 5)
    assert counts_against_budget("sendMediaGroup", -100)
    assert counts_against_budget("copyMessage", 5)
    assert not counts_against_budget("sendChatAction", 5)
    assert not counts_against_budget("getChat", -100)
    # Edits and topic changes count in groups only.
    assert counts_against_budget("editMessageText", -100)
    assert counts_against_budget("createForumTopic", -100)
    assert not counts_against_budget("editMessageText", 5)
    assert counts_against_budget("sendMessage", "@channel")
    assert not counts_against_budget("sendMessage", None)


def test_a_window_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Window(0, 1.0)
    with pytest.raises(ValueError):
        Window(1, 0)


def test_windows_are_stretched_by_a_margin() -> None:
    limits = SendLimits()
    assert limits.stretched(Window(20, 60.0)) == pytest.approx(61.8)
    assert limits.stretched(Window(30, 1.0)) == pytest.approx(1.05)  # the floor of 50 ms


async def test_a_group_window_is_a_sliding_window() -> None:
    clock = Clock()
    budgets = InProcessSendBudgets(
        SendLimits(group_chat=Window(3, 10.0), overall=Window(100, 1.0), **NO_MARGIN), clock
    )
    for _ in range(3):
        assert await budgets.try_take(-100) is None
        clock.now += 1
    refusal = await budgets.try_take(-100)
    assert refusal is not None and not refusal.whole_bot
    assert refusal.wait == pytest.approx(7.0)  # the first send leaves the window at 1010
    assert await budgets.try_take(-200) is None  # another group has its own budget
    clock.now += 7
    assert await budgets.try_take(-100) is None
    assert await budgets.try_take(-100) is not None  # the second send is still inside


async def test_the_bots_sends_are_evenly_paced_across_chats() -> None:
    """A burst of concurrent calls would arrive bunched at the start of Telegram's next window;
    paced sends arrive as they were taken."""
    clock = Clock()
    budgets = InProcessSendBudgets(SendLimits(overall=Window(30, 1.0)), clock)
    step = 1.05 / 30  # the window stretched by its 50 ms margin
    assert budgets.limits.overall_spacing == pytest.approx(step)
    assert budgets.limits.overall_slack == pytest.approx(step / 2)
    assert await budgets.try_take(1) is None
    refusal = await budgets.try_take(2)
    assert refusal is not None and refusal.whole_bot
    assert refusal.wait == pytest.approx(step / 2)
    clock.now += step / 2
    assert await budgets.try_take(2) is None  # half a step early is allowed ...
    clock.now += step / 2
    refusal = await budgets.try_take(3)
    assert refusal is not None and refusal.wait == pytest.approx(step / 2)  # ... not more


@pytest.mark.parametrize("window", [Window(30, 1.0), Window(4, 0.5), Window(20, 6.0)])
async def test_whatever_the_timing_no_window_holds_more_than_the_limit(window: Window) -> None:
    clock = Clock()
    limits = SendLimits(overall=window)
    budgets = InProcessSendBudgets(limits, clock)
    taken: list[float] = []
    while len(taken) < 10 * window.limit:
        if await budgets.try_take(len(taken) + 10) is None:
            taken.append(clock.now)
        clock.now += window.period / window.limit / 7.3  # polls at an awkward interval
    margin = limits.stretched(window) - window.period
    spans = [later - earlier for earlier, later in zip(taken, taken[window.limit :], strict=False)]
    # Sends that arrive up to half the margin apart from how they were taken stay inside.
    assert min(spans) >= window.period + margin / 2 - 1e-9
    rate = (len(taken) - 1) / (taken[-1] - taken[0])
    assert 0.9 * window.limit / window.period < rate <= window.limit / window.period


async def test_a_refused_take_takes_nothing() -> None:
    clock = Clock()
    budgets = InProcessSendBudgets(
        SendLimits(private_chat=Window(1, 1.0), overall=Window(1, 1.0), **NO_MARGIN), clock
    )
    assert await budgets.try_take(1) is None
    for _ in range(5):
        assert await budgets.try_take(2) is not None  # refused by the bot's pace
    clock.now += 1
    assert await budgets.try_take(2) is None  # chat 2's own window is still empty


async def test_a_pause_holds_the_chat_or_the_whole_bot() -> None:
    clock = Clock()
    budgets = InProcessSendBudgets(SendLimits(**NO_MARGIN), clock)
    await budgets.pause(7, 5)
    refusal = await budgets.try_take(7)
    assert refusal is not None and refusal.wait == pytest.approx(5) and not refusal.whole_bot
    assert await budgets.try_take(8) is None
    await budgets.pause(None, 2)
    refusal = await budgets.try_take(8)
    assert refusal is not None and refusal.whole_bot
    clock.now += 5
    assert await budgets.try_take(7) is None


async def test_take_waits_for_the_window() -> None:
    budgets = InProcessSendBudgets(
        SendLimits(private_chat=Window(1, 0.1), overall=Window(10, 1.0), **NO_MARGIN)
    )
    assert await take(budgets, 1) == 0
    started = time.monotonic()
    assert await take(budgets, 1) > 0
    assert time.monotonic() - started >= 0.09


async def test_redis_budgets_are_shared_and_atomic(real_backend) -> None:
    redis = Redis.from_url(real_backend.redis_url)
    limits = SendLimits(group_chat=Window(5, 30.0), overall=Window(10**6, 1.0), **NO_MARGIN)
    bot_id = secrets.token_hex(4)
    # Two "processes" (two clients) racing for one group: exactly the limit is taken.
    first, second = RedisSendBudgets(redis, limits, bot_id), RedisSendBudgets(redis, limits, bot_id)

    async def contender(budgets: RedisSendBudgets) -> int:
        taken = 0
        while True:
            refusal = await budgets.try_take(-100)
            if refusal is None:
                taken += 1
            elif refusal.whole_bot:  # the bot's pace: a millisecond
                await asyncio.sleep(refusal.wait)
            else:
                assert 29 < refusal.wait <= 30
                return taken

    assert sum(await asyncio.gather(*(contender(each) for each in [first, second] * 5))) == 5
    # The bot's pace is shared too: right after a take, the next waits a step (no margin, so
    # no slack).
    paced = SendLimits(overall=Window(3, 30.0), **NO_MARGIN)
    paced_bot = secrets.token_hex(4)
    assert await RedisSendBudgets(redis, paced, paced_bot).try_take(1) is None
    refusal = await RedisSendBudgets(redis, paced, paced_bot).try_take(2)
    assert refusal is not None and refusal.whole_bot and 9.9 < refusal.wait <= 10
    # Another bot has budgets of its own.
    assert await RedisSendBudgets(redis, limits, bot_id + "x").try_take(-100) is None
    await redis.aclose()


async def test_redis_pauses_are_shared(real_backend) -> None:
    redis = Redis.from_url(real_backend.redis_url)
    bot_id = secrets.token_hex(4)
    first = RedisSendBudgets(redis, SendLimits(), bot_id)
    second = RedisSendBudgets(redis, SendLimits(), bot_id)
    await first.pause(-100, 3)
    await first.pause(-100, 1)  # a shorter pause does not shorten the longer one
    refusal = await second.try_take(-100)
    assert refusal is not None and 2.5 < refusal.wait <= 3 and not refusal.whole_bot
    assert await second.try_take(-200) is None
    await second.pause(None, 2)
    refusal = await first.try_take(-300)
    assert refusal is not None and refusal.whole_bot
    await redis.aclose()


async def test_chats_that_went_quiet_are_forgotten() -> None:
    clock = Clock()
    budgets = InProcessSendBudgets(SendLimits(overall=Window(10**6, 1.0), **NO_MARGIN), clock)
    await budgets.pause(1, 5)
    for chat in range(2, 2 + InProcessSendBudgets.SWEEP_EVERY - 1):  # a broadcast
        assert await budgets.try_take(chat) is None
        clock.now += 0.001
    clock.now += 61  # longer than any chat window
    assert await budgets.try_take(-7) is None  # the take that sweeps
    assert list(budgets._chat_windows) == [-7] and budgets._paused_until == {}


async def test_an_interactive_send_waiting_for_the_pace_keeps_bulk_sends_off_its_slot() -> None:
    clock = Clock()
    budgets = InProcessSendBudgets(SendLimits(overall=Window(1, 1.0), **NO_MARGIN), clock)
    assert await budgets.try_take(1, bulk=True) is None
    waiting = await budgets.try_take(2)  # a handler's reply, refused by the bot's pace
    assert waiting is not None and waiting.whole_bot
    clock.now += waiting.wait
    held = await budgets.try_take(3, bulk=True)  # the broadcast's next send is held off ...
    assert held is not None and held.whole_bot
    assert await budgets.try_take(2) is None  # ... and the reply gets the slot
    clock.now += 1 + held.wait
    assert await budgets.try_take(3, bulk=True) is None  # then the broadcast goes on


async def test_an_interactive_send_holds_its_slot_against_every_process_bulk_lane(
    real_backend,  # type: ignore[no-untyped-def]
) -> None:
    redis = Redis.from_url(real_backend.redis_url)
    paced = SendLimits(overall=Window(10, 1.0), **NO_MARGIN)
    bot_id = secrets.token_hex(4)
    broadcaster, replier = (
        RedisSendBudgets(redis, paced, bot_id),
        RedisSendBudgets(redis, paced, bot_id),
    )
    assert await broadcaster.try_take(1, bulk=True) is None
    waiting = await replier.try_take(2)
    assert waiting is not None and waiting.whole_bot
    await asyncio.sleep(waiting.wait)
    held = await broadcaster.try_take(3, bulk=True)
    assert held is not None and held.whole_bot and held.wait <= 0.1
    assert await replier.try_take(2) is None
    await asyncio.sleep(0.15)
    assert await broadcaster.try_take(3, bulk=True) is None
    await redis.aclose()
