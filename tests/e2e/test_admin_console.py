"""The admin console's frame, end to end: who may use it (owners, the admins they add, nobody
else anywhere), the audit of admin actions, /health and the admin group's command menu."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram.fsm.storage.base import StorageKey

from handlers.admin_group import AdminInput
from services import audit
from services.audit import AuditAction
from services.console.user_card import ban_user
from services.users import forget_recent_user
from tests.e2e.admin_chat import AdminChat, bot_with_admin_group
from tests.e2e.harness import BotHarness, HarnessFactory, new_user


async def _started(harness: BotHarness, user: dict[str, Any]) -> None:
    """The user has talked to the bot, so the bot knows their @username."""
    await harness.say(user, "/start")


async def _silent(admin_chat: AdminChat, text: str, member: dict[str, Any]) -> None:
    """`text` from `member` in the admin group gets no answer at all."""
    sent = await admin_chat.say(text, member)
    await asyncio.sleep(0.6)
    assert await admin_chat.bot_messages_after(sent) == []


async def test_owners_add_and_remove_admins_and_a_removed_admin_is_refused_at_once(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    helper = {**new_user("en", "Helper"), "username": "helper_bee"}
    await _started(harness, helper)
    await admin_chat.join(helper)
    await asyncio.sleep(0.3)

    # Not an admin yet: the console's commands do not exist for them.
    await _silent(admin_chat, "/health", helper)

    sent = await admin_chat.say("/admins add @nobody_here")
    await admin_chat.wait_text("Nobody called @nobody_here", after=sent)
    sent = await admin_chat.say("/admins promote @helper_bee")
    await admin_chat.wait_text("/admins add @username", after=sent)
    sent = await admin_chat.say(f"/admins add {admin_chat.admin['id']}")
    await admin_chat.wait_text("Owners come from ADMIN_IDS", after=sent)
    sent = await admin_chat.say("/admins add @HELPER_bee")
    await admin_chat.wait_text("is now an admin", after=sent)
    sent = await admin_chat.say("/admins add @helper_bee")
    await admin_chat.wait_text("already an admin", after=sent)

    # The new admin uses the console, but only owners manage admins.
    sent = await admin_chat.say("/health", helper)
    health = await admin_chat.wait_text("Database: answers", after=sent)
    assert "Scheduled jobs:" in health["text"] and "all on time" in health["text"]
    sent = await admin_chat.say(f"/admins remove {admin_chat.admin['id']}", helper)
    await admin_chat.wait_text("Only owners", after=sent)
    sent = await admin_chat.say("/admins", helper)
    listing = await admin_chat.wait_text("Admins", after=sent)
    assert "owner" in listing["text"] and "@helper_bee" in listing["text"]
    answer = await admin_chat.press(listing, "Remove @helper_bee", member=helper)
    assert answer["show_alert"] and "Only owners" in answer["text"]

    # The helper opened the audit before the owner removes them; their next press is refused.
    sent = await admin_chat.say("/audit", helper)
    their_audit = await admin_chat.wait_text("Latest admin actions", after=sent)
    sent = await admin_chat.say("/admins")
    listing = await admin_chat.wait_text("Admins", after=sent)
    await admin_chat.press(listing, "Remove @helper_bee")
    await admin_chat.client.wait_for_edit(
        admin_chat.chat_id,
        listing["message_id"],
        predicate=lambda message: "@helper_bee" not in message["text"],
    )
    await _silent(admin_chat, "/health", helper)
    await _silent(admin_chat, "/admins", helper)
    await _fill_audit_pages(harness, admin_chat)
    sent = await admin_chat.say("/audit")
    page = await admin_chat.wait_text("Latest admin actions", after=sent)
    answer = await admin_chat.press(page, "Older", member=helper)
    assert answer["show_alert"] and "Only admins" in answer["text"]
    assert their_audit["message_id"] < page["message_id"]

    # Every change is in the audit, filterable by admin and by action.
    sent = await admin_chat.say("/audit admin_remove")
    removal = await admin_chat.wait_text("admin_remove", after=sent)
    assert str(helper["id"]) in removal["text"] and "admin_add" not in removal["text"]
    sent = await admin_chat.say(f"/audit {admin_chat.admin['id']} admin_add")
    addition = await admin_chat.wait_text("admin_add", after=sent)
    assert "role: — → admin" in addition["text"]
    sent = await admin_chat.say("/audit @helper_bee")
    await admin_chat.wait_text("No admin actions match", after=sent)
    sent = await admin_chat.say("/audit yesterday")
    await admin_chat.wait_text("I don't know “yesterday”", after=sent)


async def _fill_audit_pages(harness: BotHarness, admin_chat: AdminChat) -> None:
    """More entries than one page holds, so that /audit has an "Older" button."""
    members = [
        {**new_user("en", f"Temp{number}"), "username": f"temp_admin_{number}"}
        for number in range(8)
    ]
    for member in members:
        await _started(harness, member)
    await asyncio.sleep(0.3)  # the /start's transaction commits just after its answer
    for member in members:
        sent = await admin_chat.say(f"/admins add @{member['username']}")
        await admin_chat.wait_text("is now an admin", after=sent)
        sent = await admin_chat.say(f"/admins remove {member['id']}")
        await admin_chat.wait_text("no longer an admin", after=sent)


async def test_console_commands_do_nothing_outside_the_admin_group_or_for_strangers(
    harness_factory: HarnessFactory,
) -> None:
    _, admin_chat = await bot_with_admin_group(harness_factory)
    stranger = new_user("en", "Stranger")
    await admin_chat.join(stranger)
    for command in ("/stats", "/user 1", "/bank", "/sellers", "/health", "/audit", "/admins",
                    "/price"):  # fmt: skip
        await _silent(admin_chat, command, stranger)

    # The owner in a private chat, and in another group: nothing either.
    owner = admin_chat.admin
    other = await admin_chat.client.create_group("Friends", members=[owner])
    for chat_id in (owner["id"], other["id"]):
        sent = await admin_chat.client.send_text(chat_id, owner, "/health")
        await asyncio.sleep(0.6)
        replies = await admin_chat.client.messages(chat_id, after=sent["message"]["message_id"])
        assert [message for message in replies if message["from_bot"]] == []

    # The admin group's menu lists the console; other chats' menus do not.
    scope = {"type": "chat", "chat_id": admin_chat.chat_id}
    menu = [command["command"] for command in await admin_chat.client.bot_commands("en", scope)]
    assert {"stats", "user", "bank", "health", "audit", "admins", "price"} <= set(menu)
    default = [command["command"] for command in await admin_chat.client.bot_commands("en")]
    assert "stats" not in default and "price" not in default


async def test_health_in_words_and_price_changes_in_the_audit(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    _, admin_chat = await bot_with_admin_group(harness_factory)
    sent = await admin_chat.say("/health")
    health = await admin_chat.wait_text("All systems answer", after=sent)
    assert "Database: answers" in health["text"]
    redis_line = "Redis: answers" if harness_factory.redis_url else "Redis: not configured"
    assert redis_line in health["text"]

    await admin_chat.set_price("pack_5", "RUB", "612.50")
    sent = await admin_chat.say("/audit price_set")
    entry = await admin_chat.wait_text("price_set", after=sent)
    assert "pack_5 RUB" in entry["text"] and "→ 61250" in entry["text"]
    await admin_chat.set_price("pack_5", "RUB", "590")  # as seeded, for the tests that follow


async def test_long_audit_entries_page_within_one_message(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    decider = admin_chat.admin["id"]
    async with harness.resources.session_factory() as session:
        for number in range(20):
            await audit.record(
                session, decider, AuditAction.REFUND_REJECT, f"refund request {number}",
                before={"status": "pending"},
                after={"status": "rejected", "reason": f"reason {number} " + "x" * 490},
            )  # fmt: skip
        await session.commit()
    sent = await admin_chat.say(f"/audit {decider} refund_reject")
    page = await admin_chat.wait_text("refund request 19", after=sent)
    assert len(page["text"]) <= 4096 and "…" in page["text"]
    shown = page["text"].count("refund_reject")
    assert 0 < shown <= 15
    await admin_chat.press(page, "Older")
    [older] = await admin_chat.client.wait_for_edit(
        admin_chat.chat_id,
        page["message_id"],
        predicate=lambda message: "refund request 19" not in message["text"],
    )
    assert f"refund request {19 - shown}" in older["text"]
    assert len(older["text"]) <= 4096


async def test_an_admin_removed_while_writing_a_refusal_reason_is_refused(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    helper = {**new_user("en", "Helper"), "username": "reason_writer"}
    await _started(harness, helper)
    await admin_chat.join(helper)
    await asyncio.sleep(0.3)
    sent = await admin_chat.say("/admins add @reason_writer")
    await admin_chat.wait_text("is now an admin", after=sent)
    # The helper is in the middle of a step that waits for their text (a refund's reason).
    key = StorageKey(bot_id=harness.bot.id, chat_id=admin_chat.chat_id, user_id=helper["id"])
    await harness.dispatcher.storage.set_state(key, AdminInput.refund_reason)
    sent = await admin_chat.say(f"/admins remove {helper['id']}")
    await admin_chat.wait_text("no longer an admin", after=sent)
    sent = await admin_chat.say("The interview was used", helper)
    await admin_chat.wait_text("Only admins can do this", after=sent)
    assert await harness.dispatcher.storage.get_state(key) is None


async def test_a_blocked_user_made_admin_keeps_the_console(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    helper = {**new_user("en", "Helper"), "username": "once_blocked"}
    await _started(harness, helper)
    await admin_chat.join(helper)
    await asyncio.sleep(0.3)
    async with harness.resources.session_factory() as session:
        await ban_user(session, helper["id"], admin_id=admin_chat.admin["id"], owners=())
        await session.commit()
    forget_recent_user(helper["id"])
    sent = await admin_chat.say("/admins add @once_blocked")
    await admin_chat.wait_text("is now an admin", after=sent)
    sent = await admin_chat.say("/health", helper)
    health = await admin_chat.wait_text("Database: answers", after=sent)
    assert "Scheduled jobs:" in health["text"] and "all on time" in health["text"]
