"""The one Telegram sender through aiogram's real Bot and the emulator enforcing scaled limits.

Both sides run the same scaled limits: the emulator answers 429 to anything over them, so a
test that sees no 429 proves the sender (and the gate every call passes) kept inside.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

from aiogram.methods import CreateForumTopic, DeleteForumTopic

from bot.sender import Lane, OutgoingText, SendFailure, TelegramSender
from sandbox.telegram.limits import RateLimits, Window
from tests.e2e.harness import BotHarness, HarnessFactory, new_user
from tests.servers import sending_settings

GROUP_BURST = 5  # per GROUP_PERIOD seconds into one group, as Telegram's 20 per minute
GROUP_PERIOD = 1.0
JITTER_ALLOWANCE = 0.15  # seconds added to each of the bot's windows
SCALED = RateLimits(
    private_chat=Window(3, 1.0),
    group_chat=Window(GROUP_BURST, GROUP_PERIOD),
    overall=Window(30, 1.0),
)


def scaled_settings(limits: RateLimits = SCALED) -> dict[str, Any]:
    # The emulator runs in the test's event loop: a busy loop delays one request more than
    # the next, so the scaled (short) windows get a wider allowance than the real ones need.
    return sending_settings(limits, margin_seconds=JITTER_ALLOWANCE)


async def start_scaled(harness_factory: HarnessFactory, limits: RateLimits = SCALED) -> BotHarness:
    client = await harness_factory.sandbox()
    await client.set_rate_limits(limits)
    return await harness_factory.start(**scaled_settings(limits))


def sender_of(harness: BotHarness) -> TelegramSender:
    return harness.dispatcher.workflow_data["sender"]


async def forum_with_topic(harness: BotHarness, title: str = "Buyer chat") -> tuple[int, int]:
    owner = new_user(first_name="Seller")
    group = await harness.client.create_group("Shop desk", [owner], is_forum=True)
    outcome = await sender_of(harness).send(CreateForumTopic(chat_id=group["id"], name=title))
    assert outcome.sent, outcome
    return group["id"], outcome.result.message_thread_id


async def flood_answers(harness: BotHarness) -> list[dict[str, Any]]:
    return [
        entry for entry in await harness.client.rejected_requests() if entry["error_code"] == 429
    ]


async def test_a_burst_into_one_forum_group_stays_inside_the_limit_and_loses_nothing(
    harness_factory: HarnessFactory,
) -> None:
    harness = await start_scaled(harness_factory)
    chat_id, thread = await forum_with_topic(harness)
    sender = sender_of(harness)
    texts = [f"buyer message #{n}." for n in range(24)]
    outcomes = await asyncio.gather(
        *(
            sender.send(OutgoingText(chat_id, text, message_thread_id=thread, author="Buyer Ivan"))
            for text in texts
        )
    )
    assert all(outcome.sent for outcome in outcomes), outcomes
    assert await flood_answers(harness) == []
    messages = await harness.client.messages(chat_id, thread=thread)
    delivered = "\n".join(message.get("text") or "" for message in messages)
    positions = [delivered.index(text) for text in texts]
    assert positions == sorted(positions)  # in order, none lost
    assert all(delivered.count(text) == 1 for text in texts)
    # The group budget was spent, so queued texts went out merged, each under its author line.
    assert len(messages) < len(texts) + 1
    assert any(outcome.merged_with > 1 for outcome in outcomes)
    assert "— Buyer Ivan ·" in delivered


async def test_topics_share_the_group_budget(harness_factory: HarnessFactory) -> None:
    harness = await start_scaled(harness_factory)
    chat_id, first = await forum_with_topic(harness, "first")
    sender = sender_of(harness)
    second = (await sender.send(CreateForumTopic(chat_id=chat_id, name="second"))).result
    outcomes = await asyncio.gather(
        *(
            sender.send(OutgoingText(chat_id, f"alert {n}", message_thread_id=thread))
            for n in range(4)
            for thread in (first, second.message_thread_id)
        )
    )
    assert all(outcome.sent and outcome.merged_with == 1 for outcome in outcomes)
    assert await flood_answers(harness) == []


async def test_two_dispatchers_sharing_redis_never_exceed_the_budget_together(
    harness_factory: HarnessFactory, real_backend: object
) -> None:
    # Both poll the one emulated bot; Telegram answers the second poller 409, as it would.
    harness_factory.allow_rejected_requests = True
    first = await start_scaled(harness_factory)
    second = await harness_factory.start(**scaled_settings())
    chat_id, thread = await forum_with_topic(first)
    started = time.monotonic()
    outcomes = await asyncio.gather(
        *(
            sender_of(harness).send(OutgoingText(chat_id, f"{name} {n}", message_thread_id=thread))
            for n in range(6)
            for name, harness in (("one", first), ("two", second))
        )
    )
    assert all(outcome.sent for outcome in outcomes)
    assert await flood_answers(first) == []
    # 12 sends plus the topic into a budget of 5 per second: at least two more windows.
    assert time.monotonic() - started >= 2 * GROUP_PERIOD


async def test_handler_replies_count_in_the_same_budgets(harness_factory: HarnessFactory) -> None:
    harness = await start_scaled(harness_factory)
    user = new_user()
    await harness.say(user, "/start")  # the bot learns the chat
    started = time.monotonic()
    for n in range(7):  # straight through aiogram, as a handler replies
        await harness.bot.send_message(user["id"], f"reply {n}")
    assert await flood_answers(harness) == []
    assert time.monotonic() - started >= 1.0  # 3 per second into a private chat


async def test_a_forced_429_is_honoured_and_the_send_still_goes_out(
    harness_factory: HarnessFactory,
) -> None:
    harness_factory.allow_rejected_requests = True  # the forced 429
    harness = await start_scaled(harness_factory)
    user = new_user()
    await harness.say(user, "/start")
    await harness.client.inject_fault("sendMessage", "429", retry_after=1)
    started = time.monotonic()
    outcome = await sender_of(harness).send(OutgoingText(user["id"], "after the flood"))
    assert outcome.sent and time.monotonic() - started >= 1.0
    # Another chat was not held by that chat's 429.
    other = new_user(first_name="Other")
    await harness.say(other, "/start")
    assert (await sender_of(harness).send(OutgoingText(other["id"], "free"))).sent


async def test_a_blocked_user_is_reported_once_and_not_retried(
    harness_factory: HarnessFactory,
) -> None:
    harness_factory.allow_rejected_requests = True  # the 403
    harness = await start_scaled(harness_factory)
    user = new_user()
    await harness.say(user, "/start")
    await harness.client.block(user["id"])
    await harness.client.clear_requests()
    outcome = await sender_of(harness).send(OutgoingText(user["id"], "news"), Lane.BULK)
    assert outcome.failure is SendFailure.BLOCKED and outcome.failure.permanent
    attempts = await harness.client.requests(method="sendMessage")
    assert len(attempts) == 1


async def test_bad_sends_get_a_defined_outcome(harness_factory: HarnessFactory) -> None:
    harness = await start_scaled(harness_factory)
    sender = sender_of(harness)
    chat_id, thread = await forum_with_topic(harness)
    assert (await sender.send(DeleteForumTopic(chat_id=chat_id, message_thread_id=thread))).sent
    outcome = await sender.send(OutgoingText(chat_id, "late", message_thread_id=thread))
    assert outcome.failure is SendFailure.THREAD_NOT_FOUND
    outcome = await sender.send(OutgoingText(-100_999_999, "nobody"))
    assert outcome.failure is SendFailure.CHAT_NOT_FOUND
    owner = new_user(first_name="Owner")
    group = await harness.client.create_group("Left behind", [owner], is_forum=True)
    await harness.client.remove_bot(group["id"], owner)
    outcome = await sender.send(OutgoingText(group["id"], "anyone there?"))
    assert outcome.failure is SendFailure.FORBIDDEN and outcome.failure.permanent
    await harness.client.clear_requests()
    outcome = await sender.send(OutgoingText(chat_id, "  \n "))
    assert outcome.failure is SendFailure.EMPTY_TEXT
    assert await harness.client.requests(method="sendMessage") == []


async def test_a_text_over_4096_characters_goes_out_in_parts_at_paragraphs(
    harness_factory: HarnessFactory,
) -> None:
    harness = await start_scaled(harness_factory)
    user = new_user()
    await harness.say(user, "/start")
    paragraphs = [f"Paragraph {n}: " + "word " * 150 for n in range(12)]
    outcome = await sender_of(harness).send(OutgoingText(user["id"], "\n\n".join(paragraphs)))
    assert outcome.sent and len(outcome.message_ids) >= 3
    messages = await harness.client.messages(user["id"])
    parts = [m["text"] for m in messages if m.get("message_id") in outcome.message_ids]
    assert len(parts) == len(outcome.message_ids)
    assert all(len(part) <= 4096 and part.startswith("Paragraph") for part in parts)


async def test_the_interactive_lane_overtakes_a_running_broadcast(
    harness_factory: HarnessFactory,
) -> None:
    limits = replace(SCALED, overall=Window(4, 0.5))
    client = await harness_factory.sandbox()
    await client.set_rate_limits(limits)
    # Twelve concurrent sends on a loaded loop reach the emulator up to ~0.1 s apart from when
    # they were taken; the pace tolerates half its margin of that, so this window (tight, to
    # keep the test short) gets twice the usual allowance.
    harness = await harness_factory.start(
        **sending_settings(limits, margin_seconds=2 * JITTER_ALLOWANCE)
    )
    users = [new_user(first_name=f"U{n}") for n in range(13)]
    for user in users:
        await harness.say(user, "/start")
    sender = sender_of(harness)
    await asyncio.sleep(0.7)  # the /start replies' window has passed
    order: list[str] = []

    async def send(user: dict[str, Any], label: str, lane: Lane) -> None:
        outcome = await sender.send(OutgoingText(user["id"], label), lane)
        assert outcome.sent
        order.append(label)

    broadcast = [
        asyncio.create_task(send(user, f"bulk {n}", Lane.BULK)) for n, user in enumerate(users[:12])
    ]
    await asyncio.sleep(0.1)  # the broadcast is running and has spent the budget
    await send(users[12], "alert", Lane.INTERACTIVE)
    await asyncio.gather(*broadcast)
    # Only what had already taken its budget (one window) went before the alert.
    assert order.index("alert") <= limits.overall.limit + 1
    assert await flood_answers(harness) == []


async def test_no_429_reaches_the_user_when_the_emulator_enforces_telegrams_real_limits(
    harness_factory: HarnessFactory,
) -> None:
    """`make run` runs with the emulator's default, Telegram's own limits, and the bot's."""
    real = RateLimits.telegram()
    client = await harness_factory.sandbox()
    await client.set_rate_limits(real)
    harness = await harness_factory.start(**sending_settings(real))
    user = new_user()
    await harness.say(user, "/start")
    for n in range(4):
        await harness.bot.send_message(user["id"], f"reply {n}")
    assert await flood_answers(harness) == []
