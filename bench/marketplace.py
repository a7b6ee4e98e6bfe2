"""The marketplace desk under a burst: `python -m bench marketplace [--quick]`.

The real bot (polling the Telegram emulator, on PostgreSQL and Redis, module `marketplace`
only) syncs one seller's Ozon and Wildberries accounts from the sandbox's emulators into the
seller's forum group (one topic per buyer chat) through the one sender: `tests/e2e/desk.py`'s
`open_desk`. Telegram's limits are scaled on the emulator and the bot's sender alike (group 20
per 6 s instead of 20 per minute, as `bench/sender.py`). The marketplaces' limits are the same
on the emulators and the connectors' pace: Ozon's real 50/s, and Wildberries' 10 per 10 s per
seller and method scaled like the group's to 10 per 1 s (the connectors take their rates from
`services/marketplace/pacing.py`; the bench wraps the desk's `ConnectorFactory.pacer`, which
every connector paces through, to scale Wildberries'). The sync polls every second (no Ozon
pushes).

Phases:

- **burst**: many buyer chats (half Ozon, half Wildberries) each write a few messages as fast
  as the control API takes them, starting just after a sync tick. Each text starts with a
  unique body `c<chat>-m<n>`.
- **light**: once the burst is in the group and its sends have left the group's window, the same
  buyers write one message every 0.4-0.8 s (half the group limit): nothing waits for budget.
- **raw fetch** (the baseline, same run, the bot stopped and the marketplaces' limits off):
  `OzonConnector.fetch_new` / `WildberriesConnector.fetch_new` alone from no cursor until caught
  up (`bench/connectors.py`'s `connector_fetch_all`, unpaced), the two concurrently as the
  desk's two accounts sync, median of a few rounds.

Printed, from the emulator's own acceptance times (its request log) and the group's topics:

- the sustained rate into the group during the burst, every call the group's window counts
  (topics and cards too), as a share of the group limit. `bench/sender.py`'s `sustained_rate`
  (sends after the first `limit` over the time to the last send) assumes the sends end with a
  full window (its 100 texts are five); here merging decides how many calls there are, and a
  last partial window would be charged a whole period. So the span runs between the mean times
  of the first and of the last `limit` sends instead (`windowed_rate`: the same for a steady
  stream or full windows; both are printed). Bar 0.9-1.0, and never over: the busiest window of
  the whole run holds at most the limit, and the emulator answered no 429;
- lost and twice: every buyer text exactly once in the group's topics, in its own chat's topic
  (the sender may merge a topic's queued texts under `— author · HH:MM` lines; the bodies are
  counted). Bar 0 and 0;
- buyer → topic latency, from the marketplace's timestamp of the write to the emulator
  accepting the message into the group: p50/p99 in the light phase and, for information, in
  the burst; each per marketplace too;
- sync throughput (information): the burst's messages over the time from its last write until
  every one of them is a row in the database (rows counted every 25 ms), and from the next sync
  tick (the wait for the poll left out), each as a share of the raw fetch's messages/s.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bench.connectors import connector_fetch_all
from bench.sender import GROUP, OVERALL, PRIVATE, RATE_BAR, busiest_window, p99, sustained_rate
from bot.migrate import upgrade
from sandbox.marketplace_client import MarketplaceControl
from sandbox.telegram.limits import RateLimits, Window, is_counted
from services.marketplace import (
    OzonConnector,
    OzonCredentials,
    WildberriesConnector,
    WildberriesCredentials,
)
from services.marketplace.models import Marketplace
from services.marketplace.pacing import OZON_RATE, WILDBERRIES_RATE, RequestPacer, RequestRate
from services.models.marketplace import BuyerMessage
from tests.e2e.desk import Desk, open_desk, texts
from tests.e2e.harness import HarnessFactory
from tests.sandbox.marketplaces import UNPACED
from tests.servers import ThrowawayPostgres, ThrowawayRedis, sending_settings


@dataclass(frozen=True)
class Plan:
    chats: int  # buyer chats in the burst, alternately Ozon and Wildberries
    messages: int  # messages per chat in the burst
    light: int  # messages of the light phase, spread over the burst's chats


FULL = Plan(chats=60, messages=6, light=40)
QUICK = Plan(chats=12, messages=5, light=10)
TICK_OFFSET = 0.02  # the burst starts this long after a sync tick
LIGHT_SPACING = (0.4, 0.8)  # seconds between two light-phase writes: ~half the group limit
WRITE_CONCURRENCY = 50
RAW_ROUNDS = 5
POLL_SECONDS = 0.025  # how often the row count is read
BODY = re.compile(r"\bc\d{3}-m\d{2}\b")
PHRASES = (
    "Здравствуйте! Когда придёт мой заказ?",
    "Можно поменять размер на M?",
    "Курьер не приехал, что делать?",
    "Пришёл не тот цвет, оформите, пожалуйста, возврат.",
    "Есть ли этот товар в наличии на складе в Казани?",
    "Спасибо, всё получила, но коробка была помята.",
)


def body(chat: int, n: int) -> str:
    return f"c{chat:03d}-m{n:02d}"


def order_of(chat: int) -> str:
    return f"B-{chat:03d}"


def marketplace_of(chat: int) -> Marketplace:
    return Marketplace.OZON if chat % 2 == 0 else Marketplace.WILDBERRIES


def windowed_rate(times: Iterable[float], window: Window) -> float:
    """`sustained_rate` with the span taken between the mean acceptance time of the first
    `limit` sends and that of the last `limit`, as a share of the window's rate.

    Each send after the first `limit` may go only once the one `limit` before it has left the
    window; the sum of those gaps telescopes to `limit` times this span. A steady stream gets its
    rate; a window-limited sender (a window's worth at once, then the next as it frees) gets
    the same share whether its last window was full or not, where `sustained_rate`, measuring to
    the last send, charges a last partial window a whole period."""
    ordered = sorted(times)
    limit = window.limit
    if len(ordered) <= limit:
        return float("nan")
    span = statistics.fmean(ordered[-limit:]) - statistics.fmean(ordered[:limit])
    return (len(ordered) - limit) / span / (limit / window.period)


def quantiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    # bench/sender.py's p99 extrapolates past the largest of fewer than 100 samples.
    return (
        f"p50 {statistics.median(values) * 1000:5.0f} ms, p99"
        f" {min(p99(values), max(values)) * 1000:5.0f} ms ({len(values)})"
    )


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


# How much faster than Telegram's the group limit runs here (20 per 6 s: 10 times).
SCALE = RateLimits.telegram().group_chat.period / GROUP.period
WB_SCALED = RequestRate(WILDBERRIES_RATE.limit, WILDBERRIES_RATE.period_seconds / SCALE)


class ScaledWildberriesPace:
    """The desk's own request pacer, with Wildberries' rate as much faster as the group limit
    (10 per 1 s instead of 10 per 10 s): the connectors take their rate from
    `services/marketplace/pacing.py` and `ConnectorFactory` passes none, but every connector it
    makes paces through `ConnectorFactory.pacer`. Ozon's rate is left as it is."""

    def __init__(self, inner: RequestPacer) -> None:
        self.inner = inner

    async def try_take(self, key: str, rate: RequestRate) -> float:
        return await self.inner.try_take(key, WB_SCALED if rate == WILDBERRIES_RATE else rate)

    async def pause(self, key: str, seconds: float) -> None:
        await self.inner.pause(key, seconds)


@dataclass
class Written:
    chat: int
    body: str
    at: float  # the marketplace's timestamp of the message, epoch seconds


@dataclass
class StoredRows:
    """Buyer message rows in the database over time: (when first seen, how many)."""

    steps: list[tuple[float, int]] = field(default_factory=list)

    def reached(self, count: int) -> float | None:
        return next((at for at, rows in self.steps if rows >= count), None)


class MarketplaceBench:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.limits = RateLimits(private_chat=PRIVATE, group_chat=GROUP, overall=OVERALL)
        self.chat_ids: dict[int, str] = {}  # bench chat number → the marketplace's chat id
        self.written: dict[str, Written] = {}

    # ------------------------------------------------------------------ setup
    async def __aenter__(self) -> MarketplaceBench:
        self.postgres = ThrowawayPostgres().start()
        self.redis = ThrowawayRedis().start()
        database_url = self.postgres.create_database("bench_marketplace")
        await asyncio.to_thread(upgrade, database_url)
        self.factory = HarnessFactory(database_url, self.redis.url)
        # 429s are counted and reported here, not raised when the emulator closes.
        self.factory.allow_rejected_requests = True
        await self.factory.sandbox()
        assert self.factory.emulator is not None
        self.emulator = self.factory.emulator
        self.emulator.rate_limits = self.limits
        self.desk: Desk = await open_desk(
            self.factory,
            modules="marketplace",
            log_level="WARNING",
            **sending_settings(self.limits),
        )
        self.client = self.desk.client
        # The marketplaces' limits, the same on the emulators and the connectors' pace.
        connectors = self.desk.tools.connectors
        connectors.pacer = ScaledWildberriesPace(connectors.pacer)
        for control, rate in ((self.client.ozon, OZON_RATE), (self.client.wildberries, WB_SCALED)):
            await control.set_limit(rate.limit, rate.period_seconds)
            await control.clear_requests()
        await asyncio.sleep(self.limits.overall.period * 1.1)  # /start's reply leaves the pace
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            await self.factory.close_all()
        finally:
            self.redis.stop()
            self.postgres.stop()

    def control(self, chat: int) -> MarketplaceControl:
        return self.desk.control(marketplace_of(chat))

    # ------------------------------------------------------------------ buyers
    async def write(self, chat: int, n: int, semaphore: asyncio.Semaphore) -> None:
        text = f"{body(chat, n)} {random.choice(PHRASES)}"
        control = self.control(chat)
        async with semaphore:
            if chat not in self.chat_ids:
                view = await control.buyer_starts_chat(
                    text, buyer_name=f"Buyer {chat}", order=order_of(chat), product="123456"
                )
                self.chat_ids[chat] = view["chat_id"]
            else:
                view = await control.buyer_writes(self.chat_ids[chat], text)
        created = next(m["created_at"] for m in reversed(view["messages"]) if m["text"] == text)
        self.written[body(chat, n)] = Written(
            chat, body(chat, n), datetime.fromisoformat(created).timestamp()
        )

    async def burst(self) -> tuple[list[str], float, float]:
        """Every chat's messages, chats concurrently, each chat's in order; the bodies, when
        the first write started and when the last returned."""
        semaphore = asyncio.Semaphore(WRITE_CONCURRENCY)

        async def one_chat(chat: int) -> None:
            for n in range(self.plan.messages):
                await self.write(chat, n, semaphore)

        # Just after a sync tick (they fall on whole seconds): the burst is all written before
        # the next one, so one sync per account fetches it.
        await asyncio.sleep(1 + TICK_OFFSET - time.time() % 1)
        started = time.time()
        await asyncio.gather(*(one_chat(chat) for chat in range(self.plan.chats)))
        bodies = [body(c, n) for c in range(self.plan.chats) for n in range(self.plan.messages)]
        return bodies, started, time.time()

    async def light(self) -> list[str]:
        semaphore = asyncio.Semaphore(1)
        bodies = []
        for k in range(self.plan.light):
            chat = k % self.plan.chats
            n = self.plan.messages + k // self.plan.chats
            await self.write(chat, n, semaphore)
            bodies.append(body(chat, n))
            await asyncio.sleep(random.uniform(*LIGHT_SPACING))
        return bodies

    # ------------------------------------------------------------------ what the group got
    def group_calls(self, since: int = 0) -> list[dict[str, Any]]:
        """The accepted calls into the group that its window counts (topics, texts...)."""
        group = self.desk.group_id
        return [
            entry
            for entry in self.emulator.world.request_log[since:]
            if entry["ok"]
            and str(entry["params"].get("chat_id")) == str(group)
            and is_counted(entry["method"], group)
        ]

    def floods(self) -> int:
        return sum(1 for entry in self.emulator.world.request_log if entry["error_code"] == 429)

    def accepted_at(self, since: int) -> dict[str, float]:
        """Each buyer body's first acceptance into the group (emulator's time)."""
        first: dict[str, float] = {}
        for entry in self.group_calls(since):
            for found in BODY.findall(str(entry["params"].get("text") or "")):
                first.setdefault(found, entry["time"])
        return first

    async def wait_accepted(self, bodies: Iterable[str], since: int, timeout: float) -> bool:
        wanted = set(bodies)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if wanted <= self.accepted_at(since).keys():
                return True
            await asyncio.sleep(0.2)
        return False

    async def stored_rows(self) -> int:
        async with self.desk.harness.resources.session_factory() as session:
            return int(await session.scalar(select(func.count()).select_from(BuyerMessage)) or 0)

    async def watch_rows(self, rows: StoredRows, until: int) -> None:
        """Polls the row count until it reaches `until`; each change with when it was seen."""
        last = -1
        while last < until:
            count = await self.stored_rows()
            if count != last:
                rows.steps.append((time.time(), count))
                last = count
            await asyncio.sleep(POLL_SECONDS)

    async def audit(self, expected: list[str]) -> tuple[int, int, int, int, int]:
        """From the group's topics: (lost, twice, in another chat's topic, topics whose texts
        are out of order, Telegram messages holding buyer texts)."""
        seen: Counter[str] = Counter()
        misplaced = out_of_order = carriers = 0
        for topic in await self.client.topics(self.desk.group_id, with_messages=True):
            order: list[str] = []
            for text in texts(topic["messages"]):
                found = BODY.findall(text)
                carriers += bool(found)
                for each in found:
                    seen[each] += 1
                    order.append(each)
                    written = self.written.get(each)
                    if written is not None and f"#{order_of(written.chat)} " not in topic["name"]:
                        misplaced += 1
            out_of_order += order != sorted(order)
        lost = sum(1 for each in expected if seen[each] == 0)
        twice = sum(count - 1 for count in seen.values() if count > 1)
        return lost, twice, misplaced, out_of_order, carriers

    def latencies(self, bodies: list[str], accepted: dict[str, float]) -> str:
        """Write → acceptance in the group: all, then per marketplace."""
        split: dict[str, list[float]] = {"all": [], "Ozon": [], "Wildberries": []}
        for each in bodies:
            if each in accepted:
                written = self.written[each]
                latency = accepted[each] - written.at
                split["all"].append(latency)
                split[marketplace_of(written.chat).label].append(latency)
        return "; ".join(f"{name} {quantiles(values)}" for name, values in split.items())

    async def marketplace_429s(self) -> dict[str, int]:
        logs = {key: await self.client.marketplace(key).requests() for key in ("ozon", "wb")}
        return {key: sum(1 for e in log if e["status"] == 429) for key, log in logs.items()}

    # ------------------------------------------------------------------ the baseline
    async def raw_fetch(self) -> tuple[int, float, float, float]:
        """The connectors alone, unpaced and concurrently, from no cursor until caught up:
        (messages, median seconds, Ozon's and Wildberries' median seconds)."""
        base = self.emulator.base_url
        assert base is not None
        for control in (self.client.ozon, self.client.wildberries):
            await control.set_limit(None)
        ozon = OzonConnector(
            OzonCredentials(**self.emulator.ozon.demo_credentials()),
            base_url=self.emulator.ozon.api_url(base),
            rate=UNPACED,
        )
        wb = WildberriesConnector(
            WildberriesCredentials(**self.emulator.wildberries.demo_credentials()),
            base_url=self.emulator.wildberries.api_url(base),
            rate=UNPACED,
        )

        async def timed(connector: OzonConnector | WildberriesConnector) -> tuple[int, float]:
            started = time.perf_counter()
            fetched = await connector_fetch_all(connector)
            return fetched, time.perf_counter() - started

        try:
            await asyncio.gather(timed(ozon), timed(wb))  # warm-up: connections
            totals: set[int] = set()
            both: list[float] = []
            ozon_times: list[float] = []
            wb_times: list[float] = []
            for _ in range(RAW_ROUNDS):
                started = time.perf_counter()
                (ozon_n, ozon_s), (wb_n, wb_s) = await asyncio.gather(timed(ozon), timed(wb))
                both.append(time.perf_counter() - started)
                ozon_times.append(ozon_s)
                wb_times.append(wb_s)
                totals.add(ozon_n + wb_n)
        finally:
            await ozon.close()
            await wb.close()
        assert len(totals) == 1, f"the raw fetches disagree: {totals}"
        return (
            totals.pop(),
            statistics.median(both),
            statistics.median(ozon_times),
            statistics.median(wb_times),
        )


async def run_async(quick: bool = False) -> int:
    plan = QUICK if quick else FULL
    random.seed(7)
    started = time.monotonic()
    async with MarketplaceBench(plan) as bench:
        status = await measure(bench, plan)
    print(f"marketplace bench: {time.monotonic() - started:.0f} s")
    return status


async def measure(bench: MarketplaceBench, plan: Plan) -> int:
    group = bench.limits.group_chat
    group_rate = group.limit / group.period
    print(
        f"desk: 1 seller, {plan.chats} buyer chats; group limit {group.limit}/{group.period:g}s"
        f" on the emulator and the sender; Ozon {OZON_RATE.limit}/{OZON_RATE.period_seconds:g}s"
        f" (real) and Wildberries {WB_SCALED.limit}/{WB_SCALED.period_seconds:g}s per method"
        f" (real {WILDBERRIES_RATE.limit}/{WILDBERRIES_RATE.period_seconds:g}s, scaled like the"
        " group) on the emulators and the connectors' pacer; sync polled every 1 s, no pushes"
    )

    # ---- the burst
    expected_sends = plan.chats * (plan.messages + 2)  # unmerged: topic + card + each text
    timeout = expected_sends / group_rate * 1.5 + 30
    since = len(bench.emulator.world.request_log)
    rows = StoredRows()
    watching = asyncio.create_task(bench.watch_rows(rows, plan.chats * plan.messages))
    burst, burst_started, burst_ended = await bench.burst()
    delivered = await bench.wait_accepted(burst, since, timeout)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(watching, 10)
    accepted = bench.accepted_at(since)
    last_burst = max((accepted[b] for b in burst if b in accepted), default=float("inf"))
    burst_calls = [e for e in bench.group_calls(since) if e["time"] <= last_burst]
    burst_times = [entry["time"] for entry in burst_calls]
    rate = windowed_rate(burst_times, group)
    to_last_send = sustained_rate(burst_times, group, group.limit)
    topics_opened = sum(1 for e in burst_calls if e["method"] == "createForumTopic")
    print(
        f"burst: {len(burst)} messages ({plan.messages} in each chat, half Ozon, half"
        f" Wildberries) written in {burst_ended - burst_started:.2f} s;"
        f" {'all' if delivered else 'NOT all'} in the group"
        f" {last_burst - burst_ended:.1f} s after the last write"
    )
    if len(burst_times) > group.limit:
        print(
            f"  {len(burst_calls)} group calls ({topics_opened} topics opened) in"
            f" {burst_times[-1] - burst_times[0]:.1f} s: sustained rate {rate:.3f} of"
            f" {group.limit}/{group.period:g}s (bench/sender.py's measure to the last send:"
            f" {to_last_send:.3f}, which charges a last partial window a whole period)"
        )
    latencies = bench.latencies(burst, accepted)
    print(f"  buyer → topic latency during the burst (information): {latencies}")

    # ---- the light phase, once the burst's sends have left the group's window
    await asyncio.sleep(bench.desk.harness.settings.send_limits.stretched(group))
    since = len(bench.emulator.world.request_log)
    light = await bench.light()
    light_delivered = await bench.wait_accepted(light, since, 30)
    light_accepted = bench.accepted_at(since)
    light_calls = bench.group_calls(since)
    light_busiest = busiest_window([e["time"] for e in light_calls], group.period)
    print(
        f"light: {len(light)} messages into the burst's chats, one every"
        f" {LIGHT_SPACING[0]}-{LIGHT_SPACING[1]} s; {'all' if light_delivered else 'NOT all'}"
        f" in the group in {len(light_calls)} calls, busiest window"
        f" {light_busiest}/{group.limit} (under budget)"
    )
    latencies = bench.latencies(light, light_accepted)
    print(f"  buyer → topic latency under budget: {latencies}")

    # ---- correctness over the whole run
    await asyncio.sleep(1.5)  # a duplicate would have gone out by now
    lost, twice, misplaced, out_of_order, carriers = await bench.audit(burst + light)
    all_calls = bench.group_calls()
    busiest = busiest_window([entry["time"] for entry in all_calls], group.period)
    floods = bench.floods()
    marketplace_429s = await bench.marketplace_429s()
    print(
        f"group: {len(burst) + len(light)} buyer texts in {carriers} Telegram messages;"
        f" {len(all_calls)} counted calls in all, busiest window {busiest}/{group.limit};"
        f" 429s from Telegram {floods}; from the marketplaces {marketplace_429s}"
    )
    print(
        f"  lost {lost}  twice {twice}  in another chat's topic {misplaced}"
        f"  topics out of order {out_of_order}"
    )

    # ---- sync throughput against the raw fetch (the bot stopped: it polls no more)
    await bench.desk.harness.stop()
    raw_messages, raw_seconds, ozon_seconds, wb_seconds = await bench.raw_fetch()
    raw_rate = raw_messages / raw_seconds
    print(
        f"raw connector fetch (unpaced, limits off, Ozon and Wildberries concurrently, median of"
        f" {RAW_ROUNDS}): {raw_messages} messages (burst and light) in {raw_seconds * 1000:.1f} ms"
        f" = {raw_rate:.0f} msg/s (Ozon {ozon_seconds * 1000:.1f} ms, Wildberries"
        f" {wb_seconds * 1000:.1f} ms)"
    )
    stored_at = rows.reached(len(burst))
    steps = ", ".join(f"{n} at {at - burst_ended:+.2f} s" for at, n in rows.steps if n)
    if stored_at is None:
        print(f"sync: NOT all {len(burst)} burst messages stored; rows seen: {steps}")
    else:
        tick = math.ceil(burst_ended)  # the first sync tick after the burst
        starts = {"the burst's last write": burst_ended, "the next sync tick": tick}
        for label, since_at in starts.items():
            span = max(stored_at - since_at, POLL_SECONDS)
            print(
                f"sync: {len(burst)} burst messages fetched and stored {span:.2f} s after"
                f" {label}: {len(burst) / span:.0f} msg/s, {len(burst) / span / raw_rate:.3f} of"
                " the raw fetch"
            )
        print(f"  rows in the database (from the burst's last write): {steps}")

    bars = {
        f"sustained rate {rate:.3f} within {RATE_BAR[0]}-{RATE_BAR[1]} of the group limit": (
            RATE_BAR[0] <= rate <= RATE_BAR[1]
        ),
        f"never over: busiest window {busiest} <= {group.limit}, 429s {floods} == 0": (
            busiest <= group.limit and floods == 0
        ),
        f"lost {lost} == 0 (and {misplaced} in another chat's topic)": lost + misplaced == 0,
        f"forwarded twice {twice} == 0": twice == 0,
    }
    for line, passed in bars.items():
        print(f"{verdict(passed)}  {line}")
    return 0 if all(bars.values()) else 1


def run(quick: bool = False) -> int:
    return asyncio.run(run_async(quick))


if __name__ == "__main__":
    raise SystemExit(run())
