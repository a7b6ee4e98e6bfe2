"""Payments end to end: invoices and `pre_checkout_query` / `successful_payment` through the
Telegram emulator, YooKassa links through the real `yookassa` SDK against the sandbox's YooKassa
emulator (which posts notifications to the bot's web server), refunds and prices decided in the
admin group. Money is credited once, never without a confirmed payment."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from services.models import AuditEntry, CreditAccount, CreditEntry, Order, Payment, PriceChange
from tests.e2e.admin_chat import AdminChat, bot_with_admin_group
from tests.e2e.harness import BotHarness, HarnessFactory, new_user
from tests.e2e.interview_driver import InterviewUser, has_button, rows

pytestmark = pytest.mark.usefixtures("seeded_catalogue")


async def _credits(database_url: str, user_id: int) -> int:
    accounts = await rows(
        database_url, select(CreditAccount).where(CreditAccount.user_id == user_id)
    )
    return accounts[0].interview_credits if accounts else 0


async def _payments(database_url: str, user_id: int) -> list[Payment]:
    return await rows(database_url, select(Payment).where(Payment.user_id == user_id))


class Buyer(InterviewUser):
    async def open_product(self, title: str) -> dict[str, Any]:
        await self.send("/buy")
        catalogue = await self.wait_bot_text("Buy interviews")
        return await self.press_and_wait_screen(catalogue, title, "How would you like to pay?")

    async def invoice(self, title: str, method: str) -> dict[str, Any]:
        """Opens /buy, picks the product and the method; returns the invoice message."""
        screen = await self.open_product(title)
        before = max(m["message_id"] for m in await self.chat())
        await self.press(screen, method)

        def invoice(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
            return next(
                (m for m in messages if m["message_id"] > before and m.get("invoice")), None
            )

        messages = await self.until(invoice, what="an invoice")
        found = invoice(messages)
        assert found is not None
        return found

    async def pay(self, invoice: dict[str, Any], **options: Any) -> dict[str, Any]:
        return await self.client.pay(self.chat_id, self.user, invoice["message_id"], **options)


async def test_stars_pack_is_paid_credited_once_and_receipted(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    buyer = Buyer(harness, new_user("en"))
    invoice = await buyer.invoice("5 mock interviews", "Telegram Stars")
    assert invoice["invoice"]["currency"] == "XTR" and invoice["invoice"]["total_amount"] == 200

    paid = await buyer.pay(invoice, deliver_twice=True)  # Telegram delivers it twice
    assert paid["status"] == "paid"
    receipt = await buyer.wait_bot_text("Payment received")
    assert "Interview credits: <b>5</b>" in receipt["text"] or "5" in receipt["text"]
    await asyncio.sleep(0.5)  # let the duplicate be processed too
    assert await _credits(seeded_catalogue, buyer.chat_id) == 5
    [payment] = await _payments(seeded_catalogue, buyer.chat_id)
    assert payment.charge_id == paid["telegram_payment_charge_id"] and payment.amount == 200
    [entry] = await rows(
        seeded_catalogue, select(CreditEntry).where(CreditEntry.payment_id == payment.id)
    )
    assert (entry.balance_before, entry.balance_after, entry.delta) == (0, 5, 5)
    receipts = [m for m in await buyer.chat() if "Payment received" in (m["text"] or "")]
    assert len(receipts) == 1
    note = await admin_chat.wait_text("paid")
    assert "200" in note["text"]

    await buyer.send("/balance")
    balance = await buyer.wait_bot_text("Your balance")
    assert "Interview credits: 5" in balance["text"] and "5 mock interviews" in balance["text"]


async def test_a_price_change_between_invoice_and_payment_is_refused_at_checkout(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    buyer = Buyer(harness, new_user("en"))
    invoice = await buyer.invoice("1 mock interview", "Telegram Stars")
    old_price = invoice["invoice"]["total_amount"]

    await admin_chat.set_price("pack_1", "XTR", str(old_price + 5))
    refused = await buyer.pay(invoice)
    assert refused["status"] == "refused" and "price has changed" in refused["error_message"]
    assert await _payments(seeded_catalogue, buyer.chat_id) == []
    # A fresh invoice carries the new price and goes through.
    fresh = await buyer.invoice("1 mock interview", "Telegram Stars")
    assert fresh["invoice"]["total_amount"] == old_price + 5
    assert (await buyer.pay(fresh))["status"] == "paid"
    await buyer.wait_bot_text("Payment received")
    await admin_chat.set_price("pack_1", "XTR", str(old_price))  # leave the catalogue as found


async def test_the_stars_subscription_is_an_invoice_link_with_a_30_day_period(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness = await harness_factory.start()
    buyer = Buyer(harness, new_user("en"))
    screen = await buyer.open_product("Unlimited for 30 days")
    await buyer.press(screen, "Telegram Stars")
    message = await buyer.wait_bot_text("subscribe with Telegram Stars")
    [[button]] = message["reply_markup"]["inline_keyboard"]
    link = button["url"]
    calls = await harness.client.requests()
    [create] = [c for c in calls if c["method"] == "createInvoiceLink"]
    assert int(create["params"]["subscription_period"]) == 2592000
    paid = await harness.client.pay(buyer.chat_id, buyer.user, invoice_link=link)
    assert paid["status"] == "paid"
    receipt = await buyer.wait_bot_text("Unlimited interviews until")
    assert "Payment received" in receipt["text"]
    [account] = await rows(
        seeded_catalogue, select(CreditAccount).where(CreditAccount.user_id == buyer.chat_id)
    )
    assert account.subscription_until is not None


async def test_a_card_invoice_through_telegram_carries_the_54fz_receipt(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness = await harness_factory.start(telegram_provider_token="sandbox-provider-token")
    buyer = Buyer(harness, new_user("en"))
    invoice = await buyer.invoice("5 mock interviews", "Card in Telegram")
    assert invoice["invoice"]["currency"] == "RUB"
    calls = await harness.client.requests()
    [send] = [c for c in calls if c["method"] == "sendInvoice"]
    params = send["params"]
    assert params["need_email"] in (True, "true") and params["send_email_to_provider"] in (
        True,
        "true",
    )
    receipt = json.loads(params["provider_data"])["receipt"]
    [item] = receipt["items"]
    assert item["amount"] == {
        "value": f"{invoice['invoice']['total_amount'] / 100:.2f}",
        "currency": "RUB",
    }
    assert (await buyer.pay(invoice))["status"] == "paid"
    await buyer.wait_bot_text("Payment received")
    [payment] = await _payments(seeded_catalogue, buyer.chat_id)
    assert payment.provider == "telegram_provider" and payment.provider_charge_id


async def _yookassa_order(harness: BotHarness, buyer: Buyer) -> tuple[str, Order]:
    screen = await buyer.open_product("5 mock interviews")
    await buyer.press(screen, "YooKassa")
    message = await buyer.wait_bot_text("pay on YooKassa's page")
    [[button]] = message["reply_markup"]["inline_keyboard"]
    assert "/yookassa/checkout/" in button["url"]
    payment_id = button["url"].rstrip("/").rsplit("/", 1)[-1]
    # Committed before the link was sent.
    [order] = await rows(
        harness.settings.database_url, select(Order).where(Order.user_id == buyer.chat_id)
    )
    assert order.provider_payment_id == payment_id and order.status == "pending"
    return payment_id, order


async def _control(harness: BotHarness, path: str, body: dict[str, Any] | None = None) -> Any:
    assert harness.emulator.base_url
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{harness.emulator.base_url}/sandbox/api/yookassa{path}", json=body or {}
        ) as response,
    ):
        return await response.json()


async def test_a_yookassa_link_is_credited_once_from_ten_concurrent_notifications(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness = await harness_factory.start()
    buyer = Buyer(harness, new_user("en"))
    payment_id, _ = await _yookassa_order(harness, buyer)
    await _control(harness, f"/payments/{payment_id}/succeed")
    await buyer.wait_bot_text("Payment received")
    # YooKassa delivers duplicates; ten at once must not credit again.
    await asyncio.gather(*(_control(harness, f"/payments/{payment_id}/notify") for _ in range(10)))
    await asyncio.sleep(0.5)
    assert await _credits(seeded_catalogue, buyer.chat_id) == 5
    [payment] = await _payments(seeded_catalogue, buyer.chat_id)
    assert payment.provider == "yookassa" and payment.charge_id == payment_id
    receipts = [m for m in await buyer.chat() if "Payment received" in (m["text"] or "")]
    assert len(receipts) == 1


async def test_a_canceled_yookassa_payment_tells_the_user_and_credits_nothing(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness = await harness_factory.start()
    buyer = Buyer(harness, new_user("en"))
    payment_id, _ = await _yookassa_order(harness, buyer)
    await _control(harness, f"/payments/{payment_id}/cancel")
    await buyer.wait_bot_text("payment was cancelled")
    [order] = await rows(seeded_catalogue, select(Order).where(Order.user_id == buyer.chat_id))
    assert order.status == "canceled" and await _credits(seeded_catalogue, buyer.chat_id) == 0


async def test_forged_notifications_credit_nothing(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness = await harness_factory.start()
    buyer = Buyer(harness, new_user("en"))
    payment_id, order = await _yookassa_order(harness, buyer)
    forged = {
        "type": "notification",
        "event": "payment.succeeded",
        "object": {
            "id": payment_id,
            "status": "succeeded",
            "paid": True,
            "amount": {"value": f"{order.amount / 100:.2f}", "currency": "RUB"},
            "metadata": {"order_id": str(order.id)},
            "created_at": "2026-11-23T10:00:00.000Z",
            "test": True,
        },
    }
    url = f"{harness.web_url}/webhooks/yookassa"
    # From an address outside YooKassa's networks (and not the sandbox's own loopback): 403.
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
    async with aiohttp.ClientSession(connector=connector) as http, http.post(url, json=forged) as r:
        assert r.status == 403
    # From a trusted address, but the API says the payment is still pending: no credit.
    async with aiohttp.ClientSession() as http, http.post(url, json=forged) as response:
        assert response.status == 200
    await asyncio.sleep(0.3)
    assert await _payments(seeded_catalogue, buyer.chat_id) == []
    assert await _credits(seeded_catalogue, buyer.chat_id) == 0


async def test_behind_a_trusted_proxy_a_notification_is_judged_by_its_forwarded_address(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness = await harness_factory.start(
        trusted_proxies=["127.0.0.2/32"], yookassa_trusted_networks=["185.71.76.0/27"]
    )
    buyer = Buyer(harness, new_user("en"))
    payment_id, _ = await _yookassa_order(harness, buyer)
    notification = {
        "type": "notification",
        "event": "payment.waiting_for_capture",
        "object": {"id": payment_id, "status": "pending", "paid": False},
    }
    url = f"{harness.web_url}/webhooks/yookassa"

    async def status(peer: str, forwarded_for: str) -> int:
        connector = aiohttp.TCPConnector(local_addr=(peer, 0))
        headers = {"X-Forwarded-For": forwarded_for}
        async with (
            aiohttp.ClientSession(connector=connector) as http,
            http.post(url, json=notification, headers=headers) as response,
        ):
            return response.status

    assert await status("127.0.0.2", "185.71.76.5") == 200  # YooKassa, through the proxy
    assert await status("127.0.0.2", "203.0.113.9") == 403  # someone else, through the proxy
    # What a client writes itself before the proxy's entry counts for nothing.
    assert await status("127.0.0.2", "185.71.76.5, 203.0.113.9") == 403
    # Not the proxy: its header is not believed.
    assert await status("127.0.0.3", "185.71.76.5") == 403
    assert await _credits(seeded_catalogue, buyer.chat_id) == 0


async def test_admins_set_prices_with_history_and_others_see_no_such_command(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    sent = await admin_chat.say("/price")
    listing = await admin_chat.wait_text("Prices", after=sent)
    assert "pack_5" in listing["text"] and "XTR" in listing["text"]
    for bad, reason in (
        ("0", "greater than zero"),
        ("-5", "greater than zero"),
        ("99999999", "too large"),
        ("abc", "must be a number"),
    ):
        sent = await admin_chat.say(f"/price pack_5 RUB {bad}")
        await admin_chat.wait_text(reason, after=sent)
    sent = await admin_chat.say("/price pack_5 EUR 10")
    await admin_chat.wait_text("XTR (Telegram Stars) or RUB", after=sent)
    sent = await admin_chat.say("/price pack_9 RUB 10")
    await admin_chat.wait_text("No such product", after=sent)

    await admin_chat.set_price("pack_5", "RUB", "612.50")
    changes = await rows(
        seeded_catalogue,
        select(PriceChange).where(
            PriceChange.product_id == "pack_5", PriceChange.currency == "RUB"
        ),
    )
    last = max(changes, key=lambda change: change.id)
    assert last.new_amount == 61250 and last.changed_by == admin_chat.admin["id"]
    buyer = Buyer(harness, new_user("en"))
    screen = await buyer.open_product("5 mock interviews")
    assert any("612.50" in label or "612,50" in label for label in _labels(screen))
    await admin_chat.set_price("pack_5", "RUB", "590")

    # For someone else, in a private chat, /price does not exist: no answer at all.
    stranger = new_user("en")
    sent = await harness.client.send_text(stranger["id"], stranger, "/price pack_5 RUB 1")
    await asyncio.sleep(0.6)
    after = await harness.client.messages(stranger["id"], after=sent["message"]["message_id"])
    assert [message for message in after if message["from_bot"]] == []


def _labels(message: dict[str, Any]) -> list[str]:
    return [
        b["text"]
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
    ]


async def _refund_requested(buyer: Buyer, admin_chat: AdminChat) -> dict[str, Any]:
    invoice = await buyer.invoice("1 mock interview", "Telegram Stars")
    assert (await buyer.pay(invoice))["status"] == "paid"
    await buyer.wait_bot_text("Payment received")
    return await _ask_refund(buyer, admin_chat, "1 mock interview", "I bought the wrong pack")


async def _ask_refund(
    buyer: Buyer, admin_chat: AdminChat, title: str, reason: str
) -> dict[str, Any]:
    """/paysupport → the payment → the reason; returns the request as the admin group sees it."""
    await buyer.send("/paysupport")
    menu = await buyer.wait_bot_text("Which payment should be refunded?")
    assert has_button(menu, title)
    await buyer.press(menu, title)
    await buyer.wait_bot_text("why you want a refund")
    await buyer.send(reason)
    await buyer.wait_bot_text("Refund request #")
    return await admin_chat.wait_text("Refund request #")


async def test_a_refund_is_approved_once_and_a_second_approval_changes_nothing(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    buyer = Buyer(harness, new_user("en"))
    request = await _refund_requested(buyer, admin_chat)
    assert "I bought the wrong pack" in request["text"]
    await admin_chat.press(request, "Approve")
    await buyer.wait_bot_text("refund was approved")
    calls = await harness.client.requests()
    assert [c["method"] for c in calls].count("refundStarPayment") == 1
    assert await _credits(seeded_catalogue, buyer.chat_id) == 0
    [payment] = await _payments(seeded_catalogue, buyer.chat_id)
    assert payment.refunded
    await admin_chat.press(request, "Approve")  # pressed again
    await asyncio.sleep(0.5)
    calls = await harness.client.requests()
    assert [c["method"] for c in calls].count("refundStarPayment") == 1
    debits = await rows(
        seeded_catalogue,
        select(CreditEntry).where(CreditEntry.user_id == buyer.chat_id, CreditEntry.delta < 0),
    )
    assert len(debits) == 1
    # The decision is in the admin audit, once.
    [decision] = await rows(
        seeded_catalogue,
        select(AuditEntry).where(
            AuditEntry.action == "refund_approve", AuditEntry.admin_id == admin_chat.admin["id"]
        ),
    )
    assert decision.after is not None and decision.after["payment_id"] == payment.id


async def test_a_rejected_refund_tells_the_user_why(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    buyer = Buyer(harness, new_user("en"))
    request = await _refund_requested(buyer, admin_chat)
    await admin_chat.press(request, "Reject")
    ask = await admin_chat.wait_text("reply with the reason")
    assert ask["reply_markup"] == {"force_reply": True, "selective": True}
    await admin_chat.say("The interview was already used")
    rejection = await buyer.wait_bot_text("was declined")
    assert "The interview was already used" in rejection["text"]
    assert await _credits(seeded_catalogue, buyer.chat_id) == 1
    calls = await harness.client.requests()
    assert "refundStarPayment" not in [c["method"] for c in calls]
    [decision] = await rows(
        seeded_catalogue,
        select(AuditEntry).where(
            AuditEntry.action == "refund_reject", AuditEntry.admin_id == admin_chat.admin["id"]
        ),
    )
    assert decision.after == {"status": "rejected", "reason": "The interview was already used"}


async def test_a_yookassa_payment_is_refunded_through_the_api(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    buyer = Buyer(harness, new_user("en"))
    payment_id, order = await _yookassa_order(harness, buyer)
    await _control(harness, f"/payments/{payment_id}/succeed")
    await buyer.wait_bot_text("Payment received")
    request = await _ask_refund(buyer, admin_chat, "5 mock interviews", "Changed my mind")
    await admin_chat.press(request, "Approve")
    await buyer.wait_bot_text("on its way back to your card")
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{harness.emulator.base_url}/sandbox/api/yookassa/requests") as response,
    ):
        log = await response.json()
    refunds = [
        r for r in log["requests"] if r["method"] == "POST" and r["path"].endswith("/refunds")
    ]
    assert len(refunds) == 1
    assert await _credits(seeded_catalogue, buyer.chat_id) == 0
    [order] = await rows(seeded_catalogue, select(Order).where(Order.user_id == buyer.chat_id))
    assert order.status == "refunded"


async def test_the_database_failing_mid_credit_leaves_nothing_and_the_retry_credits_once(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    harness = await harness_factory.start()
    buyer = Buyer(harness, new_user("en"))
    payment_id, _ = await _yookassa_order(harness, buyer)
    failures: list[str] = []

    def lose_the_database(session: Session, _context: object) -> None:
        # The payment row is already written inside the transaction; then the server is gone.
        if not failures and any(isinstance(row, Payment) for row in session.new | session.dirty):
            failures.append("payment")
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    event.listen(Session, "after_flush", lose_the_database)
    try:
        delivery = await _control(harness, f"/payments/{payment_id}/succeed")
    finally:
        event.remove(Session, "after_flush", lose_the_database)
    assert failures == ["payment"]
    attempts = delivery["notification"]["attempts"]
    assert [a["status"] for a in attempts][:1] == [500] and attempts[-1]["status"] == 200
    await buyer.wait_bot_text("Payment received")
    assert await _credits(seeded_catalogue, buyer.chat_id) == 5
    [payment] = await _payments(seeded_catalogue, buyer.chat_id)
    entries = await rows(
        seeded_catalogue, select(CreditEntry).where(CreditEntry.payment_id == payment.id)
    )
    assert len(entries) == 1


async def test_out_of_interviews_leads_to_buying_and_the_bought_credit_starts_one(
    harness_factory: HarnessFactory, seeded_catalogue: str
) -> None:
    harness = await harness_factory.start(free_interviews=0)
    buyer = Buyer(harness, new_user("en"))
    home = await buyer.open_interview_home()
    screen = await buyer.press_and_wait_screen(home, "Choose a track", "Which role")
    screen = await buyer.press_and_wait_screen(screen, "Backend", "which level")
    screen = await buyer.press_and_wait_screen(screen, "Junior", "which topic")
    screen = await buyer.press_and_wait_screen(screen, "Databases", "How many questions")
    refusal = await buyer.press_and_wait_screen(screen, "3 questions", "no credits left")
    catalogue = await buyer.press_and_wait_screen(refusal, "Buy interviews", "Buy interviews")
    methods = await buyer.press_and_wait_screen(
        catalogue, "1 mock interview", "How would you like to pay?"
    )
    before = max(m["message_id"] for m in await buyer.chat())
    await buyer.press(methods, "Telegram Stars")
    messages = await buyer.until(
        lambda ms: any(m["message_id"] > before and m.get("invoice") for m in ms),
        what="an invoice",
    )
    invoice = next(m for m in messages if m["message_id"] > before and m.get("invoice"))
    assert (await buyer.pay(invoice))["status"] == "paid"
    await buyer.wait_bot_text("Payment received")
    assert await _credits(seeded_catalogue, buyer.chat_id) == 1

    await buyer.start_track("Backend", "Junior", "Databases", 3)  # now it starts
    assert await _credits(seeded_catalogue, buyer.chat_id) == 0
