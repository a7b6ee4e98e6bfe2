from __future__ import annotations

import asyncio

from middlewares.throttling import MemoryUpdateCounter


async def test_memory_counter_counts_within_a_window_and_resets_after() -> None:
    counter = MemoryUpdateCounter(period_seconds=0.2)
    assert [await counter.hit(7) for _ in range(3)] == [1, 2, 3]
    assert await counter.hit(8) == 1  # other users have their own window
    await asyncio.sleep(0.25)
    assert await counter.hit(7) == 1
