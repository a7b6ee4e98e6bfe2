"""/user in the admin group, end to end: the card (by id and by @username, payments included),
lookups that fail, credits granted and taken through the ledger within the limit, blocking (one
polite notice, then silence) and unblocking, the last report, and an admin removed mid-grant."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from services.audit import AuditAction
from services.models import AuditEntry, CreditEntry, Payment, User
from services.payments.catalog import format_amount
from tests.e2e.admin_chat import AdminChat, bot_with_admin_group
from tests.e2e.harness import BotHarness, HarnessFactory, new_user
from tests.e2e.interview_driver import InterviewUser, reference_answer, rows
from tests.e2e.test_payments import Buyer


def _named(language: str, first_name: str, prefix: str) -> dict[str, Any]:
    """A user with an @username no other test uses (the database is shared)."""
    user = new_user(language, first_name)
    return {**user, "username": f"{prefix}_{user['id']}"}


async def _started(harness: BotHarness, *users: dict[str, Any]) -> None:
    for user in users:
        await harness.say(user, "/start")
    await asyncio.sleep(0.3)  # the /start's transaction commits just after its answer


async def _card(admin_chat: AdminChat, reference: str, member: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    sent = await admin_chat.say(f"/user {reference}", member)
    return await admin_chat.wait_text("Balance:", after=sent)


async def _answer(admin_chat: AdminChat, text: str, expect: str, member: Any = None) -> dict:
    sent = await admin_chat.say(text, member)
    return await admin_chat.wait_text(expect, after=sent)


async def _credits(database_url: str, user_id: int) -> list[CreditEntry]:
    return await rows(
        database_url,
        select(CreditEntry).where(CreditEntry.user_id == user_id).order_by(CreditEntry.id),
    )


async def _audit(database_url: str, user_id: int) -> list[AuditEntry]:
    return await rows(
        database_url,
        select(AuditEntry).where(AuditEntry.target == str(user_id)).order_by(AuditEntry.id),
    )


async def test_the_card_by_id_and_by_username_and_lookups_that_fail(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    ann = _named("en", "Ann", "ann_card")
    await _started(harness, ann)
    before_payment = await _card(admin_chat, f"@{ann['username'].upper()}")
    assert f"@{ann['username']} · {ann['id']}" in before_payment["text"]
    assert "No payments" in before_payment["text"]

    buyer = Buyer(harness, ann)
    invoice = await buyer.invoice("5 mock interviews", "Telegram Stars")
    assert (await buyer.pay(invoice))["status"] == "paid"
    await buyer.wait_bot_text("Payment received")
    await asyncio.sleep(0.3)
    [payment] = await rows(seeded_catalogue, select(Payment).where(Payment.user_id == ann["id"]))
    paid = f"Payments: 1 · {format_amount(payment.amount, 'XTR')}"
    # Refresh redraws the card in place.
    await admin_chat.press(before_payment, "Refresh")
    await admin_chat.client.wait_for_edit(admin_chat.chat_id, before_payment["message_id"], paid)

    card = await _card(admin_chat, str(ann["id"]))
    text = card["text"]
    assert f"Ann · @{ann['username']} · {ann['id']}" in text
    assert "Language: en" in text and "last seen" in text
    assert "Balance: 5 interview credits" in text and "free interviews used: 0 of 3" in text
    assert "No active subscription" in text
    assert "Interviews: 0 started, 0 completed" in text
    assert paid in text and "No refunds" in text and "Not blocked" in text
    assert "Receives the bot's messages" in text
    labels = [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["➕ Grant credits", "➖ Take credits", "🚫 Block", "🔄 Refresh"]

    await _answer(admin_chat, "/user", "Give a numeric Telegram id or an @username")
    await _answer(admin_chat, "/user who?!", "Give a numeric Telegram id or an @username")
    await _answer(admin_chat, "/user 1", "Nobody called 1 has used the bot")
    await _answer(admin_chat, "/user @nobody_card_here", "Nobody called @nobody_card_here")

    # A username that moved from one person to another names both: the card lists them.
    first, second = _named("en", "First", "twin"), new_user("en", "Second")
    second["username"] = first["username"]
    await _started(harness, first, second)
    ambiguous = await _answer(
        admin_chat, f"/user @{first['username']}", "Several users have been called"
    )
    assert str(first["id"]) in ambiguous["text"] and str(second["id"]) in ambiguous["text"]
    assert "reply_markup" not in ambiguous or not ambiguous["reply_markup"]


async def test_credits_are_granted_and_taken_through_the_ledger_within_the_limits(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory, admin_credit_limit=20)
    database_url = harness_factory.database_url
    bob = _named("en", "Bob", "bob_credits")
    await _started(harness, bob)
    card = await _card(admin_chat, str(bob["id"]))
    assert "Balance: 0 interview credits" in card["text"]

    await admin_chat.press(card, "Grant credits")
    prompt = await admin_chat.wait_text(
        "how many interview credits to grant", after=card["message_id"]
    )
    assert prompt["reply_markup"]["force_reply"] and "At most 20" in prompt["text"]
    await _answer(admin_chat, "lots please", "Start with a whole number")
    await _answer(admin_chat, "0 nothing", "must be at least 1")
    await _answer(admin_chat, "21 too generous", "At most 20 credits at once")
    await _answer(admin_chat, "5", "Add the reason after the number")
    await _answer(admin_chat, "5 " + "x" * 59, "at most 58 characters")
    assert await _credits(database_url, bob["id"]) == []  # every refusal changed nothing

    done = await _answer(admin_chat, "5  compensation for  the outage", "Granted 5 credits")
    assert "balance 0 → 5" in done["text"] and "Balance: 5 interview credits" in done["text"]
    [entry] = await _credits(database_url, bob["id"])
    assert (entry.delta, entry.balance_before, entry.balance_after) == (5, 0, 5)
    assert entry.reason == "admin:compensation for the outage"
    [granted] = await _audit(database_url, bob["id"])
    assert (
        granted.action == AuditAction.CREDITS_GRANT and granted.admin_id == admin_chat.admin["id"]
    )
    assert granted.before == {"credits": 0}
    assert granted.after == {"credits": 5, "reason": "compensation for the outage"}
    # The step is over: more text is not another grant.
    sent = await admin_chat.say("5 again")
    await asyncio.sleep(0.6)
    assert await admin_chat.bot_messages_after(sent) == []

    # Taking more than the balance is refused and changes nothing; a smaller number works.
    await admin_chat.press(done, "Take credits")
    await admin_chat.wait_text("how many interview credits to take", after=done["message_id"])
    await _answer(admin_chat, "7 granted by mistake", "They have only 5 credits")
    assert len(await _credits(database_url, bob["id"])) == 1
    taken = await _answer(admin_chat, "2 granted by mistake", "Took 2 credits")
    assert "balance 5 → 3" in taken["text"] and "Balance: 3 interview credits" in taken["text"]
    assert [e.delta for e in await _credits(database_url, bob["id"])] == [5, -2]
    audit = await _audit(database_url, bob["id"])
    assert [(a.action, a.before, a.after["credits"]) for a in audit][-1] == (
        AuditAction.CREDITS_TAKE, {"credits": 5}, 3,
    )  # fmt: skip

    # /cancel ends the step: what is typed next is not taken.
    await admin_chat.press(taken, "Take credits")
    await admin_chat.wait_text("how many interview credits to take", after=taken["message_id"])
    await _answer(admin_chat, "/cancel", "Cancelled")
    sent = await admin_chat.say("3 all of them")
    await asyncio.sleep(0.6)
    assert await admin_chat.bot_messages_after(sent) == []
    assert len(await _credits(database_url, bob["id"])) == 2


async def test_a_blocked_user_gets_one_polite_notice_then_silence_until_unblocked(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    database_url = harness_factory.database_url
    eve = _named("ru", "Eve", "eve_blocked")
    menu = (await harness.say(eve, "/start"))[-1]
    await asyncio.sleep(0.3)
    card = await _card(admin_chat, str(eve["id"]))

    await admin_chat.press(card, "Block")
    [blocked_card] = await admin_chat.client.wait_for_edit(
        admin_chat.chat_id, card["message_id"], "Blocked"
    )
    assert "the notice is not sent yet" in blocked_card["text"]
    assert "✅ Unblock" in str(blocked_card["reply_markup"])
    [audit] = await _audit(database_url, eve["id"])
    assert (audit.action, audit.before, audit.after) == (
        AuditAction.USER_BAN, {"blocked": False}, {"blocked": True},
    )  # fmt: skip

    # The very next message (same process) gets the notice, in her language; then nothing.
    [notice] = await harness.say(eve, "/start")
    assert "Администраторы EasyFlow приостановили ваш доступ" in notice["text"]
    for text in ("привет", "/help", "/interview"):
        await harness.client.send_text(eve["id"], eve, text)
    pressed = await harness.client.press(eve["id"], eve, menu["message_id"], _any_button(menu))
    answer = await harness.client.callback_answer(pressed["callback_query_id"], wait=10)
    assert answer["answered"] and not answer["text"]
    await asyncio.sleep(0.8)
    bot_messages = [m for m in await harness.client.messages(eve["id"]) if m["from_bot"]]
    assert bot_messages[-1]["message_id"] == notice["message_id"]
    assert sum("приостановили" in (m["text"] or "") for m in bot_messages) == 1
    [stored] = await rows(database_url, select(User).where(User.telegram_id == eve["id"]))
    assert stored.banned_by == admin_chat.admin["id"] and stored.ban_notice_sent_at is not None

    # Unblocked: she is answered again at once; a new block sends a new notice.
    await admin_chat.press(blocked_card, "Unblock")
    [unblocked] = await admin_chat.client.wait_for_edit(
        admin_chat.chat_id, card["message_id"], "Not blocked"
    )
    replies = await harness.say(eve, "/start")
    assert "приостановили" not in replies[0]["text"]
    await admin_chat.press(unblocked, "Block")
    await admin_chat.client.wait_for_edit(
        admin_chat.chat_id,
        card["message_id"],
        predicate=lambda m: "✅ Not blocked" not in m["text"],
    )
    [again] = await harness.say(eve, "/start")
    assert "приостановили" in again["text"]
    actions = [entry.action for entry in await _audit(database_url, eve["id"])]
    assert actions == [AuditAction.USER_BAN, AuditAction.USER_UNBAN, AuditAction.USER_BAN]

    # Owners and admins cannot be blocked.
    owner_card = await _card(admin_chat, str(admin_chat.admin["id"]))
    refused = await admin_chat.press(owner_card, "Block")
    assert refused["show_alert"] and "cannot be blocked" in refused["text"]


def _any_button(message: dict[str, Any]) -> str:
    return message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]


async def test_the_last_report_opens_in_the_admin_group(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    nobody = _named("en", "Idle", "idle_report")
    await _started(harness, nobody)
    idle_card = await _card(admin_chat, str(nobody["id"]))
    assert "Open last report" not in str(idle_card["reply_markup"])
    # A press on a report button for someone without one (an old card, say) says so.
    pressed = await admin_chat.client.press(
        admin_chat.chat_id, admin_chat.admin, idle_card["message_id"], f"admu:report:{nobody['id']}"
    )
    answer = await admin_chat.client.callback_answer(pressed["callback_query_id"], wait=10)
    assert answer["show_alert"] and "no finished interview" in answer["text"]

    person = InterviewUser(harness, _named("en", "Kim", "kim_report"))
    await person.start_track("Backend", "Junior", "Databases", 3)
    for _ in range(3):
        replies = await person.answer(await reference_answer(seeded_bank, person.chat_id))
        if any("Follow-up to question" in (m["text"] or "") for m in replies):
            replies = await person.answer("I would check it with EXPLAIN ANALYZE on real data.")
    await asyncio.sleep(0.3)

    card = await _card(admin_chat, str(person.chat_id))
    assert "Interviews: 1 started, 1 completed" in card["text"]
    assert "finished" in card["text"] and "backend · Junior" in card["text"]
    await admin_chat.press(card, "Open last report")
    document = await admin_chat.wait_text("The report of interview #", after=card["message_id"])
    assert document["media"]["kind"] == "document" and str(person.chat_id) in document["caption"]
    pdf = await admin_chat.client.download(document["media"]["file_id"])
    assert pdf.startswith(b"%PDF")
    summary = [
        m
        for m in await admin_chat.bot_messages_after(card["message_id"])
        if "/10" in (m["text"] or "")
    ]
    assert summary, await admin_chat.client.transcript(admin_chat.chat_id)


async def test_the_report_button_says_so_when_the_interview_module_is_off(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory, modules=["payments", "admin"])
    user = _named("en", "Off", "off_report")
    await _started(harness, user)
    card = await _card(admin_chat, str(user["id"]))
    pressed = await admin_chat.client.press(
        admin_chat.chat_id, admin_chat.admin, card["message_id"], f"admu:report:{user['id']}"
    )
    answer = await admin_chat.client.callback_answer(pressed["callback_query_id"], wait=10)
    assert answer["show_alert"] and "interview module is off" in answer["text"]


async def test_an_admin_removed_in_the_middle_of_a_grant_grants_nothing(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    helper = _named("en", "Helper", "helper_grant")
    target = _named("en", "Target", "target_grant")
    await _started(harness, helper, target)
    await admin_chat.join(helper)
    await _answer(admin_chat, f"/admins add @{helper['username']}", "is now an admin")

    card = await _card(admin_chat, str(target["id"]), member=helper)
    await admin_chat.press(card, "Grant credits", member=helper)
    await admin_chat.wait_text("how many interview credits to grant", after=card["message_id"])
    await _answer(admin_chat, f"/admins remove {helper['id']}", "no longer an admin")

    refused = await _answer(admin_chat, "10 a parting gift", "Only admins can do this", helper)
    assert "Granted" not in refused["text"]
    assert await _credits(harness_factory.database_url, target["id"]) == []
    assert await _audit(harness_factory.database_url, target["id"]) == []


async def test_a_blocked_user_cannot_pay_an_invoice_opened_before_the_block(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    buyer = Buyer(harness, _named("en", "Mallory", "mallory_pays"))
    invoice = await buyer.invoice("5 mock interviews", "Telegram Stars")
    await asyncio.sleep(0.3)
    card = await _card(admin_chat, str(buyer.chat_id))
    await admin_chat.press(card, "Block")
    await admin_chat.client.wait_for_edit(admin_chat.chat_id, card["message_id"], "Blocked")

    refused = await buyer.pay(invoice)
    assert refused["status"] == "refused" and "suspended" in refused["error_message"]
    payments = select(Payment).where(Payment.user_id == buyer.chat_id)
    assert await rows(seeded_catalogue, payments) == []
