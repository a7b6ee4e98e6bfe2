"""Replays N updates from M users through the Telegram emulator, twice in one run:

1. a bare aiogram echo bot (no middlewares, no storage) — the baseline;
2. the full EasyFlow stack (middlewares, DB session + user upsert on PostgreSQL, FSM in Redis
   with event isolation, throttling counters, i18n, the real handlers and their replies).

The updates are queued in the emulator before the bot starts, so each phase measures how fast
the bot drains the same backlog. The emulator runs in its own process, so its work does not
share the bot's event loop. Bar: full stack throughput >= 0.5 x bare echo.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message, TelegramObject

from bot.app import Resources, build_dispatcher, create_bot
from bot.config import Settings
from bot.migrate import upgrade
from tests.servers import UNTHROTTLED_SENDING, ThrowawayPostgres, ThrowawayRedis, free_port

BAR = 0.5


class HandlingClock(BaseMiddleware):
    """Times each update from the dispatcher's entry to the end of its handler."""

    def __init__(self, expected: int) -> None:
        self.latencies: list[float] = []
        self.expected = expected
        self.done = asyncio.Event()
        self.in_flight = 0
        self.peak_in_flight = 0

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        started = time.perf_counter()
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            return await handler(event, data)
        finally:
            self.in_flight -= 1
            self.latencies.append(time.perf_counter() - started)
            if len(self.latencies) >= self.expected:
                self.done.set()


def echo_dispatcher() -> Dispatcher:
    router = Router(name="echo")

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


def workload(total: int, users: int) -> list[tuple[dict[str, Any], str]]:
    rng = random.Random(42)
    people = [
        {"id": 5_000_000 + i, "first_name": f"User{i}", "language_code": rng.choice(["en", "ru"])}
        for i in range(users)
    ]
    texts = ["/start", "/help", "hello there", "what can you do?", "/settings", "ok"]
    return [(people[i % users], texts[rng.randrange(len(texts))]) for i in range(total)]


async def enqueue(base_url: str, updates: list[tuple[dict[str, Any], str]]) -> None:
    queue = list(updates)
    async with aiohttp.ClientSession() as http:

        async def worker() -> None:
            while queue:
                user, text = queue.pop(0)
                url = f"{base_url}/sandbox/api/chats/{user['id']}/messages"
                async with http.post(url, json={"from": user, "text": text}) as response:
                    response.raise_for_status()

        await asyncio.gather(*(worker() for _ in range(32)))


async def drain(bot: Bot, dispatcher: Dispatcher, expected: int) -> tuple[float, list[float]]:
    clock = HandlingClock(expected)
    # Outermost, so the latency covers every middleware (DB session, user upsert, FSM lock...).
    dispatcher.update.outer_middleware._middlewares.insert(0, clock)
    started = time.perf_counter()
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot,
            handle_signals=False,
            polling_timeout=1,
            tasks_concurrency_limit=Settings.model_fields["max_concurrent_updates"].default,
        )
    )
    await asyncio.wait_for(clock.done.wait(), timeout=1800)
    elapsed = time.perf_counter() - started
    await dispatcher.stop_polling()
    await polling
    print(f"      peak in flight: {clock.peak_in_flight}", flush=True)
    return elapsed, clock.latencies


def start_emulator_process() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-rate-limits",
        ],
        stdout=subprocess.DEVNULL,
    )
    return process, f"http://127.0.0.1:{port}"


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of another process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_until_up(base_url: str) -> None:
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"{base_url}/sandbox/api/chats") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the emulator did not start")


async def run_phase(
    name: str, updates: list[tuple[dict[str, Any], str]], make: Callable[[str], Any]
) -> Any:
    process, base_url = start_emulator_process()
    try:
        await wait_until_up(base_url)
        await enqueue(base_url, updates)
        bot, dispatcher, cleanup = await make(base_url)
        bot_cpu, emulator_cpu = time.process_time(), process_cpu_seconds(process.pid)
        try:
            elapsed, latencies = await drain(bot, dispatcher, len(updates))
        finally:
            bot_cpu = time.process_time() - bot_cpu
            emulator_cpu = process_cpu_seconds(process.pid) - emulator_cpu
            await cleanup()
        rate = len(updates) / elapsed
        print(
            f"{name:>10}: {len(updates)} updates in {elapsed:6.2f} s = {rate:8.1f} updates/s"
            f" (CPU per update: bot {bot_cpu / len(updates) * 1000:.2f} ms,"
            f" emulator {emulator_cpu / len(updates) * 1000:.2f} ms)",
            flush=True,
        )
        return rate, latencies
    finally:
        process.terminate()
        process.wait(timeout=10)


async def run(total_updates: int, users: int) -> int:
    updates = workload(total_updates, users)
    postgres = ThrowawayPostgres().start()
    redis = ThrowawayRedis().start()
    try:
        database_url = postgres.create_database("bench")
        await asyncio.to_thread(upgrade, database_url)

        async def make_echo(base_url: str) -> Any:
            session = AiohttpSession(api=TelegramAPIServer.from_base(base_url))
            bot = Bot("1000000003:bench", session=session)
            return bot, echo_dispatcher(), bot.session.close

        async def make_full(base_url: str) -> Any:
            settings = Settings(
                _env_file=None, database_url=database_url, redis_url=redis.url,
                throttle_limit=1_000_000, log_level="WARNING",
                **UNTHROTTLED_SENDING,
            )  # fmt: skip
            resources = Resources.open(settings)
            bot = create_bot("1000000003:bench", settings, base_url)

            async def cleanup() -> None:
                await bot.session.close()
                await resources.close()

            return bot, build_dispatcher(resources), cleanup

        print(
            f"replaying {total_updates} updates from {users} users (PostgreSQL + Redis, pid {os.getpid()})"
        )
        echo_rate, _ = await run_phase("bare echo", updates, make_echo)
        full_rate, latencies = await run_phase("full stack", updates, make_full)
        ratio = full_rate / echo_rate
        p50 = statistics.median(latencies) * 1000
        p99 = statistics.quantiles(latencies, n=100)[98] * 1000
        print(f"     ratio: {ratio:.2f} (bar >= {BAR})")
        print(f"full stack handling latency: p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        return 0 if ratio >= BAR else 1
    finally:
        redis.stop()
        postgres.stop()
