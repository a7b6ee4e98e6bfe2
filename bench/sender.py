"""The one Telegram sender at its limits: `python -m bench sender`.

aiogram's real Bot sends through `TelegramSender` to the Telegram emulator, which enforces the
same limits and answers 429 to anything over them. Three runs:

- one forum group: plain texts into one topic (nothing to merge), group limit 20 per 6 s
  (Telegram's 20 per minute, ten times faster so the run takes seconds);
- many private chats: one bulk message to each of many chats, Telegram's real 30 per second;
- the same broadcast again while buyer messages (the interactive lane) arrive now and then:
  their wait, against the same messages' wait with no broadcast (the baseline, this run).

Sustained rate = the sends after the first burst (a chat's window lets `limit` go at once, the
bot's pace one) over the time they took, as a share of the configured limit, from the
emulator's own acceptance times. Bars: rate within [0.9, 1.0], no window of the limit's period
holding more than the limit, nothing lost or sent twice, no 429, and the interactive lane's
p99 wait during the broadcast longer than without it by at most 1.25 bulk sends (one, plus
scheduling noise).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from aiogram.methods import CreateForumTopic

from bot.app import create_bot
from bot.config import Settings
from bot.sender import Lane, OutgoingText, TelegramSender, send_budgets_of
from sandbox import SandboxClient, TelegramEmulator
from sandbox.telegram.limits import RateLimits, Window
from tests.servers import sending_settings

BOT_TOKEN = "1000000007:bench-sender"
GROUP = Window(20, 6.0)
PRIVATE = Window(3, 3.0)
OVERALL = Window(30, 1.0)
GROUP_MESSAGES = 100
PRIVATE_CHATS = 300
INTERACTIVE_MESSAGES = 40
RATE_BAR = (0.9, 1.0)
# One bulk send, plus a quarter for the event loop's scheduling noise on a busy machine.
DELAY_BAR = 1.25


def sustained_rate(times: Sequence[float], window: Window, burst: int) -> float:
    """Sends after the first `burst` per second, as a share of the window's rate: a chat's
    window lets `limit` go at once and then one as each leaves, the bot's pace one at a time."""
    times = sorted(times)
    if len(times) <= burst:
        return float("nan")
    return (len(times) - burst) / (times[-1] - times[0]) / (window.limit / window.period)


def busiest_window(times: Sequence[float], period: float) -> int:
    """The most sends inside any `period` seconds."""
    times = sorted(times)
    busiest, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= period:
            start += 1
        busiest = max(busiest, end - start + 1)
    return busiest


def p99(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]


class Bench:
    def __init__(self) -> None:
        limits = RateLimits(private_chat=PRIVATE, group_chat=GROUP, overall=OVERALL)
        self.emulator = TelegramEmulator(rate_limits=limits)
        self.settings = Settings(_env_file=None, log_level="WARNING", **sending_settings(limits))

    async def __aenter__(self) -> Bench:
        base_url = await self.emulator.start("127.0.0.1", 0)
        self.client = SandboxClient(base_url)
        self.bot = create_bot(BOT_TOKEN, self.settings, api_base_url=base_url)
        self.sender = TelegramSender(self.bot, send_budgets_of(self.bot))
        await self.bot.get_me()  # registers the bot with the emulator
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.sender.stop()
        await self.bot.session.close()
        await self.client.close()
        await self.emulator.stop()

    def accepted(self, since: int, chat_ids: set[int]) -> list[dict[str, Any]]:
        return [
            entry
            for entry in self.emulator.world.request_log[since:]
            if entry["method"] == "sendMessage"
            and entry["ok"]
            and int(entry["params"]["chat_id"]) in chat_ids
        ]

    def floods(self, since: int) -> int:
        return sum(
            1 for entry in self.emulator.world.request_log[since:] if entry["error_code"] == 429
        )

    async def private_chats(self, count: int, first_id: int) -> list[int]:
        ids = list(range(first_id, first_id + count))
        for user_id in ids:
            user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
            await self.client.send_text(user_id, user, "/start")
        return ids

    def report_rate(self, name: str, entries: list[dict[str, Any]], window: Window, burst: int,
                    sent: int, expected: list[str]) -> bool:  # fmt: skip
        times = [entry["time"] for entry in entries]
        texts = Counter(entry["params"]["text"] for entry in entries)
        lost = sum(1 for text in expected if texts[text] == 0)
        twice = sum(count - 1 for count in texts.values() if count > 1)
        rate = sustained_rate(times, window, burst)
        busiest = busiest_window(times, window.period)
        print(
            f"{name:<22} {sent:>5} sent  rate {rate:.3f} of {window.limit}/{window.period:g}s"
            f"  busiest window {busiest}/{window.limit}  lost {lost}  twice {twice}"
        )
        return RATE_BAR[0] <= rate <= RATE_BAR[1] and busiest <= window.limit and not lost + twice

    async def one_group(self) -> bool:
        owner = {"id": 77, "is_bot": False, "first_name": "Seller"}
        group = await self.client.create_group("Bench desk", [owner], is_forum=True)
        topic = await self.sender.send(CreateForumTopic(chat_id=group["id"], name="Buyer"))
        await asyncio.sleep(self.settings.send_limits.stretched(GROUP))  # the topic's window
        since = len(self.emulator.world.request_log)
        texts = [f"group message {n}" for n in range(GROUP_MESSAGES)]
        outcomes = await asyncio.gather(
            *(
                self.sender.send(
                    OutgoingText(group["id"], text, topic.result.message_thread_id), Lane.BULK
                )
                for text in texts
            )
        )
        entries = self.accepted(since, {group["id"]})
        sent = sum(outcome.sent for outcome in outcomes)
        return self.report_rate("one forum group", entries, GROUP, GROUP.limit, sent, texts)

    async def broadcast(
        self, chats: list[int], label: str
    ) -> tuple[list[dict[str, Any]], list[str], int]:
        since = len(self.emulator.world.request_log)
        texts = [f"{label} {chat}" for chat in chats]
        outcomes = await asyncio.gather(
            *(
                self.sender.send(OutgoingText(chat, text), Lane.BULK)
                for chat, text in zip(chats, texts, strict=True)
            )
        )
        return self.accepted(since, set(chats)), texts, sum(outcome.sent for outcome in outcomes)

    async def interactive_waits(self, chats: list[int], spacing: float) -> list[float]:
        waits = []
        for chat in chats:
            await asyncio.sleep(random.uniform(0.5, 1.5) * spacing)
            started = time.perf_counter()
            outcome = await self.sender.send(OutgoingText(chat, f"buyer {chat}"))
            assert outcome.sent, outcome
            waits.append(time.perf_counter() - started)
        return waits

    async def many_private_chats(self) -> bool:
        chats = await self.private_chats(PRIVATE_CHATS, 5_000_000)
        await asyncio.sleep(OVERALL.period * 1.1)
        entries, texts, sent = await self.broadcast(chats, "news")
        return self.report_rate("many private chats", entries, OVERALL, 1, sent, texts)

    async def lanes(self) -> bool:
        buyers = await self.private_chats(INTERACTIVE_MESSAGES, 6_000_000)
        bulk = await self.private_chats(PRIVATE_CHATS, 7_000_000)
        await asyncio.sleep(OVERALL.period * 1.1)
        baseline = await self.interactive_waits(buyers[: INTERACTIVE_MESSAGES // 2], 0.05)
        broadcast = asyncio.create_task(self.broadcast(bulk, "promo"))
        await asyncio.sleep(0.5)  # the broadcast is saturating the budget
        during = await self.interactive_waits(buyers[INTERACTIVE_MESSAGES // 2 :], 0.2)
        await broadcast
        one_bulk_send = self.settings.send_limits.overall_spacing
        delay_in_bulk_sends = (p99(during) - p99(baseline)) / one_bulk_send
        print(
            f"interactive lane       p99 wait {p99(during) * 1000:.1f} ms during the broadcast,"
            f" {p99(baseline) * 1000:.1f} ms without: delayed by {delay_in_bulk_sends:.2f} bulk"
            f" sends of {one_bulk_send * 1000:.0f} ms (bar {DELAY_BAR})"
        )
        return delay_in_bulk_sends <= DELAY_BAR


async def run_async() -> int:
    async with Bench() as bench:
        results = [await bench.one_group(), await bench.many_private_chats(), await bench.lanes()]
        floods = bench.floods(0)
    print(f"429 answers from the emulator: {floods}")
    return 0 if all(results) and floods == 0 else 1


def run() -> int:
    return asyncio.run(run_async())


if __name__ == "__main__":
    raise SystemExit(run())
