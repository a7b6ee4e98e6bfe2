"""The sender's queue: lanes, merging in order, the gate's pauses (the Telegram side recorded).

End to end through the emulator: tests/e2e/test_sender.py. Here the bot is a recorder, so the
order of calls is exact and the budgets run on a test's own terms.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import EditForumTopic, SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.sender import Lane, OutgoingText, SendBudgetGate, SendFailure, TelegramSender
from services.send_budgets import InProcessSendBudgets, SendLimits, Window


class RecordingBot:
    """Answers every call at once with a new message id and remembers the calls."""

    def __init__(self) -> None:
        self.calls: list[TelegramMethod[Any]] = []

    async def __call__(self, method: TelegramMethod[Any]) -> Any:
        self.calls.append(method)
        return SimpleNamespace(message_id=len(self.calls))

    def texts(self) -> list[str]:
        return [call.text for call in self.calls if isinstance(call, SendMessage)]


def sender_with(limits: SendLimits) -> tuple[TelegramSender, RecordingBot]:
    bot = RecordingBot()
    return TelegramSender(bot, InProcessSendBudgets(limits)), bot  # type: ignore[arg-type]


ONE_PER_SECOND_GROUP = SendLimits(group_chat=Window(1, 0.3), overall=Window(1000, 1.0))


async def test_queued_texts_of_a_spent_chat_merge_per_topic_around_other_calls() -> None:
    sender, bot = sender_with(ONE_PER_SECOND_GROUP)
    chat = -100

    def text(body: str, thread: int = 5) -> OutgoingText:
        return OutgoingText(chat, body, message_thread_id=thread, author="Ivan")

    futures = [
        sender.submit(text("one")),
        sender.submit(text("two")),
        sender.submit(text("elsewhere", thread=9)),
        sender.submit(text("three")),
        sender.submit(EditForumTopic(chat_id=chat, message_thread_id=5, name="renamed")),
        sender.submit(text("four")),
        sender.submit(text("five")),
    ]
    outcomes = await asyncio.gather(*futures)
    assert all(outcome.sent for outcome in outcomes)
    # "one" went at once; the rest waited and merged per topic, never across the rename.
    kinds = [
        call.name if isinstance(call, EditForumTopic) else call.text.count("— Ivan") or 1
        for call in bot.calls
    ]
    assert kinds[0] == 1 and "renamed" in kinds
    sent_text = "\n".join(bot.texts())
    assert [sent_text.index(word) for word in ("one", "two", "three", "four", "five")] == sorted(
        sent_text.index(word) for word in ("one", "two", "three", "four", "five")
    )
    rename = next(i for i, call in enumerate(bot.calls) if isinstance(call, EditForumTopic))
    before = "\n".join(c.text for c in bot.calls[:rename] if isinstance(c, SendMessage))
    assert "three" in before and "four" not in before
    assert outcomes[1].merged_with == 2 and outcomes[1].message_id == outcomes[3].message_id
    assert outcomes[5].merged_with == 2
    assert outcomes[2].merged_with == 1  # alone in its topic


async def test_texts_queued_while_a_chat_waits_go_out_merged_when_it_may_send() -> None:
    sender, bot = sender_with(ONE_PER_SECOND_GROUP)
    chat = -100

    def text(body: str) -> OutgoingText:
        return OutgoingText(chat, body, message_thread_id=5, author="Ivan")

    first = [sender.submit(text("one")), sender.submit(text("two"))]
    await asyncio.sleep(0.05)  # "one" went, "two" waits for the chat's window
    later = [sender.submit(text(word)) for word in ("three", "four", "five")]
    outcomes = await asyncio.gather(*first, *later)
    assert all(outcome.sent for outcome in outcomes)
    # Two sends in all: "one", then everything that queued up while the chat waited.
    assert len(bot.calls) == 2 and bot.calls[1].text.count("— Ivan") == 4
    assert [outcome.merged_with for outcome in outcomes] == [1, 4, 4, 4, 4]


async def test_texts_without_an_author_or_with_buttons_are_never_merged() -> None:
    sender, bot = sender_with(ONE_PER_SECOND_GROUP)
    button = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Reply", callback_data="reply")]]
    )
    outcomes = await asyncio.gather(
        *(sender.submit(OutgoingText(-100, f"alert {n}")) for n in range(3)),
        sender.submit(OutgoingText(-100, "with a button", author="A", reply_markup=button)),
    )
    assert [outcome.merged_with for outcome in outcomes] == [1, 1, 1, 1]
    assert bot.texts() == ["alert 0", "alert 1", "alert 2", "with a button"]


async def test_texts_under_the_same_buttons_merge_and_keep_them() -> None:
    sender, bot = sender_with(ONE_PER_SECOND_GROUP)

    def suggest(chat: int) -> InlineKeyboardMarkup:
        button = InlineKeyboardButton(text="Suggest", callback_data=f"suggest:{chat}")
        return InlineKeyboardMarkup(inline_keyboard=[[button]])

    outcomes = await asyncio.gather(
        sender.submit(OutgoingText(-100, "first", author="A")),
        *(
            sender.submit(OutgoingText(-100, f"chat 1 #{n}", author="A", reply_markup=suggest(1)))
            for n in range(3)
        ),
        sender.submit(OutgoingText(-100, "chat 2", author="A", reply_markup=suggest(2))),
    )
    assert [outcome.merged_with for outcome in outcomes] == [1, 3, 3, 3, 1]
    assert [call.reply_markup for call in bot.calls] == [None, suggest(1), suggest(2)]
    assert bot.texts()[1].count("— A") == 3


async def test_texts_under_other_buttons_are_not_jumped_over() -> None:
    """A buyer's texts (under 💡) around a marketplace notice (no button) in one topic stay in
    the order they were queued: only neighbours merge."""
    sender, bot = sender_with(ONE_PER_SECOND_GROUP)
    button = InlineKeyboardButton(text="Suggest", callback_data="suggest:1")
    suggest = InlineKeyboardMarkup(inline_keyboard=[[button]])
    texts = [("first", suggest), ("buyer 1", suggest), ("notice", None), ("buyer 2", suggest)]
    await asyncio.gather(
        *(
            sender.submit(OutgoingText(-100, text, author="A", reply_markup=markup))
            for text, markup in texts
        )
    )
    order = [text for sent in bot.texts() for text in ("first", "buyer", "notice") if text in sent]
    assert order == ["first", "buyer", "notice", "buyer"]


async def test_merging_keeps_each_message_under_4096_characters() -> None:
    sender, bot = sender_with(ONE_PER_SECOND_GROUP)
    body = "x" * 1500
    outcomes = await asyncio.gather(
        *(sender.submit(OutgoingText(-100, f"{n}{body}", author="A")) for n in range(7))
    )
    assert all(outcome.sent for outcome in outcomes)
    assert all(len(text) <= 4096 for text in bot.texts())
    assert sum(text.count(body) for text in bot.texts()) == 7


async def test_the_interactive_lane_goes_first() -> None:
    limits = SendLimits(overall=Window(2, 0.2), margin=0.0, min_margin_seconds=0.0)
    sender, bot = sender_with(limits)
    bulk = [sender.submit(OutgoingText(1000 + n, f"bulk {n}"), Lane.BULK) for n in range(6)]
    await asyncio.sleep(0.15)  # two bulk sends are out; the rest wait for the pace
    alert = sender.submit(OutgoingText(1, "alert"), Lane.INTERACTIVE)
    await asyncio.gather(alert, *bulk)
    assert bot.texts().index("alert") <= 3


async def test_a_chat_keeps_its_order_one_call_at_a_time() -> None:
    sender, bot = sender_with(SendLimits(private_chat=Window(100, 1.0)))
    outcomes = await asyncio.gather(*(sender.submit(OutgoingText(7, f"m{n}")) for n in range(20)))
    assert bot.texts() == [f"m{n}" for n in range(20)]
    assert [outcome.message_id for outcome in outcomes] == list(range(1, 21))


async def test_stopping_resolves_what_is_left_as_stopped() -> None:
    sender, _bot = sender_with(SendLimits(private_chat=Window(1, 60.0)))
    first = sender.submit(OutgoingText(7, "goes"))
    second = sender.submit(OutgoingText(7, "waits a minute"))
    await asyncio.sleep(0.05)
    await sender.stop(drain_seconds=0.1)
    assert (await first).sent
    outcome = await second
    assert outcome.failure is SendFailure.STOPPED and not outcome.failure.permanent


def flood(retry_after: int) -> TelegramRetryAfter:
    return TelegramRetryAfter(
        method=SendMessage(chat_id=1, text="x"),
        message=f"Too Many Requests: retry after {retry_after}",
        retry_after=retry_after,
    )


async def test_a_429_pauses_its_chat_and_429s_for_two_chats_pause_the_bot() -> None:
    budgets = InProcessSendBudgets(SendLimits(overall=Window(10**6, 1.0)))
    gate = SendBudgetGate(budgets)

    async def flooded(bot: Any, method: Any) -> Any:
        raise flood(2)

    with pytest.raises(TelegramRetryAfter):
        await gate(flooded, None, SendMessage(chat_id=11, text="x"))  # type: ignore[arg-type]
    refusal = await budgets.try_take(11)
    assert refusal is not None and not refusal.whole_bot and refusal.wait > 1.9
    assert await budgets.try_take(12) is None  # one chat's 429 is that chat's business
    with pytest.raises(TelegramRetryAfter):
        await gate(flooded, None, SendMessage(chat_id=13, text="x"))  # type: ignore[arg-type]
    refusal = await budgets.try_take(14)
    assert refusal is not None and refusal.whole_bot  # two chats at once: the bot is flooding


async def test_an_unexpected_error_still_gives_the_caller_an_outcome() -> None:
    sender, _bot = sender_with(SendLimits())

    async def broken(method: TelegramMethod[Any]) -> Any:
        raise ValueError("a bug somewhere below")

    sender.bot = broken  # type: ignore[assignment]
    outcome = await asyncio.wait_for(sender.send(OutgoingText(7, "x")), 5)
    assert outcome.failure is SendFailure.REJECTED and "a bug" in outcome.detail


async def test_the_queue_waits_out_budgets_that_are_briefly_unavailable() -> None:
    sender, bot = sender_with(SendLimits())
    real_take = sender.budgets.try_take
    failures = iter([ConnectionError("redis restarting")])

    async def flaky_take(chat_id: int | str, *, bulk: bool = False) -> Any:
        for error in failures:
            raise error
        return await real_take(chat_id, bulk=bulk)

    sender.budgets.try_take = flaky_take  # type: ignore[method-assign]
    outcome = await asyncio.wait_for(sender.send(OutgoingText(7, "eventually")), 5)
    assert outcome.sent and bot.texts() == ["eventually"]


async def test_a_long_text_in_parts_has_its_buttons_under_the_last_part() -> None:
    sender, bot = sender_with(ONE_PER_SECOND_GROUP)
    button = InlineKeyboardButton(text="Suggest", callback_data="suggest:1")
    markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
    outcome = await sender.submit(
        OutgoingText(-100, "word " * 1500, author="A", attributed=True, reply_markup=markup)
    )
    assert outcome.sent and len(bot.calls) == 2
    assert [call.reply_markup for call in bot.calls] == [None, markup]
