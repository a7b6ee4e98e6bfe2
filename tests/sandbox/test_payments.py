"""Invoices paid through the control API, answered by a real aiogram dispatcher."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import LabeledPrice, Message, PreCheckoutQuery

from sandbox import SandboxClient

NewUser = Callable[..., dict[str, Any]]
PRICE = [LabeledPrice(label="Pro", amount=50)]


class PaymentBot:
    """A dispatcher that accepts (or refuses) pre-checkout queries and records payments."""

    def __init__(self, accept: bool) -> None:
        self.accept = accept
        self.payments: list[str] = []
        self.dispatcher = Dispatcher()
        self.dispatcher.pre_checkout_query.register(self.on_pre_checkout)
        self.dispatcher.message.register(self.on_payment, F.successful_payment)

    async def on_pre_checkout(self, query: PreCheckoutQuery) -> None:
        if self.accept:
            await query.answer(ok=True)
        else:
            await query.answer(ok=False, error_message="Sold out")

    async def on_payment(self, message: Message) -> None:
        assert message.successful_payment is not None
        self.payments.append(message.successful_payment.telegram_payment_charge_id)


@pytest.fixture(params=[True], ids=["accepting"])
async def payment_bot(request: pytest.FixtureRequest, bot: Bot) -> AsyncIterator[PaymentBot]:
    handler = PaymentBot(accept=request.param)
    polling = asyncio.create_task(
        handler.dispatcher.start_polling(
            bot, handle_signals=False, close_bot_session=False, polling_timeout=1
        )
    )
    yield handler
    await handler.dispatcher.stop_polling()
    await asyncio.wait_for(polling, 5)


async def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Polls a condition the dispatcher task fulfils (it has no event to wait on)."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def test_an_invoice_is_paid_and_refunded(
    bot: Bot, client: SandboxClient, new_user: NewUser, payment_bot: PaymentBot
) -> None:
    user = new_user()
    await client.send_text(user["id"], user, "buy")
    invoice = await bot.send_invoice(
        user["id"], "Pro plan", "30 days of Pro", "order:42", currency="XTR", prices=PRICE
    )
    assert invoice.invoice and invoice.invoice.total_amount == 50
    paid = await client.pay(user["id"], user, invoice.message_id, deliver_twice=True)
    assert paid["status"] == "paid" and len(paid["update_ids"]) == 2
    charge_id = paid["telegram_payment_charge_id"]
    await wait_until(lambda: len(payment_bot.payments) == 2)
    assert payment_bot.payments == [charge_id, charge_id], "the duplicate delivery arrives too"
    await client.repeat_payment(user["id"], charge_id)
    await wait_until(lambda: len(payment_bot.payments) == 3)
    [view] = [m for m in await client.messages(user["id"]) if m["successful_payment"]]
    assert view["successful_payment"]["invoice_payload"] == "order:42"

    assert await bot.refund_star_payment(user["id"], charge_id)
    with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
        await bot.refund_star_payment(user["id"], charge_id)
    ledger = await client.payments()
    assert [c["telegram_payment_charge_id"] for c in ledger["charges"]] == [charge_id]
    assert ledger["charges"][0]["refunded"]
    assert [r["total_amount"] for r in ledger["refunds"]] == [50]


async def test_a_subscription_link_is_paid(
    bot: Bot, client: SandboxClient, new_user: NewUser, payment_bot: PaymentBot
) -> None:
    with pytest.raises(TelegramBadRequest, match="SUBSCRIPTION_PERIOD_INVALID"):
        await bot.create_invoice_link(
            "Club", "Monthly", "sub", currency="XTR", prices=PRICE, subscription_period=60
        )
    link = await bot.create_invoice_link(
        "Club", "Monthly", "sub:1", currency="XTR", prices=PRICE, subscription_period=2592000
    )
    assert link.startswith("https://t.me/$")
    user = new_user()
    paid = await client.pay(user["id"], user, invoice_link=link)
    payment = paid["successful_payment"]
    assert payment["is_recurring"] and payment["is_first_recurring"]
    assert payment["subscription_expiration_date"] > 0
    await wait_until(lambda: len(payment_bot.payments) == 1)
    charge_id = paid["telegram_payment_charge_id"]
    assert await bot.edit_user_star_subscription(user["id"], charge_id, is_canceled=True)
    assert (await client.payments())["subscription_edits"][0]["is_canceled"]


@pytest.mark.parametrize("payment_bot", [False], ids=["refusing"], indirect=True)
async def test_a_refused_pre_checkout(
    bot: Bot, client: SandboxClient, new_user: NewUser, payment_bot: PaymentBot
) -> None:
    user = new_user()
    await client.send_text(user["id"], user, "buy")
    invoice = await bot.send_invoice(
        user["id"], "Pro plan", "30 days", "order:43", currency="XTR", prices=PRICE
    )
    refused = await client.pay(user["id"], user, invoice.message_id)
    assert refused == {"status": "refused", "error_message": "Sold out"}
    assert not any(m["successful_payment"] for m in await client.messages(user["id"]))


async def test_an_unanswered_pre_checkout_times_out(
    bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    user = new_user()
    await client.send_text(user["id"], user, "buy")
    invoice = await bot.send_invoice(
        user["id"], "Pro plan", "30 days", "order:44", currency="XTR", prices=PRICE
    )
    assert (await client.pay(user["id"], user, invoice.message_id, timeout=0.3)) == {
        "status": "timeout"
    }


async def test_the_chat_shows_prices_as_telegram_does(
    bot: Bot, client: SandboxClient, new_user: NewUser, payment_bot: PaymentBot
) -> None:
    """Stars as ⭐, money from its minor units: never "50 XTR" or "59000 RUB"."""
    user = new_user()
    await client.send_text(user["id"], user, "buy")
    stars = await bot.send_invoice(
        user["id"], "Pack", "5 interviews", "order:45", currency="XTR", prices=PRICE
    )
    rubles = await bot.send_invoice(
        user["id"],
        "Pack",
        "5 interviews",
        "order:46",
        currency="RUB",
        prices=[LabeledPrice(label="Pack", amount=590_00)],
        provider_token="381764678:TEST:100",
    )
    await client.pay(user["id"], user, stars.message_id)
    views = {m["message_id"]: m for m in await client.messages(user["id"])}
    assert views[stars.message_id]["invoice"]["price_text"] == "⭐ 50"
    assert views[rubles.message_id]["invoice"]["price_text"] == "590.00 ₽"
    [paid] = [m for m in views.values() if m["successful_payment"]]
    assert paid["successful_payment"]["price_text"] == "⭐ 50"
