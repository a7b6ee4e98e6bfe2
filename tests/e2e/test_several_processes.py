"""Two `python -m bot` processes serve one bot by webhook behind a round-robin proxy, as
`docker compose up --scale bot=2` runs them: one Telegram emulator (with Ozon and Wildberries),
one PostgreSQL, one Redis, one metrics directory. Whatever must happen once happens once: each
update is handled by one of them (both take some), a broadcast reaches each recipient once, each
buyer message is forwarded once, a job that runs once across processes runs once per tick. A
replica stopped with SIGTERM exits cleanly and leaves the webhook to the other one."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import func, select

from bot.config import Settings
from handlers.marketplace.tools import build_tools
from sandbox import SandboxClient, TelegramEmulator
from sandbox.proxy import RoundRobinProxy
from services.broadcasts.control import RecipientState
from services.broadcasts.drafts import Audience, AudienceKind, BroadcastStatus
from services.database import create_engine, create_session_factory
from services.marketplace.models import Marketplace
from services.marketplace.sellers import connect_account, register_seller
from services.models.broadcast import BroadcastRecipient
from tests.conftest import Backend
from tests.e2e.admin_chat import admin_group
from tests.e2e.bot_processes import BotProcess, replica_environment
from tests.e2e.broadcasts import (
    add_crowd,
    broadcast_now,
    deliveries,
    fresh_crowd_id,
    wait_for_status,
)
from tests.e2e.harness import BOT_TOKEN, HarnessFactory, new_user
from tests.e2e.scrape import sample_value, scrape
from tests.servers import UNTHROTTLED_SENDING, free_port

USERS = 50
CROWD = 200
METRICS_TOKEN = "several-processes-metrics"
WEBHOOK_PATH = "/webhook/telegram"
BOT_ID = int(BOT_TOKEN.split(":")[0])
# Jobs that run once across processes, and how often they tick (handlers/marketplace).
ONCE_JOBS = {"marketplace-replies": 10.0, "marketplace-sla": 20.0}
_orders = itertools.count(int(time.time()) % 10**6 * 100)


async def wait_until(check: Any, timeout: float, what: str, replicas: list[BotProcess]) -> Any:
    """`check()`'s first truthy answer (it may be a coroutine function)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            tails = "\n".join(replica.tail() for replica in replicas)
            raise AssertionError(f"timed out waiting for {what}\n{tails}")
        await asyncio.sleep(0.2)


async def connect_seller(
    settings: Settings, emulator: TelegramEmulator, client: SandboxClient
) -> tuple[int, dict[str, Any]]:
    """A seller's forum group with both marketplaces connected (their demo accounts), as
    /connect leaves it; the credentials sealed with the replicas' key."""
    operator = new_user(first_name="Olga")
    group = await client.create_forum(
        "Shop support", members=[{"user": operator, "status": "creator"}]
    )
    tools = build_tools(settings)
    engine = create_engine(settings.effective_database_url)
    try:
        async with create_session_factory(engine)() as session:
            seller = await register_seller(
                session, group["id"], "Shop support", "en", operator["id"]
            )
            for marketplace in (Marketplace.OZON, Marketplace.WILDBERRIES):
                await connect_account(
                    session,
                    seller_id=seller.id,
                    marketplace=marketplace,
                    values=emulator.marketplace(marketplace).demo_credentials(),
                    user_id=operator["id"],
                    vault=tools.vault,
                    connectors=tools.connectors,
                )
    finally:
        await tools.close()
        await engine.dispose()
    return group["id"], operator


async def start_and_help(client: SandboxClient, user: dict[str, Any]) -> None:
    """/start, its greeting, /help, its answer: a user's first minute."""
    for text in ("/start", "/help"):
        sent = await client.send_text(user["id"], user, text)
        await client.wait_for_bot_messages(
            user["id"], after=sent["message"]["message_id"], count=1, timeout=30
        )


async def replies_once(client: SandboxClient, user: dict[str, Any]) -> list[str]:
    """What the bot wrote to the user; asserts it is one greeting and one help text."""
    texts = [m["text"] for m in await client.messages(user["id"]) if m["from_bot"]]
    assert len(texts) == 2, texts
    assert sum("Hi, " in text for text in texts) == 1, texts
    assert sum("/language" in text for text in texts) == 1, texts
    return texts


def job_runs(replicas: list[BotProcess]) -> dict[str, list[tuple[float, str]]]:
    """Each job's finished runs across the replicas' logs: (when, which replica)."""
    runs: dict[str, list[tuple[float, str]]] = {}
    for replica in replicas:
        for entry in replica.log_entries():
            message = entry["message"]
            if entry["logger"] == "bot.scheduler" and message.startswith("job "):
                name = message.split()[1]
                if " done in " in message:
                    ended = datetime.fromisoformat(entry["time"]).timestamp()
                    runs.setdefault(name, []).append((ended, replica.name))
    return {name: sorted(found) for name, found in runs.items()}


def webhook_deliveries(emulator: TelegramEmulator) -> list[dict[str, Any]]:
    return list(emulator.world.bots[BOT_ID].webhook_deliveries)


async def test_two_bot_processes_behind_a_proxy_do_each_thing_once(
    harness_factory: HarnessFactory, real_backend: Backend, tmp_path: Path
) -> None:
    client = await harness_factory.sandbox()
    emulator = harness_factory.emulator
    assert emulator is not None and emulator.base_url is not None
    # The marketplaces' own limits are the connectors' tests' subject; here they would slow.
    await client.ozon.set_limit(None)
    await client.wildberries.set_limit(None)
    admin_chat = await admin_group(harness_factory)
    ports = [free_port(), free_port()]
    proxy = RoundRobinProxy([f"http://127.0.0.1:{port}" for port in ports])
    await proxy.start()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    shared: dict[str, object] = {
        "bot_token": BOT_TOKEN,
        "telegram_api_url": emulator.base_url,
        "webhook_url": proxy.url,
        "database_url": real_backend.database_url,
        "redis_url": real_backend.redis_url,
        "admin_chat_id": admin_chat.chat_id,
        "admin_ids": str(admin_chat.admin["id"]),
        "ozon_api_url": emulator.ozon.api_url(emulator.base_url),
        "wildberries_api_url": emulator.wildberries.api_url(emulator.base_url),
        "marketplace_poll_seconds": 1,
        "marketplace_credentials_key": Fernet.generate_key().decode(),
        "metrics_token": METRICS_TOKEN,
        "throttle_limit": 50,
        "log_format": "json",
        # The scheduler says at DEBUG which job ran where; the test counts the runs.
        "log_level": "DEBUG",
        "prometheus_multiproc_dir": metrics_dir,
        **UNTHROTTLED_SENDING,
    }
    settings = Settings(_env_file=None, **{k: v for k, v in shared.items() if "multiproc" not in k})
    forum_id, _ = await connect_seller(settings, emulator, client)
    replicas = [
        BotProcess(
            f"bot-{index + 1}",
            replica_environment({**shared, "web_host": "127.0.0.1", "web_port": port}),
            tmp_path,
        )
        for index, port in enumerate(ports)
    ]
    engine = create_engine(real_backend.database_url)
    session_factory = create_session_factory(engine)
    try:
        for replica in replicas:
            replica.start()
        for replica in replicas:
            await replica.wait_healthy()
            await replica.wait_logged("receiving updates by webhook")
        started = time.monotonic()
        webhook = emulator.world.bots[BOT_ID].webhook
        assert webhook is not None and webhook.url == proxy.url + WEBHOOK_PATH

        # 1. A run of updates: each handled by one replica, each user answered once. Counted
        # from here: while the replicas start, each sets the webhook, and a delivery under way
        # when the second one does is sent again (the proxy passed both on, the emulator
        # recorded one), as Telegram may do too.
        def proxied() -> dict[str, int]:
            return {u: proxy.answered[u][WEBHOOK_PATH] for u in proxy.answered}

        taken_before, delivered_before = proxied(), len(webhook_deliveries(emulator))
        users = [new_user(first_name=f"Guest{index}") for index in range(USERS)]
        await asyncio.gather(*(start_and_help(client, user) for user in users))
        for user in users:
            await replies_once(client, user)
        # The proxy counts an answer as it passes it on, the emulator records the delivery once
        # it has read it: give the last one a moment to land on both sides.
        for _ in range(50):
            delivered = webhook_deliveries(emulator)
            taken = {u: count - taken_before.get(u, 0) for u, count in proxied().items()}
            if sum(taken.values()) == len(delivered) - delivered_before:
                break
            await asyncio.sleep(0.1)
        assert all(delivery["ok"] for delivery in delivered), delivered
        assert len({d["update_id"] for d in delivered}) == len(delivered)
        assert all(count > 0 for count in taken.values()), taken
        run = delivered[delivered_before:]
        assert len(run) == 2 * USERS, (len(run), delivered_before)
        # One answer per delivery; a delivery the emulator timed out on and sent again is
        # passed on twice (its "attempts" say so), and still handled once (above).
        retried = [d for d in run if d["attempts"] > 1]
        assert len(run) <= sum(taken.values()) <= len(run) + len(retried), (
            taken,
            len(run),
            retried,
            taken_before,
        )

        # Every replica's /metrics sums both processes' counters (one metrics directory): every
        # update a replica was handed, a delivery sent again at start-up included.
        async def updates_counted() -> list[float] | None:
            values = [
                sample_value(await scrape(replica.url, METRICS_TOKEN), "easyflow_updates_total")
                for replica in replicas
            ]
            handed = sum(proxied().values())
            return values if values == [handed] * len(replicas) else None

        await wait_until(updates_counted, 15, "both /metrics to count every update", replicas)

        # 2. A broadcast: each recipient gets it once, whichever replica claimed them.
        crowd = await add_crowd(client, session_factory, fresh_crowd_id(), CROWD, "ru")
        text = "Two replicas, one sale"
        broadcast_id = await broadcast_now(
            session_factory,
            admin_chat.admin["id"],
            admin_chat.chat_id,
            text,
            Audience(AudienceKind.LANGUAGE, language="ru"),
        )
        progress = await wait_for_status(
            session_factory, broadcast_id, {BroadcastStatus.FINISHED}, 60
        )
        assert (progress.sent, progress.total) == (CROWD, CROWD)
        received = deliveries(emulator, text)
        assert {user: received[user] for user in crowd} == dict.fromkeys(crowd, 1)
        async with session_factory() as session:
            claims = dict(
                (
                    await session.execute(
                        select(BroadcastRecipient.claimed_by, func.count())
                        .where(
                            BroadcastRecipient.broadcast_id == broadcast_id,
                            BroadcastRecipient.state == RecipientState.SENT,
                        )
                        .group_by(BroadcastRecipient.claimed_by)
                    )
                ).all()
            )
        await admin_chat.wait_text(f"Broadcast #{broadcast_id} finished", timeout=30)
        reports = [
            m
            for m in await client.messages(admin_chat.chat_id)
            if m["from_bot"] and f"Broadcast #{broadcast_id} finished" in (m.get("text") or "")
        ]
        assert len(reports) == 1, reports

        # 3. A marketplace sync: each buyer message forwarded once, into one topic per chat.
        chats: dict[str, tuple[Marketplace, int]] = {}
        for marketplace in (Marketplace.OZON, Marketplace.WILDBERRIES) * 3:
            order = f"{next(_orders)}-0001"
            chat = await client.marketplace(marketplace).buyer_starts_chat(
                f"Where is order {order}?", buyer_name="Irina", order=order, product="1234567"
            )
            chats[order] = (marketplace, chat["chat_id"])

        async def topics() -> list[dict[str, Any]]:
            found = await client.topics(forum_id, with_messages=True)
            for topic in found:
                topic["messages"] = [m for m in topic["messages"] if not m["service"]]
            return found

        async def every_chat_has(count: int) -> bool:
            found = await topics()
            return all(
                any(order in t["name"] and len(t["messages"]) >= count for t in found)
                for order in chats
            )

        await wait_until(lambda: every_chat_has(2), 30, "each buyer chat's topic", replicas)
        for order, (marketplace, chat_id) in chats.items():
            await client.marketplace(marketplace).buyer_writes(chat_id, f"Any news on {order}?")
        await wait_until(lambda: every_chat_has(3), 30, "each buyer's second message", replicas)
        await asyncio.sleep(3)  # a few more sync ticks: nothing comes twice
        found = await topics()
        for order in chats:
            [topic] = [t for t in found if order in t["name"]]
            shown = [m.get("text") or m.get("caption") or "" for m in topic["messages"]]
            assert sum(f"Where is order {order}?" in s for s in shown) == 1, shown
            assert sum(f"Any news on {order}?" in s for s in shown) == 1, shown
            assert len(shown) == 3, shown  # the card and the two messages

        # 4. Jobs that run once across processes: at most one run per tick, both replicas
        # running the scheduler. Long enough for the slowest of them to tick.
        remaining = max(ONCE_JOBS.values()) + 2 - (time.monotonic() - started)
        if remaining > 0:
            await asyncio.sleep(remaining)
        runs = job_runs(replicas)
        for job, every in ONCE_JOBS.items():
            ended = [when for when, _ in runs.get(job, [])]
            assert ended, (job, runs.keys())
            gaps = [later - earlier for earlier, later in itertools.pairwise(ended)]
            assert all(gap >= every / 2 for gap in gaps), (job, runs[job])
        sync_runs = Counter(name for _, name in runs.get("marketplace-sync", []))
        assert set(sync_runs) == {replica.name for replica in replicas}, sync_runs

        # 5. One replica stops (a rolling update): it exits cleanly, its live gauges are
        # forgotten, and the webhook stays set for the other, which serves everything now.
        first, second = replicas
        assert first.stop() == 0, first.tail()
        assert emulator.world.bots[BOT_ID].webhook is not None
        identifier = f"{socket.gethostname().replace('_', '-')}-{first.pid}"
        assert not list(metrics_dir.glob(f"gauge_live*_{identifier}.db"))
        late = [new_user(first_name=f"Late{index}") for index in range(5)]
        before = proxy.answered[second.url][WEBHOOK_PATH]
        await asyncio.gather(*(start_and_help(client, user) for user in late))
        for user in late:
            await replies_once(client, user)
        assert proxy.answered[second.url][WEBHOOK_PATH] - before == 2 * len(late)
        assert second.stop() == 0, second.tail()
        for replica in replicas:
            errors = [e for e in replica.log_entries() if e["level"] in {"ERROR", "CRITICAL"}]
            assert errors == [], (replica.name, errors)
            assert "stopped" in [e["message"] for e in replica.log_entries()]
        print(
            f"\nupdates per replica (proxy): {taken}; broadcast claims: {claims}; "
            f"once-jobs runs: { {job: Counter(n for _, n in runs[job]) for job in ONCE_JOBS} }; "
            f"sync runs per replica: {dict(sync_runs)}; "
            f"took {time.monotonic() - started:.1f} s after start-up"
        )
    except BaseException:
        for replica in replicas:
            print(replica.tail(60))
        raise
    finally:
        for replica in replicas:
            replica.stop()
        await proxy.stop()
        await engine.dispose()
