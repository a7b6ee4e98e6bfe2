"""The real `yookassa` SDK, through YooKassaGateway, against the sandbox's YooKassa emulator;
notifications land on a local aiohttp server as they would on the bot's web server."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from sandbox import TelegramEmulator
from sandbox.yookassa import DEFAULT_SECRET_KEY, DEFAULT_SHOP_ID, loopback_url
from services.networks import is_trusted_address
from services.payments.yookassa_gateway import (
    YooKassaError,
    YooKassaGateway,
    YooKassaPayment,
    parse_notification,
)

RETURN_URL = "https://t.me/easyflow_sandbox_bot"
AUTH = {
    "Authorization": "Basic "
    + base64.b64encode(f"{DEFAULT_SHOP_ID}:{DEFAULT_SECRET_KEY}".encode()).decode()
}


class NotificationSink:
    """The bot's side: records notifications, answers ``statuses`` in turn, then 200."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.statuses: list[int] = []
        self.url = ""
        self.arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.remote or "", await request.json()))
        self.arrived.set()
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="ok" if status == 200 else "busy")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhooks/yookassa", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        assert site._server is not None
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = loopback_url("127.0.0.1", port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, count: int, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture
async def sink() -> AsyncIterator[NotificationSink]:
    sink = NotificationSink()
    await sink.start()
    yield sink
    await sink.stop()


@pytest.fixture
def yookassa(emulator: TelegramEmulator, sink: NotificationSink) -> TelegramEmulator:
    emulator.yookassa.set_notification_url(sink.url)
    emulator.yookassa.retry_delays = (0.01, 0.02, 0.04)
    return emulator


@pytest.fixture
def gateway(yookassa: TelegramEmulator) -> YooKassaGateway:
    return YooKassaGateway(
        DEFAULT_SHOP_ID, DEFAULT_SECRET_KEY, yookassa.yookassa_api_url, retry_delay=0.01
    )


async def create(gateway: YooKassaGateway, key: str = "order-1", **changes: Any) -> YooKassaPayment:
    params: dict[str, Any] = {
        "amount": 49000,
        "currency": "RUB",
        "description": "EasyFlow: 5 interviews",
        "order_id": 1,
        "return_url": RETURN_URL,
        "idempotency_key": key,
    }
    params.update(changes)
    return await gateway.create_payment(**params)


async def control(
    http: aiohttp.ClientSession,
    emulator: TelegramEmulator,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
) -> tuple[int, dict[str, Any]]:
    url = f"{emulator.base_url}/sandbox/api/yookassa{path}"
    async with http.request(method, url, json=body) as response:
        return response.status, await response.json()


# ------------------------------------------------------------------------ payments
async def test_a_payment_is_created_and_found(
    yookassa: TelegramEmulator, gateway: YooKassaGateway
) -> None:
    payment = await create(gateway, order_id=42)
    assert len(payment.id) == 36
    assert payment.status == "pending"
    assert not payment.paid
    assert (payment.amount, payment.currency) == (49000, "RUB")
    assert payment.metadata["order_id"] == "42"
    assert payment.cancellation_reason is None
    assert payment.confirmation_url == f"{yookassa.base_url}/yookassa/checkout/{payment.id}"

    found = await gateway.find_payment(payment.id)
    assert found == payment

    stored = yookassa.yookassa.payments[payment.id].data
    assert stored["amount"] == {"value": "490.00", "currency": "RUB"}
    assert stored["test"] is True
    assert stored["description"] == "EasyFlow: 5 interviews"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stored["created_at"])
    assert yookassa.yookassa.payments[payment.id].capture is True


async def test_the_same_idempotency_key_gives_the_same_payment(
    yookassa: TelegramEmulator, gateway: YooKassaGateway
) -> None:
    first = await create(gateway, key="order-7")
    again = await create(gateway, key="order-7")
    other = await create(gateway, key="order-8")
    assert again.id == first.id
    assert other.id != first.id
    assert len(yookassa.yookassa.payments) == 2
    keys = [entry["idempotence_key"] for entry in yookassa.yookassa.requests]
    assert keys == ["order-7", "order-7", "order-8"]


async def test_the_same_key_with_other_data_is_refused(gateway: YooKassaGateway) -> None:
    await create(gateway, key="order-9")
    with pytest.raises(YooKassaError) as caught:
        await create(gateway, key="order-9", amount=99000)
    assert caught.value.status == 400
    assert caught.value.code == "invalid_request"
    assert not caught.value.retryable


async def test_an_unknown_payment_is_not_found(gateway: YooKassaGateway) -> None:
    with pytest.raises(YooKassaError) as caught:
        await gateway.find_payment("00000000-000f-5000-8000-000000000000")
    assert (caught.value.status, caught.value.code) == (404, "not_found")


async def test_a_receipt_must_add_up(gateway: YooKassaGateway) -> None:
    receipt = {
        "customer": {"email": "ann@example.com"},
        "items": [
            {
                "description": "5 interviews",
                "quantity": "1.00",
                "amount": {"value": "490.00", "currency": "RUB"},
                "vat_code": 1,
            }
        ],
    }
    payment = await create(gateway, key="with-receipt", receipt=receipt)
    assert payment.status == "pending"
    receipt["items"][0]["amount"] = {"value": "400.00", "currency": "RUB"}
    with pytest.raises(YooKassaError) as caught:
        await create(gateway, key="bad-receipt", receipt=receipt)
    assert caught.value.status == 400
    assert "receipt" in str(caught.value)


async def test_payments_are_seen_only_by_their_shop(
    yookassa: TelegramEmulator, gateway: YooKassaGateway
) -> None:
    payment = await create(gateway)
    stranger = YooKassaGateway("other-shop", "other-secret", yookassa.yookassa_api_url)
    with pytest.raises(YooKassaError) as caught:
        await stranger.find_payment(payment.id)
    assert caught.value.status == 404
    shops = {entry["shop_id"] for entry in yookassa.yookassa.requests}
    assert shops == {DEFAULT_SHOP_ID, "other-shop"}
    assert {entry["secret_matches"] for entry in yookassa.yookassa.requests} == {True, False}


async def test_strict_auth_refuses_wrong_credentials_without_showing_them(
    yookassa: TelegramEmulator,
) -> None:
    yookassa.yookassa.strict_auth = True
    gateway = YooKassaGateway(
        DEFAULT_SHOP_ID, "wrong-secret-123", yookassa.yookassa_api_url, retry_delay=0.01
    )
    with pytest.raises(YooKassaError) as caught:
        await create(gateway)
    assert (caught.value.status, caught.value.code) == (401, "invalid_credentials")
    assert not caught.value.retryable
    assert "wrong-secret-123" not in str(caught.value)
    assert len(yookassa.yookassa.requests) == 1  # not retried


async def test_two_gateways_never_mix_credentials(yookassa: TelegramEmulator) -> None:
    """The SDK's Configuration is global; calls from two shops at once stay apart."""
    yookassa.yookassa.strict_auth = True
    other = TelegramEmulator(rate_limits=None)
    other.yookassa.shop_id, other.yookassa.secret_key = "shop-b", "secret-b"
    other.yookassa.strict_auth = True
    await other.start("127.0.0.1", 0)
    try:
        first = YooKassaGateway(DEFAULT_SHOP_ID, DEFAULT_SECRET_KEY, yookassa.yookassa_api_url)
        second = YooKassaGateway("shop-b", "secret-b", other.yookassa_api_url)
        payments = await asyncio.gather(
            *(create(gateway, key=f"k{index}") for index in range(8) for gateway in (first, second))
        )
        assert len(yookassa.yookassa.payments) == 8
        assert len(other.yookassa.payments) == 8
        assert {payment.id for payment in payments} == {
            *yookassa.yookassa.payments,
            *other.yookassa.payments,
        }
    finally:
        await other.stop()


# -------------------------------------------------------------------- notifications
async def test_paying_notifies_the_bot(
    yookassa: TelegramEmulator,
    gateway: YooKassaGateway,
    sink: NotificationSink,
    http: aiohttp.ClientSession,
) -> None:
    payment = await create(gateway, order_id=5)
    status, answer = await control(http, yookassa, "POST", f"/payments/{payment.id}/succeed")
    assert status == 200
    assert answer["payment"]["status"] == "succeeded"
    delivery = answer["notification"]
    assert delivery["delivered"] is True
    assert delivery["attempts"] == [{"status": 200}]
    assert delivery["url"] == sink.url

    remote, body = sink.received[0]
    assert remote == "127.0.0.1"
    assert body["type"] == "notification"
    notification = parse_notification(body)
    assert notification.event == "payment.succeeded"
    assert notification.object_id == payment.id
    assert notification.status == "succeeded"
    assert notification.metadata["order_id"] == "5"
    # Not from YooKassa's ranges: the bot must list loopback to trust the sandbox.
    assert not is_trusted_address(remote, ["185.71.76.0/27"])
    assert is_trusted_address(remote, ["185.71.76.0/27", "127.0.0.1/32"])

    found = await gateway.find_payment(payment.id)
    assert (found.status, found.paid, found.confirmation_url) == ("succeeded", True, None)
    settled = yookassa.yookassa.payments[payment.id].data
    assert settled["income_amount"] == {"value": "472.85", "currency": "RUB"}
    assert settled["payment_method"]["type"] == "bank_card"


async def test_canceling_notifies_the_bot(
    yookassa: TelegramEmulator,
    gateway: YooKassaGateway,
    sink: NotificationSink,
    http: aiohttp.ClientSession,
) -> None:
    payment = await create(gateway)
    status, answer = await control(
        http, yookassa, "POST", f"/payments/{payment.id}/cancel", {"reason": "insufficient_funds"}
    )
    assert status == 200
    assert answer["notification"]["delivered"] is True
    notification = parse_notification(sink.received[0][1])
    assert (notification.event, notification.status) == ("payment.canceled", "canceled")
    found = await gateway.find_payment(payment.id)
    assert (found.status, found.paid) == ("canceled", False)
    assert found.cancellation_reason == "insufficient_funds"

    status, answer = await control(http, yookassa, "POST", f"/payments/{payment.id}/succeed")
    assert status == 409


async def test_a_refused_notification_is_retried(
    yookassa: TelegramEmulator,
    gateway: YooKassaGateway,
    sink: NotificationSink,
    http: aiohttp.ClientSession,
) -> None:
    sink.statuses = [500, 503]
    payment = await create(gateway)
    _, answer = await control(http, yookassa, "POST", f"/payments/{payment.id}/succeed")
    delivery = answer["notification"]
    assert delivery["delivered"] is True
    assert delivery["attempts"] == [{"status": 500}, {"status": 503}, {"status": 200}]
    assert len(sink.received) == 3
    assert (
        len({payment_id for payment_id in (body["object"]["id"] for _, body in sink.received)}) == 1
    )


async def test_delivery_gives_up_after_the_retries(
    yookassa: TelegramEmulator,
    gateway: YooKassaGateway,
    sink: NotificationSink,
    http: aiohttp.ClientSession,
) -> None:
    sink.statuses = [500] * 10
    payment = await create(gateway)
    _, answer = await control(http, yookassa, "POST", f"/payments/{payment.id}/succeed")
    assert answer["notification"]["delivered"] is False
    assert len(answer["notification"]["attempts"]) == 4
    # The payment is paid all the same; redelivery is one control call away.
    sink.statuses = []
    _, answer = await control(http, yookassa, "POST", f"/payments/{payment.id}/notify")
    assert answer["notification"]["delivered"] is True
    assert answer["notification"]["event"] == "payment.succeeded"


async def test_an_unreachable_bot_is_reported(
    yookassa: TelegramEmulator, gateway: YooKassaGateway, http: aiohttp.ClientSession
) -> None:
    yookassa.yookassa.set_notification_url(loopback_url("127.0.0.1", 9))
    payment = await create(gateway)
    _, answer = await control(http, yookassa, "POST", f"/payments/{payment.id}/succeed")
    attempts = answer["notification"]["attempts"]
    assert answer["notification"]["delivered"] is False
    assert len(attempts) == 4 and all("error" in attempt for attempt in attempts)


async def test_payments_are_listed(
    yookassa: TelegramEmulator, gateway: YooKassaGateway, http: aiohttp.ClientSession
) -> None:
    first = await create(gateway, key="a")
    await create(gateway, key="b")
    await control(http, yookassa, "POST", f"/payments/{first.id}/succeed")
    status, answer = await control(http, yookassa, "GET", "/payments")
    assert status == 200
    views = answer["payments"]
    assert [view["payment"]["status"] for view in views] == ["succeeded", "pending"]
    assert views[0]["shop_id"] == DEFAULT_SHOP_ID
    assert views[0]["return_url"] == RETURN_URL
    assert [n["event"] for n in views[0]["notifications"]] == ["payment.succeeded"]
    status, one = await control(http, yookassa, "GET", f"/payments/{first.id}")
    assert one["payment"]["id"] == first.id
    status, _ = await control(http, yookassa, "GET", "/payments/nope")
    assert status == 404


async def test_settings_are_read_and_changed(
    yookassa: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    status, settings = await control(http, yookassa, "GET", "/settings")
    assert status == 200
    assert settings["shop_id"] == DEFAULT_SHOP_ID
    assert "secret_key" not in settings
    _, settings = await control(
        http, yookassa, "POST", "/settings", {"notification_url": "http://127.0.0.1:1/x"}
    )
    assert settings["notification_url"] == "http://127.0.0.1:1/x"
    assert yookassa.yookassa.notification_url == "http://127.0.0.1:1/x"
    status, _ = await control(http, yookassa, "POST", "/settings", {"notification_url": "ftp:x"})
    assert status == 400


# ------------------------------------------------------------------------- refunds
async def paid(
    gateway: YooKassaGateway, emulator: TelegramEmulator, http: aiohttp.ClientSession
) -> YooKassaPayment:
    payment = await create(gateway)
    await control(http, emulator, "POST", f"/payments/{payment.id}/succeed")
    return payment


async def test_a_refund_is_made_once(
    yookassa: TelegramEmulator,
    gateway: YooKassaGateway,
    sink: NotificationSink,
    http: aiohttp.ClientSession,
) -> None:
    payment = await paid(gateway, yookassa, http)
    refund = await gateway.create_refund(
        payment_id=payment.id, amount=49000, currency="RUB", idempotency_key="refund-1"
    )
    assert (refund.payment_id, refund.status, refund.amount) == (payment.id, "succeeded", 49000)
    assert len(refund.id) == 36
    again = await gateway.create_refund(
        payment_id=payment.id, amount=49000, currency="RUB", idempotency_key="refund-1"
    )
    assert again == refund
    assert len(yookassa.yookassa.refunds) == 1
    data = yookassa.yookassa.payments[payment.id].data
    assert data["refunded_amount"] == {"value": "490.00", "currency": "RUB"}

    await sink.wait_for(2)  # payment.succeeded, then refund.succeeded in the background
    notification = parse_notification(sink.received[1][1])
    assert (notification.event, notification.object_id) == ("refund.succeeded", refund.id)


async def test_no_more_than_paid_is_refunded(
    yookassa: TelegramEmulator, gateway: YooKassaGateway, http: aiohttp.ClientSession
) -> None:
    payment = await paid(gateway, yookassa, http)
    await gateway.create_refund(
        payment_id=payment.id, amount=30000, currency="RUB", idempotency_key="part-1"
    )
    with pytest.raises(YooKassaError) as caught:
        await gateway.create_refund(
            payment_id=payment.id, amount=20000, currency="RUB", idempotency_key="part-2"
        )
    assert (caught.value.status, caught.value.code) == (400, "invalid_request")
    assert not caught.value.retryable
    rest = await gateway.create_refund(
        payment_id=payment.id, amount=19000, currency="RUB", idempotency_key="part-3"
    )
    assert rest.amount == 19000


async def test_a_pending_payment_cannot_be_refunded(gateway: YooKassaGateway) -> None:
    payment = await create(gateway)
    with pytest.raises(YooKassaError) as caught:
        await gateway.create_refund(
            payment_id=payment.id, amount=100, currency="RUB", idempotency_key="early"
        )
    assert caught.value.status == 400


# -------------------------------------------------------------------------- faults
async def test_one_503_is_retried_with_the_same_key(
    yookassa: TelegramEmulator, gateway: YooKassaGateway, http: aiohttp.ClientSession
) -> None:
    status, _ = await control(http, yookassa, "POST", "/faults", {"count": 1, "status": 503})
    assert status == 200
    payment = await create(gateway, key="retry-me")
    assert payment.status == "pending"
    log = yookassa.yookassa.requests
    assert [entry["status"] for entry in log] == [503, 200]
    assert {entry["idempotence_key"] for entry in log} == {"retry-me"}


async def test_persistent_5xx_is_a_yookassa_error(
    yookassa: TelegramEmulator, gateway: YooKassaGateway, http: aiohttp.ClientSession
) -> None:
    await control(http, yookassa, "POST", "/faults", {"count": 3, "status": 502})
    with pytest.raises(YooKassaError) as caught:
        await create(gateway)
    assert caught.value.status == 502
    assert caught.value.retryable
    assert len(yookassa.yookassa.requests) == 3
    assert not yookassa.yookassa.payments


async def test_500_with_youkassa_json_and_429_are_retried(
    yookassa: TelegramEmulator, gateway: YooKassaGateway, http: aiohttp.ClientSession
) -> None:
    payment = await create(gateway)
    await control(http, yookassa, "POST", "/faults", {"count": 1, "status": 500})
    await control(http, yookassa, "POST", "/faults", {"count": 1, "status": 429})
    found = await gateway.find_payment(payment.id)
    assert found.id == payment.id
    assert [entry["status"] for entry in yookassa.yookassa.requests] == [200, 500, 429, 200]


async def test_a_lost_answer_does_not_create_two_payments(
    yookassa: TelegramEmulator, gateway: YooKassaGateway, http: aiohttp.ClientSession
) -> None:
    """The first call is carried out but answered 500 (result unknown); the retry with the
    same key gets the payment that was made."""
    await control(http, yookassa, "POST", "/faults", {"count": 1, "status": 500, "after": True})
    payment = await create(gateway, key="unknown-result")
    assert list(yookassa.yookassa.payments) == [payment.id]


async def test_a_timeout_is_retried(
    yookassa: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    gateway = YooKassaGateway(
        DEFAULT_SHOP_ID,
        DEFAULT_SECRET_KEY,
        yookassa.yookassa_api_url,
        timeout=0.3,
        retry_delay=0.01,
    )
    await control(http, yookassa, "POST", "/faults", {"count": 1, "delay": 1.0, "status": None})
    payment = await create(gateway, key="slow")
    assert payment.status == "pending"
    await asyncio.sleep(1.0)  # the slow first call finishes and finds the key already used
    assert list(yookassa.yookassa.payments) == [payment.id]
    assert [entry["status"] for entry in yookassa.yookassa.requests] == [200, 200]


async def test_an_unreachable_api_is_a_yookassa_error() -> None:
    gateway = YooKassaGateway(
        DEFAULT_SHOP_ID, DEFAULT_SECRET_KEY, "http://127.0.0.1:9/yookassa/v3", retry_delay=0.01
    )
    with pytest.raises(YooKassaError) as caught:
        await gateway.find_payment("00000000-000f-5000-8000-000000000000")
    assert caught.value.retryable
    assert caught.value.status is None
    assert DEFAULT_SECRET_KEY not in str(caught.value)


async def test_faults_are_listed_and_cleared(
    yookassa: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    await control(http, yookassa, "POST", "/faults", {"count": 2, "status": 503})
    _, answer = await control(http, yookassa, "GET", "/faults")
    assert answer["faults"] == [{"remaining": 2, "status": 503, "delay": 0.0, "after": False}]
    await control(http, yookassa, "DELETE", "/faults")
    _, answer = await control(http, yookassa, "GET", "/faults")
    assert answer["faults"] == []
    status, _ = await control(http, yookassa, "POST", "/faults", {"status": 404})
    assert status == 400


# ------------------------------------------------------------------- checkout page
async def test_the_checkout_page_pays(
    yookassa: TelegramEmulator,
    gateway: YooKassaGateway,
    sink: NotificationSink,
    http: aiohttp.ClientSession,
) -> None:
    payment = await create(gateway, description="5 interviews <b>pack</b>")
    assert payment.confirmation_url is not None
    async with http.get(payment.confirmation_url) as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
    assert "490.00 RUB" in page
    assert "5 interviews &lt;b&gt;pack&lt;/b&gt;" in page
    assert "value='pay'" in page and "value='cancel'" in page

    async with http.post(
        payment.confirmation_url, data={"action": "pay"}, allow_redirects=False
    ) as response:
        assert response.status == 303
        assert response.headers["Location"] == RETURN_URL
    assert parse_notification(sink.received[0][1]).event == "payment.succeeded"
    assert (await gateway.find_payment(payment.id)).status == "succeeded"

    async with http.get(payment.confirmation_url) as response:
        page = await response.text()
    assert "succeeded" in page and "value='pay'" not in page
    # Pressing Pay again (the back button) changes nothing and notifies nobody.
    async with http.post(
        payment.confirmation_url, data={"action": "pay"}, allow_redirects=False
    ) as response:
        assert response.status == 303
    assert len(sink.received) == 1


async def test_the_checkout_page_cancels(
    yookassa: TelegramEmulator,
    gateway: YooKassaGateway,
    sink: NotificationSink,
    http: aiohttp.ClientSession,
) -> None:
    payment = await create(gateway)
    assert payment.confirmation_url is not None
    async with http.post(
        payment.confirmation_url, data={"action": "cancel"}, allow_redirects=False
    ) as response:
        assert response.status == 303
    notification = parse_notification(sink.received[0][1])
    assert (notification.event, notification.status) == ("payment.canceled", "canceled")
    found = await gateway.find_payment(payment.id)
    assert found.cancellation_reason == "expired_on_confirmation"


async def test_an_unknown_checkout_is_404(
    yookassa: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{yookassa.base_url}/yookassa/checkout/nope") as response:
        assert response.status == 404


# ------------------------------------------------------------------ raw API checks
async def test_the_api_needs_credentials_and_a_key(
    yookassa: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    url = f"{yookassa.yookassa_api_url}/payments"
    body = {
        "amount": {"value": "1.00", "currency": "RUB"},
        "confirmation": {"type": "redirect", "return_url": RETURN_URL},
    }
    async with http.post(url, json=body, headers={"Idempotence-Key": "x"}) as response:
        assert response.status == 401
        assert (await response.json())["code"] == "invalid_credentials"
    async with http.post(url, json=body, headers=AUTH) as response:
        assert response.status == 400
        error = await response.json()
    assert error["type"] == "error"
    assert error["parameter"] == "Idempotence-Key"
    async with http.post(url, json=body, headers={**AUTH, "Idempotence-Key": "x"}) as response:
        assert response.status == 200
        created = await response.json()
    assert yookassa.yookassa.payments[created["id"]].capture is False  # YooKassa's default


async def test_capture_false_waits_for_capture(
    yookassa: TelegramEmulator, sink: NotificationSink, http: aiohttp.ClientSession
) -> None:
    api = yookassa.yookassa_api_url
    body = {
        "amount": {"value": "10.00", "currency": "RUB"},
        "capture": False,
        "confirmation": {"type": "redirect", "return_url": RETURN_URL},
    }
    async with http.post(
        f"{api}/payments", json=body, headers={**AUTH, "Idempotence-Key": "two-step"}
    ) as response:
        payment_id = (await response.json())["id"]
    _, answer = await control(http, yookassa, "POST", f"/payments/{payment_id}/succeed")
    assert answer["payment"]["status"] == "waiting_for_capture"
    assert answer["notification"]["event"] == "payment.waiting_for_capture"
    async with http.post(
        f"{api}/payments/{payment_id}/capture",
        json={},
        headers={**AUTH, "Idempotence-Key": "capture-1"},
    ) as response:
        assert response.status == 200
        assert (await response.json())["status"] == "succeeded"
    await sink.wait_for(2)
    assert sink.received[1][1]["event"] == "payment.succeeded"
