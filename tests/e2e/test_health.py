"""/healthz: this process's dependencies decide the status; the scheduler's jobs (and the
modules' sections) are reported; and it answers within 3 s when a dependency hangs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.app import Resources, build_dispatcher, create_bot, module_context
from bot.config import Module, Settings
from bot.scheduler import JOB_SCHEDULER_KEY
from bot.web import build_web_app
from tests.e2e.desk import open_desk
from tests.e2e.harness import HarnessFactory
from tests.servers import serve_locally


async def get_health(web_url: str) -> tuple[int, dict[str, Any], float]:
    started = time.monotonic()
    async with aiohttp.ClientSession() as http, http.get(f"{web_url}/healthz") as response:
        return response.status, await response.json(), time.monotonic() - started


async def test_healthz_reports_each_scheduled_job_and_its_last_run(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start(modules="interview,payments,admin")
    deadline = time.monotonic() + 20
    while True:
        status, body, _ = await get_health(harness.web_url)
        broadcasts = body["scheduler"]["jobs"]["admin-broadcasts"]
        if broadcasts["last_run"] is not None or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert status == 200 and body["status"] == "ok"
    assert body["scheduler"]["state"] == "running"
    assert broadcasts["every_seconds"] == 3
    assert broadcasts["last_run_ok"] is True and broadcasts["late"] is False
    ran_at = datetime.fromisoformat(broadcasts["last_run"])
    assert abs((datetime.now(UTC) - ran_at).total_seconds()) < 30


@asynccontextmanager
async def hanging_server() -> AsyncIterator[int]:
    """Accepts connections and never answers: a dependency that hangs."""
    connections: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        await reader.read()  # until the client gives up

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in connections:
            writer.close()
        server.close()


async def test_healthz_answers_within_3_s_with_503_when_the_database_and_redis_hang() -> None:
    async with hanging_server() as database_port, hanging_server() as redis_port:
        settings = Settings(
            _env_file=None,
            database_url=f"postgresql+asyncpg://easyflow:x@127.0.0.1:{database_port}/easyflow",
            redis_url=f"redis://127.0.0.1:{redis_port}/0",
            modules=list(Module),
        )
        resources = Resources.open(settings)
        bot = create_bot("1000000009:health", settings, api_base_url="http://127.0.0.1:9")
        # A process whose dependencies hung while it was serving: its scheduler runs (and
        # reads the jobs' last runs from the hanging Redis).
        dispatcher = build_dispatcher(resources)
        scheduler = dispatcher.workflow_data[JOB_SCHEDULER_KEY]
        scheduler.start(module_context(resources, dispatcher, bot))
        app = build_web_app(resources, dispatcher, bot, telegram_webhook=False)
        runner, url = await serve_locally(app)
        try:
            status, body, seconds = await get_health(url)
        finally:
            await scheduler.stop(grace_seconds=0)
            await runner.cleanup()
            await bot.session.close()
            await asyncio.wait_for(resources.close(), 10)
    assert seconds < 3.0, f"/healthz took {seconds:.2f} s"
    assert status == 503
    assert body["status"] == "degraded"
    assert body["database"] == "down" and body["redis"] == "down"
    assert body["scheduler"] == "unknown"  # its Redis did not answer in time
    assert body["marketplace"] == "unknown"  # nor its database


async def test_healthz_reports_each_sellers_accounts_and_their_last_sync(
    harness_factory: HarnessFactory,
) -> None:
    desk = await open_desk(harness_factory)
    await desk.client.wildberries.fault("server_error", status=503, times=None)

    def accounts(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
        listed = body["marketplace"]["accounts"]
        return {a["marketplace"]: a for a in listed if a["seller"] == desk.seller_id}

    deadline = time.monotonic() + 20
    while True:
        status, body, _ = await get_health(desk.harness.web_url)
        mine = accounts(body)
        settled = mine["ozon"]["last_sync"] is not None and mine["wb"]["state"] == "failing"
        if settled or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.3)
    assert status == 200  # a seller's trouble is not this process's health
    ozon, wildberries = mine["ozon"], mine["wb"]
    assert ozon["state"] == "syncing" and ozon["last_error"] is None
    assert 0 <= ozon["seconds_since_sync"] < 30
    assert wildberries["state"] == "failing" and wildberries["last_error"]
    assert wildberries["problem_since"] is not None
