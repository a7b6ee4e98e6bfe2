"""YooKassa notifications through the bot's webhook, on PostgreSQL.

1,000 users each order a 5-interview pack by YooKassa link (the real SDK against the sandbox's
YooKassa emulator, which runs with the Telegram emulator in another process). The payments are
marked paid in the emulator without notifying; then every payment's `payment.succeeded`
notification is posted twice (1,000 distinct + 1,000 duplicates, shuffled, 32 at a time) to
`/webhooks/yookassa` on the bot's web server in this process. Each notification is re-checked
with `Payment.find_one` against the emulator before crediting.

Printed: notifications per second, and the audit: payments, ledger entries and credits per user.
Bar: zero double credits and zero lost payments (every user holds exactly 5 credits).
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bench.updates import start_emulator_process, wait_until_up
from bot.app import Resources, build_dispatcher, create_bot
from bot.config import Settings
from bot.migrate import upgrade
from bot.web import build_web_app
from sandbox.yookassa import API_PREFIX, CONTROL_PREFIX, DEFAULT_SECRET_KEY, DEFAULT_SHOP_ID
from services.models import CreditAccount, CreditEntry, Payment, User
from services.payments.orders import Method, attach_provider_payment, create_order
from services.payments.seeding import seed_products_database
from services.payments.yookassa_gateway import YooKassaGateway
from tests.servers import UNTHROTTLED_SENDING, ThrowawayPostgres, serve_locally

BOT_TOKEN = "1000000005:payments-bench"
PAYMENTS = 1000
CONCURRENCY = 32
PACK = "pack_5"
PACK_CREDITS = 5


async def _orders(
    resources: Resources, gateway: YooKassaGateway, base_url: str
) -> list[dict[str, Any]]:
    """One user, order and YooKassa payment per buyer; returns the payments as YooKassa has them."""
    user_ids = [8_000_000 + i for i in range(PAYMENTS)]
    async with resources.session_factory() as session:
        session.add_all(User(telegram_id=uid, first_name=f"Buyer{uid}") for uid in user_ids)
        await session.flush()
        orders = [await create_order(session, uid, PACK, Method.YOOKASSA_LINK) for uid in user_ids]
        await session.commit()
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def pay(order_id: int, amount: int) -> str:
        async with semaphore:
            payment = await gateway.create_payment(
                amount=amount, currency="RUB", description=f"bench #{order_id}",
                order_id=order_id, return_url=base_url, idempotency_key=f"bench-{order_id}",
            )  # fmt: skip
            return payment.id

    payment_ids = await asyncio.gather(*(pay(order.id, order.amount) for order in orders))
    async with resources.session_factory() as session:
        for order, payment_id in zip(orders, payment_ids, strict=True):
            merged = await session.merge(order)
            attach_provider_payment(merged, payment_id)
        await session.commit()
    async with aiohttp.ClientSession() as http:
        control = f"{base_url}{CONTROL_PREFIX}"
        async with http.post(f"{control}/settings", json={"notification_url": None}) as response:
            response.raise_for_status()

        async def succeed(payment_id: str) -> dict[str, Any]:
            async with semaphore, http.post(f"{control}/payments/{payment_id}/succeed") as r:
                r.raise_for_status()
                return (await r.json())["payment"]

        return list(await asyncio.gather(*(succeed(pid) for pid in payment_ids)))


async def _deliver(web_url: str, payments: list[dict[str, Any]]) -> tuple[float, dict[int, int]]:
    bodies = [
        {"type": "notification", "event": "payment.succeeded", "object": payment}
        for payment in payments
    ] * 2
    random.Random(7).shuffle(bodies)
    statuses: dict[int, int] = {}
    queue = list(bodies)
    async with aiohttp.ClientSession() as http:

        async def worker() -> None:
            while queue:
                body = queue.pop()
                async with http.post(f"{web_url}/webhooks/yookassa", json=body) as response:
                    statuses[response.status] = statuses.get(response.status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    return elapsed, statuses


async def _audit(resources: Resources) -> tuple[int, int, int, int]:
    async with resources.session_factory() as session:
        payments = await session.scalar(select(func.count()).select_from(Payment))
        entries = await session.scalar(
            select(func.count()).select_from(CreditEntry).where(CreditEntry.payment_id.is_not(None))
        )
        right = await session.scalar(
            select(func.count())
            .select_from(CreditAccount)
            .where(CreditAccount.interview_credits == PACK_CREDITS)
        )
        wrong = await session.scalar(
            select(func.count())
            .select_from(CreditAccount)
            .where(CreditAccount.interview_credits != PACK_CREDITS)
        )
    return int(payments or 0), int(entries or 0), int(right or 0), int(wrong or 0)


async def run_async() -> int:
    postgres = ThrowawayPostgres().start()
    process, base_url = start_emulator_process()
    try:
        database_url = postgres.create_database("payments_bench")
        await asyncio.to_thread(upgrade, database_url)
        await seed_products_database(database_url)
        await wait_until_up(base_url)
        settings = Settings(
            _env_file=None, database_url=database_url, redis_url=None, log_level="WARNING",
            yookassa_shop_id=DEFAULT_SHOP_ID, yookassa_secret_key=DEFAULT_SECRET_KEY,
            yookassa_api_url=base_url + API_PREFIX, max_concurrent_updates=CONCURRENCY * 2,
            **UNTHROTTLED_SENDING,
        )  # fmt: skip
        resources = Resources.open(settings)
        bot = create_bot(BOT_TOKEN, settings, base_url)
        dispatcher = build_dispatcher(resources)
        gateway = dispatcher.workflow_data["yookassa"]
        app = build_web_app(resources, dispatcher, bot, telegram_webhook=False)
        runner, web_url = await serve_locally(app)
        try:
            await dispatcher.emit_startup(bot=bot, dispatcher=dispatcher)
            print(f"preparing {PAYMENTS} YooKassa payments on PostgreSQL…", flush=True)
            payments = await _orders(resources, gateway, base_url)
            elapsed, statuses = await _deliver(web_url, payments)
            await asyncio.sleep(1.0)  # receipts go out in the background
            paid, entries, right, wrong = await _audit(resources)
        finally:
            await dispatcher.emit_shutdown(bot=bot, dispatcher=dispatcher)
            await runner.cleanup()
            await bot.session.close()
            await resources.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
        postgres.stop()
    total = PAYMENTS * 2
    print(
        f"{total} notifications ({PAYMENTS} distinct + {PAYMENTS} duplicates) in {elapsed:.2f} s"
        f" = {total / elapsed:.0f} notifications/s, each re-checked with Payment.find_one;"
        f" HTTP statuses {statuses}"
    )
    double = max(0, entries - PAYMENTS) + wrong
    lost = PAYMENTS - right
    print(
        f"audit: {paid} payments, {entries} ledger credits, {right} users with exactly"
        f" {PACK_CREDITS} credits → double credits {double}, lost payments {lost} (bar: 0 and 0)"
    )
    return 0 if double == 0 and lost == 0 and paid == PAYMENTS else 1


def run() -> int:
    return asyncio.run(run_async())
