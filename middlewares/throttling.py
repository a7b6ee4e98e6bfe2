"""Flood control: a fixed window per user, answered once per window, politely."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram_i18n import I18nContext
from redis.asyncio import Redis

logger = logging.getLogger(__name__)


class UpdateCounter(Protocol):
    async def hit(self, user_id: int) -> int:
        """Counts one more update from the user in the current window and returns the count."""


class MemoryUpdateCounter:
    def __init__(self, period_seconds: float) -> None:
        self.period_seconds = period_seconds
        self._windows: dict[int, tuple[float, int]] = {}

    async def hit(self, user_id: int) -> int:
        now = time.monotonic()
        started, count = self._windows.get(user_id, (now, 0))
        if now - started >= self.period_seconds:
            started, count = now, 0
        count += 1
        self._windows[user_id] = (started, count)
        if len(self._windows) > 100_000:
            self._forget_expired(now)
        return count

    def _forget_expired(self, now: float) -> None:
        expired = [
            uid for uid, (start, _) in self._windows.items() if now - start >= self.period_seconds
        ]
        for user_id in expired:
            del self._windows[user_id]


class RedisUpdateCounter:
    """Shared by every bot process behind the same Redis, so a flood is counted once.

    The per-chat lock can take the hit in its own round trip (`bot.app.LeanFSMContextMiddleware`
    with `key` and `period_ms`): the count then waits in the update's data under `COUNTED`.
    """

    # One round trip: count, and start the window's clock on its first hit.
    HIT = """
    local count = redis.call('INCR', KEYS[1])
    if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
    return count
    """

    def __init__(self, redis: Redis, period_seconds: float, prefix: str = "throttle") -> None:
        self.redis = redis
        self.period_ms = max(1, int(period_seconds * 1000))
        self.prefix = prefix
        self._hit = redis.register_script(self.HIT)

    def key(self, user_id: int) -> str:
        return f"{self.prefix}:{user_id}"

    async def hit(self, user_id: int) -> int:
        return int(await self._hit(keys=[self.key(user_id)], args=[self.period_ms]))


# Where an update's count waits when it was taken before this middleware ran.
COUNTED = "throttle_count"


def counted_sender(event: TelegramObject) -> int | None:
    """Whose flood an update counts towards: the sender of a message or button press in a
    private chat; None for every other update (not counted)."""
    if not isinstance(event, Update):
        return None
    subject = event.message or event.callback_query
    if subject is None or not _from_private_chat(subject) or subject.from_user is None:
        return None
    return subject.from_user.id


class ThrottlingMiddleware(BaseMiddleware):
    """Counts messages and button presses in private chats; over the limit they are dropped.

    The first dropped update in a window gets one polite answer; the rest are silent so that
    the answer itself does not become a flood.
    """

    def __init__(self, counter: UpdateCounter, limit: int) -> None:
        self.counter = counter
        self.limit = limit

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user_id = counted_sender(event)
        if user_id is None:
            return await handler(event, data)
        assert isinstance(event, Update)
        counted = data.get(COUNTED)
        count = counted if counted is not None else await self.counter.hit(user_id)
        if count <= self.limit:
            return await handler(event, data)
        if count == self.limit + 1:
            logger.info("throttling user %s (update %s)", user_id, event.update_id)
            text = (
                data["i18n"].get("throttled") if isinstance(data.get("i18n"), I18nContext) else None
            )
            subject = event.message or event.callback_query
            if text and subject is not None:
                await _answer(subject, text)
        return None


def _from_private_chat(subject: Message | CallbackQuery) -> bool:
    message = subject if isinstance(subject, Message) else subject.message
    return message is None or message.chat.type == "private"


async def _answer(subject: Message | CallbackQuery, text: str) -> None:
    if isinstance(subject, CallbackQuery):
        await subject.answer(text, show_alert=False)
    else:
        await subject.answer(text)
