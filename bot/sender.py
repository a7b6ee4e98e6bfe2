"""The one way the platform sends into Telegram on its own initiative (DESIGN rule 2).

Forwarded buyer messages, topic changes, alerts, broadcasts and notices are queued here in two
lanes, interactive before bulk, and sent as the shared budgets (`services.send_budgets`) allow
(where an interactive send, a handler's reply included, waiting for the bot's next slot keeps
the bulk lanes of every process off it):
a chat whose budget is spent waits while other chats go on, and its queued texts are merged into
one message. Every call of the bot, a handler's reply included, passes `SendBudgetGate`, so
everything counts against the same budgets and a 429 pauses the chat for every process.

The caller gets a `SendOutcome` for each item: sent (message ids) or a failure with its reason.
Work that must survive a restart keeps its state in the caller's rows; the queue is memory only.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message

from services.metrics import BOT_API_RETRIES, SENDER_QUEUE
from services.send_budgets import SendBudgets, counts_against_budget, take
from services.telegram_text import (
    TELEGRAM_TEXT_LIMIT,
    AuthoredText,
    attribution_heading,
    merge_in_order,
    merged_text,
    split_text,
)
from services.update_context import outside_any_update

logger = logging.getLogger(__name__)

# At a stop, how long calls already on their way get for Telegram's answer.
IN_FLIGHT_GRACE_SECONDS = 10.0

# Handlers get the sender as the `sender` argument; modules' jobs and routes as context.sender.
SENDER_KEY = "sender"

# Set while the sender makes a call: its budget is already taken, and a 429 goes back to the
# queue (other chats go on meanwhile) instead of being waited out inside the call.
_queued_call: ContextVar[bool] = ContextVar("queued_telegram_call", default=False)


def is_queued_call() -> bool:
    return _queued_call.get()


class SendBudgetGate(BaseRequestMiddleware):
    """Takes every counted call's budget before it goes out and turns 429s into shared pauses.

    Telegram's 429 does not say whether the chat or the whole bot is over its limit; 429s for
    two different chats within one `retry_after` are taken to mean the whole bot.
    """

    def __init__(self, budgets: SendBudgets, clock: Callable[[], float] = time.monotonic) -> None:
        self.budgets = budgets
        self._clock = clock
        self._recent_floods: dict[int | str, float] = {}  # chat -> until when its 429 holds

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id = getattr(method, "chat_id", None)
        counted = counts_against_budget(method.__api_method__, chat_id)
        if counted and not is_queued_call():
            await take(self.budgets, chat_id)
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as error:
            if counted:
                await self._note_flood(chat_id, error.retry_after)
            raise

    async def _note_flood(self, chat_id: int | str, retry_after: float) -> None:
        now = self._clock()
        self._recent_floods = {
            chat: until for chat, until in self._recent_floods.items() if until > now
        }
        self._recent_floods[chat_id] = now + retry_after
        await self.budgets.pause(chat_id, retry_after)
        if len(self._recent_floods) > 1:
            logger.warning("Telegram says the bot is flooding: all sends wait %ss", retry_after)
            await self.budgets.pause(None, retry_after)
        else:
            logger.warning("chat %s is over its sending limit: it waits %ss", chat_id, retry_after)


def send_budgets_of(bot: Bot) -> SendBudgets:
    """The budgets `create_bot` gave this bot."""
    for middleware in bot.session.middleware[:]:
        if isinstance(middleware, SendBudgetGate):
            return middleware.budgets
    raise LookupError("this bot has no SendBudgetGate: create it with bot.app.create_bot")


class Lane(IntEnum):
    INTERACTIVE = 0  # alerts, forwarded buyer messages, notices: first
    BULK = 1  # broadcasts: whatever budget the interactive lane leaves


class SendFailure(StrEnum):
    BLOCKED = "blocked"  # the user blocked the bot
    DEACTIVATED = "deactivated"  # the user deleted their account
    FORBIDDEN = "forbidden"  # kicked from the group, or not allowed to write there
    CHAT_NOT_FOUND = "chat_not_found"
    THREAD_NOT_FOUND = "thread_not_found"  # the forum topic was deleted
    EMPTY_TEXT = "empty_text"
    NO_RIGHTS = "no_rights"  # a 400 for missing administrator rights (to manage topics, say)
    REJECTED = "rejected"  # any other 400: the call itself is wrong
    UNAVAILABLE = "unavailable"  # Telegram kept failing (5xx, network) after the retries
    STOPPED = "stopped"  # the sender stopped before the item went out
    # The call went out, but the sender stopped before Telegram answered: it may have arrived.
    UNANSWERED = "unanswered"

    @property
    def permanent(self) -> bool:
        """Whether sending the same thing again can never succeed."""
        return self not in {SendFailure.UNAVAILABLE, SendFailure.STOPPED, SendFailure.UNANSWERED}


@dataclass(frozen=True)
class SendOutcome:
    message_ids: tuple[int, ...] = ()
    failure: SendFailure | None = None
    detail: str = ""
    result: Any = None  # what Telegram answered to the (last) call, e.g. a ForumTopic
    merged_with: int = 1  # how many queued texts went out in this one message

    @property
    def sent(self) -> bool:
        return self.failure is None

    @property
    def message_id(self) -> int | None:
        return self.message_ids[0] if self.message_ids else None


@dataclass(frozen=True)
class OutgoingText:
    """A text message; with an `author` it may be merged with other texts queued for the same
    chat and topic while the chat's budget is spent."""

    chat_id: int | str
    text: str
    message_thread_id: int | None = None
    parse_mode: str | None = None  # None: plain text
    reply_markup: Any = None
    author: str | None = None
    sent_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    disable_notification: bool | None = None
    # The attribution line even when the text goes out alone (forwarded buyer messages).
    attributed: bool = False

    @property
    def mergeable(self) -> bool:
        return self.author is not None

    @property
    def authored(self) -> AuthoredText:
        return AuthoredText(self.author or "", self.sent_at, self.text)

    @property
    def escape(self) -> Callable[[str], str]:
        """How the sender's own words (attribution lines) are put into this text."""
        return html.escape if self.parse_mode == "HTML" else str

    def method(self, text: str) -> SendMessage:
        return SendMessage(
            chat_id=self.chat_id,
            text=text,
            message_thread_id=self.message_thread_id,
            parse_mode=self.parse_mode,
            reply_markup=self.reply_markup,
            disable_notification=self.disable_notification,
        )


Outgoing = OutgoingText | TelegramMethod[Any]


@dataclass(eq=False)
class _Queued:
    """One call waiting in a lane: a method, or texts that go out merged as one message."""

    chat_id: int | str
    lane: Lane
    futures: list[asyncio.Future[SendOutcome]]
    method: TelegramMethod[Any] | None = None
    texts: list[OutgoingText] = field(default_factory=list)
    floods: int = 0

    @property
    def merge_key(self) -> tuple[Any, ...] | None:
        if self.method is not None or not self.texts[0].mergeable:
            return None
        first = self.texts[0]
        # Texts merge only under equal buttons (a buyer chat's 💡 Suggest, say).
        return (first.message_thread_id, first.parse_mode, first.attributed, first.reply_markup)

    @property
    def thread(self) -> int | None:
        if self.method is not None:
            return getattr(self.method, "message_thread_id", None)
        return self.texts[0].message_thread_id

    def build(self) -> TelegramMethod[Any]:
        if self.method is not None:
            return self.method
        first = self.texts[0]
        authored = [text.authored for text in self.texts]
        return first.method(merged_text(authored, first.escape, always_attributed=first.attributed))


class TelegramSender:
    """Queues calls in two lanes and sends them within the shared budgets, in order per chat."""

    def __init__(
        self,
        bot: Bot,
        budgets: SendBudgets,
        *,
        max_in_flight: int = 8,
        max_floods: int = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.budgets = budgets
        self.max_in_flight = max_in_flight
        self.max_floods = max_floods
        self._clock = clock
        self._lanes: dict[Lane, deque[_Queued]] = {lane: deque() for lane in Lane}
        self._wake = asyncio.Event()
        self._busy_chats: set[int | str] = set()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._chat_not_before: dict[int | str, float] = {}
        self._bot_not_before = 0.0
        self._bulk_not_before = 0.0
        self._worker: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ the caller's side
    def submit(self, item: Outgoing, lane: Lane = Lane.INTERACTIVE) -> asyncio.Future[SendOutcome]:
        """Queues the item; the future resolves to its outcome (it never raises)."""
        loop = asyncio.get_running_loop()
        if isinstance(item, OutgoingText):
            return self._submit_text(item, lane, loop)
        future: asyncio.Future[SendOutcome] = loop.create_future()
        chat_id = getattr(item, "chat_id", None)
        self._enqueue(_Queued(chat_id, lane, [future], method=item))
        return future

    async def send(self, item: Outgoing, lane: Lane = Lane.INTERACTIVE) -> SendOutcome:
        return await self.submit(item, lane)

    def queued(self) -> int:
        return sum(len(queue) for queue in self._lanes.values())

    def _submit_text(
        self, item: OutgoingText, lane: Lane, loop: asyncio.AbstractEventLoop
    ) -> asyncio.Future[SendOutcome]:
        limit = TELEGRAM_TEXT_LIMIT
        if item.attributed:  # room for the attribution line above the text
            limit -= len(attribution_heading(item.authored, item.escape))
        parts = split_text(item.text, limit)
        if not parts:
            logger.warning("an empty text for chat %s was not sent", item.chat_id)
            return _resolved(loop, SendOutcome(failure=SendFailure.EMPTY_TEXT, detail="empty"))
        if len(parts) > 1:
            logger.info("a text of %d characters goes out in %d parts", len(item.text), len(parts))
            # Parts of one text are not merged with others: they are near the limit anyway.
            # Buttons go under the last part only (one 💡 for one buyer message).
            last = len(parts) - 1
            futures = [
                self._submit_text(
                    replace(
                        item,
                        text=part,
                        author=item.author if item.attributed else None,
                        reply_markup=item.reply_markup if n == last else None,
                    ),
                    lane,
                    loop,
                )
                for n, part in enumerate(parts)
            ]
            return asyncio.ensure_future(_all_parts(futures))
        future: asyncio.Future[SendOutcome] = loop.create_future()
        self._enqueue(_Queued(item.chat_id, lane, [future], texts=[item]))
        return future

    def _enqueue(self, queued: _Queued, *, front: bool = False) -> None:
        lane = self._lanes[queued.lane]
        lane.appendleft(queued) if front else lane.append(queued)
        if self._worker is None or self._worker.done():
            self._worker = outside_any_update(self._run(), name="telegram-sender")
        self._wake.set()

    async def stop(self, drain_seconds: float = 5.0) -> None:
        """Sends what is queued for up to `drain_seconds`; what is left resolves as STOPPED."""
        worker = self._worker
        if worker is not None and not worker.done():
            # The worker ends by itself once the lanes are empty and nothing is in flight.
            await asyncio.wait({worker}, timeout=drain_seconds)
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        in_flight = list(self._in_flight)
        if in_flight:
            # A call already on its way may have reached Telegram: its answer is awaited rather
            # than reported as unsent, which would have its caller send it again.
            _, unanswered = await asyncio.wait(in_flight, timeout=IN_FLIGHT_GRACE_SECONDS)
            for task in unanswered:
                task.cancel()
        for queue in self._lanes.values():
            while queue:
                _resolve(queue.popleft().futures, SendOutcome(failure=SendFailure.STOPPED))

    # ------------------------------------------------------------------ the worker
    async def _run(self) -> None:
        while True:
            self._wake.clear()
            for lane, queue in self._lanes.items():
                SENDER_QUEUE.labels(lane.name.lower()).set(len(queue))
            wait: float | None = None
            if len(self._in_flight) < self.max_in_flight:
                try:
                    queued, wait = await self._take_next()
                except Exception:  # Redis away, say: the queue waits, the callers too
                    logger.exception("the sending budgets are unavailable; retrying in 1 s")
                    queued, wait = None, 1.0
                if queued is not None:
                    task = asyncio.create_task(self._send(queued))
                    self._in_flight.add(task)
                    task.add_done_callback(self._sent)
                    continue
            if not self.queued() and not self._in_flight:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    def _sent(self, task: asyncio.Task[None]) -> None:
        # Wakes the worker only once the task is out of the in-flight set, or a worker that
        # waits for a free slot could look too early and then sleep for good.
        self._in_flight.discard(task)
        self._wake.set()

    async def _take_next(self) -> tuple[_Queued | None, float | None]:
        """The first queued call (interactive lane first) whose budget could be taken, or how
        long until one may be."""
        now = self._clock()
        if self._bot_not_before > now:
            return None, self._bot_not_before - now
        soonest: float | None = None
        for lane, queue in self._lanes.items():
            if lane is Lane.BULK and queue and self._bulk_not_before > now:
                # Held off for an interactive send (this process's or another's).
                wait = self._bulk_not_before - now
                soonest = min(soonest or wait, wait)
                continue
            seen: set[int | str] = set()
            for queued in list(queue):  # merging below changes the lane
                chat_id = queued.chat_id
                if chat_id in seen or chat_id in self._busy_chats:
                    continue  # only a chat's first queued call may go, and one at a time
                seen.add(chat_id)
                not_before = self._chat_not_before.get(chat_id, 0.0)
                if not_before > now:
                    soonest = min(soonest or not_before - now, not_before - now)
                    continue
                if self._chat_not_before.pop(chat_id, None) is not None:
                    # Texts queued while the chat waited go out merged too, not one by one.
                    self._merge_queued_texts(queue, chat_id)
                    queued = next(each for each in queue if each.chat_id == chat_id)
                if not counts_against_budget(_api_method(queued), chat_id):
                    queue.remove(queued)
                    return queued, None
                refusal = await self.budgets.try_take(chat_id, bulk=queued.lane is Lane.BULK)
                if refusal is None:
                    queue.remove(queued)
                    return queued, None
                if refusal.whole_bot and lane is Lane.BULK:
                    # The bulk lane waits; an interactive call queued meanwhile need not.
                    self._bulk_not_before = now + refusal.wait
                    soonest = min(soonest or refusal.wait, refusal.wait)
                    break
                if refusal.whole_bot:
                    self._bot_not_before = now + refusal.wait
                    return None, refusal.wait
                # Its texts are merged once its wait ends (above), with those queued meanwhile.
                self._chat_not_before[chat_id] = now + refusal.wait
                soonest = min(soonest or refusal.wait, refusal.wait)
        return None, soonest

    def _merge_queued_texts(self, queue: deque[_Queued], chat_id: int | str) -> None:
        """Merges the chat's queued mergeable texts per topic, in order, up to the limit.
        Only neighbours merge: anything else for the topic (a text under other buttons, or
        none) ends the topic's run, so nothing jumps over another call."""
        runs: dict[int | None, list[_Queued]] = {}  # per topic, the run being gathered
        for queued in [each for each in queue if each.chat_id == chat_id]:
            key = queued.merge_key
            run = runs.get(queued.thread)
            if run is not None and key is not None and run[0].merge_key == key:
                run.append(queued)
                continue
            if run is not None:
                self._merge_run(queue, runs.pop(queued.thread))
            if key is not None:
                runs[queued.thread] = [queued]
        for run in runs.values():
            self._merge_run(queue, run)

    def _merge_run(self, queue: deque[_Queued], run: list[_Queued]) -> None:
        if len(run) < 2:
            return
        first = run[0].texts[0]
        texts = [text for queued in run for text in queued.texts]
        futures = [future for queued in run for future in queued.futures]
        authored = [text.authored for text in texts]
        groups = merge_in_order(authored, TELEGRAM_TEXT_LIMIT, first.escape)
        merged: list[_Queued] = []
        position = 0
        for group in groups:
            span = slice(position, position + len(group))
            position += len(group)
            merged.append(_Queued(first.chat_id, run[0].lane, futures[span], texts=texts[span]))
        if len(merged) == len(run):
            return
        anchor = queue.index(run[0])
        for queued in run:
            queue.remove(queued)
        for offset, queued in enumerate(merged):
            queue.insert(anchor + offset, queued)
        logger.info(
            "merged %d queued texts for chat %s into %d", len(texts), first.chat_id, len(merged)
        )

    async def _send(self, queued: _Queued) -> None:
        chat_id = queued.chat_id
        self._busy_chats.add(chat_id)
        _queued_call.set(True)  # this task's own context
        try:
            outcome = await self._call(queued)
        except asyncio.CancelledError:  # by `stop`, after its grace for the answer
            _resolve(queued.futures, SendOutcome(failure=SendFailure.UNANSWERED))
            raise
        except Exception as error:  # a bug, not Telegram: the caller still gets its answer
            logger.exception("a send to chat %s failed unexpectedly", chat_id)
            outcome = SendOutcome(failure=SendFailure.REJECTED, detail=repr(error))
        finally:
            self._busy_chats.discard(chat_id)
        if outcome is None:  # a 429: back to the front of its lane, other chats go on
            BOT_API_RETRIES.labels(_api_method(queued)).inc()
            self._enqueue(queued, front=True)
            return
        if outcome.failure is not None:
            log = logger.warning if outcome.failure.permanent else logger.error
            log("a send to chat %s failed: %s (%s)", chat_id, outcome.failure, outcome.detail)
        _resolve(queued.futures, outcome)

    async def _call(self, queued: _Queued) -> SendOutcome | None:
        try:
            result = await self.bot(queued.build())
        except TelegramRetryAfter as error:
            queued.floods += 1
            self._chat_not_before[queued.chat_id] = self._clock() + error.retry_after
            if queued.floods >= self.max_floods:
                return SendOutcome(failure=SendFailure.UNAVAILABLE, detail=error.message)
            return None
        except TelegramForbiddenError as error:
            return SendOutcome(failure=_forbidden_failure(error.message), detail=error.message)
        except TelegramBadRequest as error:
            return SendOutcome(failure=_bad_request_failure(error.message), detail=error.message)
        except (TelegramServerError, TelegramNetworkError) as error:
            return SendOutcome(failure=SendFailure.UNAVAILABLE, detail=str(error))
        except TelegramAPIError as error:
            return SendOutcome(failure=SendFailure.REJECTED, detail=error.message)
        message_ids = _message_ids(result)
        return SendOutcome(message_ids, result=result, merged_with=max(1, len(queued.texts)))


# How Telegram's 400s say that the bot lacks an administrator right.
RIGHTS_WORDS = ("not enough rights", "have no rights", "need administrator rights")


def _forbidden_failure(description: str) -> SendFailure:
    text = description.lower()
    if "blocked" in text:
        return SendFailure.BLOCKED
    if "deactivated" in text:
        return SendFailure.DEACTIVATED
    return SendFailure.FORBIDDEN


def _bad_request_failure(description: str) -> SendFailure:
    text = description.lower()
    if "chat not found" in text:
        return SendFailure.CHAT_NOT_FOUND
    if "thread not found" in text or "topic_deleted" in text:
        return SendFailure.THREAD_NOT_FOUND
    if "text is empty" in text or "text must be non-empty" in text:
        return SendFailure.EMPTY_TEXT
    if any(words in text for words in RIGHTS_WORDS):
        return SendFailure.NO_RIGHTS
    return SendFailure.REJECTED


def _message_ids(result: Any) -> tuple[int, ...]:
    if isinstance(result, Message):
        return (result.message_id,)
    if isinstance(result, list):
        return tuple(item.message_id for item in result if isinstance(item, Message))
    message_id = getattr(result, "message_id", None)
    return (message_id,) if isinstance(message_id, int) else ()


def _api_method(queued: _Queued) -> str:
    return queued.method.__api_method__ if queued.method is not None else "sendMessage"


async def _all_parts(futures: Iterable[asyncio.Future[SendOutcome]]) -> SendOutcome:
    outcomes = [await future for future in futures]
    failed = next((outcome for outcome in outcomes if not outcome.sent), None)
    message_ids = tuple(i for outcome in outcomes for i in outcome.message_ids)
    if failed is not None:
        return SendOutcome(message_ids, failed.failure, failed.detail)
    return SendOutcome(message_ids, result=outcomes[-1].result)


def _resolved(loop: asyncio.AbstractEventLoop, outcome: SendOutcome) -> asyncio.Future[SendOutcome]:
    future: asyncio.Future[SendOutcome] = loop.create_future()
    future.set_result(outcome)
    return future


def _resolve(futures: Iterable[asyncio.Future[SendOutcome]], outcome: SendOutcome) -> None:
    for future in futures:
        if not future.done():
            future.set_result(outcome)


__all__ = [
    "SENDER_KEY",
    "Lane",
    "OutgoingText",
    "SendBudgetGate",
    "SendFailure",
    "SendOutcome",
    "TelegramSender",
    "is_queued_call",
    "send_budgets_of",
]
