"""The desk's SLA report and open-chats list on a generated month: `python -m bench sla`.

A throwaway PostgreSQL, migrated to head, holds one seller with an Ozon and a Wildberries
account and `--chats` buyer chats (default 10,000) spread over the last 30 days, each with a
forum topic, 2-6 buyer and seller messages and the SLA waits they started (the first wait of the
chat and the next ones after each answer; due an hour after the buyer wrote). About 85 % of the
waits are answered in time and 10 % late, by 8 desk members or on the marketplace's site; a few
are still open and a few chats closed. A second seller holds 40 % as many chats again, so the
queries must pick one seller's rows. The rows are written in bulk, from `random.Random(18)`,
then `VACUUM ANALYZE`d (what autovacuum does to a table that filled up).

Measured through the project's own functions, each the median of `RUNS` runs after a warm-up,
with a fresh session per run (the pool keeps the connection, as the bot's does):

- **baseline**: `SELECT count(*) FROM sla_waits`, a scan of the same table, both sellers: the
  yardstick the ratios are against (machines are noisy, ratios less so);
- **report 30 days**: `wait_records` + `build_report` over the last 30 days, the `/sla report 30`
  path without the chart, with its split (the query, building the figures);
- **report 7 days** and **report today** (from the seller's local midnight, as the handler);
- **chart**: `render_chart` on the 30-day report (in the bot it runs in a worker thread);
- **open chats**: `open_chats` with all chats, the urgent ones, and all on page 5 (`/chats`).

Printed: the seeding time and row counts, a table (name, median ms, ratio to the baseline) and
the verdict of issue 18: the 30-day report (query + build) answers in under a second. Exit 0
when it does, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.migrate import upgrade
from services.database import create_engine, create_session_factory
from services.marketplace.models import Author, Marketplace
from services.marketplace.sla import ChatFilter, open_chats, wait_records
from services.marketplace.sla_report import (
    ChartLabels,
    SlaReport,
    build_report,
    period_start,
    render_chart,
)
from services.models.marketplace import (
    BuyerChat,
    BuyerMessage,
    MarketplaceAccount,
    Seller,
    SlaWait,
)
from tests.servers import ThrowawayPostgres

CHATS = 10_000
OTHER_SELLER_SHARE = 0.4  # the second seller's chats, as a share of the first's
RUNS = 15
CHART_RUNS = 3
BAR_MS = 1000.0
SLOW_MS = 200.0  # a query slower than this is worth an EXPLAIN
BATCH = 5000
TIMEZONE = ZoneInfo("Europe/Moscow")  # the desk's default
PERIOD = timedelta(days=30)
DUE = timedelta(hours=1)
WARN = timedelta(minutes=45)
MEMBERS = tuple(7_000_001 + n for n in range(8))
SITE_ANSWERS = 0.15  # answers written on the marketplace's site: no member
LATE_ANSWERS = 0.09  # of the answers; with the open waits past due, ~10 % of the waits late
OPEN_CHATS = 0.03  # the buyer's last message has no answer yet
CLOSED_CHATS = 0.04
LABELS = ChartLabels(
    title="SLA, 30 days", in_time="in time", late="late", share="answered in time, %"
)


@dataclass
class Seed:
    """Rows to insert, by table, with the ids the bench hands out itself."""

    now: datetime
    rng: random.Random
    chats: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    waits: list[dict[str, Any]] = field(default_factory=list)

    def add_chat(self, account_id: int, number: int) -> None:
        """One buyer chat: waits of 1-2 buyer messages each answered by the seller, 2-6
        messages in all, from a moment in the last 30 days; events past `now` are cut off."""
        rng = self.rng
        chat_id = len(self.chats) + 1
        at = opened_at = self.now - PERIOD + rng.random() * (PERIOD - timedelta(minutes=10))
        groups = _buyer_groups(rng, rng.randint(2, 6))
        unanswered_last = rng.random() < OPEN_CHATS
        last_at = at
        for index, buyers in enumerate(groups):
            started_at = at
            first_message = self._message(chat_id, Author.BUYER, at)
            for _ in range(buyers - 1):
                at += timedelta(minutes=rng.uniform(0.5, 10))
                if at >= self.now:
                    break
                self._message(chat_id, Author.BUYER, at)
            last_at = min(at, self.now)
            answered_at: datetime | None = started_at + _answer_delay(rng)
            answered_at = max(answered_at, at + timedelta(minutes=1))
            if (unanswered_last and index == len(groups) - 1) or answered_at >= self.now:
                answered_at = None
            self._wait(chat_id, first_message, "first" if index == 0 else "next", started_at,
                       answered_at)  # fmt: skip
            if answered_at is None:
                break
            self._message(chat_id, Author.SELLER, answered_at)
            last_at = answered_at
            at = answered_at + timedelta(minutes=rng.uniform(5, 24 * 60))
            if at >= self.now:
                break
        closed_at = None
        if rng.random() < CLOSED_CHATS:
            closed_at = last_at + timedelta(minutes=rng.uniform(5, 120))
            closed_at = closed_at if closed_at < self.now else None
        self.chats.append(
            {
                "id": chat_id, "account_id": account_id, "chat_id": f"chat-{number}",
                "buyer_name": f"Buyer {number}", "order_number": f"B-{number:06d}",
                "product": "Bench product", "topic_id": 10_000 + chat_id,
                "created_at": opened_at, "closed_at": closed_at,
            }
        )  # fmt: skip

    def _message(self, chat_id: int, author: Author, at: datetime) -> int:
        message_id = len(self.messages) + 1
        self.messages.append(
            {
                "id": message_id, "buyer_chat_id": chat_id, "message_id": f"m-{message_id}",
                "author": author.value, "text": f"bench message {message_id}",
                "written_at": at, "received_at": at, "topic_id": 10_000 + chat_id,
                "telegram_message_id": message_id, "forwarded_at": at,
            }
        )  # fmt: skip
        return message_id

    def _wait(
        self,
        chat_id: int,
        message_id: int,
        metric: str,
        started_at: datetime,
        answered_at: datetime | None,
    ) -> None:
        due_at = started_at + DUE
        warn_at = started_at + WARN
        settled = answered_at or self.now
        answered_by = None
        if answered_at is not None and self.rng.random() >= SITE_ANSWERS:
            answered_by = self.rng.choice(MEMBERS)
        self.waits.append(
            {
                "buyer_chat_id": chat_id, "buyer_message_id": message_id, "metric": metric,
                "started_at": started_at, "warn_at": warn_at, "due_at": due_at, "capped": False,
                "answered_at": answered_at, "answered_by": answered_by,
                "warned_at": warn_at if warn_at < settled else None,
                "breached_at": due_at if due_at < settled else None,
            }
        )  # fmt: skip


def _buyer_groups(rng: random.Random, messages: int) -> list[int]:
    """How many buyer messages each wait holds, each followed by an answer, in `messages`."""
    groups: list[int] = []
    remaining = messages
    while remaining >= 2:
        buyers = rng.choice((1, 1, 2)) if remaining >= 3 else 1
        groups.append(buyers)
        remaining -= buyers + 1
    if remaining == 1:
        groups[-1] += 1
    return groups


def _answer_delay(rng: random.Random) -> timedelta:
    if rng.random() < LATE_ANSWERS:
        return timedelta(minutes=rng.uniform(65, 8 * 60))
    return timedelta(minutes=rng.uniform(2, 58))


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


async def _insert(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    for batch in _batches(rows):
        await session.execute(insert(table), batch)


@dataclass(frozen=True)
class Seeded:
    seller_id: int
    other_seller_id: int
    chats: int
    messages: int
    waits: int
    seconds: float


async def seed(factory: async_sessionmaker[AsyncSession], chats: int, now: datetime) -> Seeded:
    started = time.perf_counter()
    sellers = [
        {"id": seller_id, "forum_chat_id": -1_001_000_000_000 - seller_id,
         "title": f"Bench shop {seller_id}", "language": "ru", "connected_by": MEMBERS[0],
         "created_at": now - PERIOD - timedelta(days=30)}
        for seller_id in (1, 2)
    ]  # fmt: skip
    accounts = [
        {"id": account_id, "seller_id": seller_id, "marketplace": marketplace.value,
         "external_id": f"{marketplace.value}-{seller_id}", "sealed_credentials": b"bench-sealed",
         "connected_by": MEMBERS[0], "created_at": now - PERIOD - timedelta(days=30),
         "updated_at": now}
        for account_id, (seller_id, marketplace) in enumerate(
            ((seller, marketplace) for seller in (1, 2) for marketplace in Marketplace), start=1
        )
    ]  # fmt: skip
    rows = Seed(now=now, rng=random.Random(18))
    for number in range(chats):
        rows.add_chat(account_id=1 + number % 2, number=number)
    for number in range(round(chats * OTHER_SELLER_SHARE)):
        rows.add_chat(account_id=3 + number % 2, number=chats + number)
    async with factory() as session:
        await _insert(session, Seller.__table__, sellers)  # type: ignore[arg-type]
        await _insert(session, MarketplaceAccount.__table__, accounts)  # type: ignore[arg-type]
        await _insert(session, BuyerChat.__table__, rows.chats)  # type: ignore[arg-type]
        await _insert(session, BuyerMessage.__table__, rows.messages)  # type: ignore[arg-type]
        await _insert(session, SlaWait.__table__, rows.waits)  # type: ignore[arg-type]
        await session.commit()
    # The ids were handed out here: the sequences follow, as if the rows came one by one.
    async with factory() as session:
        for table in ("sellers", "marketplace_accounts", "buyer_chats", "buyer_messages"):
            await session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                )
            )
        await session.commit()
    return Seeded(
        seller_id=1,
        other_seller_id=2,
        chats=len(rows.chats),
        messages=len(rows.messages),
        waits=len(rows.waits),
        seconds=time.perf_counter() - started,
    )


async def vacuum_analyze(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


# --- Measuring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    name: str
    median_seconds: float
    note: str = ""


async def median_seconds(
    factory: async_sessionmaker[AsyncSession],
    action: Callable[[AsyncSession], Awaitable[object]],
    runs: int = RUNS,
) -> float:
    """The median wall time of `action` in a fresh session, after one warm-up run."""
    times: list[float] = []
    for attempt in range(runs + 1):
        async with factory() as session:
            started = time.perf_counter()
            await action(session)
            elapsed = time.perf_counter() - started
        if attempt:
            times.append(elapsed)
    return statistics.median(times)


@dataclass(frozen=True)
class ReportTiming:
    total: float  # medians, seconds
    query: float
    build: float
    waits: int
    report: SlaReport


async def measure_report(
    factory: async_sessionmaker[AsyncSession], seller_id: int, days: int, now: datetime
) -> ReportTiming:
    """`/sla report <days>` without the chart: the handler's period, `wait_records` and
    `build_report`, split into the query and the figures."""
    since = period_start(days, now, TIMEZONE)
    totals: list[float] = []
    queries: list[float] = []
    builds: list[float] = []
    report: SlaReport | None = None
    waits = 0
    for attempt in range(RUNS + 1):
        async with factory() as session:
            started = time.perf_counter()
            records = await wait_records(session, seller_id, since, now)
            queried = time.perf_counter()
            report = build_report(records, since=since, until=now, now=now, timezone=TIMEZONE)
            built = time.perf_counter()
        waits = len(records)
        if attempt:
            totals.append(built - started)
            queries.append(queried - started)
            builds.append(built - queried)
    assert report is not None
    return ReportTiming(
        total=statistics.median(totals),
        query=statistics.median(queries),
        build=statistics.median(builds),
        waits=waits,
        report=report,
    )


def measure_chart(report: SlaReport) -> tuple[float, int]:
    """The median time of `render_chart` after a warm-up (matplotlib's imports), and the PNG's
    size in bytes."""
    png = render_chart(report, LABELS)
    times = []
    for _ in range(CHART_RUNS):
        started = time.perf_counter()
        png = render_chart(report, LABELS)
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(png)


async def count_waits(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(SlaWait)) or 0)


def chats_action(
    seller_id: int, chat_filter: ChatFilter, now: datetime, page: int
) -> Callable[[AsyncSession], Awaitable[object]]:
    async def action(session: AsyncSession) -> object:
        return await open_chats(session, seller_id, chat_filter, now, page=page)

    return action


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f}"


def print_table(rows: list[Measured], baseline: float) -> None:
    width = max(len(row.name) for row in rows)
    heading = f"measured (median of {RUNS})"
    print(f"{heading:<{width}}  {'ms':>9}  {'× baseline':>10}")
    for row in rows:
        ratio = row.median_seconds / baseline
        line = f"{row.name:<{width}}  {_ms(row.median_seconds)}  {ratio:10.1f}  {row.note}"
        print(line.rstrip())


async def run_async(chats: int = CHATS) -> int:
    postgres = ThrowawayPostgres().start()
    try:
        database_url = postgres.create_database("bench_sla")
        await asyncio.to_thread(upgrade, database_url)
        engine = create_engine(database_url)
        factory = create_session_factory(engine)
        try:
            return await _bench(database_url, factory, chats)
        finally:
            await engine.dispose()
    finally:
        postgres.stop()


async def _bench(database_url: str, factory: async_sessionmaker[AsyncSession], chats: int) -> int:
    now = datetime.now(UTC).replace(microsecond=0)
    print(f"seeding {chats} buyer chats over 30 days (and {OTHER_SELLER_SHARE:.0%} as many for"
          " another seller) on PostgreSQL…", flush=True)  # fmt: skip
    seeded = await seed(factory, chats, now)
    vacuum_started = time.perf_counter()
    await vacuum_analyze(database_url)
    print(
        f"seeded {seeded.chats} chats, {seeded.messages} messages, {seeded.waits} SLA waits (both"
        f" sellers) in {seeded.seconds:.1f} s; VACUUM ANALYZE"
        f" {time.perf_counter() - vacuum_started:.1f} s"
    )

    baseline = await median_seconds(factory, count_waits)
    month = await measure_report(factory, seeded.seller_id, 30, now)
    week = await measure_report(factory, seeded.seller_id, 7, now)
    today = await measure_report(factory, seeded.seller_id, 0, now)
    chart_seconds, png_bytes = measure_chart(month.report)
    seller = seeded.seller_id
    listed = {
        "open chats, all, page 0": chats_action(seller, ChatFilter.ALL, now, 0),
        "open chats, urgent, page 0": chats_action(seller, ChatFilter.URGENT, now, 0),
        "open chats, all, page 5": chats_action(seller, ChatFilter.ALL, now, 5),
    }
    open_timings = {name: await median_seconds(factory, action) for name, action in listed.items()}
    async with factory() as session:
        every_open = await open_chats(session, seller, ChatFilter.ALL, now)
        urgent = await open_chats(session, seller, ChatFilter.URGENT, now)

    rows = [
        Measured("baseline: SELECT count(*) FROM sla_waits", baseline, f"{seeded.waits} rows"),
        Measured("report 30 days (query + build)", month.total, f"{month.waits} waits"),
        Measured("  wait_records (query)", month.query),
        Measured("  build_report", month.build),
        Measured("report 7 days (query + build)", week.total, f"{week.waits} waits"),
        Measured("report today (query + build)", today.total, f"{today.waits} waits"),
        Measured(
            f"chart: render_chart, 30 days (median of {CHART_RUNS})",
            chart_seconds,
            f"{png_bytes // 1024} KiB PNG",
        ),
        *(
            Measured(name, seconds, note)
            for (name, seconds), note in zip(
                open_timings.items(),
                (f"{every_open.total} open chats", f"{urgent.total} urgent", ""),
                strict=True,
            )
        ),
    ]
    print_table(rows, baseline)
    report = month.report
    share = "-" if report.share_in_time is None else f"{report.share_in_time:.1%}"
    print(
        f"30-day report: {report.waits} waits, {report.in_time} in time, {report.late} late,"
        f" {report.pending} pending; {share} in time; late by marketplace"
        f" {report.late_by_marketplace}"
    )
    slow = [row.name.strip() for row in rows[1:] if "chart" not in row.name and
            row.median_seconds * 1000 > SLOW_MS]  # fmt: skip
    if slow:
        print(f"over {SLOW_MS:.0f} ms (worth an EXPLAIN ANALYZE): {', '.join(slow)}")
    passed = month.total * 1000 < BAR_MS
    print(
        f"report 30 days: {month.total * 1000:.0f} ms"
        f" (< {BAR_MS:.0f} ms: {'yes' if passed else 'no'})"
    )
    return 0 if passed else 1


def run(chats: int = CHATS) -> int:
    return asyncio.run(run_async(chats))
