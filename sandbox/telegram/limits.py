"""Telegram's sending limits, enforced the way the Bot API does: 429 with ``retry_after``.

What counts (another component, the platform's sender, mirrors this rule exactly):

- every method whose name starts with ``send`` except ``sendChatAction``, plus
  ``forwardMessage``, ``forwardMessages``, ``copyMessage`` and ``copyMessages``;
- in groups and supergroups (``chat_id < 0``) also the edits (``editMessageText``,
  ``editMessageCaption``, ``editMessageMedia``, ``editMessageReplyMarkup``) and the forum topic
  methods (``createForumTopic``, ``editForumTopic``, ``closeForumTopic``, ``reopenForumTopic``,
  ``deleteForumTopic``).

Each counted call counts 1 (``sendMediaGroup`` too) against its chat's window (private when
``chat_id > 0``, group when ``< 0``; a forum's topics share the group's window) and against the
bot's overall window. Windows are sliding logs on a monotonic clock: a call is accepted only if
every applicable window holds fewer than ``limit`` accepted calls from the last ``period``
seconds. Refused calls are not recorded; a call that fails for another reason is taken back.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

COUNTED_METHODS = frozenset({"forwardMessage", "forwardMessages", "copyMessage", "copyMessages"})
NOT_COUNTED_SENDS = frozenset({"sendChatAction"})
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


def is_counted(method: str, chat_id: int) -> bool:
    """Whether a successful call of ``method`` in chat ``chat_id`` uses the sending budget."""
    if method.startswith("send") and method not in NOT_COUNTED_SENDS:
        return True
    if method in COUNTED_METHODS:
        return True
    return chat_id < 0 and method in COUNTED_IN_GROUPS


@dataclass(frozen=True)
class Window:
    """At most ``limit`` calls within any ``period`` seconds."""

    limit: int
    period: float

    def __post_init__(self) -> None:
        if self.limit < 1 or not self.period > 0:
            raise ValueError("a window needs limit >= 1 and period > 0")

    def to_json(self) -> dict[str, Any]:
        return {"limit": self.limit, "period": self.period}

    @classmethod
    def from_json(cls, raw: Any) -> Window:
        if not isinstance(raw, dict):
            raise ValueError('a window is {"limit": int, "period": seconds}')
        limit, period = raw.get("limit"), raw.get("period")
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise ValueError("limit must be an integer")
        if isinstance(period, bool) or not isinstance(period, int | float):
            raise ValueError("period must be a number of seconds")
        return cls(limit, float(period))


@dataclass(frozen=True)
class RateLimits:
    private_chat: Window
    group_chat: Window
    overall: Window

    @classmethod
    def telegram(cls) -> RateLimits:
        """The real limits: about 1 message a second per private chat (short bursts pass),
        20 a minute per group (all topics of a forum together), 30 a second per bot."""
        return cls(
            private_chat=Window(3, 3.0),
            group_chat=Window(20, 60.0),
            overall=Window(30, 1.0),
        )

    def windows(self) -> dict[str, Window]:
        return {name: getattr(self, name) for name in WINDOW_NAMES}

    def scaled(self, factor: float) -> RateLimits:
        """The same limits with every period divided by ``factor`` (faster, for tests)."""
        if not factor > 0:
            raise ValueError("the scale factor must be positive")
        return RateLimits(
            **{
                name: replace(window, period=window.period / factor)
                for name, window in self.windows().items()
            }
        )

    def to_json(self) -> dict[str, Any]:
        return {name: window.to_json() for name, window in self.windows().items()}

    @classmethod
    def from_json(cls, raw: Any, base: RateLimits | None = None) -> RateLimits:
        """Parses the control API's JSON; windows left out keep ``base`` (else Telegram's)."""
        if not isinstance(raw, dict):
            raise ValueError("rate limits must be a JSON object or null")
        unknown = raw.keys() - set(WINDOW_NAMES)
        if unknown:
            raise ValueError(f"unknown windows: {sorted(unknown)}")
        defaults = (base or cls.telegram()).windows()
        return cls(
            **{
                name: Window.from_json(raw[name]) if name in raw else default
                for name, default in defaults.items()
            }
        )


WINDOW_NAMES = ("private_chat", "group_chat", "overall")
SWEEP_EVERY = 1000
WindowKey = tuple[str, int, int]  # (kind, bot id, chat id or 0)


@dataclass(frozen=True)
class Admission:
    """An accepted call's entries; :meth:`RateLimiter.release` takes them back."""

    entries: tuple[tuple[WindowKey, float], ...]


class RateLimiter:
    """Sliding-window logs per (bot, chat) and per bot."""

    def __init__(
        self, limits: RateLimits | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._logs: dict[WindowKey, deque[float]] = {}
        self._admitted = 0

    @property
    def limits(self) -> RateLimits | None:
        return self._limits

    @limits.setter
    def limits(self, limits: RateLimits | None) -> None:
        """New limits start with empty windows."""
        self._limits = limits
        self._logs.clear()

    def _windows(self, bot_id: int, chat_id: int) -> list[tuple[WindowKey, Window]]:
        limits = self._limits
        assert limits is not None
        if chat_id < 0:
            chat_window = (("group", bot_id, chat_id), limits.group_chat)
        else:
            chat_window = (("private", bot_id, chat_id), limits.private_chat)
        return [chat_window, (("overall", bot_id, 0), limits.overall)]

    def admit(self, bot_id: int, chat_id: int) -> Admission | int:
        """Records a call and returns its admission, or returns the whole seconds to wait."""
        if self._limits is None:
            return Admission(())
        now = self._clock()
        wait = 0.0
        windows = self._windows(bot_id, chat_id)
        for key, window in windows:
            log = self._logs.get(key)
            if log is None:
                continue
            while log and log[0] <= now - window.period:
                log.popleft()
            if len(log) >= window.limit:
                # The entry whose leaving makes room (the oldest one, unless the limit was
                # lowered below what the window already holds).
                freeing = log[len(log) - window.limit]
                wait = max(wait, freeing + window.period - now)
        if wait > 0:
            return max(1, math.ceil(wait))
        for key, _ in windows:
            self._logs.setdefault(key, deque()).append(now)
        self._admitted += 1
        if self._admitted % SWEEP_EVERY == 0:
            self._sweep(now)
        return Admission(tuple((key, now) for key, _ in windows))

    def _sweep(self, now: float) -> None:
        """Forgets chats whose windows hold nothing any more (keeps memory flat)."""
        limits = self._limits
        assert limits is not None
        longest = max(window.period for window in limits.windows().values())
        for key in [key for key, log in self._logs.items() if not log or log[-1] <= now - longest]:
            del self._logs[key]

    def release(self, admission: Admission) -> None:
        """Takes back an accepted call that then failed."""
        for key, stamp in admission.entries:
            log = self._logs.get(key)
            if log is not None:
                with contextlib.suppress(ValueError):
                    log.remove(stamp)
                if not log:
                    del self._logs[key]
