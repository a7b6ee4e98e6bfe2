"""A confirmed broadcast going out: once per recipient through the bulk lane, through 429s,
blocked users and deleted accounts, pause, resume and cancel, and a restart half-way."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sandbox.telegram.limits import RateLimits, Window
from services.admins import add_admin
from services.audit import AuditAction
from services.broadcasts.control import read_progress
from services.broadcasts.drafts import Audience, AudienceKind, BroadcastStatus
from services.database import create_engine, create_session_factory
from services.models import AuditEntry, BroadcastRecipient, User
from services.models.base import utcnow
from tests.e2e.admin_chat import AdminChat, admin_group, bot_with_admin_group
from tests.e2e.broadcasts import (
    add_crowd,
    broadcast_now,
    deliveries,
    fresh_crowd_id,
    wait_for_status,
    wake_broadcasts,
)
from tests.e2e.harness import BotHarness, HarnessFactory, new_user
from tests.e2e.test_admin_broadcast_compose import SHOP, _draft_id, _new_draft, _preview, _reply
from tests.servers import sending_settings

STALE = timedelta(minutes=2)  # longer ago than a live worker's claims are stamped
CROWD = Audience(AudienceKind.LANGUAGE, language="ru")


def paced(per_second: int) -> dict[str, object]:
    """The bot's overall limit at `per_second` (the emulator does not enforce it here)."""
    return sending_settings(
        RateLimits(Window(10_000, 1.0), Window(10_000, 1.0), Window(per_second, 1.0))
    )


async def _started(
    harness: BotHarness, admin_chat: AdminChat, text: str, count: int
) -> tuple[int, list[int]]:
    factory = harness.resources.session_factory
    users = await add_crowd(admin_chat.client, factory, fresh_crowd_id(), count, language="ru")
    # The crowd speaks Russian; the admin, who never started the bot in private, English.
    broadcast_id = await broadcast_now(
        factory, admin_chat.admin["id"], admin_chat.chat_id, text, CROWD
    )
    await wake_broadcasts(harness)
    return broadcast_id, users


async def test_every_recipient_gets_it_once_and_the_end_is_reported(
    harness_factory: HarnessFactory,
) -> None:
    began = utcnow()
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    broadcast_id, users = await _started(harness, admin_chat, "Spring sale: <b>-20%</b>", 40)
    factory = harness.resources.session_factory

    progress = await wait_for_status(factory, broadcast_id, {BroadcastStatus.FINISHED})
    assert (progress.sent, progress.remaining, progress.total) == (40, 0, 40)
    received = deliveries(harness.emulator, "Spring sale")
    assert {user: received[user] for user in users} == {user: 1 for user in users}
    report = await admin_chat.wait_text(f"Broadcast #{broadcast_id} finished: 40 of 40 sent")
    assert report["from_bot"]
    shown = await admin_chat.wait_text(f"Broadcast #{broadcast_id} · finished")
    assert "Sent: 40 of 40" in shown["text"] and not shown.get("reply_markup")
    progress_messages = [
        message
        for message in await admin_chat.bot_messages_after(0)
        if f"Broadcast #{broadcast_id} ·" in (message.get("text") or "")
    ]
    assert len(progress_messages) == 1  # one message, edited
    async with factory() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.target == str(broadcast_id), AuditEntry.created_at >= began
                )
            )
        )
    assert actions == [AuditAction.BROADCAST, AuditAction.BROADCAST_FINISH]


async def _progress_message(admin_chat: AdminChat, broadcast_id: int) -> dict:
    return await admin_chat.wait_text(f"Broadcast #{broadcast_id} ·")


async def _as_now(admin_chat: AdminChat, message: dict) -> dict:
    """The message as the chat shows it now (after edits)."""
    for shown in await admin_chat.client.messages(admin_chat.chat_id):
        if shown["message_id"] == message["message_id"]:
            return shown
    raise AssertionError(f"message {message['message_id']} is gone")


async def _until_nothing_claimed(
    factory: async_sessionmaker[AsyncSession], broadcast_id: int, timeout: float = 15
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with factory() as session:
            claimed = await session.scalar(
                select(func.count()).where(
                    BroadcastRecipient.broadcast_id == broadcast_id,
                    BroadcastRecipient.state == "claimed",
                )
            )
        if not claimed:
            return
        assert asyncio.get_running_loop().time() < deadline, f"{claimed} still claimed"
        await asyncio.sleep(0.1)


async def _sent_so_far(harness: BotHarness, text: str) -> int:
    return sum(deliveries(harness.emulator, text).values())


async def _until_sent(harness: BotHarness, text: str, count: int, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while await _sent_so_far(harness, text) < count:
        assert asyncio.get_running_loop().time() < deadline, "the broadcast does not go out"
        await asyncio.sleep(0.05)


async def test_a_429_in_the_middle_is_waited_out_and_nobody_is_missed_or_served_twice(
    harness_factory: HarnessFactory,
) -> None:
    harness_factory.allow_rejected_requests = True  # the injected 429s
    harness, admin_chat = await bot_with_admin_group(harness_factory, **paced(40))
    broadcast_id, users = await _started(harness, admin_chat, "Flood test", 80)
    await _until_sent(harness, "Flood test", 20)
    await admin_chat.client.inject_fault("sendMessage", "429", count=2, retry_after=1)

    progress = await wait_for_status(
        harness.resources.session_factory, broadcast_id, {BroadcastStatus.FINISHED}
    )
    assert (progress.sent, progress.failed) == (80, 0)
    received = deliveries(harness.emulator, "Flood test")
    assert {user: received[user] for user in users} == {user: 1 for user in users}
    log = harness.emulator.world.request_log
    floods = [entry for entry in log if entry["error_code"] == 429]
    assert len(floods) == 2
    after_flood = [
        entry["time"]
        for entry in log
        if entry["method"] == "sendMessage" and entry["ok"] and entry["time"] > floods[0]["time"]
    ]
    # retry_after was honoured: nothing more went out for about a second.
    assert min(after_flood) - floods[0]["time"] >= 0.9


async def test_users_who_blocked_the_bot_or_deleted_their_account_are_marked_and_left_out_later(
    harness_factory: HarnessFactory,
) -> None:
    harness_factory.allow_rejected_requests = True  # the 403s
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    factory = harness.resources.session_factory
    users = await add_crowd(admin_chat.client, factory, fresh_crowd_id(), 12, language="ru")
    blocked, deleted = users[:3], users[3:5]
    for user_id in blocked:
        await admin_chat.client.block(user_id)
    for user_id in deleted:
        await admin_chat.client.delete_account(user_id)
    admin_id = admin_chat.admin["id"]
    first = await broadcast_now(factory, admin_id, admin_chat.chat_id, "First news", CROWD)
    await wake_broadcasts(harness)

    progress = await wait_for_status(factory, first, {BroadcastStatus.FINISHED})
    assert (progress.sent, progress.blocked, progress.deactivated) == (7, 3, 2)
    shown = await admin_chat.wait_text(f"Broadcast #{first} · finished")
    assert "Blocked the bot: 3" in shown["text"] and "Deleted accounts: 2" in shown["text"]
    await admin_chat.wait_text("7 of 12 sent, 3 blocked the bot, 2 deleted accounts")
    async with factory() as session:
        marked = {
            user.telegram_id: (user.is_blocked, user.deactivated_at is not None)
            for user in await session.scalars(select(User).where(User.telegram_id.in_(users)))
        }
    assert all(marked[user_id] == (True, False) for user_id in blocked)
    assert all(marked[user_id] == (False, True) for user_id in deleted)

    # One of them unblocks the bot and writes again: the next broadcast reaches them.
    returning = blocked[0]
    await admin_chat.client.block(returning, blocked=False)
    await harness.say(
        {"id": returning, "first_name": f"User {returning}", "is_bot": False}, "/start"
    )
    await asyncio.sleep(0.3)
    second = await broadcast_now(factory, admin_id, admin_chat.chat_id, "Second news", CROWD)
    await wake_broadcasts(harness)
    progress = await wait_for_status(factory, second, {BroadcastStatus.FINISHED})
    assert (progress.total, progress.sent, progress.blocked) == (8, 8, 0)
    assert deliveries(harness.emulator, "Second news")[returning] == 1


async def test_pause_and_resume_from_the_progress_message_send_to_each_once(
    harness_factory: HarnessFactory,
) -> None:
    began = utcnow()
    harness, admin_chat = await bot_with_admin_group(harness_factory, **paced(20))
    factory = harness.resources.session_factory
    broadcast_id, users = await _started(harness, admin_chat, "Pausable", 80)
    message = await _progress_message(admin_chat, broadcast_id)
    await _until_sent(harness, "Pausable", 10)

    answer = await admin_chat.press(message, "Pause")
    assert not answer.get("show_alert")
    progress = await wait_for_status(
        factory, broadcast_id, {BroadcastStatus.PAUSED}, reported=False
    )
    await _until_nothing_claimed(factory, broadcast_id)  # what was queued drains
    drained = await _sent_so_far(harness, "Pausable")
    await asyncio.sleep(1.5)
    assert await _sent_so_far(harness, "Pausable") == drained < 80
    paused = await admin_chat.wait_text(f"Broadcast #{broadcast_id} · paused")
    assert "Resume" in str(paused["reply_markup"])

    # Any admin may resume.
    second_admin = {"id": admin_chat.admin["id"] + 1, "first_name": "Second", "is_bot": False}
    await admin_chat.join(second_admin)
    owner = admin_chat.admin["id"]
    async with factory() as session, session.begin():
        await add_admin(session, second_admin["id"], by=owner, owners=[owner])
    answer = await admin_chat.press(paused, "Resume", member=second_admin)
    assert not answer.get("show_alert")
    progress = await wait_for_status(factory, broadcast_id, {BroadcastStatus.FINISHED})
    assert progress.sent == 80
    received = deliveries(harness.emulator, "Pausable")
    assert {user: received[user] for user in users} == {user: 1 for user in users}

    # Pause pressed after it has finished: a clear answer, nothing changes.
    finished = await admin_chat.wait_text(f"Broadcast #{broadcast_id} · finished")
    answer = await admin_chat.press(message, "Pause")  # a stale Pause button
    assert answer["show_alert"] and "finished" in answer["text"]
    assert finished["message_id"] == message["message_id"]
    async with factory() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.target == str(broadcast_id), AuditEntry.created_at >= began)
                .order_by(AuditEntry.id)
            )
        )
    assert actions == [
        AuditAction.BROADCAST,
        AuditAction.BROADCAST_PAUSE,
        AuditAction.BROADCAST_RESUME,
        AuditAction.BROADCAST_FINISH,
    ]


async def test_cancel_asks_first_then_stops_and_reports_what_was_not_sent(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory, **paced(20))
    factory = harness.resources.session_factory
    broadcast_id, _ = await _started(harness, admin_chat, "Cancellable", 200)
    message = await _progress_message(admin_chat, broadcast_id)
    await _until_sent(harness, "Cancellable", 10)

    await admin_chat.press(message, "Cancel")  # asks first: a slip of the finger stops nothing
    asking = await admin_chat.wait_text(f"Cancel broadcast #{broadcast_id}?")
    await admin_chat.press(asking, "No, keep sending")
    await admin_chat.wait_text("The broadcast goes on")
    assert (await _as_now(admin_chat, message))["text"].find("· sending") > 0
    await admin_chat.press(message, "Cancel")
    asking = await admin_chat.wait_text(
        f"Cancel broadcast #{broadcast_id}?", after=asking["message_id"]
    )
    await admin_chat.press(asking, "Yes, cancel it")
    await admin_chat.wait_text(f"Broadcast #{broadcast_id} is cancelled")

    progress = await wait_for_status(factory, broadcast_id, {BroadcastStatus.CANCELLED})
    assert 0 < progress.sent < 200 and progress.sent + progress.remaining == 200
    await asyncio.sleep(1)
    assert await _sent_so_far(harness, "Cancellable") == progress.sent
    await admin_chat.wait_text(
        f"Broadcast #{broadcast_id} cancelled: {progress.sent} of 200 sent, "
        f"{progress.remaining} not sent"
    )
    answer = await admin_chat.press(asking, "Yes, cancel it")
    assert answer["show_alert"] and "cancelled" in answer["text"]


async def test_a_process_stopped_half_way_is_resumed_by_the_next_nobody_twice_nobody_missed(
    harness_factory: HarnessFactory,
) -> None:
    harness_factory.allow_rejected_requests = True  # the injected 429s
    first, admin_chat = await bot_with_admin_group(harness_factory, **paced(20))
    broadcast_id, users = await _started(first, admin_chat, "Restart-proof", 100)
    await _until_sent(first, "Restart-proof", 20)
    # Telegram holds the bot back longer than a stop waits: what it had queued is not sent
    # by it, and must be handed back rather than lost.
    await admin_chat.client.inject_fault("sendMessage", "429", count=2, retry_after=12)
    await first.stop()  # as on SIGTERM
    stopped_at = await _sent_so_far(first, "Restart-proof")
    factory = first.resources.session_factory
    async with factory() as session:  # the bot is stopped, its engine is still open
        progress = await read_progress(session, broadcast_id)
    # What it had queued but not sent went back to pending: nothing claimed, nothing lost.
    assert progress is not None and progress.sent == stopped_at
    assert progress.remaining == 100 - stopped_at and progress.unconfirmed == 0
    await _until_nothing_claimed(factory, broadcast_id, timeout=0.5)

    second = await harness_factory.start(
        admin_chat_id=admin_chat.chat_id, admin_ids=[admin_chat.admin["id"]], **paced(20)
    )
    factory = second.resources.session_factory
    progress = await wait_for_status(factory, broadcast_id, {BroadcastStatus.FINISHED})
    assert (progress.sent, progress.unconfirmed, progress.remaining) == (100, 0, 0)
    received = deliveries(second.emulator, "Restart-proof")
    assert {user: received[user] for user in users} == {user: 1 for user in users}
    await admin_chat.wait_text(f"Broadcast #{broadcast_id} finished: 100 of 100 sent")


async def test_recipients_a_dead_process_had_queued_are_not_sent_again_and_are_reported(
    harness_factory: HarnessFactory,
) -> None:
    """A process killed outright (no shutdown) leaves its claims behind: whether those sends
    reached Telegram is unknown, so they are marked unconfirmed rather than sent twice."""
    admin_chat = await admin_group(harness_factory)
    engine = create_engine(harness_factory.database_url)
    factory = create_session_factory(engine)
    try:
        users = await add_crowd(admin_chat.client, factory, fresh_crowd_id(), 20, language="ru")
        broadcast_id = await broadcast_now(
            factory, admin_chat.admin["id"], admin_chat.chat_id, "After a crash", CROWD
        )
        lost = users[:5]
        async with factory() as session, session.begin():
            await session.execute(
                update(BroadcastRecipient)
                .where(
                    BroadcastRecipient.broadcast_id == broadcast_id,
                    BroadcastRecipient.user_id.in_(lost),
                )
                .values(state="claimed", claimed_by="dead-process", claimed_at=utcnow() - STALE)
            )
    finally:
        await engine.dispose()

    harness = await harness_factory.start(
        admin_chat_id=admin_chat.chat_id, admin_ids=[admin_chat.admin["id"]]
    )
    progress = await wait_for_status(
        harness.resources.session_factory, broadcast_id, {BroadcastStatus.FINISHED}
    )
    assert (progress.sent, progress.unconfirmed) == (15, 5)
    received = deliveries(harness.emulator, "After a crash")
    assert all(received[user] == 0 for user in lost)
    assert all(received[user] == 1 for user in users[5:])
    shown = await admin_chat.wait_text(f"Broadcast #{broadcast_id} · finished")
    assert "Unconfirmed" in shown["text"] and ": 5" in shown["text"]


async def test_composed_in_the_admin_group_it_reaches_every_recipient_once_as_previewed(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    readers = [new_user("en", f"Reader {number}") for number in range(5)]
    for person in (admin_chat.admin, *readers):  # the operator has used the bot too
        await harness.say(person, "/start")
    await asyncio.sleep(0.3)

    card = await _new_draft(admin_chat, "Our spring collection is here")
    await admin_chat.press(card, "Add button")
    card = await _reply(admin_chat, f"Open the shop | {SHOP}", "Broadcast draft #")
    preview, confirm = await _preview(admin_chat, card, "exactly as users will see it")
    assert "Send to 6 users" in str(confirm["reply_markup"])
    await admin_chat.press(confirm, "Send to")
    broadcast_id = _draft_id(card)

    progress = await wait_for_status(
        harness.resources.session_factory, broadcast_id, {BroadcastStatus.FINISHED}
    )
    assert (progress.total, progress.sent) == (6, 6)
    for person in (admin_chat.admin, *readers):
        got = [
            message
            for message in await admin_chat.client.messages(person["id"])
            if message["from_bot"] and message.get("text") == preview["text"]
        ]
        assert len(got) == 1
        assert got[0]["reply_markup"] == preview["reply_markup"]  # the button, as previewed
    await admin_chat.wait_text(f"Broadcast #{broadcast_id} finished: 6 of 6 sent")


async def test_the_progress_message_is_edited_as_it_goes_but_not_more_often_than_set(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(
        harness_factory, broadcast_progress_seconds=1, **paced(25)
    )
    broadcast_id, _ = await _started(harness, admin_chat, "Watched", 100)  # about 4 s
    message = await _progress_message(admin_chat, broadcast_id)
    await wait_for_status(
        harness.resources.session_factory, broadcast_id, {BroadcastStatus.FINISHED}
    )
    edits = [
        entry["time"]
        for entry in harness.emulator.world.request_log
        if entry["method"] == "editMessageText"
        and entry["ok"]
        and int(entry["params"]["message_id"]) == message["message_id"]
    ]
    assert 3 <= len(edits) <= 7
    gaps = [later - earlier for earlier, later in itertools.pairwise(edits)]
    # Every edit but the last (the end, shown at once) waits out the setting.
    assert all(gap >= 0.9 for gap in gaps[:-1]), gaps
