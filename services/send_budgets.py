"""Telegram's sending limits as budgets that every process of the platform takes from.

Telegram allows about one message a second into a private chat, twenty a minute into a group
(a forum group is one peer: every topic, topic creation and edit shares it) and thirty a second
across all chats of a bot; over a limit it answers 429 with `retry_after`. A chat's limit is
a sliding window here: a send is taken only when fewer than `limit` sends were taken for the
chat within the last `period`. The bot's overall limit is a pace instead (one send every
period/limit, a late send letting the next catch up by half a step): concurrent sends to many
chats taken in a burst would queue on the way and arrive bunched at the start of Telegram's
next window, evenly paced ones arrive as they were taken. Windows and pace are stretched by a
small margin, so sends delayed differently on the way still arrive inside Telegram's limits.

With Redis the windows live there and one script per take checks and records all of them at
once (no read-then-write race between processes); without Redis they live in the process.
A 429 pauses the chat it came for (or the whole bot) for `retry_after` in the same store.
"""

from __future__ import annotations

import asyncio
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from redis.asyncio import Redis

# Calls that Telegram counts as a message into the chat; edits and topic changes count only in
# groups (a group is one peer), a private chat's edits are free. The emulator keeps its own
# copy of this rule (sandbox/telegram/limits.py) on purpose: it judges the bot independently.
COUNTED_ALWAYS = frozenset({"forwardMessage", "forwardMessages", "copyMessage", "copyMessages"})
COUNTED_IN_GROUPS = frozenset(
    {
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
        "createForumTopic",
        "editForumTopic",
        "closeForumTopic",
        "reopenForumTopic",
        "deleteForumTopic",
    }
)


def counts_against_budget(api_method: str, chat_id: int | str | None) -> bool:
    """Whether Telegram counts this call against the chat's and the bot's sending limits."""
    if chat_id is None:
        return False
    if api_method.startswith("send") and api_method != "sendChatAction":
        return True
    if api_method in COUNTED_ALWAYS:
        return True
    return api_method in COUNTED_IN_GROUPS and is_group_chat(chat_id)


def is_group_chat(chat_id: int | str) -> bool:
    """Private chats have positive ids; groups, supergroups and channels negative ids or @names."""
    return not isinstance(chat_id, int) or chat_id < 0


@dataclass(frozen=True)
class Window:
    """At most `limit` sends within any `period` seconds."""

    limit: int
    period: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period <= 0:
            raise ValueError("a window needs a positive limit and period")


@dataclass(frozen=True)
class SendLimits:
    private_chat: Window = Window(3, 3.0)
    group_chat: Window = Window(20, 60.0)
    overall: Window = Window(30, 1.0)
    # Share of a period (at least `min_margin_seconds`) added to every window.
    margin: float = 0.03
    min_margin_seconds: float = 0.05

    def stretched(self, window: Window) -> float:
        return window.period + max(window.period * self.margin, self.min_margin_seconds)

    @property
    def overall_spacing(self) -> float:
        """The time between two sends of the bot at its paced rate."""
        return self.stretched(self.overall) / self.overall.limit

    @property
    def overall_slack(self) -> float:
        """How early a send may go after a late one: half a step, and at most half the margin,
        so any `limit` + 1 sends still span more than Telegram's period."""
        margin = self.stretched(self.overall) - self.overall.period
        return min(self.overall_spacing, margin) / 2

    def chat_window(self, chat_id: int | str) -> Window:
        return self.group_chat if is_group_chat(chat_id) else self.private_chat


@dataclass(frozen=True)
class Refusal:
    """Why a take was refused and how long until it may succeed."""

    wait: float
    whole_bot: bool  # the overall budget or a bot-wide pause, not this chat's own


class SendBudgets(Protocol):
    limits: SendLimits

    async def try_take(self, chat_id: int | str, *, bulk: bool = False) -> Refusal | None:
        """Takes one send for the chat (and the bot) now, or says how long to wait; takes
        nothing when refused. An interactive send (not `bulk`) refused by the bot's pace holds
        the next slot: bulk sends are refused until it has had its turn."""

    async def pause(self, chat_id: int | str | None, seconds: float) -> None:
        """Nothing is taken for the chat (None: for the whole bot) for `seconds`."""


async def take(budgets: SendBudgets, chat_id: int | str) -> float:
    """Waits until one send for the chat is taken; returns the seconds waited."""
    waited = 0.0
    while (refusal := await budgets.try_take(chat_id)) is not None:
        await asyncio.sleep(refusal.wait)
        waited += refusal.wait
    return waited


Key = TypeVar("Key")


class InProcessPauses(Generic[Key]):
    """Pauses per key kept in the process; a longer pause that is already there is kept.
    Shared with the marketplaces' request pacer (`services.marketplace.pacing`)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._paused_until: dict[Key, float] = {}

    async def pause(self, key: Key, seconds: float) -> None:
        until = self._clock() + seconds
        self._paused_until[key] = max(until, self._paused_until.get(key, 0.0))


class InProcessSendBudgets(InProcessPauses[int | str | None]):
    """The budgets of one process (the embedded default without Redis)."""

    SWEEP_EVERY = 1024  # takes

    def __init__(self, limits: SendLimits, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(clock)
        self.limits = limits
        self._chat_windows: dict[int | str, deque[float]] = {}
        self._next_send_due = 0.0  # at the bot's pace
        self._interactive_waits_until = 0.0  # bulk sends keep off the slot it waits for
        self._takes = 0

    async def try_take(self, chat_id: int | str, *, bulk: bool = False) -> Refusal | None:
        now = self._clock()
        chat_log = self._chat_windows.setdefault(chat_id, deque())
        chat_wait = max(
            self._window_wait(chat_log, self.limits.chat_window(chat_id), now),
            self._paused_until.get(chat_id, 0.0) - now,
        )
        bot_wait = max(
            self._next_send_due - self.limits.overall_slack - now,
            self._paused_until.get(None, 0.0) - now,
        )
        if bulk and chat_wait <= 0 and bot_wait <= 0 and self._interactive_waits_until > now:
            return Refusal(self._interactive_waits_until - now, whole_bot=True)
        if chat_wait > 0 or bot_wait > 0:
            if not bulk and bot_wait >= chat_wait:
                self._interactive_waits_until = max(
                    self._interactive_waits_until,
                    now + bot_wait + self.limits.overall_spacing / 2,
                )
            return Refusal(max(chat_wait, bot_wait), whole_bot=bot_wait >= chat_wait)
        chat_log.append(now)
        self._next_send_due = max(self._next_send_due, now) + self.limits.overall_spacing
        self._takes += 1
        if self._takes % self.SWEEP_EVERY == 0:
            self._forget_quiet_chats(now)
        return None

    def _forget_quiet_chats(self, now: float) -> None:
        """A broadcast touches every chat once: their windows and pauses must not stay."""
        longest = max(self.limits.stretched(self.limits.private_chat),
                      self.limits.stretched(self.limits.group_chat))  # fmt: skip
        self._chat_windows = {
            chat: log for chat, log in self._chat_windows.items() if log and log[-1] > now - longest
        }
        self._paused_until = {
            chat: until for chat, until in self._paused_until.items() if until > now
        }

    def _window_wait(self, log: deque[float], window: Window, now: float) -> float:
        period = self.limits.stretched(window)
        while log and log[0] <= now - period:
            log.popleft()
        if len(log) < window.limit:
            return 0.0
        return log[len(log) - window.limit] + period - now


# KEYS: chat window, chat pause, bot pause, when the bot's next paced send is due, the hold of
# an interactive send waiting for the bot's next slot.
# ARGV: chat limit, chat period ms, a unique member, spacing ms, slack ms, 1 for a bulk send.
# Returns {0, 0} when taken, else {wait ms, 1 when the wait is the bot's rather than the chat's}.
TAKE_SCRIPT = """
local t = redis.call('TIME')
-- Milliseconds with microseconds kept: paces under a millisecond apart (a high overall limit)
-- must not round to one send a millisecond.
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local chat_wait = redis.call('PTTL', KEYS[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
local count = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[1])
if count >= limit then
  local leaving = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  chat_wait = math.max(chat_wait, tonumber(leaving[2]) + tonumber(ARGV[2]) - now)
end
local spacing = tonumber(ARGV[4])
local due = tonumber(redis.call('GET', KEYS[4]) or '0')
local bot_wait = math.max(redis.call('PTTL', KEYS[3]), due - tonumber(ARGV[5]) - now)
local bulk = tonumber(ARGV[6]) == 1
if bulk and chat_wait <= 0 and bot_wait <= 0 then
  local held = redis.call('PTTL', KEYS[5])
  if held > 0 then return {held, 1} end
end
if chat_wait > 0 or bot_wait > 0 then
  if not bulk and bot_wait > 0 and bot_wait >= chat_wait then
    local hold = math.ceil(bot_wait + spacing / 2)
    if redis.call('PTTL', KEYS[5]) < hold then redis.call('SET', KEYS[5], '1', 'PX', hold) end
  end
  -- Whole milliseconds up (a Lua number becomes an integer reply by truncation).
  if bot_wait >= chat_wait then return {math.ceil(bot_wait), 1} end
  return {math.ceil(chat_wait), 0}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
-- Formatted: Lua would write the number with 14 digits, a tenth of a millisecond.
redis.call('SET', KEYS[4], string.format('%.3f', math.max(due, now) + spacing), 'PX', math.ceil(math.max(1000, spacing * 2)))
return {0, 0}
"""

# A longer pause that is already there is kept.
PAUSE_SCRIPT = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
"""


class RedisPauses:
    """Pauses per key kept in Redis (PAUSE_SCRIPT), in whole milliseconds, at least one.
    Shared with the marketplaces' request pacer (`services.marketplace.pacing`)."""

    def __init__(self, redis: Redis) -> None:
        self._pause = redis.register_script(PAUSE_SCRIPT)

    async def pause(self, key: str, seconds: float) -> None:
        await self._pause(keys=[key], args=[max(1, math.ceil(seconds * 1000))])


class RedisSendBudgets:
    """The budgets of every process of one bot, kept in Redis."""

    def __init__(self, redis: Redis, limits: SendLimits, bot_id: int | str) -> None:
        self.limits = limits
        self.redis = redis
        self.prefix = f"easyflow:send:{bot_id}"
        self._take = redis.register_script(TAKE_SCRIPT)
        self._pauses = RedisPauses(redis)

    def _period_ms(self, window: Window) -> int:
        return math.ceil(self.limits.stretched(window) * 1000)

    async def try_take(self, chat_id: int | str, *, bulk: bool = False) -> Refusal | None:
        chat_window = self.limits.chat_window(chat_id)
        wait_ms, whole_bot = await self._take(
            keys=[
                f"{self.prefix}:chat:{chat_id}",
                f"{self.prefix}:pause:{chat_id}",
                f"{self.prefix}:pause",
                f"{self.prefix}:due",
                f"{self.prefix}:interactive",
            ],
            args=[
                chat_window.limit,
                self._period_ms(chat_window),
                secrets.token_hex(8),
                self.limits.overall_spacing * 1000,
                self.limits.overall_slack * 1000,
                1 if bulk else 0,
            ],
        )
        if int(wait_ms) <= 0:
            return None
        return Refusal(int(wait_ms) / 1000, whole_bot=bool(int(whole_bot)))

    async def pause(self, chat_id: int | str | None, seconds: float) -> None:
        key = f"{self.prefix}:pause" if chat_id is None else f"{self.prefix}:pause:{chat_id}"
        await self._pauses.pause(key, seconds)


def create_send_budgets(
    limits: SendLimits, redis: Redis | None, bot_id: int | str
) -> InProcessSendBudgets | RedisSendBudgets:
    if redis is None:
        return InProcessSendBudgets(limits)
    return RedisSendBudgets(redis, limits, bot_id)


__all__ = [
    "InProcessPauses",
    "InProcessSendBudgets",
    "RedisPauses",
    "RedisSendBudgets",
    "Refusal",
    "SendBudgets",
    "SendLimits",
    "Window",
    "counts_against_budget",
    "create_send_budgets",
    "is_group_chat",
    "take",
]
