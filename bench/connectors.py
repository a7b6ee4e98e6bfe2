"""The marketplace connectors against the sandbox's Ozon and Wildberries emulators:
`python -m bench connectors [--quick]`.

The emulators run in another process (`python -m sandbox`), so their work does not share this
process with the connectors'. Two measurements:

- **fetch throughput.** Buyer messages are seeded through the control API (not timed; the
  emulators' limits are off for it and for the fetches), then `fetch_new` runs from no cursor
  until a fetch brings nothing new, with a rate far above any pace (the pace is not measured
  here). Printed: messages/s per connector. The baseline, measured in the same run because
  machines are noisy, is the same HTTP calls issued directly with aiohttp (the same bodies and
  query strings, the JSON parsed, the pages followed): connector time / raw time is what the
  connector adds (pacing, retry policy, failure mapping, building `ChatMessage`s). Rounds
  alternate connector and raw; the medians are compared. The fetched count must equal the
  seeded count, and both sides must make the same number of calls (the emulator's request log).
- **429s at the marketplace's limit.** The emulators' limits at the marketplaces' (Ozon 50 per
  1 s per Client-Id, Wildberries 10 per 10 s per seller and method: interval 1 s, burst 10) and
  the connectors at their default rates, many concurrent `check_credentials()` and `fetch_new`
  calls drive each connector as hard as they can for a fixed time (cancelled then); the 429s
  are counted in the emulator's request log (and Wildberries' per-seller 429 count), the times
  of the requests by an aiohttp trace on the connector's session (the log has none). Printed per method: requests, their share of what the limit lets
  through in the same span (burst + span/interval), the sustained pace after the first burst as
  a share of the limit, the 429s. Wildberries bans tokens that keep drawing 429s, so its bar is
  zero 429s, over a real-limit run of 25 s and a run with the limit scaled to 10 per 2 s (the
  same on both sides: five times the refills in the time); Ozon's count is reported.
  `--quick` keeps only the scaled Wildberries run and seeds fewer messages.
"""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp

from bench.updates import start_emulator_process, wait_until_up
from sandbox import SandboxClient
from sandbox.marketplace_client import MarketplaceControl
from services.marketplace import (
    MarketplaceError,
    OzonConnector,
    OzonCredentials,
    RequestRate,
    WildberriesConnector,
    WildberriesCredentials,
)
from services.marketplace.pacing import OZON_RATE, WILDBERRIES_RATE
from tests.sandbox.marketplaces import UNPACED

# The emulators log the last 2000 API calls: a fetch round (Ozon: 2 list pages, a history per
# chat, 2 list pages to see it caught up) and a run at the limit must stay under that.
CHATS = 200
MESSAGES_PER_CHAT = 10
QUICK_CHATS = 50
ROUNDS = 15
QUICK_ROUNDS = 5
SEED_CONCURRENCY = 50
PAGE_SIZE = 100  # the Ozon connector's page size; the WB emulator's events page is 100 too
WORKERS_PER_CALLER = 24  # Ozon's 2 x 24 callers exceed its burst of 37
OZON_SECONDS = 5.0
WB_SECONDS = 25.0  # the bar: at least 25 s at Wildberries' real limit
WB_SCALED = RequestRate(10, 2.0)
WB_SCALED_SECONDS = 10.0
OZON_LIST = "/v3/chat/list"
OZON_HISTORY = "/v3/chat/history"
WB_CHATS = "/api/v1/seller/chats"
WB_EVENTS = "/api/v1/seller/events"
Caller = Callable[[Any], Callable[[], Awaitable[object]]]  # connector → one call to repeat


# ------------------------------------------------------------------ the emulator's side
@dataclass
class Sandbox:
    client: SandboxClient
    ozon_url: str
    ozon_credentials: OzonCredentials
    wb_url: str
    wb_credentials: WildberriesCredentials

    @classmethod
    async def connect(cls, base_url: str) -> Sandbox:
        client = SandboxClient(base_url)
        marketplaces = (await client.marketplaces())["marketplaces"]
        ozon, wb = marketplaces["ozon"], marketplaces["wb"]
        return cls(
            client=client,
            ozon_url=ozon["api_url"],
            ozon_credentials=OzonCredentials(**ozon["credentials"]),
            wb_url=wb["api_url"],
            wb_credentials=WildberriesCredentials(**wb["credentials"]),
        )

    async def statuses(
        self, control: MarketplaceControl, methods: tuple[str, ...]
    ) -> Counter[tuple[str, int]]:
        """(method, status) → how many answers the emulator logged since the last clear."""
        return Counter(
            (entry["method"], entry["status"])
            for entry in await control.requests()
            if entry["method"] in methods
        )


async def seed(control: MarketplaceControl, label: str, chats: int) -> int:
    """`chats` × MESSAGES_PER_CHAT buyer messages, the order and product on each chat's first."""
    writes = [
        (f"bench-{label}-{chat:04d}", n) for n in range(MESSAGES_PER_CHAT) for chat in range(chats)
    ]

    async def one(chat_id: str, n: int) -> None:
        context = {"order": f"{chat_id}-order", "product": "123456"} if n == 0 else {}
        await control.buyer_writes(
            chat_id, f"question {n} in {chat_id}", buyer_name=f"Buyer {chat_id}", **context
        )

    # Ordered by n first: with at least SEED_CONCURRENCY chats, a chunk holds one message per
    # chat at most, so each chat's messages arrive in order.
    for start in range(0, len(writes), SEED_CONCURRENCY):
        await asyncio.gather(*(one(*write) for write in writes[start : start + SEED_CONCURRENCY]))
    return len(writes)


# ------------------------------------------------------------------ fetch throughput
async def connector_fetch_all(connector: OzonConnector | WildberriesConnector) -> int:
    """fetch_new from no cursor until a fetch brings nothing new; the messages fetched."""
    cursor: str | None = None
    fetched = 0
    while True:
        result = await connector.fetch_new(cursor)
        fetched += len(result.messages)
        cursor = result.cursor
        if not result.messages:
            return fetched


class RawOzon:
    """The Ozon connector's calls, issued directly: unread chats (paged), then each chat's
    history forward from where it is unread (or last seen), the last message seen per chat."""

    def __init__(self, http: aiohttp.ClientSession, sandbox: Sandbox) -> None:
        self.http = http
        self.url = sandbox.ozon_url
        credentials = sandbox.ozon_credentials
        self.headers = {"Client-Id": credentials.client_id, "Api-Key": credentials.api_key}

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.post(f"{self.url}{path}", json=body, headers=self.headers) as answer:
            answer.raise_for_status()
            return json.loads(await answer.read())

    async def fetch(self, seen: dict[str, int]) -> int:
        chats: list[dict[str, Any]] = []
        cursor = None
        while True:
            body: dict[str, Any] = {
                "filter": {"chat_status": "All", "unread_only": True},
                "limit": PAGE_SIZE,
            }
            if cursor:
                body["cursor"] = cursor
            page = await self.post(OZON_LIST, body)
            chats.extend(page["chats"])
            cursor = page.get("cursor")
            if not page.get("has_next") or not cursor:
                break
        fetched = 0
        for chat in chats:
            chat_id = chat["chat"]["chat_id"]
            last = seen.get(chat_id, 0)
            if chat["last_message_id"] <= last:
                continue
            start = last or chat["first_unread_message_id"]
            while True:
                body = {
                    "chat_id": chat_id,
                    "direction": "Forward",
                    "limit": PAGE_SIZE,
                    "from_message_id": start,
                }
                page = await self.post(OZON_HISTORY, body)
                fresh = [m for m in page["messages"] if m["message_id"] > last]
                fetched += len(fresh)
                if fresh:
                    last = start = fresh[-1]["message_id"]
                if not page.get("has_next") or not fresh:
                    break
            seen[chat_id] = last
        return fetched

    async def fetch_all(self) -> int:
        seen: dict[str, int] = {}
        total = 0
        while fetched := await self.fetch(seen):
            total += fetched
        return total


class RawWildberries:
    """The Wildberries connector's calls, issued directly: events pages by `next` until one is
    empty."""

    def __init__(self, http: aiohttp.ClientSession, sandbox: Sandbox) -> None:
        self.http = http
        self.url = f"{sandbox.wb_url}{WB_EVENTS}"
        self.headers = {"Authorization": sandbox.wb_credentials.token}

    async def fetch(self, next_mark: int | None) -> tuple[int, int | None]:
        fetched = 0
        while True:
            params = {"next": str(next_mark)} if next_mark else None
            async with self.http.get(self.url, params=params, headers=self.headers) as answer:
                answer.raise_for_status()
                result = json.loads(await answer.read())["result"]
            if not result["totalEvents"]:
                return fetched, next_mark
            fetched += sum(1 for event in result["events"] if event.get("message"))
            next_mark = result["next"]

    async def fetch_all(self) -> int:
        next_mark, total = None, 0
        while True:
            fetched, next_mark = await self.fetch(next_mark)
            total += fetched
            if not fetched:
                return total


@dataclass
class Timings:
    connector: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    connector_calls: set[int] = field(default_factory=set)
    raw_calls: set[int] = field(default_factory=set)
    connector_fetched: set[int] = field(default_factory=set)
    raw_fetched: set[int] = field(default_factory=set)


async def timed(
    control: MarketplaceControl, fetch_all: Callable[[], Awaitable[int]]
) -> tuple[float, int, int]:
    """Seconds, messages fetched, and the calls the emulator logged."""
    await control.clear_requests()
    started = time.perf_counter()
    fetched = await fetch_all()
    elapsed = time.perf_counter() - started
    return elapsed, fetched, len(await control.requests())


async def measure_fetch(
    name: str,
    control: MarketplaceControl,
    connector: OzonConnector | WildberriesConnector,
    raw: RawOzon | RawWildberries,
    seeded: int,
    rounds: int,
) -> bool:
    timings = Timings()
    await connector_fetch_all(connector)  # warm-up: connections, imports, caches
    await raw.fetch_all()
    for _ in range(rounds):
        elapsed, fetched, calls = await timed(control, lambda: connector_fetch_all(connector))
        timings.connector.append(elapsed)
        timings.connector_fetched.add(fetched)
        timings.connector_calls.add(calls)
        elapsed, fetched, calls = await timed(control, raw.fetch_all)
        timings.raw.append(elapsed)
        timings.raw_fetched.add(fetched)
        timings.raw_calls.add(calls)
    connector_time = statistics.median(timings.connector)
    raw_time = statistics.median(timings.raw)
    honest = (
        timings.connector_fetched == timings.raw_fetched == {seeded}
        and timings.connector_calls == timings.raw_calls
        and len(timings.connector_calls) == 1
    )
    calls = "/".join(str(n) for n in sorted(timings.connector_calls | timings.raw_calls))
    print(
        f"{name:<12} {seeded:>5} messages {calls:>5} calls   connector {connector_time:.3f} s"
        f" = {seeded / connector_time:>6.0f} msg/s   raw aiohttp {raw_time:.3f} s"
        f" = {seeded / raw_time:>6.0f} msg/s   connector/raw {connector_time / raw_time:.2f}"
    )
    if not honest:
        print(
            f"  MISMATCH: seeded {seeded}, connector fetched {sorted(timings.connector_fetched)}"
            f" in {sorted(timings.connector_calls)} calls, raw fetched"
            f" {sorted(timings.raw_fetched)} in {sorted(timings.raw_calls)} calls"
        )
    return honest


# ------------------------------------------------------------------ 429s at the limit
class RequestTrace:
    """When each request left this process, by path: an aiohttp trace on the session the
    connector is given."""

    def __init__(self) -> None:
        self.starts: list[tuple[float, str]] = []
        self.config = aiohttp.TraceConfig()
        self.config.on_request_start.append(self._started)

    async def _started(
        self, session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        self.starts.append((time.monotonic(), params.url.path))

    def times(self, path_suffixes: tuple[str, ...], until: float) -> list[float]:
        return [at for at, path in self.starts if path.endswith(path_suffixes) and at <= until]


class ClientSide429s(logging.Handler):
    """The transport's warnings, counted and kept off stderr while the connectors are driven."""

    def __init__(self) -> None:
        super().__init__()
        self.rate_limited = 0
        self.retries = 0
        self.logger = logging.getLogger("services.marketplace.transport")

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "(429)" in message:
            self.rate_limited += 1
        elif "retrying" in message and "rate-limited" not in message:
            self.retries += 1  # a retry for anything but a 429 (those are counted above)

    def __enter__(self) -> ClientSide429s:
        self.logger.addHandler(self)
        self.propagate, self.logger.propagate = self.logger.propagate, False
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.logger.removeHandler(self)
        self.logger.propagate = self.propagate


async def drive(calls: list[Callable[[], Awaitable[object]]], seconds: float) -> tuple[float, int]:
    """Each call in a loop of its own for `seconds`, then cancelled; the end and the failures."""
    failures = 0

    async def loop(call: Callable[[], Awaitable[object]]) -> None:
        nonlocal failures
        while True:
            try:
                await call()
            except MarketplaceError:
                failures += 1

    tasks = [asyncio.create_task(loop(call)) for call in calls]
    await asyncio.sleep(seconds)
    ended = time.monotonic()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(0.3)  # requests cancelled in flight are answered and logged
    return ended, failures


def pace_line(label: str, times: list[float], rate: RequestRate, logged: int, floods: int) -> str:
    """Requests against what the limit `rate` lets through in their span (its burst, then one
    per period/limit), and the pace after the connector's first burst (at the same `rate`: the
    requests its pacer lets go at once) as a share of the limit."""
    times = sorted(times)
    interval = rate.period_seconds / rate.limit
    burst = 1 + int(rate.tolerance / rate.interval + 1e-9)
    if len(times) < burst + 2:
        return f"{label:<34} {len(times)} requests: too few to measure"
    span = times[-1] - times[0]
    allowed = rate.limit + int(span / interval)
    paced = times[burst:]
    sustained = (len(paced) - 1) / (paced[-1] - paced[0]) * interval
    return (
        f"{label:<34} {len(times):>4} requests in {span:5.1f} s (emulator logged {logged:>4}),"
        f" {len(times) / allowed:.2f} of what the limit allows ({allowed}); after the first"
        f" {burst}, {sustained:.3f} of the limit; 429s {floods}"
    )


async def at_the_limit(
    sandbox: Sandbox,
    name: str,
    control: MarketplaceControl,
    make_connector: Callable[[aiohttp.ClientSession], Any],
    limit: RequestRate,
    seconds: float,
    callers: list[Caller],
    counted_together: list[tuple[str, ...]],
) -> int:
    """Drives one connector at `limit` (set on the emulator too) for `seconds` with
    WORKERS_PER_CALLER loops of each caller; `counted_together`: the API methods that share one
    budget (Ozon: all of them per Client-Id; Wildberries: each method its own). The 429s."""
    await control.set_limit(limit.limit, limit.period_seconds)
    await control.clear_requests()
    trace = RequestTrace()
    async with aiohttp.ClientSession(trace_configs=[trace.config]) as http:
        connector = make_connector(http)
        calls = [make(connector) for make in callers for _ in range(WORKERS_PER_CALLER)]
        with ClientSide429s() as client_side:
            ended, failures = await drive(calls, seconds)
        await connector.close()
    methods = tuple(method for group in counted_together for method in group)
    statuses = await sandbox.statuses(control, methods)
    await control.set_limit(None)
    print(
        f"{name} at {limit.limit}/{limit.period_seconds:g}s for {seconds:g} s,"
        f" {len(calls)} concurrent callers: client saw {client_side.rate_limited} 429s,"
        f" {client_side.retries} other retries, {failures} failed calls"
    )
    floods_total = 0
    for group in counted_together:
        logged = sum(count for (path, _), count in statuses.items() if path in group)
        floods = sum(statuses[(method, 429)] for method in group)
        floods_total += floods
        other = {
            f"{path} {status}": count
            for (path, status), count in statuses.items()
            if path in group and status not in (200, 429)
        }
        line = pace_line(f"  {' + '.join(group)}", trace.times(group, ended), limit, logged, floods)
        print(line + (f"; other answers {other}" if other else ""))
    return floods_total


# ------------------------------------------------------------------ the run
async def run_async(quick: bool = False) -> int:
    process, base_url = start_emulator_process()
    try:
        await wait_until_up(base_url)
        sandbox = await Sandbox.connect(base_url)
        try:
            return await measure(sandbox, quick)
        finally:
            await sandbox.client.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


async def measure(sandbox: Sandbox, quick: bool) -> int:
    ozon, wb = sandbox.client.ozon, sandbox.client.wildberries
    chats = QUICK_CHATS if quick else CHATS
    rounds = QUICK_ROUNDS if quick else ROUNDS
    for control in (ozon, wb):
        await control.set_limit(None)
    started = time.perf_counter()
    ozon_seeded, wb_seeded = await asyncio.gather(seed(ozon, "ozon", chats), seed(wb, "wb", chats))
    print(
        f"seeded {ozon_seeded} Ozon and {wb_seeded} Wildberries buyer messages in {chats} chats"
        f" each through the control API in {time.perf_counter() - started:.1f} s (not measured)"
    )

    print(f"fetch from no cursor until caught up, limits off (median of {rounds} rounds):")
    honest = True
    async with aiohttp.ClientSession() as http:
        connector = OzonConnector(
            sandbox.ozon_credentials, base_url=sandbox.ozon_url, rate=UNPACED, page_size=PAGE_SIZE
        )
        try:
            honest &= await measure_fetch(
                "ozon", ozon, connector, RawOzon(http, sandbox), ozon_seeded, rounds
            )
        finally:
            await connector.close()
        wb_connector = WildberriesConnector(
            sandbox.wb_credentials, base_url=sandbox.wb_url, rate=UNPACED
        )
        try:
            honest &= await measure_fetch(
                "wildberries", wb, wb_connector, RawWildberries(http, sandbox), wb_seeded, rounds
            )
        finally:
            await wb_connector.close()

    # Caught up, so each WB fetch_new is one events call, like a sync loop that keeps up.
    caught_up = WildberriesConnector(sandbox.wb_credentials, base_url=sandbox.wb_url)
    wb_cursor = (await caught_up.fetch_new(None)).cursor
    await caught_up.close()
    wb_before = await wb_rate_limited_answers(wb)

    def make_ozon(rate: RequestRate) -> Callable[[aiohttp.ClientSession], OzonConnector]:
        return lambda http: OzonConnector(
            sandbox.ozon_credentials, base_url=sandbox.ozon_url, rate=rate, session=http
        )

    def make_wb(rate: RequestRate) -> Callable[[aiohttp.ClientSession], WildberriesConnector]:
        return lambda http: WildberriesConnector(
            sandbox.wb_credentials, base_url=sandbox.wb_url, rate=rate, session=http
        )

    print("429s at the marketplace's limit, connectors at their default rates:")
    ozon_floods = await at_the_limit(
        sandbox,
        "ozon",
        ozon,
        make_ozon(OZON_RATE),
        OZON_RATE,
        OZON_SECONDS,
        # Every chat is unread, so each fetch lists them and reads their histories.
        [lambda c: c.check_credentials, lambda c: lambda: c.fetch_new(None)],
        [(OZON_LIST, OZON_HISTORY)],
    )
    wb_callers: list[Caller] = [
        lambda c: c.check_credentials,
        lambda c: lambda: c.fetch_new(wb_cursor),
    ]
    wb_methods = [(WB_CHATS,), (WB_EVENTS,)]
    wb_floods = 0
    if not quick:
        wb_floods += await at_the_limit(
            sandbox,
            "wildberries",
            wb,
            make_wb(WILDBERRIES_RATE),
            WILDBERRIES_RATE,
            WB_SECONDS,
            wb_callers,
            wb_methods,
        )
    wb_floods += await at_the_limit(
        sandbox,
        "wildberries scaled",
        wb,
        make_wb(WB_SCALED),
        WB_SCALED,
        WB_SCALED_SECONDS,
        wb_callers,
        wb_methods,
    )
    wb_banned_count = await wb_rate_limited_answers(wb) - wb_before
    print(
        f"ozon 429s: {ozon_floods} (reported, no bar); wildberries 429s: {wb_floods}, the demo"
        f" seller's rate_limited_answers +{wb_banned_count} (bar: 0)"
    )
    passed = honest and wb_floods == 0 and wb_banned_count == 0
    print("connectors bench: " + ("ok" if passed else "FAILED"))
    return 0 if passed else 1


async def wb_rate_limited_answers(control: MarketplaceControl) -> int:
    sellers = (await control.sellers())["sellers"]
    return sum(seller["rate_limited_answers"] for seller in sellers)


def run(quick: bool = False) -> int:
    return asyncio.run(run_async(quick))


if __name__ == "__main__":
    raise SystemExit(run())
