"""Replays N updates from M users through the Telegram emulator, three times in one run:

1. a bare aiogram echo bot (no middlewares, no storage) — the floor;
2. the template stack (bench/template_stack.py): what popular public aiogram templates do per
   update — RedisStorage + RedisEventIsolation, a SQLAlchemy session, a user upsert with
   ON CONFLICT and a commit, an FSM state read and a reply;
3. the full EasyFlow stack with every module and metrics on (middlewares, DB session + user
   upsert on PostgreSQL, FSM in Redis with event isolation, throttling counters, i18n, the real
   handlers and their replies, send budgets in Redis).

The updates are queued in the emulator before the bot starts, so each phase measures how fast
the bot drains the same backlog. Each phase runs in a process of its own that imports only what
its stack needs (a template bot does not carry EasyFlow's modules through its garbage
collections), and the emulator in yet another, so its work does not share the bot's loop. Bar: full stack throughput >= 1.3 x the template stack's, with a
p99 handling latency no worse than the template's (exit code 1 otherwise); the ratio to the
echo floor is printed (the goal beyond the bar is 0.5).

`--profile PHASE` runs cProfile around that phase's drain and prints its top functions (the
figures of a profiled run are not comparable with an unprofiled one).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message, TelegramObject

from bench.template_stack import create_template_tables, make_template

# Aiogram's default; the full stack's setting of the same name defaults to it too.
MAX_CONCURRENT_UPDATES = 64

TEMPLATE_BAR = 1.3
ECHO_GOAL = 0.5


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
            tasks_concurrency_limit=MAX_CONCURRENT_UPDATES,
        )
    )
    await asyncio.wait_for(clock.done.wait(), timeout=1800)
    elapsed = time.perf_counter() - started
    await dispatcher.stop_polling()
    await polling
    print(f"      peak in flight: {clock.peak_in_flight}", flush=True)
    return elapsed, clock.latencies


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


@dataclass
class PhaseResult:
    name: str
    rate: float
    bot_cpu_ms: float
    emulator_cpu_ms: float
    p50_ms: float
    p99_ms: float

    def line(self, updates: int) -> str:
        return (
            f"{self.name:>10}: {updates} updates = {self.rate:7.1f} updates/s"
            f" (CPU per update: bot {self.bot_cpu_ms:.2f} ms,"
            f" emulator {self.emulator_cpu_ms:.2f} ms;"
            f" handling p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms)"
        )


async def run_phase(
    name: str,
    updates: list[tuple[dict[str, Any], str]],
    make: Callable[[str], Any],
    profile: bool = False,
) -> PhaseResult:
    process, base_url = start_emulator_process()
    try:
        await wait_until_up(base_url)
        await enqueue(base_url, updates)
        bot, dispatcher, cleanup = await make(base_url)
        profiler = cProfile.Profile() if profile else None
        bot_cpu, emulator_cpu = time.process_time(), process_cpu_seconds(process.pid)
        try:
            if profiler is not None:
                profiler.enable()
            elapsed, latencies = await drain(bot, dispatcher, len(updates))
        finally:
            if profiler is not None:
                profiler.disable()
            bot_cpu = time.process_time() - bot_cpu
            emulator_cpu = process_cpu_seconds(process.pid) - emulator_cpu
            await cleanup()
        result = PhaseResult(
            name,
            rate=len(updates) / elapsed,
            bot_cpu_ms=bot_cpu / len(updates) * 1000,
            emulator_cpu_ms=emulator_cpu / len(updates) * 1000,
            p50_ms=statistics.median(latencies) * 1000,
            p99_ms=statistics.quantiles(latencies, n=100)[98] * 1000,
        )
        if profiler is not None:
            print_profile(profiler)
        return result
    finally:
        process.terminate()
        process.wait(timeout=10)


def print_profile(profiler: cProfile.Profile, top: int = 40) -> None:
    path = Path(tempfile.gettempdir()) / f"bench-updates-{os.getpid()}.pstats"
    profiler.dump_stats(path)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    print(out.getvalue())
    print(f"      profile saved to {path}", flush=True)


PHASES = ("echo", "template", "full")
PHASE_NAMES = {"echo": "bare echo", "template": "template", "full": "full stack"}
TOKEN = "1000000003:bench"


async def make_echo(base_url: str) -> Any:
    session = AiohttpSession(api=TelegramAPIServer.from_base(base_url))
    bot = Bot(TOKEN, session=session)
    return bot, echo_dispatcher(), bot.session.close


async def make_full(base_url: str, database_url: str, redis_url: str) -> Any:
    # Imported here: the other phases' processes do not load EasyFlow.
    from bot.app import Resources, build_dispatcher, create_bot
    from bot.config import Settings
    from tests.servers import UNTHROTTLED_SENDING

    # Every module on (the default), metrics on (always), send budgets in Redis.
    settings = Settings(
        _env_file=None, database_url=database_url, redis_url=redis_url,
        throttle_limit=1_000_000, log_level="WARNING",
        max_concurrent_updates=MAX_CONCURRENT_UPDATES,
        **UNTHROTTLED_SENDING,
    )  # fmt: skip
    resources = Resources.open(settings)
    bot = create_bot(TOKEN, settings, base_url, redis=resources.redis)

    async def cleanup() -> None:
        await bot.session.close()
        await resources.close()

    return bot, build_dispatcher(resources), cleanup


async def run_one_phase(
    phase: str, total_updates: int, users: int, database_url: str, redis_url: str, profile: bool
) -> PhaseResult:
    async def make(base_url: str) -> Any:
        if phase == "echo":
            return await make_echo(base_url)
        if phase == "template":
            return make_template(database_url, redis_url, TOKEN, base_url)
        return await make_full(base_url, database_url, redis_url)

    return await run_phase(PHASE_NAMES[phase], workload(total_updates, users), make, profile)


def phase_in_own_process(
    phase: str, total_updates: int, users: int, database_url: str, redis_url: str, profile: bool
) -> PhaseResult:
    command = [
        sys.executable, "-m", "bench.updates", phase,
        "--updates", str(total_updates), "--users", str(users),
        "--database-url", database_url, "--redis-url", redis_url,
    ]  # fmt: skip
    if profile:
        command.append("--profile")
    completed = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    result: PhaseResult | None = None
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT "):
            result = PhaseResult(**json.loads(line.removeprefix("RESULT ")))
        else:
            print(line, flush=True)
    if result is None:
        raise RuntimeError(f"the {phase} phase reported nothing")
    return result


async def run(
    total_updates: int,
    users: int,
    profile: str | None = None,
    phases: tuple[str, ...] = PHASES,
) -> int:
    from bot.migrate import upgrade
    from tests.servers import ThrowawayPostgres, ThrowawayRedis

    postgres = ThrowawayPostgres().start()
    redis = ThrowawayRedis().start()
    try:
        database_url = postgres.create_database("bench")
        await asyncio.to_thread(upgrade, database_url)
        await create_template_tables(database_url)
        print(
            f"replaying {total_updates} updates from {users} users"
            f" (PostgreSQL + Redis, one process per phase)",
            flush=True,
        )
        results: dict[str, PhaseResult] = {}
        for phase in PHASES:
            if phase in phases:
                results[phase] = await asyncio.to_thread(
                    phase_in_own_process,
                    phase, total_updates, users, database_url, redis.url, profile == phase,
                )  # fmt: skip
                print(results[phase].line(total_updates), flush=True)
        if len(results) < len(PHASES):
            return 0
        echo, template, full = results["echo"], results["template"], results["full"]
        to_template = full.rate / template.rate
        to_echo = full.rate / echo.rate
        latency_ok = full.p99_ms <= template.p99_ms
        print(f"  full / template: {to_template:.2f} (bar >= {TEMPLATE_BAR})")
        print(f"  full / echo:     {to_echo:.2f} (goal {ECHO_GOAL})")
        print(
            f"  p99 full {full.p99_ms:.1f} ms vs template {template.p99_ms:.1f} ms:"
            f" {'ok' if latency_ok else 'WORSE'}"
        )
        return 0 if to_template >= TEMPLATE_BAR and latency_ok else 1
    finally:
        redis.stop()
        postgres.stop()


def main() -> None:
    """One phase in this process: `python -m bench.updates PHASE ...` (run by `run`)."""
    parser = argparse.ArgumentParser(prog="python -m bench.updates")
    parser.add_argument("phase", choices=PHASES)
    parser.add_argument("--updates", type=int, required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(
        run_one_phase(
            args.phase, args.updates, args.users, args.database_url, args.redis_url, args.profile
        )
    )
    print("RESULT " + json.dumps(asdict(result)), flush=True)


if __name__ == "__main__":
    main()
